"""Time a from-scratch training of the conductivity model (CI budget: under 3 minutes).

With --fast, times the app's first start instead (`train_default`: the documented default
kind only, one CV pass for the interval, no permutation importances).

With --cv KIND,KIND,... prints the repeated grouped-CV metrics of each kind instead, in the
selection protocol (OBELiX train + guarded Liverpool rows, scored on OBELiX rows, seeds
0-2), e.g. --cv etw-median,knn-k5-fam0.3-p0.5,etw-median+knn-k5-fam0.3-p0.5. Never touches
the test split.

--liverpool MODE chooses which guarded Liverpool rows join (`LIVERPOOL_MODES`: rt, all,
arrhenius, all+arrhenius) and --blocks adds optional descriptor blocks, e.g.
--liverpool all --blocks temperature (every Liverpool temperature, 1/T as a feature).

Reads the training data from the store (`SSE_AUDIT_DB`, else `var/sse_audit.duckdb`; build
it first with `sse-audit build`).

Usage: python benchmarks/bench_model.py [--quick] [--no-extra] [--fast] [--cv KINDS]
       [--liverpool MODE] [--blocks BLOCKS]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Runnable as `python benchmarks/<name>.py` from anywhere, as the README says.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.features import feature_frame  # noqa: E402 - after the sys.path line above
from auditor.model import (  # noqa: E402
    cv_metrics,
    out_of_fold,
    save_model,
    train_default,
    train_official,
    training_frame,
    training_groups,
)
from db.connection import connect  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-extra", action="store_true")
    parser.add_argument("--fast", action="store_true", help="time train_default instead")
    parser.add_argument("--cv", default="", help="comma-separated kinds: CV table only")
    parser.add_argument("--liverpool", default="rt", help="Liverpool mode (LIVERPOOL_MODES)")
    parser.add_argument("--blocks", default="", help="comma-separated optional blocks")
    args = parser.parse_args()
    con = connect(read_only=True)
    if args.cv:
        blocks = tuple(b for b in args.blocks.split(",") if b)
        cv_table(
            con,
            args.cv.split(","),
            extra=not args.no_extra,
            liverpool=args.liverpool,
            blocks=blocks,
        )
        return
    t0 = time.perf_counter()
    if args.fast:
        model = train_default(con, quick=args.quick, extra=not args.no_extra)
    else:
        model = train_official(con, quick=args.quick, extra=not args.no_extra)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SSE_AUDIT_MODELS"] = folder
        save_model(model, folder)
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - t0, 1),
                "path": "fast" if args.fast else "full",
                "kind": model.kind,
                "halfwidth80": round(model.halfwidth80, 3),
                **{k: round(v, 3) for k, v in model.metrics["test"].items()},
            }
        )
    )


def cv_table(
    con,
    kinds: list[str],
    *,
    extra: bool = True,
    liverpool: str = "rt",
    blocks: tuple[str, ...] = (),
) -> None:
    """One JSON line per kind: repeated grouped-CV metrics on the OBELiX train rows."""
    frame = training_frame(con, extra=extra, liverpool=liverpool)
    data = frame[np.isfinite(frame["log10_sigma"].astype(float))]
    feats, mask = feature_frame(data, blocks=blocks)
    data = data[mask.to_numpy()]
    y = data["log10_sigma"].to_numpy(float)
    groups, scored = training_groups(data), data["obelix_id"].notna().to_numpy()
    for kind in kinds:
        t0 = time.perf_counter()
        oof = out_of_fold(kind, feats, y, groups)
        m = cv_metrics(y, oof, scored)
        per = [round(float(np.abs(o[scored] - y[scored]).mean()), 3) for o in oof]
        row = {"kind": kind, "liverpool": liverpool, "blocks": "+".join(blocks), "n_train": len(y)}
        row |= {k: round(v, 4) for k, v in m.items() if isinstance(v, float)}
        row.update(per_repeat_mae=per, seconds=round(time.perf_counter() - t0, 1))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

"""Repeated grouped CV of the default kind with each optional descriptor block switched on.

Same protocol as model selection (`auditor.model.select_kind`): OBELiX train + guarded
Liverpool rows, groups = DOI/composition, `CV_REPEATS` shuffled GroupKFold repeats, scored
on OBELiX rows, read from the store (build it first with `sse-audit build`). Never touches
the test split.

Usage: python benchmarks/bench_features.py [--kind etw-median] [--variants base,chem,sites]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

# Runnable as `python benchmarks/<name>.py` from anywhere, as the README says.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.features import OPTIONAL_BLOCKS, feature_frame  # noqa: E402 - after sys.path
from auditor.model import cv_metrics, out_of_fold, training_frame, training_groups  # noqa: E402
from db.connection import connect  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", default="etw-median")
    parser.add_argument("--variants", default="base,chem,sites,chem+sites")
    args = parser.parse_args()
    frame = training_frame(connect(read_only=True), extra=True)
    data = frame[np.isfinite(frame["log10_sigma"].astype(float))]
    t0 = time.perf_counter()
    feats, mask = feature_frame(data, blocks=OPTIONAL_BLOCKS)
    featurize_s = time.perf_counter() - t0
    data = data[mask.to_numpy()]
    y = data["log10_sigma"].to_numpy(float)
    groups = training_groups(data)
    scored = data["obelix_id"].notna().to_numpy()
    prefixes = {"chem": "chem_", "sites": "sites_"}
    # A short list of the physically motivated columns (carrier sites per Li, Li occupancy,
    # off-stoichiometric Li, polyanion share, anion-cation electronegativity gap), so a
    # handful of informative columns is not drowned by the rest of a block.
    core = [
        "sites_per_li", "sites_li_occ_mean", "sites_li_partial_frac", "sites_li_cn",
        "sites_free_volume_per_li", "chem_li_nonint", "chem_polyanion_share", "chem_dX",
    ]  # fmt: skip
    print(json.dumps({"featurize_seconds": round(featurize_s, 1), "n": len(y)}), flush=True)
    for variant in args.variants.split(","):
        on = set() if variant == "base" else set(variant.split("+"))
        drop = [c for b, p in prefixes.items() if b not in on for c in feats if c.startswith(p)]
        if "core" in on:
            drop = [c for c in feats if c.startswith(tuple(prefixes.values())) and c not in core]
        cols = feats.drop(columns=drop)
        t0 = time.perf_counter()
        oof = out_of_fold(args.kind, cols, y, groups)
        m = cv_metrics(y, oof, scored)
        per = [float(np.abs(o[scored] - y[scored]).mean()) for o in oof]
        print(
            json.dumps(
                {
                    "variant": variant,
                    "kind": args.kind,
                    "n_features": cols.shape[1],
                    **{k: round(v, 4) for k, v in m.items() if isinstance(v, float)},
                    "per_repeat_mae": [round(p, 3) for p in per],
                    "seconds": round(time.perf_counter() - t0, 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()

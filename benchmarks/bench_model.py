"""Time a from-scratch training of the conductivity model (CI budget: under 3 minutes).

Usage: python benchmarks/bench_model.py [--quick] [--no-extra]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-extra", action="store_true")
    args = parser.parse_args()
    import os

    from auditor.model import save_model, train_official

    t0 = time.perf_counter()
    model = train_official(quick=args.quick, extra=not args.no_extra)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SSE_AUDIT_MODELS"] = folder
        save_model(model, folder)
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - t0, 1),
                "kind": model.kind,
                "test_mae": round(model.metrics["test"]["mae"], 3),
                "coverage80": round(model.metrics["test"]["coverage80"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()

"""Time of a CIF screen, step by step, with the BVSE barrier computed cold (no cache).

Run: python benchmarks/bench_screen.py [CIF_ID ...]. Reads $SSE_AUDIT_DB (or var/) and the saved
models (the app's first start or `sse-audit model train` saves them); prints one line per CIF:
reading the CIF, the sigma and Ea predictions, the BVSE barrier (`compute_cif`, no cache) and
the cohort positions, in seconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.bvse import compute_cif  # noqa: E402
from auditor.ea_model import load_ea_model  # noqa: E402
from auditor.model import load_model  # noqa: E402
from auditor.screen import (  # noqa: E402
    bundled_cif,
    candidate_from_cif,
    positions,
    predict_ea,
    predict_sigma,
    screen_records,
)
from db.connection import connect  # noqa: E402

DEFAULT_IDS = ["4p7", "019", "qbb", "fft", "09w", "00x"]


def main(ids: list[str]) -> None:
    con = connect(read_only=True)
    sigma_model, ea_model = load_model(), load_ea_model()
    if sigma_model is None or ea_model is None:
        sys.exit("no saved models: start the app once or run `sse-audit model train`")
    totals = []
    for cif_id in ids:
        t = [time.perf_counter()]
        cand = candidate_from_cif(
            bundled_cif(cif_id), f"{cif_id}.cif", lambda key: screen_records(con, key)
        )
        records = screen_records(con, cand.composition_key)
        t.append(time.perf_counter())
        sigma = predict_sigma(cand, sigma_model)
        ea = predict_ea(cand, ea_model)
        t.append(time.perf_counter())
        bvse = compute_cif(cand.cif_path)
        t.append(time.perf_counter())
        positions(records, cand, sigma=sigma, ea=ea, bvse=bvse)
        t.append(time.perf_counter())
        steps = [b - a for a, b in zip(t, t[1:], strict=False)]
        totals.append(t[-1] - t[0])
        print(
            f"{cif_id} {cand.composition_key:<24} read {steps[0]:.2f} s, models {steps[1]:.2f} s, "
            f"BVSE {steps[2]:.2f} s ({bvse.status}, {bvse.e_3d_ev}), positions {steps[3]:.2f} s, "
            f"total {totals[-1]:.2f} s"
        )
    print(f"median total {statistics.median(totals):.2f} s over {len(totals)} CIFs (BVSE cold)")


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT_IDS)

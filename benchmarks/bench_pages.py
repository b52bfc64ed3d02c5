"""Warm render time of every page (AppTest runs the page script as the server would).

Run: python benchmarks/bench_pages.py [--runs 5]. Uses $SSE_AUDIT_DB (built if missing).
Prints one line per page: cold (first run, caches empty) and the median of warm reruns. This is
the server-side script time; the browser adds its own drawing on top.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest  # noqa: E402

from app import PAGES  # noqa: E402
from db.config import REPO_ROOT, db_path  # noqa: E402
from db.connection import connect  # noqa: E402

# A realistic view per page (what a demo opens), as URL query parameters.
VIEWS = {
    "views/explorer.py": {"q": "LLZO"},
    "views/evidence.py": {"material": "Li7La3Zr2O12"},
    "views/cohorts.py": {"family": "NASICON", "property": "Em"},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    connect(db_path()).close()  # build the store first, outside the timings
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=300)
    at.run()
    print(f"{'page':<22}{'cold s':>10}{'warm median s':>16}")
    for path, title, _ in PAGES:
        at.switch_page(path)
        at.query_params.clear()
        for key, value in VIEWS.get(path, {}).items():
            at.query_params[key] = value
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        warm = []
        for _ in range(args.runs):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        status = "exception!" if at.exception else ""
        print(f"{title:<22}{cold:>10.3f}{statistics.median(warm):>16.3f} {status}")


if __name__ == "__main__":
    main()

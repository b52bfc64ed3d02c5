"""A writer's lock wait beside app processes that render pages (one machine, one store file).

Copies the store ($SSE_AUDIT_DB or var/sse_audit.duckdb) to a temporary folder and starts
READERS processes, each running the real app (`app.py` through Streamlit's AppTest, so the
real `views.store` run scope and page code) over the copy, page after page, back to back.
Once they are warm, a writer opens the store for writing every 0.5 s (the CLI's opener,
`db.connection.connect`, marker and backoff included) and records how long it waited;
twice meanwhile it ingests a small table as `sse-audit ingest` does. Prints the waits and
the readers' page runs; asserts nothing.

    python benchmarks/bench_writer_wait.py [READERS] [SECONDS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.config import db_path  # noqa: E402
from db.connection import connect  # noqa: E402
from pipeline.ingest import ingest_rows  # noqa: E402

# One reader: the app's pages in turn, as a browser session clicking through them would.
READER = r"""
import sys, time
from streamlit.testing.v1 import AppTest
app, until, ready = sys.argv[1], float(sys.argv[2]), sys.argv[3]
pages = ["views/overview.py", "views/explorer.py", "views/cohorts.py", "views/outliers.py",
         "views/evidence.py", "views/normalizer_review.py"]
at = AppTest.from_file(app, default_timeout=600)
at.run()
for page in pages:  # warm this process's caches once
    at.switch_page(page).run()
log = open(ready, "w", buffering=1)
log.write("ready\n")
runs = 0
while time.time() < until:
    at.switch_page(pages[runs % len(pages)]).run()
    runs += 1
    log.write("exception\n" if at.exception else "run\n")
"""

ROWS = [
    {"material": "Li6PS5Cl", "property": "sigma", "value": v, "unit": "mS/cm", "temperature": "25",
     "temperature_unit": "C", "method": "EIS", "doi": "10.1000/bench.wait"}
    for v in ("2.1", "2.3")
]  # fmt: skip


def main() -> None:
    readers = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    folder = Path(tempfile.mkdtemp(prefix="bench_writer_wait_"))
    store = folder / "store.duckdb"
    shutil.copy(db_path(), store)
    env = {
        **os.environ,
        "SSE_AUDIT_DB": str(store),
        "SSE_AUDIT_REFRESH_SECONDS": "0",
        "SSE_AUDIT_TRAIN_ON_START": "0",
        "SSE_AUDIT_MODELS": str(folder / "models"),
    }
    os.environ.update(env)
    # The first start writes (cohort tables, predictions): do it once before the readers.
    first = [sys.executable, "-c", READER, str(ROOT / "app.py"), "0", str(folder / "first")]
    subprocess.run(first, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    until = time.time() + 1e6
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(ROOT / "app.py"), str(until), str(folder / f"r{i}")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for i in range(readers)
    ]
    waits: list[float] = []
    ingests: list[float] = []
    try:
        while not all((folder / f"r{i}").exists() for i in range(readers)):
            time.sleep(0.5)
        warm_until = time.time() + seconds
        started = time.monotonic()
        n = 0
        while time.time() < warm_until:
            t = time.monotonic()
            if n in (20, 60):
                ingest_rows(ROWS, f"bench-wait-{n}", path=store, on_wait=None)
                ingests.append(time.monotonic() - t)
            else:
                connect(store, on_wait=None).close()
                waits.append(time.monotonic() - t)
            n += 1
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        lines = [(folder / f"r{i}").read_text().split() for i in range(readers)]
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(folder, ignore_errors=True)
    waits.sort()
    print(
        f"{readers} app reader processes (AppTest, pages back to back), {elapsed:.0f} s: "
        f"writer lock wait median {statistics.median(waits):.2f} s, "
        f"p90 {waits[int(len(waits) * 0.9)]:.2f} s, max {waits[-1]:.2f} s over {len(waits)} "
        f"opens; ingests (wait + write) {', '.join(f'{s:.1f}' for s in ingests)} s; "
        f"reader page runs {sum(x.count('run') for x in lines)}, "
        f"with an exception {sum(x.count('exception') for x in lines)}"
    )


if __name__ == "__main__":
    main()

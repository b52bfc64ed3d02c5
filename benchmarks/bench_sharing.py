"""How long writers wait while readers keep the store busy (one machine, one store file).

Copies the store to a temporary folder, starts READERS processes that read the store as the
app's uncached page runs do (open read-only, overview queries, close) with THINK seconds
between runs (0 = back to back, the worst case), then ingests INGESTS small tables the way
`sse-audit ingest` does, timing how long each waited for the write lock and how long it
held it. Prints the figures; asserts nothing.

    python benchmarks/bench_sharing.py [READERS] [THINK] [INGESTS]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.config import db_path  # noqa: E402
from db.connection import connect, store_version, transaction  # noqa: E402
from db.loaders.template import load_template_rows, read_table, user_source_spec  # noqa: E402
from db.write import write_source, write_uploads  # noqa: E402
from pipeline.derive import derive  # noqa: E402
from pipeline.names import RULES  # noqa: E402

READER = """
import sys, time
from db.accounting import quarantine_rows, store_stats
from db.connection import connect
path, think, until = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
runs = 0
while time.time() < until:
    con = connect(path, read_only=True, on_wait=None)
    store_stats(con); quarantine_rows(con, None)
    con.close()
    runs += 1
    time.sleep(think)
print(runs)
"""

CSV = (
    "material,property,value,unit,temperature,temperature_unit,method,doi,reference,notes\n"
    "Li6PS5Cl,sigma,2.1,mS/cm,25,C,EIS,10.1000/bench.share,,\n"
    "Li6PS5Cl,sigma,2.3,mS/cm,25,C,EIS,10.1000/bench.share,,\n"
)


def main() -> None:
    readers = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    think = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    ingests = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    folder = Path(tempfile.mkdtemp(prefix="bench_sharing_"))
    store = folder / "store.duckdb"
    shutil.copy(db_path(), store)
    csv = folder / "lab.csv"
    csv.write_text(CSV)
    rows = read_table(csv)

    t = time.perf_counter()
    for _ in range(20):
        connect(store, read_only=True).close()
    open_ms = (time.perf_counter() - t) / 20 * 1000
    t = time.perf_counter()
    for _ in range(1000):
        store_version(store)
    version_us = (time.perf_counter() - t) / 1000 * 1e6

    until = time.time() + 1e6
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(store), str(think), str(until)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(readers)
    ]
    time.sleep(8)  # the readers' imports, then steady state
    waits, holds, retries = [], [], []
    try:
        for i in range(ingests):
            name = f"bench-{i}"
            result = load_template_rows(user_source_spec(name), rows, RULES)
            n = [0]
            started = time.perf_counter()
            con = connect(store, on_wait=lambda a, b, m, n=n: n.__setitem__(0, a))
            got = time.perf_counter()
            with transaction(con):
                write_source(con, result)
                write_uploads(con, name, rows)
                derive(con, source=name, predictions=False)
            con.close()
            waits.append(got - started)
            holds.append(time.perf_counter() - got)
            retries.append(n[0])
            time.sleep(1)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"read-only open+close: {open_ms:.0f} ms; store_version: {version_us:.0f} us")
    print(
        f"{readers} reader processes, think {think} s: ingest waited for the write lock "
        f"median {statistics.median(waits):.2f} s, max {max(waits):.2f} s "
        f"(retries {retries}); held it median {statistics.median(holds):.2f} s, "
        f"max {max(holds):.2f} s over {ingests} ingests"
    )


if __name__ == "__main__":
    main()

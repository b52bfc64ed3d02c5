"""Team-mode overhead against the embedded mode (and the plain DuckDB file) on the real store.

    python benchmarks/bench_store_modes.py [--store var/sse_audit.duckdb] [--runs 7] [--json]

Imports a built store (`sse-audit build`) into a fresh embedded lake (SQLite catalog) and a
fresh team lake (a throwaway PostgreSQL from tests/pg_server.py, data in a temp dir), timing the
set-up from scratch, then times in every mode, median of --runs:
- explorer search: `db.search.search_records` for a text, first page;
- cohort statistics: `auditor.cohorts.load_records` + `cohort_stats` for one family/property;
- ingest write: one transaction adding a real source's records again as a new source;
- store version: the cache key read (lake modes).
Needs duckdb 1.5.5 and the duckdb-extension-* packages (requirements.txt), and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from auditor.cohorts import cohort_stats, load_records  # noqa: E402
from db.config import db_path  # noqa: E402
from db.engine import Store, _columns, allocate_ids, ensure_extensions, store_config  # noqa: E402
from db.search import search_records  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

COPIED_SOURCE = "liverpool"  # the source whose records the ingest write adds again


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _explorer(con) -> int:
    frame, total = search_records(con, keys=None, text="Li7La3Zr2O12", limit=50)
    return total


def _cohorts(con) -> int:
    return len(cohort_stats(load_records(con), family="NASICON", property="Em", n_boot=200))


def _ingest(con, database: str, name: str, explicit_ids: bool) -> None:
    cols = [c for c in _columns(con, database, "records") if c != "record_id"]
    renamed = {"source": "?", "record_key": "? || '/' || record_key"}
    select = ", ".join(renamed.get(c, c) for c in cols)
    con.execute(
        "INSERT INTO sources (name, title, citation, kind, available, rows_in, loaded, quarantined) "
        "SELECT ?, title, citation, 'user', available, rows_in, loaded, quarantined "
        "FROM sources WHERE name = ?",
        [name, COPIED_SOURCE],
    )
    n = con.execute("SELECT count(*) FROM records WHERE source = ?", [COPIED_SOURCE]).fetchone()[0]
    if explicit_ids:
        first = allocate_ids(con, "record_id_seq", n)
        con.execute(
            f"INSERT INTO records (record_id, {', '.join(cols)}) "  # noqa: S608
            f"SELECT ? + row_number() OVER () - 1, {select} FROM records WHERE source = ?",
            [first, name, name, COPIED_SOURCE],
        )
    else:
        con.execute(
            f"INSERT INTO records ({', '.join(cols)}) SELECT {select} "  # noqa: S608
            "FROM records WHERE source = ?",
            [name, name, COPIED_SOURCE],
        )


def bench_file(path: Path, runs: int, tmp: Path) -> dict:
    copy = tmp / "file.duckdb"
    shutil.copy(path, copy)
    con = duckdb.connect(str(copy))
    counter = iter(range(10**6))
    out = {
        "explorer_search_s": _median(lambda: _explorer(con.cursor()), runs),
        "cohort_statistics_s": _median(lambda: _cohorts(con.cursor()), runs),
    }

    def ingest() -> None:
        cur = con.cursor()
        cur.execute("BEGIN TRANSACTION")
        _ingest(cur, "file", f"bench-{next(counter)}", explicit_ids=True)
        cur.execute("COMMIT")

    out["ingest_write_s"] = _median(ingest, runs)
    con.close()
    return out


def bench_lake(setting: str, built: Path, runs: int) -> dict:
    started = time.perf_counter()
    store = Store(store_config(setting), notify=lambda m: None)
    store.init_schema()
    copied = store.publish(built)
    setup = time.perf_counter() - started
    counter = iter(range(10**6))
    out = {
        "setup_from_scratch_s": setup,
        "records_imported": copied["records"],
        "explorer_search_s": _median(lambda: store.read(_explorer), runs),
        "cohort_statistics_s": _median(lambda: store.read(_cohorts), runs),
        "ingest_write_s": _median(
            lambda: store.write(
                lambda con: _ingest(con, "lake", f"bench-{next(counter)}", explicit_ids=True)
            ),
            runs,
        ),
        "store_version_s": _median(store.version, runs),
    }
    store.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=str(db_path()))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    built = Path(args.store)
    if not built.is_file():
        print(f"no store at {built}; run `sse-audit build` first", file=sys.stderr)
        return 2
    ensure_extensions()
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    result: dict = {
        "records": duckdb.connect(str(built), read_only=True)
        .execute("SELECT count(*) FROM records")
        .fetchone()[0],
        "runs": args.runs,
    }
    result["file"] = bench_file(built, args.runs, tmp)
    result["embedded"] = bench_lake(f"embedded:{tmp / 'lake'}", built, args.runs)
    started = time.perf_counter()
    server = PgServer().start()
    result["postgres_server_start_s"] = time.perf_counter() - started
    try:
        started = time.perf_counter()
        server.create_database("sse")
        createdb = time.perf_counter() - started
        setting = f"postgresql://{server.user}@127.0.0.1:{server.port}/sse?data_path={tmp / 'team'}"
        result["team"] = bench_lake(setting, built, args.runs)
        result["team"]["setup_from_scratch_s"] += createdb
    finally:
        server.destroy()
    shutil.rmtree(tmp, ignore_errors=True)
    result["ratios"] = {
        f"{mode}/{base}:{op}": result[mode][op] / result[base][op]
        for mode, base in (("team", "embedded"), ("embedded", "file"))
        for op in ("explorer_search_s", "cohort_statistics_s", "ingest_write_s")
    }
    if args.json:
        print(json.dumps(result, default=lambda x: round(x, 4)))
    else:
        for key, value in result.items():
            print(f"{key}: {json.dumps(value, default=str)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

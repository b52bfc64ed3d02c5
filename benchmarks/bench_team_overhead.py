"""The team store's overhead against the embedded DuckDB file, through the one `db` API.

    python benchmarks/bench_team_overhead.py [--store var/sse_audit.duckdb] [--runs 5] [--json]

Copies a built store (`sse-audit build`) for the embedded mode and sets up a team store from
scratch on a throwaway PostgreSQL (tests/pg_server.py; data under a temp dir): initdb + start,
then createdb + tables + the build published (what `sse-audit build` ends with in team mode).
Then, in each mode, median of --runs, each including the open of a connection as a page does:
- explorer search: `db.search.search_records` for a text, first page;
- cohort statistics: `auditor.cohorts.load_records` + `cohort_stats` for one family/property;
- ingest: `pipeline.ingest.ingest_rows` of the same 20 template rows as a new source (writes,
  normalization, derivations, flags: what the CLI's ingest does).
With --full-build it also times `sse-audit build` straight into an empty team store.
Needs duckdb 1.5.5, the duckdb-extension-* packages (requirements.txt) and PostgreSQL.
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

from auditor.cohorts import cohort_stats, load_records  # noqa: E402
from db.config import db_path  # noqa: E402
from db.connection import close_lake, connect, lake_store, reading  # noqa: E402
from db.engine import ensure_extensions  # noqa: E402
from db.search import search_records  # noqa: E402
from pipeline.build import build_store  # noqa: E402
from pipeline.ingest import ingest_rows  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

ROWS = [
    {
        "material": f"Li{7 - i % 3}La3Zr2O12" if i % 2 else "Li3PS4",
        "property": "sigma",
        "value": f"{0.1 + i / 100:.2f}",
        "unit": "mS/cm",
        "temperature": "25",
        "temperature_unit": "C",
        "method": "EIS",
        "doi": f"10.1000/bench.{i}",
    }
    for i in range(20)
]


def published_team_store(server: PgServer, database: str, built: Path, data: Path) -> str:
    """A team store from scratch on `server`: its database, tables and `built` published
    (what `sse-audit build` ends with in team mode); returns its `SSE_AUDIT_STORE` setting."""
    server.create_database(database)
    location = f"postgresql://{server.user}@127.0.0.1:{server.port}/{database}?data_path={data}"
    connect(location, on_wait=None).close()
    lake_store(location).publish(built)
    return location


def built_store_arg(store: str) -> Path | None:
    """The built store a benchmark's `--store` names, or None (said on stderr) when absent."""
    built = Path(store)
    if not built.is_file():
        print(f"no store at {built}; run `sse-audit build` first", file=sys.stderr)
        return None
    return built


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _explorer(location: str) -> int:
    with reading(location, on_wait=None) as con:
        return search_records(con, keys=None, text="Li7La3Zr2O12", limit=50)[1]


def _cohorts(location: str) -> int:
    with reading(location, on_wait=None) as con:
        return len(cohort_stats(load_records(con), family="NASICON", property="Em", n_boot=200))


def bench(location: str, runs: int, label: str) -> dict:
    counter = iter(range(10**6))
    _explorer(location)  # warm: the first open of a lake attaches it (timed as set-up)
    return {
        "explorer_search_s": _median(lambda: _explorer(location), runs),
        "cohort_statistics_s": _median(lambda: _cohorts(location), runs),
        "ingest_s": _median(
            lambda: ingest_rows(ROWS, f"bench-{label}-{next(counter)}", path=location, on_wait=None),
            runs,
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=str(db_path()))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-build", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    built = built_store_arg(args.store)
    if built is None:
        return 2
    ensure_extensions()
    tmp = Path(tempfile.mkdtemp(prefix="bench-team-"))
    result: dict = {"runs": args.runs}
    copy = tmp / "embedded.duckdb"
    shutil.copy(built, copy)
    with reading(copy, on_wait=None) as con:
        result["records"] = con.execute("SELECT count(*) FROM records").fetchone()[0]
    result["embedded"] = bench(str(copy), args.runs, "embedded")
    started = time.perf_counter()
    server = PgServer().start()
    result["postgres_initdb_and_start_s"] = time.perf_counter() - started
    try:
        started = time.perf_counter()
        location = published_team_store(server, "sse", built, tmp / "team")
        result["team_setup_from_scratch_s"] = time.perf_counter() - started
        result["team"] = bench(location, args.runs, "team")
        close_lake(location)
        if args.full_build:
            server.create_database("sse_build")
            location = (
                f"postgresql://{server.user}@127.0.0.1:{server.port}/sse_build"
                f"?data_path={tmp / 'team_build'}"
            )
            started = time.perf_counter()
            build_store(location, progress=lambda f, m: None)
            result["team_full_build_s"] = time.perf_counter() - started
            started = time.perf_counter()
            build_store(tmp / "rebuilt.duckdb", progress=lambda f, m: None)
            result["embedded_full_build_s"] = time.perf_counter() - started
            close_lake(location)
    finally:
        server.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    result["team/embedded"] = {
        op: result["team"][op] / result["embedded"][op] for op in result["embedded"]
    }
    if args.json:
        print(json.dumps(result, default=lambda x: round(x, 4)))
    else:
        for key, value in result.items():
            print(f"{key}: {json.dumps(value, default=lambda x: round(x, 4))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

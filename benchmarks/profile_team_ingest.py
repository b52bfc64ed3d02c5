"""Where an ingest's time goes, step by step, on the embedded file and on a team store.

    python benchmarks/profile_team_ingest.py [--store var/sse_audit.duckdb] [--runs 3] [--json]

The same 20 template rows as `bench_team_overhead.py` are ingested as a new source --runs times
per mode; each step of the ingest (the source's write, each derivation) is timed, and on the
team store the catalog's statements are counted from PostgreSQL's own log (`log_statement =
all`): every line the server logs for a statement or a prepared statement's execution is one
round trip from DuckLake to the catalog. Prints the median seconds and statements per step.
Needs duckdb 1.5.5, the duckdb-extension-* packages (requirements.txt) and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pipeline.derive as derive_module  # noqa: E402
import pipeline.ingest as ingest_module  # noqa: E402
from benchmarks.bench_team_overhead import (  # noqa: E402
    ROWS,
    built_store_arg,
    published_team_store,
)
from db.config import db_path  # noqa: E402
from db.connection import close_lake  # noqa: E402
from db.engine import ensure_extensions  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

# The steps timed: (module, attribute) the ingest calls by that name.
STEPS = (
    (ingest_module, "write_source"),
    (ingest_module, "write_uploads"),
    (derive_module, "normalize_store"),
    (derive_module, "derive_arrhenius_records"),
    (derive_module, "refresh_cohort_tables"),
    (derive_module, "refresh_search_index"),
    (derive_module, "refresh_flags"),
)


class Catalog:
    """PostgreSQL's statement log, counted between two marks (None: no catalog)."""

    def __init__(self, server: PgServer | None):
        self.server = server
        self.offset = 0
        self.total = 0  # every statement counted so far (marks inside marks add up once)
        self.slept = 0.0  # the pauses below, taken out of the ingest's time

    def mark(self) -> int:
        """Statements logged so far (a step's count is the difference of two marks)."""
        if self.server is None:
            return 0
        # The server writes its log asynchronously from each backend; a short pause lets the
        # last statement's line land before it is counted.
        time.sleep(0.05)
        self.slept += 0.05
        with open(self.server.log, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
            self.offset += len(chunk)
        self.total += sum(
            1
            for line in chunk.splitlines()
            if b"LOG:  statement:" in line or b"LOG:  execute" in line
        )
        return self.total


def instrument(times: dict, counts: dict, catalog: Catalog) -> None:
    """Wrap each step so its seconds and catalog statements are added up per call."""
    for module, name in STEPS:
        original = getattr(module, name)

        def timed(*args, __original=original, __name=name, **kwargs):
            before = catalog.mark()
            started = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                times[__name].append(time.perf_counter() - started)
                counts[__name].append(catalog.mark() - before)

        setattr(module, name, timed)


def profile(location: str, runs: int, label: str, catalog: Catalog) -> dict:
    """Median seconds and catalog statements per step over `runs` ingests."""
    times: dict = defaultdict(list)
    counts: dict = defaultdict(list)
    originals = {(m, n): getattr(m, n) for m, n in STEPS}
    instrument(times, counts, catalog)
    totals, total_counts = [], []
    try:
        for run in range(runs):
            before = catalog.mark()
            slept = catalog.slept
            started = time.perf_counter()
            ingest_module.ingest_rows(ROWS, f"profile-{label}-{run}", path=location, on_wait=None)
            totals.append(time.perf_counter() - started - (catalog.slept - slept))
            total_counts.append(catalog.mark() - before)
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
    steps = {
        name: {
            "s": statistics.median(times[name]),
            "statements": statistics.median(counts[name]) if catalog.server else None,
        }
        for _, name in STEPS
    }
    accounted = sum(v["s"] for v in steps.values())
    total = statistics.median(totals)
    statements = statistics.median(total_counts) if catalog.server else None
    return {
        "ingest_s": total,
        "all_s": totals,
        "catalog_statements": statements,
        "steps": steps,
        "other_s": total - accounted,
    }


def _psql(server: PgServer, sql: str) -> None:
    subprocess.run(
        [
            *server._as_user,  # noqa: SLF001 - the test helper's runuser prefix
            str(server.bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            server.user,
            "-d",
            "postgres",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=str(db_path()))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    built = built_store_arg(args.store)
    if built is None:
        return 2
    ensure_extensions()
    tmp = Path(tempfile.mkdtemp(prefix="profile-ingest-"))
    copy = tmp / "embedded.duckdb"
    shutil.copy(built, copy)
    result: dict = {"runs": args.runs}
    result["embedded"] = profile(str(copy), args.runs, "embedded", Catalog(None))
    server = PgServer().start()
    try:
        location = published_team_store(server, "sse", built, tmp / "team")
        _psql(server, "ALTER SYSTEM SET log_statement = 'all'")
        _psql(server, "SELECT pg_reload_conf()")
        time.sleep(0.5)
        catalog = Catalog(server)
        catalog.mark()
        result["team"] = profile(location, args.runs, "team", catalog)
        close_lake(location)
    finally:
        server.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    result["team/embedded"] = result["team"]["ingest_s"] / result["embedded"]["ingest_s"]
    if args.json:
        print(json.dumps(result, default=lambda x: round(x, 4)))
        return 0
    print(f"runs: {args.runs}")
    for mode in ("embedded", "team"):
        r = result[mode]
        print(
            f"{mode}: ingest {r['ingest_s']:.2f} s (runs {', '.join(f'{t:.2f}' for t in r['all_s'])})"
            + (f", {r['catalog_statements']} catalog statements" if r["catalog_statements"] else "")
        )
        for name, step in r["steps"].items():
            extra = f"  {step['statements']:>6} stmts" if step["statements"] is not None else ""
            print(f"  {name:<26} {step['s']:7.3f} s{extra}")
        print(f"  {'(rest: connect, commit)':<26} {r['other_s']:7.3f} s")
    print(f"team/embedded: {result['team/embedded']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

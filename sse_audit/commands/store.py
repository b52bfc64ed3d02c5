"""`sse-audit build|stats|ingest|migrate-store`: build the store, account for it, add a user's
table to it, carry a store written by a newer DuckDB into one the installed DuckDB reads."""

from __future__ import annotations

import argparse

from db.accounting import store_stats
from db.connection import connect
from db.loaders.template import IngestError
from pipeline.build import build_store
from pipeline.ingest import ingest_file
from pipeline.migrate import MIGRATE_FROM_DUCKDB, migrate_store
from sse_audit.jsonout import dumps

PATH_HELP = "store file (default: $SSE_AUDIT_DB or var/sse_audit.duckdb)"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register build, stats and ingest."""
    p = sub.add_parser("build", help="build the store from every source (atomic)")
    p.add_argument("--path", help=PATH_HELP)
    p.set_defaults(run=build)
    p = sub.add_parser("stats", help="per-source accounting and record counts")
    p.add_argument("--path", help=PATH_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=stats)
    p = sub.add_parser("ingest", help="add a literature table in the template as a new source")
    p.add_argument("file")
    p.add_argument("--source", required=True, help="name of the new source")
    p.add_argument("--path", help=PATH_HELP)
    p.set_defaults(run=ingest)
    p = sub.add_parser(
        "migrate-store",
        help=f"carry a store written by duckdb {MIGRATE_FROM_DUCKDB} (uploads, reviews, overrides, "
        "LLM cache, decisions, extractions) into a rebuilt store the installed duckdb reads",
    )
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument(
        "--python",
        help=f"an interpreter with duckdb=={MIGRATE_FROM_DUCKDB} installed (default: a throwaway "
        "virtualenv, installed from the package registry)",
    )
    p.set_defaults(run=migrate)


def build(args: argparse.Namespace) -> int:
    print(dumps(build_store(args.path)))
    return 0


def stats(args: argparse.Namespace) -> int:
    con = connect(args.path, read_only=True)
    try:
        result = store_stats(con)
    finally:
        con.close()
    if args.json:
        print(dumps(result))
        return 0
    for s in result["sources"]:
        print(
            f"{s['name']:<12} rows_in={s['rows_in']:<5} loaded={s['loaded']:<5} "
            f"quarantined={s['quarantined']}"
        )
    print("records by property:", result["records"]["by_property"])
    print("records by method:", result["records"]["by_method"])
    return 0


def ingest(args: argparse.Namespace) -> int:
    try:
        result = ingest_file(args.file, args.source, path=args.path)
    except IngestError as exc:
        print(dumps({"error": str(exc)}))
        return 2
    print(dumps(result))
    return 0


def migrate(args: argparse.Namespace) -> int:
    print(dumps(migrate_store(args.path, python=args.python)))
    return 0

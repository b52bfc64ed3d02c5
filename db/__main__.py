"""`python -m db build|stats|ingest`: build the store, account for it, and write user tables into it."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m db", description="the sse-audit evidence store"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the store from every source (atomic)")
    p_build.add_argument(
        "--path", help="store file (default: $SSE_AUDIT_DB or var/sse_audit.duckdb)"
    )
    p_stats = sub.add_parser("stats", help="per-source accounting and record counts")
    p_stats.add_argument("--path")
    p_stats.add_argument("--json", action="store_true", help="print one JSON object")
    p_ingest = sub.add_parser(
        "ingest", help="add a literature table in the template as a new source"
    )
    p_ingest.add_argument("file")
    p_ingest.add_argument("--source", required=True, help="name of the new source")
    p_ingest.add_argument("--path")
    args = parser.parse_args(argv)

    if args.command == "build":
        from db.build import build_store

        summary = build_store(args.path)
        print(json.dumps(summary, default=str))
        return 0
    if args.command == "stats":
        from db.queries import store_stats
        from db.store import connect

        con = connect(args.path, read_only=False)
        try:
            stats = store_stats(con)
        finally:
            con.close()
        if args.json:
            print(json.dumps(stats, default=str))
        else:
            for s in stats["sources"]:
                print(
                    f"{s['name']:<12} rows_in={s['rows_in']:<5} loaded={s['loaded']:<5} quarantined={s['quarantined']}"
                )
            print("records by property:", stats["records"]["by_property"])
            print("records by method:", stats["records"]["by_method"])
        return 0
    if args.command == "ingest":
        from db.ingest import IngestError, ingest_file

        try:
            result = ingest_file(args.file, args.source, path=args.path)
        except IngestError as exc:
            print(json.dumps({"error": str(exc)}))
            return 2
        print(json.dumps(result, default=str))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())

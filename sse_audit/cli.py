"""`sse-audit <command>`: the store, the analyses and the extraction assistant from the shell.

Each command lives in `sse_audit.commands`; a failure the user can act on (no store yet, a
store another process holds, a bad file) prints one readable line, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

from auditor import bvse, descriptors
from auditor.extract import cli as extract_cli
from auditor.normalize import cli as normalize_cli
from db.connection import StoreBusyError, StoreMissingError, StoreVersionError
from pipeline.migrate import MigrationError
from sse_audit.commands import cohorts, model, store


def parser() -> argparse.ArgumentParser:
    """The full command line, one subparser per command."""
    top = argparse.ArgumentParser(prog="sse-audit", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    store.add_parsers(sub)
    # Listed for --help; its own parser reads its options (see `main`).
    sub.add_parser(
        "normalize",
        help="stdin names/methods/families to JSON lines (--kind entity|method|family [--llm])",
        add_help=False,
    )
    cohorts.add_parsers(sub)
    model.add_parsers(sub)
    sub.add_parser(
        "bvse", help="BVSE percolation barriers: compute (all CIFs) | one FILE.cif", add_help=False
    )
    sub.add_parser("descriptors", help="the light-descriptor Ea model: evaluate", add_help=False)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sse-audit` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["normalize"]:
            return normalize_cli.main(argv)
        if argv[:1] == ["extract"]:
            return extract_cli.main(argv)
        if argv[:1] == ["bvse"]:
            return bvse.main(argv[1:])
        if argv[:1] == ["descriptors"]:
            return descriptors.main(argv[1:])
        args = parser().parse_args(argv)
        return args.run(args)
    except StoreMissingError as exc:
        print(f"sse-audit: {exc}", file=sys.stderr)
        return 2
    except StoreBusyError as exc:
        # EX_TEMPFAIL: nothing was written; the same command can simply be run again.
        print(f"sse-audit: {exc}", file=sys.stderr)
        return 75
    except (StoreVersionError, MigrationError) as exc:
        print(f"sse-audit: {exc}", file=sys.stderr)
        return 3
    except duckdb.IOException as exc:
        print(f"sse-audit: the store cannot be opened: {exc}", file=sys.stderr)
        return 3

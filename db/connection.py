"""Opening the DuckDB store, its schema, and the one transaction helper.

Opening never builds: a missing store is the pipeline's to build (`pipeline.build`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from db.config import db_path

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


class StoreMissingError(FileNotFoundError):
    """There is no store file yet; build it with `sse-audit build`."""


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the store (idempotent)."""
    con.execute(SCHEMA_SQL.read_text())


def connect(
    path: str | os.PathLike | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the store.

    Args:
        path: store file; defaults to `SSE_AUDIT_DB` or `var/sse_audit.duckdb`.
        read_only: open read-only (the app's readers).

    Raises:
        StoreMissingError: the file does not exist.
    """
    target = db_path(path)
    if not target.exists():
        raise StoreMissingError(f"no store at {target}; build it with `sse-audit build`")
    con = duckdb.connect(str(target), read_only=read_only)
    if not read_only:
        create_schema(con)
    return con


# Connections inside a `transaction` block (by identity). DuckDB cannot be asked: a second
# BEGIN aborts the transaction that is already open.
_OPEN: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back when it raises.

    Inside a `transaction` block of the same connection, the block joins the outer one,
    which decides.
    """
    if id(con) in _OPEN:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _OPEN.add(id(con))
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
    finally:
        _OPEN.discard(id(con))

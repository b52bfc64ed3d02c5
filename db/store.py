"""Connections to the DuckDB store and the schema. SQL that reads or writes the store lives in db/."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from db.config import db_path

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the store (idempotent)."""
    con.execute(SCHEMA_SQL.read_text())


def connect(
    path: str | os.PathLike | None = None, *, read_only: bool = False, build: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the store, building it first from the bundled data if it does not exist yet.

    Args:
        path: store file; defaults to `SSE_AUDIT_DB` or `var/sse_audit.duckdb`.
        read_only: open read-only (the app's readers).
        build: build the store when the file is missing.
    """
    target = db_path(path)
    if not target.exists():
        if not build:
            raise FileNotFoundError(f"no store at {target}; run `python -m db build`")
        from db.build import build_store

        build_store(target)
    con = duckdb.connect(str(target), read_only=read_only)
    if not read_only:
        create_schema(con)
    return con

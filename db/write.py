"""The one write path into the store: a source's load result, in one transaction per call."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from core.composition import try_composition_key
from db.connection import transaction
from db.engine import allocate_ids, id_counter_of
from db.loaders.common import LoadResult
from db.version import bump_store_version


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of a store table, in schema order: `schema.sql` is their one home."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() "
        "WHERE table_name = ? AND database_name = current_database() ORDER BY column_index",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert dict rows into `table` in one statement; every key must be a column of it.

    Columns a row leaves out take their schema default (timestamps); ids a row leaves out
    come from the table's id counter (`db.engine.allocate_ids`: no sequences, so the same SQL
    runs on a DuckDB file and a DuckLake). Object columns keep None as NULL.
    """
    if not rows:
        return
    known = table_columns(con, table)
    keys = list(dict.fromkeys(k for row in rows for k in row))
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise KeyError(f"not columns of {table}: {', '.join(unknown)}")
    frame = pd.DataFrame.from_records(rows, columns=keys)
    counter = id_counter_of(table)
    if counter is not None and counter[1] not in keys:
        first = allocate_ids(con, counter[0], len(frame))
        frame.insert(0, counter[1], range(first, first + len(frame)))
        keys = [counter[1], *keys]
    con.register("_incoming", frame)
    try:
        cols = ", ".join(keys)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")  # noqa: S608
    finally:
        con.unregister("_incoming")


def write_source(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    """Write a source's description, records, entries and quarantine; all or nothing.

    Inside a caller's `transaction` block it joins that transaction.
    """
    spec = result.spec
    for entry in result.entries:
        if entry.get("composition_key") is None and entry.get("material_raw"):
            entry["composition_key"] = try_composition_key(entry["material_raw"])
    with transaction(con):
        con.execute(
            """
            INSERT INTO sources (name, title, citation, doi_or_url, license, version, kind, path,
                                 available, note, rows_in, loaded, quarantined, loaded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)
            """,
            [
                spec.name,
                spec.title,
                spec.citation,
                spec.doi_or_url,
                spec.license,
                spec.version,
                spec.kind,
                str(spec.path) if spec.path else None,
                spec.available,
                spec.note or None,
                result.rows_in,
                result.loaded_rows,
                result.quarantined_rows,
            ],
        )
        insert_rows(con, "records", result.records)
        insert_rows(con, "entries", result.entries)
        insert_rows(con, "quarantine", result.quarantine)
        bump_store_version(con, records=True)


def write_uploads(con: duckdb.DuckDBPyConnection, source: str, rows: list[dict]) -> None:
    """Keep the raw uploaded rows so a rebuild can replay them (caller holds the transaction)."""
    con.executemany(
        "INSERT INTO uploads (source, row_index, raw) VALUES (?, ?, ?)",
        [[source, i, json.dumps(row, default=str)] for i, row in enumerate(rows, start=1)],
    )

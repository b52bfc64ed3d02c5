"""The one write path into the store: a source's load result, in one transaction per call."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from db.loaders.common import LoadResult

RECORD_COLUMNS = (
    "source",
    "source_row",
    "material_raw",
    "composition_key",
    "family_raw",
    "property",
    "value_raw",
    "unit_raw",
    "value",
    "unit",
    "log10_value",
    "qualifier",
    "censored",
    "value_low",
    "value_high",
    "temperature_k",
    "temperature_raw",
    "temperature_implied",
    "method_tag",
    "method_raw",
    "method_details",
    "sub_method",
    "path_id",
    "doi",
    "reference",
    "notes",
    "evidence",
    "record_key",
    "measurement_id",
    "is_primary",
)
ENTRY_COLUMNS = (
    "source",
    "source_row",
    "material_raw",
    "composition_key",
    "cell_composition",
    "space_group",
    "sg_number",
    "a",
    "b",
    "c",
    "alpha",
    "beta",
    "gamma",
    "z",
    "split",
    "icsd_id",
    "liion_id",
    "laskowski_id",
)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], columns) -> None:
    if not rows:
        return
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    # Object columns keep None as NULL; DuckDB infers the rest from the frame.
    con.register("_incoming", frame)
    try:
        cols = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")  # noqa: S608
    finally:
        con.unregister("_incoming")


def write_source(
    con: duckdb.DuckDBPyConnection, result: LoadResult, *, transaction: bool = True
) -> None:
    """Write a source's description, records, entries and quarantine; all or nothing.

    Args:
        transaction: open a transaction here; False when the caller already holds one.
    """
    spec = result.spec
    if transaction:
        con.execute("BEGIN TRANSACTION")
    try:
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
        for entry in result.entries:
            if entry.get("composition_key") is None and entry.get("material_raw"):
                from core.composition import try_composition_key

                entry["composition_key"] = try_composition_key(entry["material_raw"])
        _insert_frame(con, "records", result.records, RECORD_COLUMNS)
        _insert_frame(con, "entries", result.entries, ENTRY_COLUMNS)
        _insert_frame(
            con, "quarantine", result.quarantine, ("source", "source_row", "raw", "reason")
        )
        if transaction:
            con.execute("COMMIT")
    except Exception:
        if transaction:
            con.execute("ROLLBACK")
        raise


def write_uploads(con: duckdb.DuckDBPyConnection, source: str, rows: list[dict]) -> None:
    """Keep the raw uploaded rows so a rebuild can replay them (caller holds the transaction)."""
    con.executemany(
        "INSERT INTO uploads (source, row_index, raw) VALUES (?, ?, ?)",
        [[source, i, json.dumps(row, default=str)] for i, row in enumerate(rows, start=1)],
    )

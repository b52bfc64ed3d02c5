"""The evidence card's reads: one material's records, structures and normalization decisions."""

from __future__ import annotations

import duckdb
import pandas as pd

# The evidence card's columns: what a reader needs first, then the source's own words.
EVIDENCE_COLUMNS = (
    "record_id",
    "property",
    "value",
    "unit",
    "qualifier",
    "temperature_k",
    "method_tag",
    "source",
    "doi_link",
    "is_primary",
    "value_raw",
    "unit_raw",
    "temperature_implied",
    "method_raw",
    "method_details",
    "source_row",
    "notes",
    "evidence",
)


def material_records(con: duckdb.DuckDBPyConnection, key: str) -> pd.DataFrame:
    """Every record of one material (canonical composition key), with a DOI link column."""
    return con.execute(
        "SELECT *, CASE WHEN doi IS NOT NULL THEN 'https://doi.org/' || doi END AS doi_link "
        "FROM records WHERE composition_key = ? ORDER BY property, method_tag, source, temperature_k",
        [key],
    ).df()


def record_quote(con: duckdb.DuckDBPyConnection, record_id: int) -> dict | None:
    """One record's value as printed, its source and the verbatim quote that states it."""
    row = con.execute(
        "SELECT record_id, composition_key, material_raw, property, value_raw, unit_raw, "
        "method_tag, source, doi, evidence FROM records WHERE record_id = ?",
        [record_id],
    ).fetchone()
    if row is None:
        return None
    names = [d[0] for d in con.description]
    return dict(zip(names, row, strict=True))


def material_structures(con: duckdb.DuckDBPyConnection, key: str) -> pd.DataFrame:
    """CIF summaries of the OBELiX entries with this composition, with their lattice as reported."""
    return con.execute(
        """
        SELECT s.*, e.space_group AS reported_space_group, e.a, e.b, e.c, e.alpha, e.beta, e.gamma, e.split
        FROM entries e JOIN structures s ON s.obelix_id = e.source_row
        WHERE e.source = 'obelix' AND e.composition_key = ?
        """,
        [key],
    ).df()


def material_decisions(con: duckdb.DuckDBPyConnection, key: str) -> pd.DataFrame:
    """The normalization decisions about the names, families and methods of one material's records."""
    return con.execute(
        """
        WITH r AS (SELECT DISTINCT material_raw, family_raw, method_raw FROM records WHERE composition_key = ?)
        SELECT d.kind, d.input, d.output, d.backend, d.status, d.confidence, d.reason, d.created_at
        FROM normalization_decisions d
        WHERE (d.kind = 'entity' AND d.input IN (SELECT material_raw FROM r))
           OR (d.kind = 'family' AND d.input IN (SELECT family_raw FROM r))
           OR (d.kind = 'method' AND d.input IN (SELECT method_raw FROM r))
        ORDER BY d.kind, d.input, d.created_at DESC
        """,
        [key],
    ).df()

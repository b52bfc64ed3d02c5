"""The explorer's reads: filter options, search vocabulary, paged record search."""

from __future__ import annotations

import duckdb
import pandas as pd

# Columns the explorer shows, in order; everything else stays in the evidence card.
EXPLORER_COLUMNS = (
    "record_id",
    "composition_key",
    "material_raw",
    "family",
    "carrier_ion",
    "property",
    "value",
    "unit",
    "log10_value",
    "qualifier",
    "temperature_k",
    "method_tag",
    "method_raw",
    "source",
    "doi",
    "is_primary",
)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Distinct values for the explorer's filters, and the temperature span."""
    options = {}
    for column in ("family", "carrier_ion", "property", "method_tag", "source"):
        options[column] = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT {column} FROM records WHERE {column} IS NOT NULL ORDER BY 1"  # noqa: S608
            ).fetchall()
        ]
    options["temperature"] = list(
        con.execute("SELECT min(temperature_k), max(temperature_k) FROM records").fetchone()
    )
    return options


def search_vocabulary(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every composition key, source material name and family label in the store: what a
    search can hit, trimmed and distinct."""
    rows = con.execute(
        "SELECT DISTINCT trim(term) FROM (SELECT unnest([composition_key, material_raw, "
        "family_raw, family]) AS term FROM records) WHERE term IS NOT NULL AND trim(term) <> '' "
        "ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def _record_filter(
    *,
    keys: list[str] | None,
    text: str | None,
    families=None,
    carriers=None,
    properties=None,
    methods=None,
    sources=None,
    t_range: tuple[float, float] | None = None,
) -> tuple[str, list]:
    """A WHERE clause and its parameters; column names are fixed here, values are parameters."""
    clauses, params = [], []
    if text:
        like = f"%{text}%"
        search = [
            "composition_key ILIKE ?",
            "material_raw ILIKE ?",
            "doi ILIKE ?",
            "family_raw ILIKE ?",
        ]
        params += [like, like, like, like]
        if keys:
            search.append("composition_key IN (SELECT unnest(?))")
            params.append(list(keys))
        clauses.append("(" + " OR ".join(search) + ")")
    for column, values in (
        ("family", families),
        ("carrier_ion", carriers),
        ("property", properties),
        ("method_tag", methods),
        ("source", sources),
    ):
        if values:
            clauses.append(f"{column} IN (SELECT unnest(?))")
            params.append(list(values))
    if t_range is not None:
        clauses.append("(temperature_k IS NULL OR temperature_k BETWEEN ? AND ?)")
        params += [float(t_range[0]), float(t_range[1])]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search_records(
    con: duckdb.DuckDBPyConnection,
    *,
    limit: int = 50,
    offset: int = 0,
    columns: tuple[str, ...] = EXPLORER_COLUMNS,
    **filters,
) -> tuple[pd.DataFrame, int]:
    """One page of records matching the filters, and the total count (see `_record_filter`)."""
    where, params = _record_filter(**filters)
    # One scan: the page and the total together (a window count), not a count then a page.
    frame = con.execute(
        f"SELECT {', '.join(columns)}, count(*) OVER () AS _total FROM records{where} "  # noqa: S608
        "ORDER BY composition_key, property, source, record_id LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    ).df()
    if len(frame):
        total = int(frame["_total"].iloc[0])
    else:  # past the last page (or nothing matches): the count alone
        total = con.execute(f"SELECT count(*) FROM records{where}", params).fetchone()[0]  # noqa: S608
    return frame.drop(columns="_total"), int(total)

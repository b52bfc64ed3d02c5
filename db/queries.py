"""Read queries over the store that several callers share (CLI stats, the app's overview)."""

from __future__ import annotations

import duckdb
import pandas as pd


def store_stats(con: duckdb.DuckDBPyConnection) -> dict:
    """Per-source accounting and record counts by property and by method."""
    sources = [
        dict(
            zip(
                ("name", "kind", "available", "rows_in", "loaded", "quarantined", "note"),
                row,
                strict=True,
            )
        )
        for row in con.execute(
            "SELECT name, kind, available, rows_in, loaded, quarantined, note FROM sources ORDER BY name"
        ).fetchall()
    ]
    counts = dict(
        con.execute(
            "SELECT 'total', count(*) FROM records UNION ALL "
            "SELECT 'primary', count(*) FROM records WHERE is_primary"
        ).fetchall()
    )
    by_property = dict(
        con.execute("SELECT property, count(*) FROM records GROUP BY 1 ORDER BY 1").fetchall()
    )
    by_method = dict(
        con.execute("SELECT method_tag, count(*) FROM records GROUP BY 1 ORDER BY 1").fetchall()
    )
    by_source_property = [
        {"source": s, "property": p, "method": m, "n": n}
        for s, p, m, n in con.execute(
            "SELECT source, property, method_tag, count(*) FROM records GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    ]
    links = dict(
        con.execute(
            "SELECT link_type || CASE WHEN matched THEN '' ELSE ' (unmatched)' END, count(*) FROM links GROUP BY 1"
        ).fetchall()
    )
    info = dict(con.execute("SELECT key, value FROM build_info WHERE key <> 'summary'").fetchall())
    return {
        "sources": sources,
        "records": {
            "total": counts.get("total", 0),
            "primary": counts.get("primary", 0),
            "by_property": by_property,
            "by_method": by_method,
            "by_source": by_source_property,
        },
        "quarantine": con.execute("SELECT count(*) FROM quarantine").fetchone()[0],
        "structures": con.execute("SELECT count(*) FROM structures").fetchone()[0],
        "links": links,
        "build": info,
    }


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
    total = con.execute(f"SELECT count(*) FROM records{where}", params).fetchone()[0]  # noqa: S608
    frame = con.execute(
        f"SELECT {', '.join(columns)} FROM records{where} "  # noqa: S608
        "ORDER BY composition_key, property, source, record_id LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    ).df()
    return frame, int(total)


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


def quarantine_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Quarantined rows by source and reason (the reason's text up to the first colon)."""
    return con.execute(
        """
        SELECT source, split_part(reason, ':', 1) AS reason, count(*) AS rows
        FROM quarantine GROUP BY ALL ORDER BY rows DESC
        """
    ).df()


def quarantine_rows(con: duckdb.DuckDBPyConnection, source: str | None = None) -> pd.DataFrame:
    """The quarantined rows themselves, optionally of one source."""
    if source:
        return con.execute(
            "SELECT source, source_row, reason, raw FROM quarantine WHERE source = ? ORDER BY quarantine_id",
            [source],
        ).df()
    return con.execute(
        "SELECT source, source_row, reason, raw FROM quarantine ORDER BY quarantine_id"
    ).df()


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Distinct measurements by family, method and property."""
    return con.execute(
        """
        SELECT coalesce(family, family_raw, 'unlabelled') AS family, method_tag AS method, property,
               count(*) AS records
        FROM records WHERE is_primary GROUP BY ALL ORDER BY ALL
        """
    ).df()


def element_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How many distinct materials contain each element."""
    keys = [r[0] for r in con.execute("SELECT DISTINCT composition_key FROM records").fetchall()]
    import re
    from collections import Counter

    counts = Counter(el for key in keys for el in set(re.findall(r"[A-Z][a-z]?", key or "")))
    return pd.DataFrame(sorted(counts.items()), columns=["element", "materials"])

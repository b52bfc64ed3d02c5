"""What the store holds: per-source accounting, coverage, elements and the quarantine."""

from __future__ import annotations

import re
from collections import Counter

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
    counts = Counter(el for key in keys for el in set(re.findall(r"[A-Z][a-z]?", key or "")))
    return pd.DataFrame(sorted(counts.items()), columns=["element", "materials"])

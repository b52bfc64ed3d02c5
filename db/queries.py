"""Read queries over the store that several callers share (CLI stats, the app's overview)."""

from __future__ import annotations

import duckdb


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

"""What identifies one state of the store: cache keys for pages and the build date for figures."""

from __future__ import annotations

import duckdb


def store_version(con: duckdb.DuckDBPyConnection) -> str:
    """A string that changes whenever the store's records change (a rebuild, an upload).

    Built from the build time and the records' count and highest id: a rebuild rewrites
    `build_info`, an ingest adds records with new ids. Reviews of flags do not change it.
    """
    built = con.execute("SELECT value FROM build_info WHERE key = 'built_at'").fetchone()
    count, top = con.execute("SELECT count(*), max(record_id) FROM records").fetchone()
    return f"{built[0] if built else 'unbuilt'}/{count}/{top}"


def build_date(con: duckdb.DuckDBPyConnection) -> str | None:
    """The date (YYYY-MM-DD) the store was built, as `db build` recorded it; None if unknown."""
    row = con.execute("SELECT value FROM build_info WHERE key = 'built_at'").fetchone()
    return row[0][:10] if row and row[0] else None

"""The store version: a number every write raises, so readers (the pages' caches) can tell
whether anything changed since they last computed.

It is a row of `build_info` (`store_version`). Each bump sets it to the larger of the old value
plus one and the current time in microseconds, so a rebuilt store (a new file) never repeats a
version an older file had.
"""

from __future__ import annotations

import time

import duckdb

_KEY = "store_version"
# The store version at the last write that changed `records` (derived cohort tables follow it).
_RECORDS_KEY = "records_version"


def bump_store_version(con: duckdb.DuckDBPyConnection, *, records: bool = False) -> int:
    """Raise the store version (inside the caller's transaction, if any); returns the new one.

    Args:
        records: the write changed `records`; `records_version` moves to the new version too.
    """
    now_us = time.time_ns() // 1000
    row = con.execute(
        """
        INSERT INTO build_info (key, value) VALUES (?, CAST(? AS TEXT))
        ON CONFLICT (key) DO UPDATE SET value = CAST(greatest(
            coalesce(TRY_CAST(build_info.value AS BIGINT), 0) + 1,
            TRY_CAST(excluded.value AS BIGINT)) AS TEXT)
        RETURNING value
        """,
        [_KEY, now_us],
    ).fetchone()
    if records:
        con.execute("INSERT OR REPLACE INTO build_info VALUES (?, ?)", [_RECORDS_KEY, row[0]])
    return int(row[0])


def records_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store version of the last write that changed records (0 when none is stamped)."""
    row = con.execute("SELECT value FROM build_info WHERE key = ?", [_RECORDS_KEY]).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def store_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's current version (0 for a store no write has stamped yet)."""
    row = con.execute("SELECT value FROM build_info WHERE key = ?", [_KEY]).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def build_date(con: duckdb.DuckDBPyConnection) -> str | None:
    """The date (YYYY-MM-DD) the store was built, as the build recorded it; None if unknown."""
    row = con.execute("SELECT value FROM build_info WHERE key = 'built_at'").fetchone()
    return row[0][:10] if row and row[0] else None

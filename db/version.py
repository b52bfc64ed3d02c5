"""The store version: a number every write raises, so readers (the pages' caches) can tell
whether anything changed since they last computed.

It is a row of `build_info` (`store_version`). Each bump sets it to the larger of the old value
plus one and the current time in microseconds, so a rebuilt store (a new file) never repeats a
version an older file had.
"""

from __future__ import annotations

import time

import duckdb
import pandas as pd

from db.engine import upsert_rows

_KEY = "store_version"
# The store version at the last write that changed `records` (derived cohort tables follow it).
_RECORDS_KEY = "records_version"


def set_build_info(con: duckdb.DuckDBPyConnection, info: dict[str, str | None]) -> None:
    """Set `build_info` keys (insert or replace), the same SQL on a DuckDB file and a lake."""
    if not info:
        return
    frame = pd.DataFrame({"key": list(info), "value": [None if v is None else str(v) for v in info.values()]})
    upsert_rows(con, "build_info", ("key",), frame)


def bump_store_version(con: duckdb.DuckDBPyConnection, *, records: bool = False) -> int:
    """Raise the store version (inside the caller's transaction, if any); returns the new one.

    Args:
        records: the write changed `records`; `records_version` moves to the new version too.
    """
    now_us = time.time_ns() // 1000
    new = max(store_version(con) + 1, now_us)
    info = {_KEY: str(new)}
    if records:
        info[_RECORDS_KEY] = str(new)
    set_build_info(con, info)
    return new


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


# The keys the build writes once per build (`pipeline.build`): `build_id` is new on every
# build; stores built before it existed fall back on the build's time and duration.
_BUILD_KEYS = ("build_id", "built_at", "build_seconds")


def build_identity(con: duckdb.DuckDBPyConnection) -> tuple[str | None, ...]:
    """Which build made the store `con` reads: changes with every rebuild (a swapped file, a
    team store's publish), never with an ordinary write (unlike the store version)."""
    rows = dict(
        con.execute(
            "SELECT key, value FROM build_info WHERE key IN (?, ?, ?)", list(_BUILD_KEYS)
        ).fetchall()
    )
    return tuple(rows.get(key) for key in _BUILD_KEYS)

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

from db.connection import transaction_memo
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
    cache = _cache(con)
    if cache is not None:
        cache.update(zip(frame["key"], frame["value"], strict=True))


def _cache(con: duckdb.DuckDBPyConnection) -> dict | None:
    memo = transaction_memo(con)
    return memo.setdefault("build_info", {}) if memo is not None else None


def build_info_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """One `build_info` value (None when unset).

    Inside a `transaction` block each key is read once and then kept, with what the block
    sets (`set_build_info`, the one writer of `build_info`): the derivations check the
    records version a dozen times per ingest, each a catalog round trip on a team store.
    """
    cache = _cache(con)
    if cache is not None and key in cache:
        return cache[key]
    row = con.execute("SELECT value FROM build_info WHERE key = ?", [key]).fetchone()
    value = row[0] if row else None
    if cache is not None:
        cache[key] = value
    return value


def bump_store_version(
    con: duckdb.DuckDBPyConnection, *, records: bool = False, info: dict[str, str] | None = None
) -> int:
    """Raise the store version (inside the caller's transaction, if any); returns the new one.

    Readers only ever see a transaction's end, so inside one `transaction` block the version
    is raised once: a later bump of the same block returns that version (raising it again
    only when this one changes records and the first did not). On a team store each bump is
    a few catalog round trips, and an ingest's derivations would bump five times.

    Args:
        records: the write changed `records`; `records_version` moves to the new version too.
        info: other `build_info` keys to set in the same statement.
    """
    memo = transaction_memo(con)
    done = memo.get(_KEY) if memo is not None else None
    if done is not None and (done[1] or not records):
        set_build_info(con, info or {})
        return done[0]
    now_us = time.time_ns() // 1000
    new = max(store_version(con) + 1, now_us)
    keys = {**(info or {}), _KEY: str(new)}
    if records:
        keys[_RECORDS_KEY] = str(new)
    set_build_info(con, keys)
    if memo is not None:
        memo[_KEY] = (new, records)
    return new


def records_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store version of the last write that changed records (0 when none is stamped)."""
    value = build_info_value(con, _RECORDS_KEY)
    return int(value) if value is not None else 0


def store_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's current version (0 for a store no write has stamped yet)."""
    value = build_info_value(con, _KEY)
    return int(value) if value is not None else 0


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

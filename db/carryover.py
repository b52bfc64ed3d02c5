"""What survives a rebuild: the tables people and the LLM wrote, copied from the old store."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from db.connection import attach_read_only, store_exists
from db.engine import allocate_ids, upsert_select
from db.version import bump_store_version, set_build_info

# What a person or an LLM decided survives a rebuild; uploads are replayed from their raw rows.
CARRIED_TABLES = ("normalization_overrides", "llm_cache", "uploads", "flags", "extractions")
_DECISION_COLUMNS = (
    "kind, input, output, backend, status, confidence, reason, prompt_version, created_at"
)


def carry_over(con: duckdb.DuckDBPyConnection, old: str | Path) -> dict[str, int]:
    """Copy the tables that must survive a rebuild from the previous store, if there is one.

    `old` is the previous store's file or lake setting (`db.config.store_location`).

    Returns:
        Rows now held per carried table.
    """
    counts: dict[str, int] = {}
    if not store_exists(old):
        return counts
    attach_read_only(con, old, "old")
    try:
        existing = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old'"
            ).fetchall()
        }
        for table in CARRIED_TABLES:
            if table in existing:
                con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")  # noqa: S608
                counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        if "normalization_decisions" in existing:
            # Rules decisions are made again by the build; what an LLM or a person decided is
            # history that must survive (a rejected LLM answer is not asked again).
            _insert_decisions(
                con,
                f"SELECT {_DECISION_COLUMNS} FROM old.normalization_decisions "  # noqa: S608
                "WHERE backend <> 'rules' ORDER BY decision_id",
            )
            counts["normalization_decisions"] = con.execute(
                "SELECT count(*) FROM normalization_decisions"
            ).fetchone()[0]
    finally:
        con.execute("DETACH old")
    return counts


def catch_up(con: duckdb.DuckDBPyConnection, old: str) -> dict:
    """Bring into the connection's current database what store `old` gained since the carry-over.

    A rebuild copies the carried tables when it starts; people keep writing to the old store
    while it runs (an upload, a flag review, an override, an LLM answer). Called just before
    the swap (and again under the old store's write lock), this copies those writes so the
    swap loses none. Idempotent: a second call finds nothing new.

    Args:
        old: the catalog name under which the old store is attached (or open) on `con`.

    Returns:
        Rows brought over per table, and `new_upload_sources`: user sources uploaded during
        the build, whose rows the caller replays (their records are not in the new store yet).
    """
    q = f'"{old}"'
    sources = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT source FROM {q}.main.uploads "  # noqa: S608
            "EXCEPT SELECT DISTINCT source FROM uploads ORDER BY 1"
        ).fetchall()
    ]
    counts: dict = {"new_upload_sources": sources}
    if sources:
        con.execute(
            f"INSERT INTO uploads SELECT * FROM {q}.main.uploads WHERE list_contains(?, source)",  # noqa: S608
            [sources],
        )
    # Overrides are written by people only, never by the build: mirror the old store's, so
    # one set or deleted during the build counts.
    changed = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {q}.main.normalization_overrides "  # noqa: S608
        "EXCEPT SELECT * FROM normalization_overrides)"
    ).fetchone()[0]
    changed += con.execute(
        "SELECT count(*) FROM (SELECT * FROM normalization_overrides "  # noqa: S608
        f"EXCEPT SELECT * FROM {q}.main.normalization_overrides)"
    ).fetchone()[0]
    if changed:
        con.execute("DELETE FROM normalization_overrides")
        con.execute(
            f"INSERT INTO normalization_overrides SELECT * FROM {q}.main.normalization_overrides"  # noqa: S608
        )
    counts["normalization_overrides"] = changed
    counts["llm_cache"] = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {q}.main.llm_cache EXCEPT SELECT * FROM llm_cache)"  # noqa: S608
    ).fetchone()[0]
    if counts["llm_cache"]:
        upsert_select(
            con,
            "llm_cache",
            ("kind", "input", "model", "prompt_version"),
            f"SELECT * FROM {q}.main.llm_cache",  # noqa: S608
        )
    # A review is newer when its time is: the build itself never reviews.
    newer = f"""
        FROM {q}.main.flags o
        WHERE o.reviewed_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM flags f WHERE f.record_key = o.record_key AND f.rule = o.rule
              AND f.reviewed_at IS NOT DISTINCT FROM o.reviewed_at)
    """
    counts["flags"] = con.execute(f"SELECT count(*) {newer}").fetchone()[0]  # noqa: S608
    if counts["flags"]:
        upsert_select(
            con,
            "flags",
            ("record_key", "rule"),
            f"SELECT o.* {newer}",  # noqa: S608
            update=("status", "note", "reviewer", "reviewed_at"),
        )
    counts["normalization_decisions"] = _insert_decisions(
        con,
        f"SELECT {_DECISION_COLUMNS} FROM {q}.main.normalization_decisions "  # noqa: S608
        f"WHERE backend <> 'rules' EXCEPT SELECT {_DECISION_COLUMNS} FROM normalization_decisions",
    )
    return counts


def _insert_decisions(con: duckdb.DuckDBPyConnection, select_sql: str) -> int:
    """Insert the decisions `select_sql` returns with new ids from the counter; how many."""
    rows = con.execute(select_sql).to_arrow_table()
    if rows.num_rows == 0:
        return 0
    first = allocate_ids(con, "decision_id_seq", rows.num_rows)
    con.register("_carried_decisions", rows)
    try:
        con.execute(
            f"INSERT INTO normalization_decisions (decision_id, {_DECISION_COLUMNS}) "  # noqa: S608
            f"SELECT ? + row_number() OVER () - 1, {_DECISION_COLUMNS} FROM _carried_decisions",
            [first],
        )
    finally:
        con.unregister("_carried_decisions")
    return rows.num_rows


def uploaded_rows(
    con: duckdb.DuckDBPyConnection, sources: list[str] | None = None
) -> dict[str, list[dict]]:
    """Every user source's raw rows (or those of `sources`), as they were uploaded, by name."""
    by_source: dict[str, list[dict]] = {}
    for source, raw in con.execute(
        "SELECT source, raw FROM uploads WHERE ? IS NULL OR list_contains(?, source) "
        "ORDER BY source, row_index",
        [sources, sources],
    ).fetchall():
        by_source.setdefault(source, []).append(json.loads(raw))
    return by_source


def write_build_info(con: duckdb.DuckDBPyConnection, info: dict[str, str]) -> None:
    """Record what the build did (time, seconds, summary) in `build_info`."""
    set_build_info(con, info)
    bump_store_version(con)

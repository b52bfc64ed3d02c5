"""What survives a rebuild: the tables people and the LLM wrote, copied from the old store."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from db.version import bump_store_version

# What a person or an LLM decided survives a rebuild; uploads are replayed from their raw rows.
CARRIED_TABLES = ("normalization_overrides", "llm_cache", "uploads", "flags", "extractions")
_DECISION_COLUMNS = (
    "kind, input, output, backend, status, confidence, reason, prompt_version, created_at"
)


def carry_over(con: duckdb.DuckDBPyConnection, old: Path) -> dict[str, int]:
    """Copy the tables that must survive a rebuild from the previous store, if there is one.

    Returns:
        Rows now held per carried table.
    """
    counts: dict[str, int] = {}
    if not old.exists():
        return counts
    con.execute("ATTACH ? AS old (READ_ONLY)", [str(old)])
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
            con.execute(
                f"INSERT INTO normalization_decisions ({_DECISION_COLUMNS}) "  # noqa: S608
                f"SELECT {_DECISION_COLUMNS} FROM old.normalization_decisions "
                "WHERE backend <> 'rules' ORDER BY decision_id"
            )
            counts["normalization_decisions"] = con.execute(
                "SELECT count(*) FROM normalization_decisions"
            ).fetchone()[0]
    finally:
        con.execute("DETACH old")
    return counts


def uploaded_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Every user source's raw rows, as they were uploaded, by source name."""
    by_source: dict[str, list[dict]] = {}
    for source, raw in con.execute(
        "SELECT source, raw FROM uploads ORDER BY source, row_index"
    ).fetchall():
        by_source.setdefault(source, []).append(json.loads(raw))
    return by_source


def write_build_info(con: duckdb.DuckDBPyConnection, info: dict[str, str]) -> None:
    """Record what the build did (time, seconds, summary) in `build_info`."""
    con.executemany("INSERT OR REPLACE INTO build_info VALUES (?, ?)", list(info.items()))
    bump_store_version(con)

"""The LLM cache: verified answers by (kind, input, model, prompt version), so a rerun asks nothing."""

from __future__ import annotations

import json

import duckdb

from db.engine import upsert_select


def cache_get(
    con: duckdb.DuckDBPyConnection, kind: str, input_text: str, model: str, prompt_version: str
) -> dict | None:
    """The verified answer cached for exactly this question, or None."""
    row = con.execute(
        """
        SELECT output FROM llm_cache
        WHERE kind = ? AND input = ? AND model = ? AND prompt_version = ?
        """,
        [kind, input_text, model, prompt_version],
    ).fetchone()
    return json.loads(row[0]) if row else None


def cache_put(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    input_text: str,
    model: str,
    prompt_version: str,
    output: dict,
) -> None:
    """Cache a verified answer (only verified answers may be cached)."""
    upsert_select(
        con,
        "llm_cache",
        ("kind", "input", "model", "prompt_version"),
        "SELECT ? AS kind, ? AS input, ? AS model, ? AS prompt_version, ? AS output, "
        "current_timestamp :: TIMESTAMP AS created_at",
        [kind, input_text, model, prompt_version, json.dumps(output, ensure_ascii=False)],
    )


def cached_answers(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, tuple[str, dict]]:
    """{input: (model, output)}: the newest cached verified answer per input, any model."""
    rows = con.execute(
        """
        SELECT input, arg_max(model, created_at), arg_max(output, created_at)
        FROM llm_cache WHERE kind = ? GROUP BY input
        """,
        [kind],
    ).fetchall()
    return {i: (m, json.loads(o)) for i, m, o in rows}

"""SQL for the normalizer's tables (decisions, overrides, LLM cache) and its pass over records.

Every statement is parameterized; bulk writes go through a registered DataFrame, one statement
per batch, so a whole store's decisions are written in well under a second.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

DECISION_COLUMNS = (
    "kind",
    "input",
    "output",
    "backend",
    "status",
    "confidence",
    "reason",
    "prompt_version",
)


# ---- reads of the records the normalizer works on -------------------------------------------
def distinct_entities(con: duckdb.DuckDBPyConnection, source: str | None = None) -> pd.DataFrame:
    """Distinct (material_raw, family_raw) of the records, optionally one source, with a space
    group and the store's composition key where known."""
    return con.execute(
        """
        SELECT r.material_raw, r.family_raw, any_value(e.space_group) AS space_group,
               any_value(r.composition_key) AS composition_key
        FROM records r
        LEFT JOIN entries e ON e.source = r.source AND e.source_row = r.source_row
        WHERE ? IS NULL OR r.source = ?
        GROUP BY r.material_raw, r.family_raw
        """,
        [source, source],
    ).df()


def distinct_methods(con: duckdb.DuckDBPyConnection, source: str | None = None) -> pd.DataFrame:
    """Distinct (method_raw, method_tag) of the records that have method text."""
    return con.execute(
        """
        SELECT DISTINCT method_raw, method_tag FROM records
        WHERE method_raw IS NOT NULL AND (? IS NULL OR source = ?)
        """,
        [source, source],
    ).df()


def composition_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """{composition key: primary record count}: what a name in words is matched against."""
    rows = con.execute(
        """
        SELECT composition_key, count(*) FROM records
        WHERE composition_key IS NOT NULL AND is_primary
        GROUP BY composition_key
        """
    ).fetchall()
    return {key: int(n) for key, n in rows}


# ---- writes to records ----------------------------------------------------------------------
def update_entity_fields(
    con: duckdb.DuckDBPyConnection, updates: pd.DataFrame, source: str | None = None
) -> int:
    """Set records.family and records.carrier_ion from `updates`.

    Args:
        updates: columns material_raw, family_raw, family, carrier_ion.
        source: only this source's records (None: all).

    Returns:
        The number of records updated.
    """
    if updates.empty:
        return 0
    con.register("_entity_updates", updates)
    try:
        n = con.execute(
            """
            UPDATE records SET family = u.family,
                               carrier_ion = coalesce(u.carrier_ion, records.carrier_ion)
            FROM _entity_updates u
            WHERE records.material_raw = u.material_raw
              AND records.family_raw IS NOT DISTINCT FROM u.family_raw
              AND (? IS NULL OR records.source = ?)
            """,
            [source, source],
        ).fetchone()[0]
    finally:
        con.unregister("_entity_updates")
    return int(n)


def update_method_tags(
    con: duckdb.DuckDBPyConnection, updates: pd.DataFrame, source: str | None = None
) -> int:
    """Refine records.method_tag (and append to method_details) where `updates` says so.

    Args:
        updates: columns method_raw, old_tag, new_tag, details_text.
    """
    if updates.empty:
        return 0
    con.register("_method_updates", updates)
    try:
        n = con.execute(
            """
            UPDATE records SET method_tag = u.new_tag,
                method_details = CASE
                    WHEN u.details_text IS NULL OR u.details_text = '' THEN records.method_details
                    WHEN records.method_details IS NULL THEN u.details_text
                    ELSE records.method_details || '; ' || u.details_text END
            FROM _method_updates u
            WHERE records.method_raw = u.method_raw AND records.method_tag = u.old_tag
              AND (? IS NULL OR records.source = ?)
            """,
            [source, source],
        ).fetchone()[0]
    finally:
        con.unregister("_method_updates")
    return int(n)


# ---- decisions ------------------------------------------------------------------------------
def record_decisions(
    con: duckdb.DuckDBPyConnection, rows: list[dict], *, replace: bool = True
) -> int:
    """Insert decisions; with `replace`, first drop earlier decisions of the same backend for
    the same (kind, input), so a rebuild or a re-run does not pile up copies."""
    if not rows:
        return 0
    frame = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    frame["output"] = [
        o if isinstance(o, str) or o is None else json.dumps(o) for o in frame["output"]
    ]
    frame["confidence"] = frame["confidence"].astype("float64")
    con.register("_decisions", frame)
    try:
        if replace:
            con.execute(
                """
                DELETE FROM normalization_decisions d USING _decisions n
                WHERE d.kind = n.kind AND d.input = n.input AND d.backend = n.backend
                """
            )
        con.execute(
            f"""
            INSERT INTO normalization_decisions ({", ".join(DECISION_COLUMNS)})
            SELECT {", ".join(DECISION_COLUMNS)} FROM _decisions
            """
        )
    finally:
        con.unregister("_decisions")
    return len(frame)


def list_decisions(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str | None = None,
    backend: str | None = None,
    status: str | None = None,
    max_confidence: float | None = None,
    search: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Decisions for review, newest first; every filter is optional.

    Args:
        backend: "rules", "manual", or "llm" (any model).
        max_confidence: only decisions at or below this confidence.
        search: a case-insensitive substring of the input.
    """
    backend_like = None if backend is None else (backend + ":%" if backend == "llm" else backend)
    return con.execute(
        """
        SELECT d.decision_id, d.kind, d.input, d.output, d.backend, d.status, d.confidence,
               d.reason, d.prompt_version, d.created_at, o.output AS override_output
        FROM normalization_decisions d
        LEFT JOIN normalization_overrides o ON o.kind = d.kind AND o.input = d.input
        WHERE (? IS NULL OR d.kind = ?)
          AND (? IS NULL OR d.backend LIKE ?)
          AND (? IS NULL OR d.status = ?)
          AND (? IS NULL OR coalesce(d.confidence, 0) <= ?)
          AND (? IS NULL OR d.input ILIKE '%' || ? || '%')
        ORDER BY d.created_at DESC, d.decision_id DESC
        LIMIT ?
        """,
        [
            kind,
            kind,
            backend_like,
            backend_like,
            status,
            status,
            max_confidence,
            max_confidence,
            search,
            search,
            int(limit),
        ],
    ).df()


def decision_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How many decisions per kind, backend and status."""
    return con.execute(
        """
        SELECT kind, backend, status, count(*) AS n FROM normalization_decisions
        GROUP BY ALL ORDER BY ALL
        """
    ).df()


# ---- overrides ------------------------------------------------------------------------------
def load_overrides(
    con: duckdb.DuckDBPyConnection, kind: str | None = None
) -> dict[tuple[str, str], dict]:
    """{(kind, input): output} of every override (optionally one kind)."""
    rows = con.execute(
        "SELECT kind, input, output FROM normalization_overrides WHERE ? IS NULL OR kind = ?",
        [kind, kind],
    ).fetchall()
    return {(k, i): json.loads(o) for k, i, o in rows}


def set_override(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    input_text: str,
    output: dict,
    *,
    reviewer: str | None = None,
    note: str | None = None,
) -> None:
    """A person's answer for (kind, input): replaces any earlier override, logged as a decision."""
    payload = json.dumps(output, ensure_ascii=False)
    con.execute(
        """
        INSERT OR REPLACE INTO normalization_overrides (kind, input, output, reviewer, note, created_at)
        VALUES (?, ?, ?, ?, ?, current_timestamp)
        """,
        [kind, input_text, payload, reviewer, note],
    )
    record_decisions(
        con,
        [
            {
                "kind": kind,
                "input": input_text,
                "output": payload,
                "backend": "manual",
                "status": "override",
                "confidence": 1.0,
                "reason": note or f"set by {reviewer or 'a reviewer'}",
                "prompt_version": None,
            }
        ],
    )


def delete_override(con: duckdb.DuckDBPyConnection, kind: str, input_text: str) -> None:
    """Drop the override for (kind, input); the rules decide again on the next build."""
    con.execute(
        "DELETE FROM normalization_overrides WHERE kind = ? AND input = ?", [kind, input_text]
    )


# ---- LLM cache ------------------------------------------------------------------------------
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
    con.execute(
        """
        INSERT OR REPLACE INTO llm_cache (kind, input, model, prompt_version, output, created_at)
        VALUES (?, ?, ?, ?, ?, current_timestamp)
        """,
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


def rejected_inputs(
    con: duckdb.DuckDBPyConnection, kind: str, backend: str, prompt_version: str
) -> set[str]:
    """Inputs whose answer from this model and prompt was rejected (not asked again by default)."""
    rows = con.execute(
        """
        SELECT DISTINCT input FROM normalization_decisions
        WHERE kind = ? AND backend = ? AND prompt_version = ? AND status = 'rejected'
        """,
        [kind, backend, prompt_version],
    ).fetchall()
    return {r[0] for r in rows}


def get_decision(con: duckdb.DuckDBPyConnection, decision_id: int) -> dict | None:
    """One decision as a dict (output parsed), or None."""
    cur = con.execute(
        "SELECT * FROM normalization_decisions WHERE decision_id = ?", [int(decision_id)]
    )
    row = cur.fetchone()
    if row is None:
        return None
    record = dict(zip([d[0] for d in cur.description], row, strict=True))
    record["output"] = json.loads(record["output"]) if record["output"] else None
    return record


def unresolved_inputs(con: duckdb.DuckDBPyConnection, kind: str, limit: int = 200) -> list[str]:
    """Inputs the rules left unresolved and no person or accepted LLM answer has settled."""
    rows = con.execute(
        """
        SELECT DISTINCT d.input FROM normalization_decisions d
        WHERE d.kind = ? AND d.status = 'unresolved'
          AND NOT EXISTS (SELECT 1 FROM normalization_overrides o WHERE o.kind = d.kind AND o.input = d.input)
          AND NOT EXISTS (SELECT 1 FROM llm_cache c WHERE c.kind = d.kind AND c.input = d.input)
        ORDER BY d.input LIMIT ?
        """,
        [kind, int(limit)],
    ).fetchall()
    return [r[0] for r in rows]

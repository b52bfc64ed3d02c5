"""SQL for the normalizer's tables (decisions, overrides, LLM cache) and its pass over records.

Every statement is parameterized; bulk writes go through a registered DataFrame, one statement
per batch, so a whole store's decisions are written in well under a second.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from db.engine import allocate_ids, upsert_select
from db.version import bump_store_version

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
    first = allocate_ids(con, "decision_id_seq", len(frame))
    frame.insert(0, "decision_id", range(first, first + len(frame)))
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
            INSERT INTO normalization_decisions (decision_id, {", ".join(DECISION_COLUMNS)})
            SELECT decision_id, {", ".join(DECISION_COLUMNS)} FROM _decisions
            """
        )
    finally:
        con.unregister("_decisions")
    bump_store_version(con)
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
    upsert_select(
        con,
        "normalization_overrides",
        ("kind", "input"),
        "SELECT ? AS kind, ? AS input, ? AS output, ? AS reviewer, ? AS note, "
        "current_timestamp :: TIMESTAMP AS created_at",
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
    bump_store_version(con)


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

"""What the review page shows and does: decisions as a table, accept, override, LLM batches.

The page only renders; every query and write is here or in `db.decisions`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from auditor.normalize.apply import BufferedLLMCache, StoreLLMCache
from auditor.normalize.llm import PROMPT_VERSION, LLMRun, run_llm
from core.composition import composition_key
from core.vocab import FAMILIES, METHOD_TAGS
from db import decisions

# The fields a reviewer may set, per kind, and the vocabulary each draws from (None: free text).
OVERRIDE_FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "entity": {"formula": None, "family": FAMILIES, "carrier_ion": None},
    "method": {"method": METHOD_TAGS},
    "family": {"family": FAMILIES},
}


def decision_table(con, **filters) -> pd.DataFrame:
    """Decisions with their answer spread into columns (formula, family, method, ...)."""
    frame = decisions.list_decisions(con, **filters)
    if frame.empty:
        return frame
    outputs = [json.loads(o) if o else {} for o in frame["output"]]
    for column in ("formula", "family", "carrier_ion", "method"):
        frame[column] = [o.get(column) for o in outputs]
    frame["proposal"] = [bool(o.get("proposal")) for o in outputs]
    # An LLM decision shows the consultation: what the model proposed and the verdict.
    is_llm = frame["backend"].str.startswith("llm:")
    frame["llm_proposal"] = [
        json.dumps(o.get("proposed"), ensure_ascii=False) if llm else None
        for o, llm in zip(outputs, is_llm, strict=True)
    ]
    frame["llm_verdict"] = [
        status if llm else None for status, llm in zip(frame["status"], is_llm, strict=True)
    ]
    frame["overridden"] = frame["override_output"].notna()
    keep = [
        "decision_id",
        "kind",
        "input",
        "formula",
        "family",
        "carrier_ion",
        "method",
        "backend",
        "status",
        "confidence",
        "proposal",
        "llm_proposal",
        "llm_verdict",
        "reason",
        "overridden",
        "created_at",
    ]
    return frame[keep]


def accept(con, decision_id: int, *, reviewer: str | None = None) -> dict:
    """Make a decision's answer final: it becomes an override that survives rebuilds."""
    record = decisions.get_decision(con, decision_id)
    if record is None:
        raise ValueError(f"no decision {decision_id}")
    output = record["output"] or {}
    answer = {k: output.get(k) for k in OVERRIDE_FIELDS[record["kind"]]}
    decisions.set_override(
        con,
        record["kind"],
        record["input"],
        answer,
        reviewer=reviewer,
        note=f"accepted decision {decision_id} ({record['backend']})",
    )
    return answer


def override(
    con,
    kind: str,
    input_text: str,
    answer: dict,
    *,
    reviewer: str | None = None,
    note: str | None = None,
) -> dict:
    """Set a person's answer after checking it against the vocabulary and the formula parser."""
    clean = {}
    for name, vocab in OVERRIDE_FIELDS[kind].items():
        value = answer.get(name) or None
        if value is not None and vocab is not None and value not in vocab:
            raise ValueError(f"{name} {value!r} is not in the vocabulary")
        if name == "formula" and value is not None:
            value = composition_key(value)  # raises CompositionError with the reason
        clean[name] = value
    decisions.set_override(con, kind, input_text, clean, reviewer=reviewer, note=note)
    return clean


def ask_llm(
    con,
    kind: str,
    *,
    config=None,
    limit: int = 50,
    progress: Callable[[int, int], None] | None = None,
):
    """Ask the LLM about up to `limit` unresolved inputs of one kind (verified, logged, cached)."""
    inputs = decisions.unresolved_inputs(con, kind, limit=limit)
    return run_llm(kind, inputs, cache=StoreLLMCache(con), config=config, progress=progress)


def llm_questions(con, kind: str, *, config, limit: int = 50) -> tuple[list[str], BufferedLLMCache]:
    """Up to `limit` unresolved inputs of one kind, and the batch's cache, read on `con` (a
    read connection, closed before the model is asked). Ask with `llm.run_llm(kind, inputs,
    cache=cache, ...)`, then write with `cache.flush(write_con)`: the store's write lock is
    held for the flush only, not while the model answers."""
    inputs = decisions.unresolved_inputs(con, kind, limit=limit)
    cache = BufferedLLMCache(
        con, kind, inputs, model=config.model, backend=config.backend, prompt_version=PROMPT_VERSION
    )
    return inputs, cache


def consultation_table(run: LLMRun) -> pd.DataFrame:
    """One row per input the LLM was consulted about: asked, proposal, verdict, reason."""
    rows = [
        {
            "input": text,
            "asked": c["asked"],
            "proposal": json.dumps(c["proposal"], ensure_ascii=False) if c["proposal"] else None,
            "verdict": c["verdict"],
            "reason": c["reason"],
        }
        for text, c in run.consultations.items()
    ]
    return pd.DataFrame(rows, columns=["input", "asked", "proposal", "verdict", "reason"])

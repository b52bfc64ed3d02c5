"""The normalizer's pass over a built store: families, mobile ions and method tags of records.

Rules only, no network. A person's override wins over everything; an LLM answer that was
verified and cached earlier fills what the rules leave unresolved; every decision is logged.
Also the store side of the LLM: `StoreLLMCache` (the cache and decision log `llm.run_llm` is
given) and `propose_verified` (the CLI's `--llm`).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import duckdb
import pandas as pd

from auditor.normalize.entity import normalize_entity
from auditor.normalize.family import normalize_family_result
from auditor.normalize.llm import LLMConfig, LLMRun, run_llm
from auditor.normalize.method import normalize_method
from auditor.normalize.words import StoreIndex
from core.vocab import FAMILIES, METHOD_TAGS
from db import decisions, llm_cache, normalization_pass
from db.connection import connect, transaction

# A loader's tag is refined by the text only towards a more specific computed method; the
# experimental/computed split is the loader's to make, so EXP is never re-tagged.
REFINEMENTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("NEB", "CI-NEB"),
        ("NEB", "MLIP-NEB"),
        ("CI-NEB", "MLIP-NEB"),
        ("AIMD", "MetaD"),
        ("MLMD", "MetaD"),
        ("AIMD", "FREE-ENERGY"),
        ("MLMD", "FREE-ENERGY"),
        ("AIMD", "MLMD"),
        ("AIMD", "CLASSICAL-MD"),
    }
)
MIN_REFINE_CONFIDENCE = 0.9


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN from pandas
        return None
    return str(value)


def _may_refine(old: str, new: str | None, confidence: float) -> bool:
    if new is None or new == old or confidence < MIN_REFINE_CONFIDENCE:
        return False
    return (old == "OTHER" and new not in ("EXP", "OTHER")) or (old, new) in REFINEMENTS


def _entities(
    con: duckdb.DuckDBPyConnection, entities: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict]]:
    overrides = decisions.load_overrides(con)
    cached = llm_cache.cached_answers(con, "entity")
    index = store_index(con)
    rows, logs = [], []
    for material, label, space_group, key in entities.itertuples(index=False):
        material, label, space_group = _text(material), _text(label), _text(space_group)
        res = normalize_entity(
            material or "", family_label=label, space_group=space_group, store_index=index
        )
        if res.formula is None and _text(key):
            # The store read a formula the rules refuse to guess (a PDF-mangled name confirmed
            # against OBELiX, a Devi typo fixed from sys_name): classify that formula instead.
            by_key = normalize_entity(key, family_label=label, space_group=space_group)
            res = replace(by_key, reason=f"family from the store's key {key}: {by_key.reason}")
        out = res.to_dict() | {"family_label": label, "space_group": space_group}
        backend = "rules"
        status = "proposed" if res.proposal else "accepted" if res.formula else "unresolved"
        family, carrier = res.family, res.carrier_ion
        if res.formula is None and material in cached:
            model, answer = cached[material]
            family = answer.get("family") or family
            carrier = answer.get("carrier_ion") or carrier
            out |= {"llm_cache": answer}
            backend, status = f"llm:{model}", "accepted"
        family_override = overrides.get(("family", label)) if label else None
        if family_override and family_override.get("family") in FAMILIES:
            family = family_override["family"]
        override = overrides.get(("entity", material))
        if override:
            family = override.get("family", family)
            carrier = override.get("carrier_ion", carrier)
            backend, status = "manual", "override"
            out |= {"override": override}
        rows.append(
            {
                "material_raw": material,
                "family_raw": label,
                "family": family,
                "carrier_ion": carrier,
            }
        )
        logs.append(
            {
                "kind": "entity",
                "input": material or "",
                "output": json.dumps(out, ensure_ascii=False),
                "backend": backend,
                "status": status,
                "confidence": 1.0 if status == "override" else res.confidence,
                "reason": res.reason,
                "prompt_version": None,
            }
        )
    return pd.DataFrame(rows, columns=["material_raw", "family_raw", "family", "carrier_ion"]), logs


def store_index(con: duckdb.DuckDBPyConnection) -> StoreIndex:
    """The store's compositions with their record counts, for proposals from names in words."""
    return StoreIndex(normalization_pass.composition_counts(con))


def _families(entities: pd.DataFrame) -> list[dict]:
    labels = {_text(v) for v in entities["family_raw"]} - {None}
    logs = []
    for label in sorted(labels):
        res = normalize_family_result(label)
        logs.append(
            {
                "kind": "family",
                "input": label,
                "output": json.dumps(res.to_dict(), ensure_ascii=False),
                "backend": "rules",
                "status": "accepted" if res.confidence >= 1.0 else "unresolved",
                "confidence": res.confidence,
                "reason": res.reason,
                "prompt_version": None,
            }
        )
    return logs


def _methods(con: duckdb.DuckDBPyConnection, source: str | None) -> tuple[pd.DataFrame, list[dict]]:
    overrides = decisions.load_overrides(con, "method")
    updates, logs = [], []
    for text, old in normalization_pass.distinct_methods(con, source).itertuples(index=False):
        res = normalize_method(text)
        new, backend, status = res.method, "rules", "accepted" if res.method else "unresolved"
        override = overrides.get(("method", text))
        if override and override.get("method") in METHOD_TAGS:
            new, backend, status = override["method"], "manual", "override"
        applied = new != old and (status == "override" or _may_refine(old, new, res.confidence))
        if applied:
            details = "; ".join(f"{k}: {v}" for k, v in res.details.items())
            updates.append(
                {"method_raw": text, "old_tag": old, "new_tag": new, "details_text": details}
            )
        out = res.to_dict() | {"source_tag": old, "applied": applied}
        logs.append(
            {
                "kind": "method",
                "input": text,
                "output": json.dumps(out, ensure_ascii=False, default=str),
                "backend": backend,
                "status": status,
                "confidence": 1.0 if status == "override" else res.confidence,
                "reason": res.reason
                + ("" if applied or new == old else f"; source tag {old} kept"),
                "prompt_version": None,
            }
        )
    return pd.DataFrame(updates, columns=["method_raw", "old_tag", "new_tag", "details_text"]), logs


def normalize_store(con: duckdb.DuckDBPyConnection, source: str | None = None) -> dict:
    """Fill records.family and records.carrier_ion, refine records.method_tag, log decisions.

    Args:
        con: a writable connection to a store with its records loaded.
        source: only this source's records (an ingest); None for the whole store (a build).

    Returns:
        Counts for the build summary.
    """
    started = time.perf_counter()
    # Read once: the names and the family labels come from the same distinct rows.
    entities = normalization_pass.distinct_entities(con, source)
    entity_updates, entity_logs = _entities(con, entities)
    method_updates, method_logs = _methods(con, source)
    family_logs = _families(entities)
    n_entity = normalization_pass.update_entity_fields(con, entity_updates, source)
    n_method = normalization_pass.update_method_tags(con, method_updates, source)
    decisions.record_decisions(con, entity_logs + family_logs + method_logs)
    return {
        "names": len(entity_logs),
        "names_unresolved": sum(d["status"] == "unresolved" for d in entity_logs),
        "family_labels": len(family_logs),
        "method_texts": len(method_logs),
        "records_family_set": n_entity,
        "records_method_refined": n_method,
        "method_refinements": sorted(
            {f"{u.old_tag}->{u.new_tag}" for u in method_updates.itertuples(index=False)}
        ),
        "seconds": round(time.perf_counter() - started, 2),
    }


class StoreLLMCache:
    """The store's LLM cache and decision log, in the shape `llm.run_llm` asks for."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def get(self, kind: str, text: str, model: str, prompt_version: str) -> dict | None:
        """The verified answer cached for exactly this question, or None."""
        return llm_cache.cache_get(self.con, kind, text, model, prompt_version)

    def put(self, kind: str, text: str, model: str, prompt_version: str, output: dict) -> None:
        """Cache a verified answer."""
        llm_cache.cache_put(self.con, kind, text, model, prompt_version, output)

    def rejected(self, kind: str, backend: str, prompt_version: str) -> set[str]:
        """Inputs whose earlier answer from this model and prompt was rejected."""
        return decisions.rejected_inputs(self.con, kind, backend, prompt_version)

    def record(self, rows: list[dict]) -> None:
        """Log the consultations as decisions."""
        decisions.record_decisions(self.con, rows)


class BufferedLLMCache:
    """The LLM cache and decision log for one batch, read up front and written at the end.

    Asking a model takes seconds per input; `StoreLLMCache` on a write connection would keep
    every other process out of the store meanwhile. This one reads what the batch needs (the
    cached answers of `inputs`, the inputs rejected before) on a read connection when it is
    made, keeps new answers and decisions in memory while the model runs, and `flush` writes
    them in one short transaction.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        kind: str,
        inputs: list[str],
        *,
        model: str,
        backend: str,
        prompt_version: str,
    ):
        self._cached = {
            text: llm_cache.cache_get(con, kind, text, model, prompt_version)
            for text in dict.fromkeys(inputs)
        }
        self._rejected = {
            (kind, backend, prompt_version): decisions.rejected_inputs(
                con, kind, backend, prompt_version
            )
        }
        self.model = model
        self.puts: list[tuple[str, str, str, str, dict]] = []
        self.logs: list[dict] = []

    def get(self, kind: str, text: str, model: str, prompt_version: str) -> dict | None:
        """The verified answer read when the batch began (only this batch's model)."""
        return self._cached.get(text) if model == self.model else None

    def put(self, kind: str, text: str, model: str, prompt_version: str, output: dict) -> None:
        """Keep a verified answer for `flush`."""
        self.puts.append((kind, text, model, prompt_version, output))

    def rejected(self, kind: str, backend: str, prompt_version: str) -> set[str]:
        """Inputs whose earlier answer from this model and prompt was rejected."""
        return self._rejected.get((kind, backend, prompt_version), set())

    def record(self, rows: list[dict]) -> None:
        """Keep the consultations for `flush`."""
        self.logs.extend(rows)

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the kept answers and decisions in one transaction (a write connection)."""
        with transaction(con):
            for kind, text, model, prompt_version, output in self.puts:
                llm_cache.cache_put(con, kind, text, model, prompt_version, output)
            decisions.record_decisions(con, self.logs)
        self.puts, self.logs = [], []


def propose_verified(
    kind: str, inputs: list[str], *, db: str | None = None, config: LLMConfig | None = None
) -> tuple[list[dict | None], LLMRun]:
    """The CLI's `--llm`: verified LLM answers (None where nothing verified) and the run.

    The run's `consultations` say, per input, what was asked, proposed and decided.
    """
    config = config or LLMConfig.from_env()
    con = connect(db)
    try:
        run = run_llm(kind, inputs, cache=StoreLLMCache(con), config=config)
    finally:
        con.close()
    if kind == "entity":  # the rules' family/ion stay where the model only adds a formula
        merged = []
        for text, res in zip(inputs, run.results, strict=True):
            if res is not None:
                rules = normalize_entity(text)
                res = res | {
                    "family": res["family"] or rules.family,
                    "carrier_ion": res["carrier_ion"] or rules.carrier_ion,
                }
            merged.append(res)
        return merged, run
    return run.results, run


def load_store_index(db: str | None = None) -> StoreIndex | None:
    """The index of an existing store file (read-only), or None when there is no store yet."""
    try:
        con = connect(db, read_only=True)
    except (FileNotFoundError, duckdb.Error):
        return None
    try:
        return store_index(con)
    except duckdb.Error:  # a store from before the records table: no proposals
        return None
    finally:
        con.close()

"""`sse-audit normalize --kind entity|method|family [--llm]`: stdin lines to JSON lines.

One raw string per input line, one JSON object per output line, in order. Without `--llm` no
network call is made; with it, the rules answer first and the LLM is asked only where they
leave a name unresolved, and only verified answers replace the rules' result. Every line has an
`llm` field: null when the LLM was not consulted about it, else what was asked, the proposal,
the verdict (accepted, rejected, error, cached, skipped) and its reason.

For entities, a name written in words ("lithium yttrium chloride") gets a proposal from the
store's compositions when a store exists (`--db`, or the app's store): `"proposal": true`.
"""

from __future__ import annotations

import argparse
import json
import sys

from auditor.normalize.apply import load_store_index, propose_verified
from auditor.normalize.entity import normalize_entity
from auditor.normalize.family import normalize_family_result
from auditor.normalize.llm import LLMConfigError
from auditor.normalize.method import normalize_method
from auditor.normalize.words import StoreIndex
from core.vocab import DECISION_KINDS


def _rules(kind: str, line: str, index: StoreIndex | None) -> dict:
    if kind == "entity":
        return normalize_entity(line, store_index=index).to_dict()
    if kind == "method":
        return normalize_method(line).to_dict()
    return normalize_family_result(line).to_dict()


def _needs_llm(kind: str, result: dict) -> bool:
    if kind == "entity":
        return result["formula"] is None or result["family"] is None or result["proposal"]
    if kind == "method":
        return result["method"] in (None, "OTHER")
    return result["confidence"] < 1.0


def main(argv: list[str] | None = None) -> int:
    """Entry point; argv[0] is the command name "normalize"."""
    parser = argparse.ArgumentParser(prog="sse-audit normalize", description=__doc__)
    parser.add_argument("--kind", choices=DECISION_KINDS, required=True)
    parser.add_argument("--llm", action="store_true", help="ask the LLM where rules cannot decide")
    parser.add_argument("--db", help="store file for the LLM cache (default: the app's store)")
    args = parser.parse_args((argv or ["normalize"])[1:])

    lines = [line.rstrip("\r\n") for line in sys.stdin]
    index = load_store_index(args.db) if args.kind == "entity" else None
    results = [_rules(args.kind, line, index) | {"llm": None} for line in lines]
    if args.llm:
        todo = [i for i, r in enumerate(results) if _needs_llm(args.kind, r)]
        try:
            answers, run = propose_verified(args.kind, [lines[i] for i in todo], db=args.db)
        except LLMConfigError as exc:
            print(f"normalize: {exc}", file=sys.stderr)
            return 2
        for i, answer in zip(todo, answers, strict=True):
            consultation = run.consultation(lines[i])
            if answer is not None:
                results[i] = answer | ({"proposal": False} if args.kind == "entity" else {})
            results[i]["llm"] = consultation
    out = sys.stdout
    for result in results:
        out.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    out.flush()
    return 0

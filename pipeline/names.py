"""The normalizer's deterministic rules, handed to the store's loaders as their name resolver."""

from __future__ import annotations

from auditor.normalize import normalize_entity, normalize_method
from db.loaders.common import NameResolver


class RulesNames:
    """`db.loaders.common.NameResolver` backed by the normalizer's rules (never the LLM)."""

    def formula(self, name: str) -> tuple[str | None, str]:
        result = normalize_entity(name)
        return result.formula, result.reason

    def method(self, text: str) -> tuple[str | None, dict, str]:
        result = normalize_method(text)
        return result.method, dict(result.details or {}), result.reason


RULES: NameResolver = RulesNames()

"""The normalizer: raw material names, family labels and method text onto one vocabulary.

Rules decide first (`normalize_entity`, `normalize_family`, `normalize_method`); an LLM may
propose where they cannot (`auditor.normalize.llm`), and only verified answers are kept.
"""

from __future__ import annotations

from auditor.normalize.entity import normalize_entity
from auditor.normalize.family import normalize_family
from auditor.normalize.method import normalize_method
from auditor.normalize.results import EntityResult, FamilyResult, MethodResult

__all__ = [
    "EntityResult",
    "FamilyResult",
    "MethodResult",
    "normalize_entity",
    "normalize_family",
    "normalize_method",
]

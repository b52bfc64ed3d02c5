"""What a search text stands for: canonical keys it names, close spellings when it finds nothing."""

from __future__ import annotations

import difflib

from auditor.normalize import normalize_entity
from auditor.normalize.aliases import ACRONYMS
from core.composition import try_composition_key


def search_keys(text: str) -> list[str]:
    """Canonical composition keys a search text stands for: a formula, or a name the rules resolve.

    `LLZO` finds `Li7La3Zr2O12`; `Li7 La3 Zr2 O12` finds it too. Free text gives no key and is
    matched as a substring only.
    """
    text = (text or "").strip()
    if not text:
        return []
    keys = set()
    key = try_composition_key(text)
    if key:
        keys.add(key)
    result = normalize_entity(text)
    if result.formula:
        keys.add(result.formula)
    return sorted(keys)


def suggest_terms(text: str, vocabulary: list[str], n: int = 5) -> list[str]:
    """Close spellings of a search that found nothing: store names, formulas and acronyms.

    Only proposed to the reader, never searched in their place (`LLZ0` suggests `LLZO`).
    """
    text = (text or "").strip()
    if not text:
        return []
    by_folded: dict[str, str] = {}
    for term in [*ACRONYMS, *vocabulary]:
        by_folded.setdefault(term.casefold(), term)
    matches = difflib.get_close_matches(text.casefold(), list(by_folded), n=n, cutoff=0.75)
    return [by_folded[m] for m in matches]

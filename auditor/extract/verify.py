"""One verifier for every engine: only a number that its quote and the document bear out passes.

Checks, in order: the property and method are in the vocabulary; the unit is a unit of the
property (`core.units`); the value as printed occurs in the quote; the quote occurs verbatim in
the document (both normalized by `textclean.normalize_chars`); the printed text reads as the
number claimed; a unit of that kind is printed in the quote; the quote is not addressed to a
language model; the value is physically plausible (`core.units.PLAUSIBLE_RANGE`, one home).
"""

from __future__ import annotations

import math
import re

from auditor.extract.candidate import Candidate
from auditor.extract.rules import parse_printed
from auditor.extract.textclean import normalize_chars, normalize_value_text
from core.units import ReportedValueError, canonical_unit_factor, implausibility, unit_label
from core.vocab import METHOD_TAGS, PROPERTIES

# Plausible ranges are the store's own (core.units.PLAUSIBLE_RANGE, documented there): a
# number the store would quarantine or flag as implausible is not proposed for review.

# Text that addresses a language model is not a finding, whatever number it carries.
INSTRUCTION_TEXT = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+"
    r"(?:instructions?|prompts?|rules?)|\byou are (?:now )?(?:an?|the) (?:ai|assistant|language model)\b|"
    r"\b(?:system|assistant) prompt\b",
    re.IGNORECASE,
)
_UNIT_IN_QUOTE = re.compile(
    r"[mµu]?S\s*(?:·\s*)?(?:cm-1|/\s*cm\b|m-1|/\s*m\b)|kJ\s*(?:·\s*)?(?:mol-1|/\s*mol\b)|m?eV\b"
)


class DocumentIndex:
    """A document normalized once, so each quote is checked against it cheaply."""

    def __init__(self, text: str):
        self.text = normalize_chars(text)

    def __contains__(self, quote: str) -> bool:
        return normalize_chars(quote) in self.text


def verify(candidate: Candidate, document: DocumentIndex | str) -> str | None:
    """None when the candidate passes every check; otherwise the first reason it fails."""
    doc = document if isinstance(document, DocumentIndex) else DocumentIndex(document)
    if candidate.property not in PROPERTIES:
        return f"property {candidate.property!r} is not one of {', '.join(PROPERTIES)}"
    if candidate.method is not None and candidate.method not in METHOD_TAGS:
        return f"method {candidate.method!r} is not in the vocabulary"
    try:
        factor = canonical_unit_factor(candidate.property, candidate.unit)
    except ReportedValueError as exc:
        return f"unit: {exc}"
    value_text = normalize_value_text(str(candidate.value_text or ""))
    quote = normalize_chars(str(candidate.quote or ""))
    if not value_text or not re.search(r"\d", value_text):
        return "no value as printed"
    if len(quote) < len(value_text) + 3:
        return "the quote is too short to state the value"
    if value_text not in quote:
        return f"the value as printed ({value_text!r}) is not in the quote"
    if quote not in doc.text:
        return "the quote does not occur verbatim in the document"
    if INSTRUCTION_TEXT.search(quote):
        return "the quote reads as an instruction to a language model, not as a finding"
    # The unit must be printed in the quote, and be the unit claimed.
    printed_units = {unit_label(u) for u in _UNIT_IN_QUOTE.findall(quote)}
    if unit_label(candidate.unit) not in printed_units:
        return f"the unit {candidate.unit} is not printed in the quote"
    # The printed text decides the number; a claimed value must agree with it.
    try:
        value, low, _ = parse_printed(value_text)
    except ReportedValueError as exc:
        return f"the printed value cannot be read: {exc}"
    if candidate.value is not None and not math.isclose(candidate.value, value, rel_tol=1e-6):
        return f"the value {candidate.value} is not what is printed ({value_text})"
    for number in (value, low):
        if number is not None and (why := implausibility(candidate.property, number * factor)):
            return f"{value_text} {candidate.unit}: {why}"
    return None

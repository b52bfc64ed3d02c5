"""What the normalizer returns: one small frozen record per kind."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntityResult:
    """A raw material name resolved to a formula, a family and the mobile ion.

    `formula` is the canonical composition key (core.composition) or None when the name does not
    pin one composition down (an ambiguous acronym, a template without x, a typo).
    """

    input: str
    formula: str | None
    family: str | None
    carrier_ion: str | None
    confidence: float
    backend: str = "rules"
    reason: str = ""
    # True when the formula is a proposal from a name in words (the store's most reported
    # composition with the named elements), not a reading: it waits for a reviewer.
    proposal: bool = False

    def to_dict(self) -> dict:
        """The CLI / store form, keys in the documented order."""
        return {
            "input": self.input,
            "formula": self.formula,
            "family": self.family,
            "carrier_ion": self.carrier_ion,
            "backend": self.backend,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
            "proposal": self.proposal,
        }


@dataclass(frozen=True)
class MethodResult:
    """A free-text method description resolved to a tag of `core.vocab.METHOD_TAGS`."""

    input: str
    method: str | None
    details: dict = field(default_factory=dict)
    confidence: float = 0.0
    backend: str = "rules"
    reason: str = ""

    def to_dict(self) -> dict:
        """The CLI / store form, keys in the documented order."""
        return {
            "input": self.input,
            "method": self.method,
            "details": self.details,
            "backend": self.backend,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }

    @property
    def details_text(self) -> str | None:
        """The details as one line for records.method_details (`functional: ['PBE']; ...`)."""
        return "; ".join(f"{k}: {v}" for k, v in self.details.items()) or None

    def __hash__(self) -> int:  # details is a dict; hash what identifies the decision
        return hash((self.input, self.method, self.backend))


@dataclass(frozen=True)
class FamilyResult:
    """A family label (or a composition) resolved to `core.vocab.FAMILIES`."""

    input: str
    family: str
    confidence: float
    backend: str = "rules"
    reason: str = ""

    def to_dict(self) -> dict:
        """The CLI / store form."""
        return {
            "input": self.input,
            "family": self.family,
            "backend": self.backend,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }

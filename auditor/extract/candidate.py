"""One proposed evidence row: a transport number as printed, with the sentence that states it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

# The CLI's JSON fields, in the documented order.
JSON_FIELDS = (
    "file",
    "material",
    "formula",
    "property",
    "value_text",
    "value",
    "unit",
    "temperature_text",
    "method",
    "quote",
    "engine",
    "excluded",
)


@dataclass(frozen=True)
class Candidate:
    """A proposed row. `value` is a number in the printed `unit`; `excluded` is None or why not.

    `value_text` is the number exactly as it stands in the (normalized) document; `quote` is the
    verbatim sentence or clause holding it. `formula_reason` says why `formula` is None.
    """

    material: str | None
    property: str
    value_text: str
    value: float | None
    unit: str
    quote: str
    engine: str = "rules"
    method: str | None = None
    temperature_text: str | None = None
    formula: str | None = None
    formula_reason: str | None = None
    qualifier: str = "="
    low: float | None = None
    high: float | None = None
    excluded: str | None = None
    file: str | None = None
    start: int | None = None  # offset of the quote in the cleaned document
    model: str | None = None
    prompt_version: str | None = None
    notes: list[str] = field(default_factory=list)

    def with_(self, **changes) -> Candidate:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> dict:
        """The CLI's JSON object: the documented fields first, then the extra provenance."""
        data = asdict(self)
        out = {k: data[k] for k in JSON_FIELDS}
        for extra in ("qualifier", "low", "high", "formula_reason", "model", "prompt_version"):
            out[extra] = data[extra]
        return out

"""What every loader shares: the source description, the row-by-row result, and the record builder."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.composition import CompositionError, composition_key, is_mangled
from core.units import ReportedValueError, parse_temperature, to_canonical


class RowError(ValueError):
    """A source row that cannot be loaded; the message is the quarantine reason."""


@dataclass
class SourceSpec:
    """A named source with its citation, license and where its files are."""

    name: str
    title: str
    citation: str
    doi_or_url: str
    license: str
    version: str
    kind: str  # bundled | external | user
    path: Path | None
    note: str = ""

    @property
    def available(self) -> bool:
        return self.path is not None and self.path.exists()


@dataclass
class LoadResult:
    """Everything one source produced. Every source row ends up loaded or quarantined."""

    spec: SourceSpec
    rows_in: int = 0
    loaded_rows: int = 0
    records: list[dict] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)

    def add_row(self, source_row: str, raw: dict, build: Callable[[], list[dict]]) -> None:
        """Load one source row atomically: all of its records, or none and a quarantine entry."""
        self.rows_in += 1
        try:
            records = build()
            if not records:
                raise RowError("no value to load in this row")
        except (RowError, ReportedValueError, CompositionError) as exc:
            self.quarantine_row(source_row, raw, str(exc))
            return
        self.loaded_rows += 1
        self.records.extend(records)

    def quarantine_row(self, source_row: str, raw: dict, reason: str) -> None:
        self.quarantine.append(
            {
                "source": self.spec.name,
                "source_row": str(source_row),
                "raw": json.dumps(raw, ensure_ascii=False, default=str),
                "reason": reason,
            }
        )

    @property
    def quarantined_rows(self) -> int:
        return len({q["source_row"] for q in self.quarantine})


def blank(value: object) -> bool:
    """True for None, NaN and whitespace-only strings."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def text_or_none(value: object) -> str | None:
    return None if blank(value) else str(value).strip()


_COMPOSITE = re.compile(r"\d+(?:\.\d+)?\s*(?:wt|vol|mol)\s*\.?\s*%", re.I)
_COEFFICIENT = re.compile(r"(?:^|[-–·*\s(])(\d+(?:\.\d+)?)(?=\s*[A-Z(])")


def _mixed_coefficients(text: str) -> bool:
    """Pseudo-binary coefficients that mix fractions and whole numbers (`0.35 LiBr-0.33 SiS -20.33 Li2S`).

    Real notation uses one scale (0.75/0.25 or 75/25); a drifted subscript glued to a coefficient
    breaks that, and the formula read from it would be wrong.
    """
    values = [float(v) for v in _COEFFICIENT.findall(str(text))]
    return any(v < 1 for v in values) and any(v >= 1 for v in values)


class NameResolver(Protocol):
    """What the loaders ask of the normalizer's rules; the pipeline passes one in.

    The store parses formulas itself; for everything else (names, phase prefixes, method
    text) it asks the resolver, so `db/` never imports the analysis layer.
    """

    def formula(self, name: str) -> tuple[str | None, str]:
        """The canonical formula the rules read from a name (or None), and their reason."""
        ...

    def method(self, text: str) -> tuple[str | None, dict, str]:
        """The method tag for a method text (or None), its details, and the reason."""
        ...


def resolve_composition(
    material_raw: str, names: NameResolver | None = None
) -> tuple[str, str | None]:
    """The canonical key of a material name, and a note when the name resolver supplied it.

    Raises:
        CompositionError: neither pymatgen nor the resolver's rules give a formula.
    """
    try:
        return composition_key(material_raw), None
    except CompositionError as first:
        if _COMPOSITE.search(str(material_raw)):
            share = _COMPOSITE.search(str(material_raw)).group(0)
            raise CompositionError(
                f"a composite is not one material: {material_raw!r} ({share})"
            ) from None
        if _mixed_coefficients(material_raw):
            raise CompositionError(
                f"coefficients mix fractions and whole numbers, as when a subscript drifts in a "
                f"PDF scrape; not read: {material_raw!r}"
            ) from None
        if is_mangled(material_raw) or names is None:
            # No rule should guess where a scrape scattered the subscripts.
            raise
        try:
            formula, reason = names.formula(material_raw)
        except Exception:  # a normalizer bug must not hide the parse failure's reason
            raise first from None
        if not formula:
            raise CompositionError(f"{first}; normalizer: {reason or 'no formula'}") from None
        return composition_key(formula), f"formula {formula} from normalizer rules ({reason})"


def make_record(
    *,
    source: str,
    source_row: str,
    material_raw: str,
    prop: str,
    value_raw: object,
    unit_raw: str,
    method_tag: str,
    key: str | None = None,
    names: NameResolver | None = None,
    temperature: object = None,
    temperature_unit: str | None = "K",
    family_raw: str | None = None,
    method_raw: str | None = None,
    method_details: str | None = None,
    sub_method: str | None = None,
    path_id: str | None = None,
    doi: str | None = None,
    reference: str | None = None,
    notes: str | None = None,
    evidence: str | None = None,
) -> dict:
    """Build one records row, converting value and temperature to canonical units.

    Args:
        key: the canonical composition key when the caller already has it; otherwise it is
            computed from `material_raw` (with `names` where pymatgen alone cannot read it).

    Raises:
        ReportedValueError / CompositionError: with the reason the row is quarantined.
    """
    key_note = None
    if key is None:
        key, key_note = resolve_composition(material_raw, names)
    canon = to_canonical(prop, value_raw, unit_raw)
    temp = parse_temperature(temperature, temperature_unit, prop=prop)
    details = [method_details] if method_details else []
    if temp.low is not None:
        details.append(f"T range {temp.low:g}-{temp.high:g} K")
    note_parts = [n for n in (notes, canon.note, key_note) if n]
    measurement = f"{source}/{source_row}/{prop}/{method_tag}" + (
        f"/{sub_method}" if sub_method else ""
    )
    return {
        "source": source,
        "source_row": str(source_row),
        "material_raw": str(material_raw),
        "composition_key": key,
        "family_raw": text_or_none(family_raw),
        "property": prop,
        "value_raw": str(value_raw).strip(),
        "unit_raw": unit_raw,
        "value": canon.value,
        "unit": canon.unit,
        "log10_value": canon.log10_value,
        "qualifier": canon.qualifier,
        "censored": canon.censored,
        "value_low": canon.low,
        "value_high": canon.high,
        "temperature_k": temp.kelvin,
        "temperature_raw": text_or_none(temperature),
        "temperature_implied": temp.implied,
        "method_tag": method_tag,
        "method_raw": method_raw,
        "method_details": "; ".join(details) or None,
        "sub_method": sub_method,
        "path_id": path_id,
        "doi": normalize_doi(doi),
        "reference": text_or_none(reference),
        "notes": "; ".join(note_parts) or None,
        "evidence": text_or_none(evidence),
        "record_key": measurement,
        "measurement_id": measurement,
        "is_primary": True,
    }


def normalize_doi(doi: object) -> str | None:
    """A bare DOI (`10.xxxx/...`) from a DOI, a doi.org URL or None; other text is kept as is."""
    text = text_or_none(doi)
    if text is None:
        return None
    lowered = text.lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def looks_like_doi(text: str | None) -> bool:
    return bool(text) and text.startswith("10.") and "/" in text

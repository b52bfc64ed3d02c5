"""The curated literature table (this project, CC BY 4.0): Ea and sigma by method, with evidence."""

from __future__ import annotations

import pandas as pd

from core.composition import CompositionError
from core.vocab import METHOD_TAGS
from db.loaders.common import (
    LoadResult,
    NameResolver,
    SourceSpec,
    blank,
    make_record,
    resolve_composition,
)

# Hand tags in the table that are not in our vocabulary spelling.
_TAG_SPELLING = {"other": "OTHER"}


def _literature_key(row: dict, names: NameResolver | None = None) -> tuple[str, str | None]:
    """The key from the curated `formula` column, else from the name as reported.

    Both go through the normalizer's rules when pymatgen alone cannot read them
    (`Na3PS4 (glass)`); a template (`Li5La3M2O12 (M=Nb,Ta)`) stays unresolved.
    """
    reasons = []
    for column in ("formula", "material_as_reported"):
        if blank(row[column]):
            continue
        try:
            return resolve_composition(row[column], names)
        except CompositionError as exc:
            reasons.append(f"{column}: {exc}")
    raise CompositionError(
        "neither the formula nor the name reads as one formula: " + "; ".join(reasons)
    )


def load_literature(spec: SourceSpec, names: NameResolver | None = None) -> LoadResult:
    """One record per row. NEB-tagged energies are one-hop barriers, so they become `Em`."""
    table = pd.read_csv(spec.path, dtype=str, keep_default_na=False)
    result = LoadResult(spec)
    for line_no, row in enumerate(table.to_dict("records"), start=2):
        source_row = f"L{line_no}"

        def build(row=row, source_row=source_row) -> list[dict]:
            tag = _TAG_SPELLING.get(row["method_tag"], row["method_tag"])
            if tag not in METHOD_TAGS:
                tag = "OTHER"
            prop = row["property"]
            notes = []
            if prop == "Ea" and tag in ("NEB", "CI-NEB"):
                prop = "Em"
                notes.append("reported as an activation energy; an NEB barrier of one hop -> Em")
            if row["citation_short"]:
                notes.append(f"citation: {row['citation_short']}")
            key, key_note = _literature_key(row, names)
            if key_note:
                notes.append(key_note)
            return [
                make_record(
                    source=spec.name,
                    source_row=source_row,
                    material_raw=row["material_as_reported"],
                    key=key,
                    prop=prop,
                    value_raw=row["value"],
                    unit_raw=row["unit"],
                    temperature=row["temperature_K"],
                    temperature_unit="K",
                    family_raw=row["family"],
                    method_tag=tag,
                    method_raw=row["method_as_reported"],
                    method_details=row["functional_or_details"] or None,
                    doi=row["doi"],
                    reference=row["evidence_url"] or None,
                    notes="; ".join(notes) or None,
                    evidence=row["evidence_quote"],
                )
            ]

        result.add_row(source_row, row, build)
    return result

"""The Liverpool Ionics dataset (Hargreaves et al. 2023) and IonNet's near-RT subset of it.

Both give conductivities in S/cm at a temperature in °C. IonNet re-publishes Liverpool rows
under the same IDs; the linking step in db.links ties the two copies to one measurement.
"""

from __future__ import annotations

import pandas as pd

from db.loaders.common import (
    LoadResult,
    NameResolver,
    SourceSpec,
    looks_like_doi,
    make_record,
    normalize_doi,
)


def _load_liverpool_like(
    spec: SourceSpec, csv_path, row_key: str, names: NameResolver | None
) -> LoadResult:
    # utf-8-sig strips the BOM both files carry.
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = table.loc[:, [c for c in table.columns if not c.startswith("Unnamed")]]
    result = LoadResult(spec)
    seen: dict[str, int] = {}
    for line_no, row in enumerate(table.to_dict("records"), start=2):
        # IDs repeat (Liverpool ID 922 twice, IonNet IDs often), so the row key adds the line.
        row_id = row["ID"]
        seen[row_id] = seen.get(row_id, 0) + 1
        source_row = f"{row_id}@L{line_no}" if row_key == "id+line" else row_id
        ref = normalize_doi(row["source"])

        def build(row=row, source_row=source_row, ref=ref) -> list[dict]:
            return [
                make_record(
                    source=spec.name,
                    source_row=source_row,
                    material_raw=row["composition"],
                    names=names,
                    prop="sigma",
                    value_raw=row["target"],
                    unit_raw="S/cm",
                    temperature=row["temperature"],
                    temperature_unit="C",
                    family_raw=row["family"] or None,
                    method_tag="EXP",
                    method_raw="experimental (Liverpool Ionics dataset)",
                    doi=ref if looks_like_doi(ref) else None,
                    reference=None if looks_like_doi(ref) else ref,
                    notes=f"ChemicalFamily: {row['ChemicalFamily']}"
                    if row.get("ChemicalFamily")
                    else None,
                )
            ]

        result.add_row(source_row, row, build)
    return result


def load_liverpool(spec: SourceSpec, names: NameResolver | None = None) -> LoadResult:
    """Liverpool Ionics (the copy inside OBELiX): 820 rows at 5-873 °C."""
    return _load_liverpool_like(spec, spec.path, "id+line", names)


def load_ionnet(spec: SourceSpec, names: NameResolver | None = None) -> LoadResult:
    """IonNet's experimental subset near 300 K (398 rows, IDs not unique)."""
    return _load_liverpool_like(spec, spec.path, "id+line", names)

"""OBELiX (Therrien et al. 2025): RT conductivities, lattice, space group, family, official split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from db.loaders.common import LoadResult, SourceSpec, blank, make_record, text_or_none

SIGMA_COLUMN = "Ionic conductivity (S cm-1)"


def _int_id(value: object) -> str | None:
    """OBELiX stores cross-source IDs as floats (`28.0`); the link key is the integer text."""
    if blank(value):
        return None
    return str(int(float(value)))


def _float_or_none(value: object) -> float | None:
    return None if blank(value) else float(value)


def read_obelix_table(root: Path) -> pd.DataFrame:
    """OBELiX's `all.csv` as text (one row per entry; `ID` is also its CIF's file name)."""
    return pd.read_csv(root / "downloads" / "all.csv", dtype=str, keep_default_na=False)


def load_obelix(spec: SourceSpec) -> LoadResult:
    """One `sigma` record per OBELiX row (RT implied) and one `entries` row with its lattice."""
    root = spec.path
    table = read_obelix_table(root)
    split = {}
    for name in ("train", "test"):
        for obelix_id in pd.read_csv(root / "split" / f"{name}_idx.csv", dtype=str)["ID"]:
            split[obelix_id] = name
    result = LoadResult(spec)
    for row in table.to_dict("records"):
        obelix_id = row["ID"]
        notes = []
        for col in ("IC (Total)", "IC (Bulk)"):
            if not blank(row[col]):
                notes.append(f"{col} = {row[col]} S/cm")

        def build(row=row, obelix_id=obelix_id, notes=notes) -> list[dict]:
            return [
                make_record(
                    source=spec.name,
                    source_row=obelix_id,
                    material_raw=row["Reduced Composition"],
                    prop="sigma",
                    value_raw=row[SIGMA_COLUMN],
                    unit_raw="S/cm",
                    temperature=None,  # OBELiX reports room temperature without a column
                    family_raw=row["Family"],
                    method_tag="EXP",
                    method_raw="experimental (OBELiX compilation)",
                    doi=row["DOI"],
                    notes="; ".join(notes) or None,
                )
            ]

        result.add_row(obelix_id, row, build)
        result.entries.append(
            {
                "source": spec.name,
                "source_row": obelix_id,
                "material_raw": row["Reduced Composition"],
                "space_group": text_or_none(row["Space group"]),
                "sg_number": int(float(row["Space group #"]))
                if not blank(row["Space group #"])
                else None,
                "a": _float_or_none(row["a"]),
                "b": _float_or_none(row["b"]),
                "c": _float_or_none(row["c"]),
                "alpha": _float_or_none(row["alpha"]),
                "beta": _float_or_none(row["beta"]),
                "gamma": _float_or_none(row["gamma"]),
                "z": _float_or_none(row["Z"]),
                "split": split.get(obelix_id),
                "icsd_id": _int_id(row["ICSD ID"]),
                "liion_id": _int_id(row["Liion ID"]),
                "laskowski_id": _int_id(row["Laskowski ID"]),
            }
        )
    return result

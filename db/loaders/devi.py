"""Devi et al. 2025: literature DFT-NEB migration barriers, with MACE MLIP-NEB on the same hops.

Not redistributed (no license stated): read from the external-data folder only.
"""

from __future__ import annotations

import re

import pandas as pd

from core.composition import CompositionError, composition_key
from db.loaders.common import (
    LoadResult,
    NameResolver,
    RowError,
    SourceSpec,
    blank,
    make_record,
    resolve_composition,
)

_PATH_SUFFIX = re.compile(r"_\d+$")

# (column, method tag, sub-method, details)
BARRIER_COLUMNS = (
    ("MIGRATION BARRIER(eV)", "NEB", None, "literature DFT (CI-)NEB"),
    ("MACE-RELAX", "MLIP-NEB", "mace-relax", "MACE foundation MLIP NEB, endpoints relaxed"),
    (
        "MACE-NO-RELAX",
        "MLIP-NEB",
        "mace-no-relax",
        "MACE foundation MLIP NEB, endpoints not relaxed",
    ),
)


def devi_composition(
    composition: str, sys_name: str, names: NameResolver | None = None
) -> tuple[str, str | None]:
    """Key for a Devi row, preferring `COMPOSITION` but stating any disagreement with `sys_name`.

    The upstream sheet has typos in COMPOSITION (`Li7La3Zr2O13` where sys_name says
    `Li7La3Zr2O12_2`); when the two disagree, sys_name decides and the note says so.
    """
    base = _PATH_SUFFIX.sub("", sys_name or "")
    try:
        key = composition_key(composition)
    except CompositionError:
        key = None
    try:
        sys_key = composition_key(base) if base else None
    except CompositionError:
        sys_key = None
    if key and (sys_key is None or sys_key == key):
        return key, None
    if key is None and sys_key is None:
        # Phase prefixes and intercalant notation (`g-Li3PS4`, `a-V2O5(Li)`): the normalizer's
        # rules read them and say what they dropped.
        return resolve_composition(composition, names)
    if sys_key:
        return (
            sys_key,
            f"COMPOSITION {composition!r} disagrees with sys_name {sys_name!r}; key from sys_name",
        )
    raise RowError(f"neither COMPOSITION {composition!r} nor sys_name {sys_name!r} is a formula")


def load_devi(spec: SourceSpec, names: NameResolver | None = None) -> LoadResult:
    """Up to three `Em` records per hop: DFT NEB, MACE NEB relaxed, MACE NEB unrelaxed."""
    table = pd.read_csv(spec.path, dtype=str, keep_default_na=False)
    result = LoadResult(spec)
    for row in table.to_dict("records"):
        sys_name = row["sys_name"]

        def build(row=row, sys_name=sys_name) -> list[dict]:
            key, note = devi_composition(row["COMPOSITION"], sys_name, names)
            path_id = f"{sys_name} | {row['PATH INFO']}"
            details = f"XC {row['XC']}; {row['CRYSTAL SYSTEM']} {row['SPACE GROUP']}"
            records = []
            for column, tag, sub_method, method_raw in BARRIER_COLUMNS:
                if blank(row[column]):
                    continue
                records.append(
                    make_record(
                        source=spec.name,
                        source_row=sys_name,
                        material_raw=row["COMPOSITION"],
                        key=key,
                        prop="Em",
                        value_raw=row[column],
                        unit_raw="eV",
                        family_raw=row["CLASS"],
                        method_tag=tag,
                        method_raw=method_raw,
                        method_details=details if tag == "NEB" else "MACE foundation potential",
                        sub_method=sub_method,
                        path_id=path_id,
                        reference="Devi et al. 2025, arXiv:2508.06459 (tabulated literature NEB)",
                        notes=note,
                    )
                )
            if not records:
                raise RowError("no barrier in any column")
            return records

        result.add_row(sys_name, row, build)
    return result

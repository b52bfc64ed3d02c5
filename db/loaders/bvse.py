"""The product's own BVSE percolation barriers (`data/bvse/bvse_barriers.csv`), as `Em` records.

The file is computed once by `sse-audit bvse compute` (bvlain, one row per bundled OBELiX
CIF); the build only reads it. Conventions:

- One `Em` record (method `BVSE`, eV) per structure: the **3D percolation barrier** of the mobile
  ion, the barrier for long-range transport and so the one compared with experimental Ea. The 1D
  and 2D barriers, the tool and version, parameters, mobile ion, oxidation-state rule, CIF id and
  CIF SHA-256 are kept in `method_details` and `notes`. No `sub_method`: one method, one value per
  structure.
- A structure that does not percolate in 3D below the search window (`encut`) has the bound
  `> encut` (censored), not a number.
- The material is the OBELiX entry that owns the CIF (the CIF's file name is its `ID`): its
  reduced composition and family, read with the OBELiX loader's own reader.
- A structure the tool failed on is quarantined with the tool's reason.
"""

from __future__ import annotations

import json

import pandas as pd

from db.config import BUNDLED_DATA
from db.loaders.common import LoadResult, NameResolver, RowError, SourceSpec, make_record
from db.loaders.obelix import read_obelix_table

OBELIX_ROOT = BUNDLED_DATA / "obelix"
METHOD_RAW = "BVSE 3D percolation barrier (bvlain)"


def _barrier_text(value: str) -> str:
    return f"{float(value):g} eV" if value else "none below encut"


def load_bvse(
    spec: SourceSpec, names: NameResolver | None = None, obelix_root=OBELIX_ROOT
) -> LoadResult:
    """One `Em` record per computed structure; failed structures are quarantined."""
    table = pd.read_csv(spec.path, dtype=str, keep_default_na=False)
    owners = read_obelix_table(obelix_root).set_index("ID")
    result = LoadResult(spec)
    for row in table.to_dict("records"):
        cif_id = row["cif_id"]

        def build(row=row, cif_id=cif_id) -> list[dict]:
            if row["status"] != "ok":
                raise RowError(
                    f"BVSE failed ({row['tool']} {row['tool_version']}): {row['reason']}"
                )
            if cif_id not in owners.index:
                raise RowError(f"CIF {cif_id!r} belongs to no OBELiX entry")
            owner = owners.loc[cif_id]
            params = json.loads(row["params"])
            if row["e_3d_ev"]:
                value_raw = row["e_3d_ev"]
            else:
                value_raw = f">{params['encut']}"  # no 3D percolation inside the search window
            details = (
                f"{row['tool']} {row['tool_version']}; mobile ion {row['mobile_ion']}; "
                f"3D percolation barrier (E_1D {_barrier_text(row['e_1d_ev'])}, "
                f"E_2D {_barrier_text(row['e_2d_ev'])}); params {row['params']}; "
                f"oxidation states {row['oxidation_states']} by {row['oxidation_rule']} "
                f"(cell net charge {row['net_charge_e']} e); partial occupancy: "
                "occupancy-weighted framework, mobile-ion sites removed"
            )
            notes = (
                f"OBELiX CIF {cif_id} (data/obelix/cifs/all_randomized_cifs/{cif_id}.cif), "
                f"sha256 {row['cif_sha256']}; disordered: {row['disordered']}"
            )
            return [
                make_record(
                    source=spec.name,
                    source_row=cif_id,
                    material_raw=owner["Reduced Composition"],
                    prop="Em",
                    value_raw=value_raw,
                    unit_raw="eV",
                    family_raw=owner["Family"],
                    method_tag="BVSE",
                    method_raw=METHOD_RAW,
                    method_details=details,
                    reference=(
                        f"sse-audit BVSE computation ({row['tool']} {row['tool_version']}) "
                        f"on OBELiX CIF {cif_id}; data/bvse/README.md"
                    ),
                    notes=notes,
                )
            ]

        result.add_row(cif_id, row, build)
    return result

"""What the conductivity model reads from the store: its training rows and the records it predicts.

Each row comes with what the store knows of the material besides the number: the entry's
lattice, space group, cell formula and Z, and the summary of its CIF (`structures`, computed
once at build time by `db.structures`). Bounds come back as stored (`log10_value` of the bound,
`censored` '<' or '>'): how a bound becomes a training target is the model's rule, not the store's.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.vocab import OBELIX_SPLITS, ObelixSplit

# The CIF summary columns, named as the model's inputs (`auditor.features.CIF_SUMMARY_COLUMNS`).
_STRUCTURE_COLUMNS = """
    s.cif_path, s.density AS cif_density, s.volume_per_atom AS cif_volume_per_atom,
    s.li_partial AS cif_li_partial, s.other_partial AS cif_other_partial,
    s.min_li_li AS cif_min_li_li, s.min_li_anion AS cif_min_li_anion
"""
_ENTRY_COLUMNS = """
    e.cell_composition, e.z, e.space_group, e.sg_number,
    e.a, e.b, e.c, e.alpha, e.beta, e.gamma
"""


def obelix_split_rows(
    con: duckdb.DuckDBPyConnection, split: ObelixSplit | None = None
) -> pd.DataFrame:
    """OBELiX's sigma records in one official split ('train' or 'test'; None: every row).

    Rows come in the order of OBELiX's `all.csv` (the order the loader wrote them), with the
    entry's split, lattice and cell formula, and the CIF summary where OBELiX gives a CIF.
    """
    if split is not None and split not in OBELIX_SPLITS:
        raise ValueError(f"unknown OBELiX split {split!r} (expected one of {OBELIX_SPLITS})")
    return con.execute(
        f"""
        SELECT r.record_id, r.source_row AS obelix_id, r.material_raw, r.composition_key,
               r.family_raw, r.doi, r.log10_value, r.qualifier, r.censored, e.split,
               {_ENTRY_COLUMNS}, {_STRUCTURE_COLUMNS}
        FROM records r
        JOIN entries e ON e.source = r.source AND e.source_row = r.source_row
        LEFT JOIN structures s ON s.obelix_id = r.source_row
        WHERE r.source = 'obelix' AND r.property = 'sigma' AND r.derived_from IS NULL
          AND (CAST(? AS TEXT) IS NULL OR e.split = ?)
        ORDER BY r.record_id
        """,  # noqa: S608 - only the fixed column lists above are formatted in
        [split, split],
    ).df()


def liverpool_sigma_rows(
    con: duckdb.DuckDBPyConnection, window_k: tuple[float, float] | None = None
) -> pd.DataFrame:
    """The Liverpool Ionics dataset's reported conductivities measured within `window_k` (K).

    None takes every measured temperature. Rows come in the file's order; `reference` holds
    the source's citation when it is not a DOI.
    """
    low, high = window_k if window_k is not None else (None, None)
    return con.execute(
        """
        SELECT record_id, source_row, material_raw, composition_key, family_raw, doi,
               reference, log10_value, qualifier, censored, temperature_k
        FROM records
        WHERE source = 'liverpool' AND property = 'sigma' AND derived_from IS NULL
          AND temperature_k IS NOT NULL
          AND (CAST(? AS DOUBLE) IS NULL OR temperature_k BETWEEN ? AND ?)
        ORDER BY record_id
        """,
        [low, low, high],
    ).df()


def sigma_model_inputs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every sigma record with what a model can use: lattice, space group, CIF summary."""
    return con.execute(
        f"""
        SELECT r.record_id, r.composition_key, r.material_raw, r.family_raw, r.family,
               r.source, r.source_row, {_ENTRY_COLUMNS}, {_STRUCTURE_COLUMNS}
        FROM records r
        LEFT JOIN entries e ON e.source = r.source AND e.source_row = r.source_row
        LEFT JOIN structures s ON r.source = 'obelix' AND s.obelix_id = r.source_row
        WHERE r.property = 'sigma'
        ORDER BY r.record_id
        """  # noqa: S608 - only the fixed column lists above are formatted in
    ).df()

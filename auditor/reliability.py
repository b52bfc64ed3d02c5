"""The method-reliability map: which computed method is biased for which family, on one grid.

Every number here comes from `auditor.cohorts` (`cohort_stats`, `paired_materials`): the same
pairing (material level, primary records, censored values left out), the same median bias and
seeded bootstrap 95% CI. This module only arranges those cohorts into a family x method grid
and lists the evidence a cell lacks; it computes no statistic of its own.

Two grids (`QUANTITIES`):
- `energy`: computed Ea and Em against experimental Ea (Em is one hop's barrier, a different
  quantity from an apparent Ea; the map says so);
- `sigma`: computed room-temperature log10 sigma against experimental log10 sigma.

A cell with fewer than `MIN_PAIRS_FOR_CI` paired materials is "too thin": it shows its n and
no colour, since a bias from one or two materials would read as a finding.
"""

from __future__ import annotations

import pandas as pd

from auditor.cohorts import (
    MIN_PAIRS_FOR_CI,
    REFERENCE_PROPERTY,
    UNITS,
    CohortInput,
    cohort_input,
    cohort_stats,
    paired_materials,
    with_variant,
)
from core.vocab import EXPERIMENT
from db import cohort_sql as sql

QUANTITIES: dict[str, tuple[str, ...]] = {"energy": ("Ea", "Em"), "sigma": ("sigma",)}
# Short forms for figure titles (a slide's title must fit on one line).
QUANTITY_TITLES: dict[str, str] = {
    "energy": "computed Ea/Em vs experimental Ea",
    "sigma": "computed vs experimental room-T sigma",
}
QUANTITY_LABELS: dict[str, str] = {
    "energy": "computed Ea / Em vs experimental Ea (eV)",
    "sigma": "computed vs experimental room-temperature sigma (log10 S/cm)",
}
CELL_SEPARATOR = "|"
CELL_COLUMNS = [
    "cell",
    "family",
    "property",
    "method",
    "variant",
    "method_label",
    "column",
    "n_pairs",
    "n_computed",
    "bias",
    "ci_low",
    "ci_high",
    "mae",
    "spearman",
    "unit",
    "thin",
    "text",
]


def cell_id(family: str, prop: str, method: str, variant: str | None) -> str:
    """The cell's id as it appears in the URL (`?cell=NASICON|Em|NEB|`)."""
    return CELL_SEPARATOR.join([family, prop, method, variant or ""])


def parse_cell_id(cell: str) -> dict[str, str] | None:
    """The family, property, method and variant a cell id names; None when malformed."""
    parts = str(cell).split(CELL_SEPARATOR)
    if len(parts) != 4 or parts[1] not in UNITS:
        return None
    return dict(zip(("family", "property", "method", "variant"), parts, strict=True))


def _cell_text(row: dict) -> str:
    n = row["paired_materials"] or 0
    if n < MIN_PAIRS_FOR_CI:
        return f"too thin ({n})"
    lo, hi = row["bias_ci95"]
    return f"<b>{row['bias_vs_exp']:+.2f}</b> n={n}<br>[{lo:+.2f}, {hi:+.2f}]"


def reliability_cells(records: CohortInput, quantity: str = "energy") -> pd.DataFrame:
    """One row per computed cohort of the quantity: bias, CI and n paired materials.

    Args:
        records: a store connection (reads the stored cohort tables when current) or
            `auditor.cohorts.load_records` output.
        quantity: a key of `QUANTITIES`.

    Returns:
        `CELL_COLUMNS`; `bias`, `ci_low`, `ci_high` are NaN for thin cells (n < 3) so nothing
        colours them; `column` is the grid's column label (method, variant and property).
    """
    props = QUANTITIES[quantity]
    rows = []
    for c in cohort_stats(records):
        if c["property"] not in props or c["method"] == EXPERIMENT:
            continue
        n = c["paired_materials"] or 0
        thin = n < MIN_PAIRS_FOR_CI or c["bias_ci95"] is None
        rows.append(
            {
                "cell": cell_id(c["family"], c["property"], c["method"], c["variant"]),
                "family": c["family"],
                "property": c["property"],
                "method": c["method"],
                "variant": c["variant"] or "",
                "method_label": c["method_label"],
                "column": f"{c['method_label']} · {c['property']}",
                "n_pairs": n,
                "n_computed": c["n_materials"],
                "bias": float("nan") if thin else c["bias_vs_exp"],
                "ci_low": float("nan") if thin else c["bias_ci95"][0],
                "ci_high": float("nan") if thin else c["bias_ci95"][1],
                "mae": c["mae_vs_exp"],
                "spearman": c["spearman"],
                "unit": c["unit"],
                "thin": thin,
                "text": _cell_text(c),
            }
        )
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


def quantity_pairs(records: CohortInput, quantity: str = "energy") -> pd.DataFrame:
    """The paired materials behind every cell of the quantity (`paired_materials` rows)."""
    pairs = paired_materials(records)
    return pairs[pairs["property"].isin(QUANTITIES[quantity])].reset_index(drop=True)


def cell_pairs(records: CohortInput, cell: str) -> pd.DataFrame:
    """The paired rows behind one cell's number, largest |computed - experimental| first."""
    key = parse_cell_id(cell)
    if key is None:
        return paired_materials(records, family="", property="sigma").iloc[0:0]
    pairs = paired_materials(records, family=key["family"], property=key["property"])
    mask = (
        (pairs["family"] == key["family"])
        & (pairs["property"] == key["property"])
        & (pairs["method"] == key["method"])
        & (pairs["variant"] == key["variant"])
    )
    out = pairs[mask].copy()
    return out.iloc[out["diff"].abs().argsort()[::-1]].reset_index(drop=True)


def cell_records(records: pd.DataFrame, cell: str) -> pd.DataFrame:
    """The uncensored records of the cell's family and property (every method, experiment too):
    the distribution the cell sits in."""
    key = parse_cell_id(cell)
    if key is None:
        return records.iloc[0:0]
    frame = with_variant(records)
    props = {key["property"], REFERENCE_PROPERTY[key["property"]]}
    return frame[
        (frame["family"] == key["family"])
        & frame["property"].isin(props)
        & frame["censored"].isna()
    ].reset_index(drop=True)


GAP_COLUMNS = [
    "rank",
    "family",
    "column",
    "cell",
    "n_pairs",
    "missing",
    "composition_key",
    "n_records_held",
    "value_held",
    "unit",
]
# The stated ranking rule (the page shows it): thinnest cell first.
GAP_RULE = (
    "Cells are ranked by how thin they are: fewest paired materials first (a cell below 3 pairs "
    "has no CI at all, so one more pair there matters most); within a cell, materials with the "
    "most records on the side they have come first, then alphabetically."
)


def evidence_gaps(records: CohortInput, quantity: str = "energy") -> pd.DataFrame:
    """Per cell, the materials whose one missing side would add a pair, ranked by `GAP_RULE`.

    `missing` is `experimental` for a material the cell's method computed but no experiment
    measured (the reference property), and `computed` for a material of the cell's family that
    experiment measured but the cell's method has not computed. Set work in SQL
    (`db.cohort_sql.evidence_gaps`) on the store or on a frame.

    Args:
        records: a store connection or `auditor.cohorts.load_records` output.

    Returns:
        `GAP_COLUMNS`, one row per (cell, material, missing side).
    """
    cells = reliability_cells(records, quantity)
    if cells.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    cells["reference_property"] = cells["property"].map(REFERENCE_PROPERTY)
    with cohort_input(records) as src:
        held = sql.evidence_gaps(src, cells)
    if held.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    gaps = held.merge(
        cells[["family", "property", "method", "variant", "column", "cell", "n_pairs",
               "reference_property"]],
        on=["family", "property", "method", "variant"],
    )  # fmt: skip
    side = gaps["property"].where(gaps["missing"] == "experimental", gaps["reference_property"])
    gaps["unit"] = side.map(UNITS)
    gaps["value_held"] = gaps["value_held"].round(4)
    gaps = gaps.sort_values(
        ["n_pairs", "family", "column", "missing", "n_records_held", "composition_key"],
        ascending=[True, True, True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
    gaps["rank"] = range(1, len(gaps) + 1)
    return gaps[GAP_COLUMNS]

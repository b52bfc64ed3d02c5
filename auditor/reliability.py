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
    cohort_stats,
    paired_materials,
    with_variant,
)
from core.vocab import EXPERIMENT

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


def reliability_cells(records: pd.DataFrame, quantity: str = "energy") -> pd.DataFrame:
    """One row per computed cohort of the quantity: bias, CI and n paired materials.

    Args:
        records: `auditor.cohorts.load_records` output.
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


def quantity_pairs(records: pd.DataFrame, quantity: str = "energy") -> pd.DataFrame:
    """The paired materials behind every cell of the quantity (`paired_materials` rows)."""
    pairs = paired_materials(records)
    return pairs[pairs["property"].isin(QUANTITIES[quantity])].reset_index(drop=True)


def cell_pairs(records: pd.DataFrame, cell: str) -> pd.DataFrame:
    """The paired rows behind one cell's number, largest |computed - experimental| first."""
    key = parse_cell_id(cell)
    pairs = paired_materials(records)
    if key is None:
        return pairs.iloc[0:0]
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


def evidence_gaps(records: pd.DataFrame, quantity: str = "energy") -> pd.DataFrame:
    """Per cell, the materials whose one missing side would add a pair, ranked by `GAP_RULE`.

    `missing` is `experimental` for a material the cell's method computed but no experiment
    measured (the reference property), and `computed` for a material of the cell's family that
    experiment measured but the cell's method has not computed.

    Returns:
        `GAP_COLUMNS`, one row per (cell, material, missing side).
    """
    cells = reliability_cells(records, quantity)
    frame = with_variant(records)
    usable = frame[frame["censored"].isna()]
    exp = usable[usable["method"] == EXPERIMENT]
    parts = []
    for cell in cells.itertuples():
        ref = REFERENCE_PROPERTY[cell.property]
        in_cell = usable[
            (usable["family"] == cell.family)
            & (usable["property"] == cell.property)
            & (usable["method"] == cell.method)
            & (usable["variant"] == cell.variant)
        ]
        computed = in_cell.groupby("composition_key")["value"].agg(["size", "median"])
        measured_any = set(exp.loc[exp["property"] == ref, "composition_key"])
        family_exp = exp[(exp["family"] == cell.family) & (exp["property"] == ref)]
        measured = family_exp.groupby("composition_key")["value"].agg(["size", "median"])
        need_exp = computed[~computed.index.isin(measured_any)]
        need_comp = measured[~measured.index.isin(computed.index)]
        for missing, held, prop in (
            ("experimental", need_exp, cell.property),
            ("computed", need_comp, ref),
        ):
            if held.empty:
                continue
            parts.append(
                pd.DataFrame(
                    {
                        "family": cell.family,
                        "column": cell.column,
                        "cell": cell.cell,
                        "n_pairs": cell.n_pairs,
                        "missing": missing,
                        "composition_key": held.index,
                        "n_records_held": held["size"].to_numpy(),
                        "value_held": held["median"].round(4).to_numpy(),
                        "unit": UNITS[prop],
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=GAP_COLUMNS)
    gaps = pd.concat(parts, ignore_index=True)
    gaps = gaps.sort_values(
        ["n_pairs", "family", "column", "missing", "n_records_held", "composition_key"],
        ascending=[True, True, True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
    gaps["rank"] = range(1, len(gaps) + 1)
    return gaps[GAP_COLUMNS]

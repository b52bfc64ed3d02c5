"""The pandas implementations the SQL cohort statistics replaced, kept only as the reference
the tests compare against on the real store (issue 15). Not used by the app."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.cohorts import (
    AGREEMENT_THRESHOLD_EV,
    ALL_FAMILIES,
    COHORT_KEYS,
    COMPARISON_LABEL,
    MIN_PAIRS_FOR_CI,
    N_BOOT,
    REFERENCE_PROPERTY,
    SEED,
    UNITS,
    _round,
    _spearman,
    bootstrap_median_ci,
    method_label,
    with_variant,
)
from auditor.outliers import MIN_COHORT, TOLERANCE, Z_THRESHOLD, _cohort_label
from auditor.reliability import GAP_COLUMNS, reliability_cells
from core.vocab import EXPERIMENT


def experimental_reference(records: pd.DataFrame) -> pd.DataFrame:
    """Per (property, composition_key): the median and count of uncensored EXP values."""
    exp = records[(records["method"] == "EXP") & records["censored"].isna()]
    return (
        exp.groupby(["property", "composition_key"])["value"]
        .agg(exp_value="median", exp_n="size")
        .reset_index()
    )


def paired_materials(records: pd.DataFrame) -> pd.DataFrame:
    """Computed material values joined with experiment: one row per (cohort, material).

    Columns: family, property, method, variant, method_label, composition_key, value (computed
    median), n, exp_value, exp_n, reference_property, diff (computed - experimental).
    """
    records = with_variant(records)
    computed = records[(records["method"] != "EXP") & records["censored"].isna()]
    columns = [
        *COHORT_KEYS,
        "method_label",
        "composition_key",
        "value",
        "n",
        "exp_value",
        "exp_n",
        "reference_property",
        "diff",
    ]
    if computed.empty:
        return pd.DataFrame(columns=columns)
    per_material = (
        computed.groupby([*COHORT_KEYS, "composition_key"])["value"]
        .agg(value="median", n="size")
        .reset_index()
    )
    per_material["reference_property"] = per_material["property"].map(REFERENCE_PROPERTY)
    ref = experimental_reference(records).rename(columns={"property": "reference_property"})
    paired = per_material.merge(ref, on=["reference_property", "composition_key"], how="inner")
    paired["diff"] = paired["value"] - paired["exp_value"]
    paired["method_label"] = [
        method_label(m, v) for m, v in zip(paired["method"], paired["variant"], strict=True)
    ]
    return paired[columns]


def cohort_stats(
    records: pd.DataFrame,
    *,
    family: str | None = None,
    property: str | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> list[dict]:
    """Per-cohort statistics (see the module docstring for the conventions).

    Args:
        records: output of `load_records` (or any frame with its columns).
        family, property: keep only these cohorts; pairing still sees every record.
        n_boot, seed: the bootstrap's resamples and seed.

    Returns:
        One dict per cohort, sorted by family, property, method, variant; `variant` is None
        where there is none.
    """
    records = with_variant(records)
    paired = paired_materials(records)
    pairs_by_cohort = dict(tuple(paired.groupby(COHORT_KEYS, sort=False)))
    out: list[dict] = []
    for (fam, prop, method, variant), group in records.groupby(COHORT_KEYS, sort=True):
        if (family and fam != family) or (property and prop != property):
            continue
        usable = group[group["censored"].isna()]
        row = {
            "family": fam,
            "property": prop,
            "method": method,
            "variant": variant or None,
            "method_label": method_label(method, variant),
            "n_records": int(len(usable)),
            "n_materials": int(usable["composition_key"].nunique()),
            "n_censored": int(len(group) - len(usable)),
            "median": _round(usable["value"].median()) if len(usable) else None,
            "unit": UNITS[prop],
            "reference": None,
            "comparison": None,
            "paired_materials": None,
            "bias_vs_exp": None,
            "bias_ci95": None,
            "mae_vs_exp": None,
            "spearman": None,
        }
        if method != "EXP":
            pairs = pairs_by_cohort.get((fam, prop, method, variant), paired.iloc[0:0])
            diffs = pairs["diff"].to_numpy(float)
            ci = (
                bootstrap_median_ci(diffs, n_boot=n_boot, seed=seed)
                if len(diffs) >= MIN_PAIRS_FOR_CI
                else None
            )
            row.update(
                reference=f"EXP {REFERENCE_PROPERTY[prop]}",
                comparison=COMPARISON_LABEL[prop],
                paired_materials=int(len(pairs)),
                bias_vs_exp=_round(np.median(diffs)) if len(diffs) else None,
                bias_ci95=[_round(ci[0]), _round(ci[1])] if ci else None,
                mae_vs_exp=_round(np.mean(np.abs(diffs))) if len(diffs) else None,
                spearman=_round(
                    _spearman(pairs["value"].to_numpy(float), pairs["exp_value"].to_numpy(float))
                ),
            )
        out.append(row)
    return out


def same_hop_pairs(
    records: pd.DataFrame, *, reference: str = "NEB", family: str | None = None
) -> pd.DataFrame:
    """Each hop that the reference and another computed method both report, one row per pair.

    A hop is (source, path_id, property); several records of one method on a hop count as
    their median. `reference` is a method label (`NEB`, or `MLIP-NEB (mace-relax)`); every
    other computed method label on the same hop is paired with it. `family` keeps one family.

    Returns:
        Columns: family, property, source, path_id, composition_key, method, variant,
        method_label, reference, reference_value, value, diff (value - reference_value).
    """
    records = with_variant(records)
    columns = [
        "family",
        "property",
        "source",
        "path_id",
        "composition_key",
        "method",
        "variant",
        "method_label",
        "reference",
        "reference_value",
        "value",
        "diff",
    ]
    usable = records[
        records["path_id"].notna() & records["censored"].isna() & (records["method"] != "EXP")
    ]
    if usable.empty:
        return pd.DataFrame(columns=columns)
    hop = ["source", "path_id", "property"]
    per_hop = (
        usable.groupby([*hop, "method", "variant", "method_label"], sort=True)
        .agg(
            value=("value", "median"),
            family=("family", "first"),
            composition_key=("composition_key", "first"),
        )
        .reset_index()
    )
    is_ref = per_hop["method_label"] == reference
    ref = per_hop.loc[is_ref, [*hop, "value"]].rename(columns={"value": "reference_value"})
    pairs = per_hop[~is_ref].merge(ref, on=hop, how="inner")
    pairs["reference"] = reference
    pairs["diff"] = pairs["value"] - pairs["reference_value"]
    if family:
        pairs = pairs[pairs["family"] == family]
    return pairs[columns].reset_index(drop=True)


def _agreement_row(pairs: pd.DataFrame, *, threshold_ev: float, n_boot: int, seed: int) -> dict:
    diffs = pairs["diff"].to_numpy(float)
    ci = (
        bootstrap_median_ci(diffs, n_boot=n_boot, seed=seed)
        if len(diffs) >= MIN_PAIRS_FOR_CI
        else None
    )
    return {
        "n_hops": int(len(pairs)),
        "n_materials": int(pairs["composition_key"].nunique()),
        "reference_median": _round(pairs["reference_value"].median()),
        "median": _round(pairs["value"].median()),
        "bias": _round(np.median(diffs)),
        "bias_ci95": [_round(ci[0]), _round(ci[1])] if ci else None,
        "mae": _round(np.mean(np.abs(diffs))),
        "median_abs_error": _round(np.median(np.abs(diffs))),
        "spearman": _round(
            _spearman(pairs["value"].to_numpy(float), pairs["reference_value"].to_numpy(float))
        ),
        "threshold_ev": threshold_ev,
        "frac_off": _round(float(np.mean(np.abs(diffs) > threshold_ev))),
    }


def method_agreement(
    records: pd.DataFrame,
    reference: str = "NEB",
    *,
    family: str | None = None,
    threshold_ev: float = AGREEMENT_THRESHOLD_EV,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> list[dict]:
    """Each computed method against the reference on the same hops, pooled and per family.

    Unlike the cohorts, both sides are the same quantity (one hop's barrier), so no caveat
    applies. The bootstrap resamples hops; hops of one material are not independent, so
    read `n_materials` beside the CI.

    Args:
        records: `load_records` output (needs source and path_id).
        reference: the method label the others are measured against.
        family: keep the pooled rows and this family's (all families when None).
        threshold_ev: `frac_off` is the share of hops where |difference| > this.
        n_boot, seed: the bootstrap's resamples and seed.

    Returns:
        One dict per (property, method, variant, family), family `ALL_FAMILIES` first for the
        pooled row: family, property, reference, method, variant, method_label, unit, n_hops,
        n_materials, reference_median, median, bias (median of method - reference), bias_ci95,
        mae, median_abs_error, spearman, threshold_ev, frac_off.
    """
    pairs = same_hop_pairs(records, reference=reference)
    out: list[dict] = []
    for (prop, method, variant), group in pairs.groupby(
        ["property", "method", "variant"], sort=True
    ):
        slices = [(ALL_FAMILIES, group), *group.groupby("family", sort=True)]
        for fam, sub in slices:
            if family and fam not in (ALL_FAMILIES, family):
                continue
            out.append(
                {
                    "family": fam,
                    "property": prop,
                    "reference": reference,
                    "method": method,
                    "variant": variant or None,
                    "method_label": method_label(method, variant),
                    "unit": UNITS[prop],
                    **_agreement_row(sub, threshold_ev=threshold_ev, n_boot=n_boot, seed=seed),
                }
            )
    return out


def modified_z(values: np.ndarray) -> np.ndarray:
    """Modified z-scores of `values` about their median (zeros when they do not vary)."""
    x = np.asarray(values, dtype=float)
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    if mad > 0:
        return 0.6745 * (x - med) / mad
    mean_ad = np.mean(np.abs(x - med))
    if mean_ad > 0:
        return (x - med) / (1.253314 * mean_ad)
    return np.zeros_like(x)


def modified_z_flags(
    records: pd.DataFrame, *, z_threshold: float = Z_THRESHOLD, min_cohort: int = MIN_COHORT
) -> list[dict]:
    """`modified-z` flags over uncensored records, cohort by cohort."""
    flags: list[dict] = []
    records = with_variant(records)
    usable = records[records["censored"].isna()]
    for (fam, prop, method, variant), group in usable.groupby(COHORT_KEYS, sort=True):
        if len(group) < min_cohort:
            continue
        z = modified_z(group["value"].to_numpy(float))
        median = float(np.median(group["value"]))
        for (_, row), score in zip(group.iterrows(), z, strict=True):
            if abs(score) > z_threshold:
                flags.append(
                    {
                        "record_key": row["record_key"],
                        "rule": "modified-z",
                        "cohort": _cohort_label(fam, prop, method, variant),
                        "score": round(float(score), 3),
                        "reason": (
                            f"{row['value']:.3g} {UNITS[prop]} vs cohort median {median:.3g} "
                            f"(n={len(group)}): modified z = {score:.1f}, beyond ±{z_threshold}"
                        ),
                    }
                )
    return flags


def vs_experiment_flags(
    records: pd.DataFrame, *, tolerance: dict[str, float] | None = None
) -> list[dict]:
    """`vs-experiment` flags: computed records far from their material's experimental median."""
    tolerance = {**TOLERANCE, **(tolerance or {})}
    records = with_variant(records)
    computed = records[(records["method"] != "EXP") & records["censored"].isna()].copy()
    if computed.empty:
        return []
    computed["reference_property"] = computed["property"].map(REFERENCE_PROPERTY)
    ref = experimental_reference(records).rename(columns={"property": "reference_property"})
    paired = computed.merge(ref, on=["reference_property", "composition_key"], how="inner")
    flags: list[dict] = []
    for _, row in paired.iterrows():
        tol = tolerance[row["property"]]
        diff = row["value"] - row["exp_value"]
        if abs(diff) <= tol:
            continue
        caveat = (
            " (one hop's Em vs apparent Ea: different quantities)"
            if row["property"] == "Em"
            else ""
        )
        flags.append(
            {
                "record_key": row["record_key"],
                "rule": "vs-experiment",
                "cohort": _cohort_label(
                    row["family"], row["property"], row["method"], row["variant"]
                ),
                "score": round(float(diff / tol), 3),
                "reason": (
                    f"{row['method_label']} {row['property']} {row['value']:.3g} "
                    f"{UNITS[row['property']]} "
                    f"vs experimental {row['reference_property']} median {row['exp_value']:.3g} "
                    f"(n={int(row['exp_n'])}): off by {diff:+.3g}, tolerance ±{tol}{caveat}"
                ),
            }
        )
    return flags


def evidence_gaps(records: pd.DataFrame, quantity: str = "energy") -> pd.DataFrame:
    """The pandas evidence-gap list (the reference `auditor.reliability.evidence_gaps` is
    tested against); the rest of its docstring follows."""
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

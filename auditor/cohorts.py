"""Cohorts: (family, property, method, variant) and how computed methods compare with experiment.

Conventions (the page and the CLI state them too):
- The variant is a computed method's `records.sub_method` (e.g. MLIP-NEB `mace-relax` against
  `mace-no-relax`, whose errors differ several-fold), so such runs are never pooled. Experiment
  has no variant: a derived Arrhenius-fit Ea is still experiment, one reference.
- sigma counts only at room temperature, `COHORT_RT_WINDOW_K` = 283-313 K (10-40 °C), in log10 S/cm;
  Ea and Em are in eV.
- Only primary copies of a measurement count (`records.is_primary`), so a value that several
  sources re-publish counts once.
- Censored values ('<' or '>' bounds) are excluded from every statistic; cohorts report how many
  they left out as `n_censored`.
- Pairing is at the material level (same `composition_key`): a material's computed value is the
  median of its records in the cohort (hops, runs, sub-methods), its experimental value the
  median of its uncensored EXP records of the reference property, across all sources and
  families. The bias is the median of (computed - experimental) over paired materials, with a
  seeded percentile-bootstrap 95% CI over materials (given from `MIN_PAIRS_FOR_CI` pairs up).
- Computed Em (one hop's barrier) is paired with experimental Ea (an apparent, long-range
  activation energy): related but not the same quantity, and every such row says so in
  `comparison`.
- Method against method (`method_agreement`): two computed methods that report the same hop
  (same source and `path_id`) are compared hop by hop, the same quantity on both sides.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from auditor.normalize import normalize_family
from core.constants import COHORT_RT_WINDOW_K
from db.cohort_records import cohort_records

UNITS: dict[str, str] = {"sigma": "log10 S/cm", "Ea": "eV", "Em": "eV"}
# The experimental property a computed value of each property is compared with.
REFERENCE_PROPERTY: dict[str, str] = {"sigma": "sigma", "Ea": "Ea", "Em": "Ea"}
COMPARISON_LABEL: dict[str, str] = {
    "sigma": "computed vs experimental sigma (room temperature)",
    "Ea": "computed vs experimental Ea",
    "Em": "computed Em of one hop vs experimental apparent Ea (different quantities)",
}
N_BOOT = 2000
# Below this many paired materials a bootstrap CI only restates the values; none is given.
MIN_PAIRS_FOR_CI = 3
SEED = 20250101
COHORT_KEYS = ["family", "property", "method", "variant"]
# A cohort without a variant (experiment, or a method the source does not subdivide).
NO_VARIANT = ""
# Two methods on the same hop "disagree" beyond this many eV (method_agreement).
AGREEMENT_THRESHOLD_EV = 0.5
ALL_FAMILIES = "(all)"


def method_label(method: str, variant: str | None = None) -> str:
    """How a cohort's method reads on screen: `MLIP-NEB (mace-relax)`, or just `NEB`."""
    return f"{method} ({variant})" if variant else method


def with_variant(records: pd.DataFrame) -> pd.DataFrame:
    """Add `variant` (computed methods' sub_method, NO_VARIANT otherwise) and `method_label`.

    A frame that already has `variant` keeps it (missing values become NO_VARIANT).
    """
    frame = records.copy()
    if "variant" not in frame:
        sub = frame["sub_method"] if "sub_method" in frame else pd.Series(None, index=frame.index)
        frame["variant"] = sub.where(frame["method"] != "EXP")
    frame["variant"] = frame["variant"].astype(object).where(frame["variant"].notna(), NO_VARIANT)
    frame["variant"] = frame["variant"].astype(str)
    frame["method_label"] = [
        method_label(m, v) for m, v in zip(frame["method"], frame["variant"], strict=True)
    ]
    return frame


@lru_cache(maxsize=8192)
def _harmonized_family(family_raw: str | None, composition_key: str | None) -> str | None:
    try:
        return normalize_family(family_raw, formula=composition_key)
    except Exception:  # a label the normalizer rejects still belongs somewhere visible
        return family_raw


def with_family(records: pd.DataFrame) -> pd.DataFrame:
    """Fill `family` from the normalizer where the store has none; rename method_tag to method."""
    frame = records.copy()
    missing = frame["family"].isna()
    if missing.any():
        frame.loc[missing, "family"] = [
            _harmonized_family(None if pd.isna(f) else str(f), k)
            for f, k in zip(
                frame.loc[missing, "family_raw"], frame.loc[missing, "composition_key"], strict=True
            )
        ]
    frame["family"] = frame["family"].fillna("unknown")
    return frame.rename(columns={"method_tag": "method"})


def load_records(con, *, t_window_k: tuple[float, float] = COHORT_RT_WINDOW_K) -> pd.DataFrame:
    """Every record cohorts count, with harmonized family, `method` and `variant` (see above)."""

    records = cohort_records(con, t_min_k=t_window_k[0], t_max_k=t_window_k[1])
    return with_variant(with_family(records))


def bootstrap_ci(
    n: int, statistic, *, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95
) -> tuple[float, float] | None:
    """Seeded percentile bootstrap CI over `n` resampled rows; None with fewer than two rows.

    `statistic` takes an (n_boot, n) array of row indices and returns n_boot values (NaN
    values, such as a rank correlation of a constant resample, are left out).
    """
    if n < 2:
        return None
    rng = np.random.default_rng(seed)
    stats = np.asarray(statistic(rng.integers(0, n, size=(n_boot, n))), dtype=float)
    stats = stats[np.isfinite(stats)]
    if not len(stats):
        return None
    alpha = (1.0 - level) / 2.0
    return float(np.quantile(stats, alpha)), float(np.quantile(stats, 1.0 - alpha))


def bootstrap_median_ci(
    values: np.ndarray, *, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the median; None with fewer than two values."""
    x = np.asarray(values, dtype=float)
    return bootstrap_ci(
        len(x), lambda idx: np.median(x[idx], axis=1), n_boot=n_boot, seed=seed, level=level
    )


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


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    from scipy.stats import spearmanr

    rho = spearmanr(a, b).statistic
    return None if math.isnan(rho) else float(rho)


def _round(x: float | None, digits: int = 4) -> float | None:
    return (
        None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), digits)
    )


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


def cohort_table(
    con, *, family: str | None = None, property: str | None = None, n_boot: int = N_BOOT
) -> list[dict]:
    """`cohort_stats` over the store behind `con`."""
    return cohort_stats(load_records(con), family=family, property=property, n_boot=n_boot)


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

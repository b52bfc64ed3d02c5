"""Cohorts: (family, property, method) and how each computed method compares with experiment.

Conventions (the page and the CLI state them too):
- sigma counts only at room temperature, `RT_WINDOW_K` = 283-313 K (10-40 °C), in log10 S/cm;
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
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

RT_WINDOW_K: tuple[float, float] = (283.0, 313.0)
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
COHORT_KEYS = ["family", "property", "method"]


@lru_cache(maxsize=8192)
def _harmonized_family(family_raw: str | None, composition_key: str | None) -> str | None:
    try:
        from auditor.normalize import normalize_family
    except ImportError:
        return family_raw
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


def load_records(con, *, t_window_k: tuple[float, float] = RT_WINDOW_K) -> pd.DataFrame:
    """Every record cohorts count, with harmonized family and `method` (see module docstring)."""
    from db.derived import cohort_records

    return with_family(cohort_records(con, t_min_k=t_window_k[0], t_max_k=t_window_k[1]))


def bootstrap_median_ci(
    values: np.ndarray, *, n_boot: int = N_BOOT, seed: int = SEED, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the median; None with fewer than two values."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return None
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(x, size=(n_boot, len(x)), replace=True), axis=1)
    alpha = (1.0 - level) / 2.0
    return float(np.quantile(medians, alpha)), float(np.quantile(medians, 1.0 - alpha))


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

    Columns: family, property, method, composition_key, value (computed median), n, exp_value,
    exp_n, reference_property, diff (computed - experimental).
    """
    computed = records[(records["method"] != "EXP") & records["censored"].isna()]
    columns = [
        *COHORT_KEYS,
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
        One dict per cohort, sorted by family, property, method.
    """
    paired = paired_materials(records)
    out: list[dict] = []
    for (fam, prop, method), group in records.groupby(COHORT_KEYS, sort=True):
        if (family and fam != family) or (property and prop != property):
            continue
        usable = group[group["censored"].isna()]
        row = {
            "family": fam,
            "property": prop,
            "method": method,
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
            pairs = paired[
                (paired["family"] == fam)
                & (paired["property"] == prop)
                & (paired["method"] == method)
            ]
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

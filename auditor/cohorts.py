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
from contextlib import nullcontext
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from auditor.normalize import normalize_family
from core.constants import COHORT_RT_WINDOW_K
from db import cohort_sql as sql
from db.cohort_records import cohort_records
from db.cohort_sql import frame_source, store_source

# A store connection (set work in SQL on the store) or a frame of `load_records` rows.
CohortInput = pd.DataFrame | duckdb.DuckDBPyConnection

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
# From this many values on, the median's bootstrap CI is computed exactly (bootstrap_median_ci):
# resampling 2,000 times would cost n_boot x n for the same answer less its Monte Carlo noise.
EXACT_BOOTSTRAP_FROM = 200
COHORT_KEYS = ["family", "property", "method", "variant"]
# A cohort without a variant (experiment, or a method the source does not subdivide).
NO_VARIANT = ""
# Two methods on the same hop "disagree" beyond this many eV (method_agreement).
AGREEMENT_THRESHOLD_EV = 0.5
ALL_FAMILIES = "(all)"
# The method others meet on the same hops unless a caller names another (materialized).
DEFAULT_REFERENCE = "NEB"


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


def load_records(
    con,
    *,
    t_window_k: tuple[float, float] = COHORT_RT_WINDOW_K,
    composition_key: str | None = None,
    family: str | None = None,
    property: str | None = None,
) -> pd.DataFrame:
    """Every record cohorts count, with harmonized family, `method` and `variant` (see above);
    `composition_key`, `family` and `property` keep those only (a slice, not a million rows)."""

    records = cohort_records(
        con,
        t_min_k=t_window_k[0],
        t_max_k=t_window_k[1],
        composition_key=composition_key,
        family=family,
        property=property,
    )
    return with_variant(with_family(records))


def cohort_input(records: CohortInput, *, t_window_k: tuple[float, float] = COHORT_RT_WINDOW_K):
    """The cohort records to compute on: the store behind a connection (set work in SQL), or
    a `load_records`-shaped frame (registered in a private DuckDB, the same SQL)."""
    if isinstance(records, pd.DataFrame):
        return frame_source(_frame_for_sql(records))
    return nullcontext(store_source(records, t_window_k))


def _frame_for_sql(records: pd.DataFrame) -> pd.DataFrame:
    frame = with_variant(records)
    for column in ("record_id", "record_key", "source", "path_id", "doi"):
        if column not in frame:
            frame[column] = range(len(frame)) if column == "record_id" else None
    return frame


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
    """Percentile bootstrap CI of the median; None with fewer than two values.

    Up to `EXACT_BOOTSTRAP_FROM` values: `n_boot` seeded resamples. From there on, the
    resampling's own limit: the bootstrap distribution of the median is known exactly (the
    resample median is at or below the j-th smallest value when at least half the draws
    are, a binomial count), so its percentiles cost O(n) instead of n_boot x n memory and
    time, and carry no Monte Carlo noise.
    """
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return None
    alpha = (1.0 - level) / 2.0
    if len(x) >= EXACT_BOOTSTRAP_FROM:
        from scipy.stats import binom  # heavy import, only for large samples

        ordered = np.sort(x)
        n = len(ordered)
        # P(resample median <= ordered[j-1]) = P(Binomial(n, j/n) >= n // 2 + 1)
        cdf = binom.sf(n // 2, n, np.arange(1, n + 1) / n)
        low = int(np.searchsorted(cdf, alpha, side="left"))
        high = int(np.searchsorted(cdf, 1.0 - alpha, side="left"))
        return float(ordered[min(low, n - 1)]), float(ordered[min(high, n - 1)])
    return bootstrap_ci(
        len(x), lambda idx: np.median(x[idx], axis=1), n_boot=n_boot, seed=seed, level=level
    )


def experimental_reference(
    records: CohortInput, *, property: str | None = None, composition_key: str | None = None
) -> pd.DataFrame:
    """Per (property, composition_key): the median and count of uncensored EXP values.

    `records`: a store connection (computed in SQL) or a `load_records` frame; `property` and
    `composition_key` keep those only.
    """
    if not isinstance(records, pd.DataFrame):
        return sql.experimental_medians(
            store_source(records, COHORT_RT_WINDOW_K), property=property,
            composition_key=composition_key,
        )  # fmt: skip
    exp = records[(records["method"] == "EXP") & records["censored"].isna()]
    if property is not None:
        exp = exp[exp["property"] == property]
    if composition_key is not None:
        exp = exp[exp["composition_key"] == composition_key]
    return (
        exp.groupby(["property", "composition_key"])["value"]
        .agg(exp_value="median", exp_n="size")
        .reset_index()
    )


def paired_materials(
    records: CohortInput, *, family: str | None = None, property: str | None = None
) -> pd.DataFrame:
    """Computed material values joined with experiment: one row per (cohort, material).

    Args:
        records: a store connection or a `load_records` frame (see `cohort_input`).
        family, property: keep only these cohorts; experiment is still taken over every record.

    Returns:
        Columns: family, property, method, variant, method_label, composition_key, value
        (computed median), n, exp_value, exp_n, reference_property, diff (computed -
        experimental), sorted by cohort and material.
    """
    with cohort_input(records) as src:
        return sql.paired_materials(src, REFERENCE_PROPERTY, family=family, property=property)


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


def _groups(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, np.ndarray]:
    # Row positions per group, in the frame's (SQL-sorted) order.
    if frame.empty:
        return {}
    return {
        (k if isinstance(k, tuple) else (k,)): v
        for k, v in frame.groupby(keys, sort=False).indices.items()
    }


def cohort_stats(
    records: CohortInput,
    *,
    family: str | None = None,
    property: str | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> list[dict]:
    """Per-cohort statistics (see the module docstring for the conventions).

    Counts, medians and the material pairing are set work in SQL (`db.cohort_sql`); the
    bootstrap CI and Spearman run on each cohort's array of paired differences.

    Args:
        records: a store connection, or `load_records` output (or any frame with its columns).
        family, property: keep only these cohorts; pairing still sees every record.
        n_boot, seed: the bootstrap's resamples and seed.

    Returns:
        One dict per cohort, sorted by family, property, method, variant; `variant` is None
        where there is none.
    """
    with cohort_input(records) as src:
        summary = sql.cohort_summary(src, family=family, property=property)
        paired = sql.paired_materials(src, REFERENCE_PROPERTY, family=family, property=property)
    by_cohort = _groups(paired, COHORT_KEYS)
    diffs_all = paired["diff"].to_numpy(float)
    values_all = paired["value"].to_numpy(float)
    exp_all = paired["exp_value"].to_numpy(float)
    empty = np.array([], dtype=int)
    out: list[dict] = []
    for fam, prop, method, variant, n_records, n_materials, n_censored, median in zip(
        summary["family"],
        summary["property"],
        summary["method"],
        summary["variant"],
        summary["n_records"],
        summary["n_materials"],
        summary["n_censored"],
        summary["median"],
        strict=True,
    ):
        row = {
            "family": fam,
            "property": prop,
            "method": method,
            "variant": variant or None,
            "method_label": method_label(method, variant),
            "n_records": int(n_records),
            "n_materials": int(n_materials),
            "n_censored": int(n_censored),
            "median": _round(median) if n_records else None,
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
            at = by_cohort.get((fam, prop, method, variant), empty)
            diffs = diffs_all[at]
            ci = (
                bootstrap_median_ci(diffs, n_boot=n_boot, seed=seed)
                if len(diffs) >= MIN_PAIRS_FOR_CI
                else None
            )
            row.update(
                reference=f"EXP {REFERENCE_PROPERTY[prop]}",
                comparison=COMPARISON_LABEL[prop],
                paired_materials=int(len(diffs)),
                bias_vs_exp=_round(np.median(diffs)) if len(diffs) else None,
                bias_ci95=[_round(ci[0]), _round(ci[1])] if ci else None,
                mae_vs_exp=_round(np.mean(np.abs(diffs))) if len(diffs) else None,
                spearman=_round(_spearman(values_all[at], exp_all[at])),
            )
        out.append(row)
    return out


def cohort_table(
    con, *, family: str | None = None, property: str | None = None, n_boot: int = N_BOOT
) -> list[dict]:
    """`cohort_stats` over the store behind `con` (set work in SQL, no frame of records)."""
    return cohort_stats(con, family=family, property=property, n_boot=n_boot)


def same_hop_pairs(
    records: CohortInput, *, reference: str = "NEB", family: str | None = None
) -> pd.DataFrame:
    """Each hop that the reference and another computed method both report, one row per pair.

    A hop is (source, path_id, property); several records of one method on a hop count as
    their median. `reference` is a method label (`NEB`, or `MLIP-NEB (mace-relax)`); every
    other computed method label on the same hop is paired with it. `family` keeps one family.
    Set work in SQL (`db.cohort_sql.same_hop_pairs`).

    Returns:
        Columns: family, property, source, path_id, composition_key, method, variant,
        method_label, reference, reference_value, value, diff (value - reference_value).
    """
    with cohort_input(records) as src:
        return sql.same_hop_pairs(src, reference=reference, family=family)


def _agreement_row(
    hops: dict, at: np.ndarray, *, threshold_ev: float, n_boot: int, seed: int
) -> dict:
    diffs = np.asarray(hops["diff"], dtype=float)[at]
    values = np.asarray(hops["value"], dtype=float)[at]
    reference = np.asarray(hops["reference_value"], dtype=float)[at]
    ci = (
        bootstrap_median_ci(diffs, n_boot=n_boot, seed=seed)
        if len(diffs) >= MIN_PAIRS_FOR_CI
        else None
    )
    return {
        "n_hops": int(len(diffs)),
        "n_materials": int(len(np.unique(np.asarray(hops["material"])[at]))),
        "reference_median": _round(np.median(reference)),
        "median": _round(np.median(values)),
        "bias": _round(np.median(diffs)),
        "bias_ci95": [_round(ci[0]), _round(ci[1])] if ci else None,
        "mae": _round(np.mean(np.abs(diffs))),
        "median_abs_error": _round(np.median(np.abs(diffs))),
        "spearman": _round(_spearman(values, reference)),
        "threshold_ev": threshold_ev,
        "frac_off": _round(float(np.mean(np.abs(diffs) > threshold_ev))),
    }


def method_agreement(
    records: CohortInput,
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
        records: a store connection or `load_records` output (needs source and path_id).
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
    parameters = _agreement_parameters(reference, threshold_ev, n_boot, seed)
    if not isinstance(records, pd.DataFrame):
        stored = sql.read_hop_agreement(records, parameters, family=family, pooled=ALL_FAMILIES)
        if stored is not None:  # computed by the pipeline for these records (refresh_cohort_tables)
            return [_stored_agreement_row(row) for row in stored]
    return _computed_agreement(
        records, reference, family=family, threshold_ev=threshold_ev, n_boot=n_boot, seed=seed
    )


_AGREEMENT_FIELDS = (
    "family", "property", "reference", "method", "variant", "method_label", "unit", "n_hops",
    "n_materials", "reference_median", "median", "bias", "bias_ci_low", "bias_ci_high", "mae",
    "median_abs_error", "spearman", "threshold_ev", "frac_off",
)  # fmt: skip


def _agreement_parameters(reference: str, threshold_ev: float, n_boot: int, seed: int) -> dict:
    return {"reference": reference, "threshold_ev": float(threshold_ev), "n_boot": int(n_boot),
            "seed": int(seed)}  # fmt: skip


def _stored_agreement_row(row: tuple) -> dict:
    out = dict(zip(_AGREEMENT_FIELDS, row, strict=True))
    low, high = out.pop("bias_ci_low"), out.pop("bias_ci_high")
    ordered = {k: out[k] for k in _AGREEMENT_FIELDS[:12]}
    ordered["bias_ci95"] = None if low is None else [low, high]
    ordered.update({k: out[k] for k in _AGREEMENT_FIELDS[14:]})
    return ordered


def _computed_agreement(
    records: CohortInput,
    reference: str,
    *,
    family: str | None,
    threshold_ev: float,
    n_boot: int,
    seed: int,
) -> list[dict]:
    with cohort_input(records) as src:
        hops = sql.hop_diffs(src, reference=reference)
    out: list[dict] = []
    n = len(hops["diff"])
    if not n:
        return out
    # Rows come grouped by (property, method, variant), in hop order inside each group.
    starts = [0, *(np.flatnonzero(np.diff(np.asarray(hops["grp"]))) + 1).tolist()]
    codes = np.asarray(hops["family_code"])
    code_values, first = np.unique(codes, return_index=True)
    names = {int(c): hops["family"][i] for c, i in zip(code_values, first, strict=True)}
    for start, stop in zip(starts, [*starts[1:], n], strict=True):
        prop, method, variant = (hops[c][start] for c in ("property", "method", "variant"))
        at = np.arange(start, stop)
        slices = [(ALL_FAMILIES, at)]
        for code in np.unique(codes[at]):  # family codes sort as the family names do
            fam = names[int(code)]
            if family and fam != family:
                continue
            slices.append((fam, at[codes[at] == code]))
        for fam, rows in slices:
            out.append(
                {
                    "family": fam,
                    "property": prop,
                    "reference": reference,
                    "method": method,
                    "variant": variant or None,
                    "method_label": method_label(method, variant),
                    "unit": UNITS[prop],
                    **_agreement_row(
                        hops, rows, threshold_ev=threshold_ev, n_boot=n_boot, seed=seed
                    ),
                }
            )
    return out


def refresh_cohort_tables(con) -> dict[str, int]:
    """Materialize the store's cohort summaries, material pairs and per-hop values for the
    current records (the pipeline runs it after every write that changes records); rows
    written per table."""
    counts = sql.materialize(con, COHORT_RT_WINDOW_K, REFERENCE_PROPERTY, DEFAULT_REFERENCE)
    # The page's same-hop comparison against the default reference, every family (its
    # bootstraps run once per records version, not per view).
    parameters = _agreement_parameters(DEFAULT_REFERENCE, AGREEMENT_THRESHOLD_EV, N_BOOT, SEED)
    rows = _computed_agreement(
        con, DEFAULT_REFERENCE, family=None, threshold_ev=AGREEMENT_THRESHOLD_EV,
        n_boot=N_BOOT, seed=SEED,
    )  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=[*_AGREEMENT_FIELDS[:12], "bias_ci95", *_AGREEMENT_FIELDS[14:]]
    )
    ci = frame.pop("bias_ci95")
    frame.insert(12, "bias_ci_low", [c[0] if c else None for c in ci])
    frame.insert(13, "bias_ci_high", [c[1] if c else None for c in ci])
    counts["hop_agreement"] = sql.write_hop_agreement(con, frame, parameters)
    return counts


def cohort_tables_current(con) -> bool:
    """Whether the materialized cohort tables (and the stored same-hop agreement) describe the
    store's records as they are."""
    parameters = _agreement_parameters(DEFAULT_REFERENCE, AGREEMENT_THRESHOLD_EV, N_BOOT, SEED)
    return store_source(con, COHORT_RT_WINDOW_K).tables and sql.hop_agreement_current(
        con, parameters
    )


def cohort_families(con) -> list[str]:
    """The families that hold cohort records in the store, sorted."""
    return sql.cohort_families(store_source(con, COHORT_RT_WINDOW_K))


def cohort_values(con, *, family: str, property: str) -> pd.DataFrame:
    """One family's uncensored cohort records of one property, with `method_label` (a
    distribution plot's points; `auditor.figures.distribution_by_method` takes it)."""
    frame = sql.cohort_values(store_source(con, COHORT_RT_WINDOW_K), family=family, property=property)
    frame["censored"] = None
    return frame

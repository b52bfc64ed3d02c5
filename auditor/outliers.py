"""Outlier flags for a person to review: rules that point at numbers worth a second look.

Rules (each flag is keyed by the record's stable `record_key` and the rule):
- `modified-z`: |0.6745 (x - median) / MAD| > `z_threshold` (Iglewicz & Hoaglin, 3.5 by
  default) within a cohort (family, property, method, variant) of at least `min_cohort` values.
  When the MAD is zero the mean absolute deviation stands in (scaled by 1.2533), so a cohort of
  mostly equal values still flags a far one.
- `vs-experiment`: a computed value further than `tolerance[property]` from the median of the
  same material's experimental values (Em is compared with experimental Ea, a different
  quantity; the reason says so).
- `model-residual`: a reported room-temperature sigma outside the conductivity model's 80%
  interval by at least the interval's half-width (auditor.model.interval_outliers). Reads the
  `predictions` table the model writes; until it holds predictions this rule raises nothing.
- `arrhenius-fit`: a derived Arrhenius Ea whose fit has R² < `min_r2` (0.9 by default): the
  series is not one straight line in ln(sigma*T) vs 1/T, typically because it crosses a phase
  transition or a change of mechanism, so one Ea averages regimes.

Flags never change records; reviews (status, note, reviewer) survive re-flagging and rebuilds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.cohorts import REFERENCE_PROPERTY, UNITS, CohortInput, cohort_input
from auditor.model import interval_outliers
from core.constants import COHORT_RT_WINDOW_K
from core.units import PLAUSIBLE_RANGE, PLAUSIBLE_TEMPERATURE_K, implausibility
from core.vocab import FLAG_RULES
from db import cohort_sql as sql
from db.arrhenius_fits import arrhenius_fits
from db.cohort_sql import scope_record_keys, source_scope, store_source
from db.flags import records_outside, upsert_flags
from db.predictions import observed_vs_predicted

Z_THRESHOLD = 3.5
MIN_COHORT = 5
# How far a computed value may sit from experiment before a person should look (log10 S/cm, eV).
TOLERANCE: dict[str, float] = {"sigma": 2.0, "Ea": 0.3, "Em": 0.3}
# Below this R² a series is not one Arrhenius line.
MIN_ARRHENIUS_R2 = 0.9


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


def _cohort_label(family: str, prop: str, method: str, variant: str | None = None) -> str:
    return "/".join([family, prop, method, *([variant] if variant else [])])


def _z_flags(found: pd.DataFrame, z_threshold: float) -> list[dict]:
    return [
        {
            "record_key": key,
            "rule": "modified-z",
            "cohort": _cohort_label(fam, prop, method, variant),
            "score": round(float(score), 3),
            "reason": (
                f"{value:.3g} {UNITS[prop]} vs cohort median {median:.3g} "
                f"(n={int(n)}): modified z = {score:.1f}, beyond ±{z_threshold}"
            ),
        }
        for key, fam, prop, method, variant, value, median, n, score in zip(
            found["record_key"],
            found["family"],
            found["property"],
            found["method"],
            found["variant"],
            found["value"],
            found["median"],
            found["n"],
            found["score"],
            strict=True,
        )
    ]


def modified_z_flags(
    records: CohortInput,
    *,
    z_threshold: float = Z_THRESHOLD,
    min_cohort: int = MIN_COHORT,
    cohorts: pd.DataFrame | None = None,
) -> list[dict]:
    """`modified-z` flags over uncensored records, cohort by cohort (scores in SQL).

    Args:
        records: a store connection or a `load_records` frame.
        cohorts: only these cohorts (family, property, method, variant rows); all when None.
    """
    with cohort_input(records) as src:
        found = sql.modified_z_outliers(
            src, z_threshold=z_threshold, min_cohort=min_cohort, cohorts=cohorts
        )
    return _z_flags(found, z_threshold)


def vs_experiment_flags(
    records: CohortInput,
    *,
    tolerance: dict[str, float] | None = None,
    composition_keys: list[str] | None = None,
) -> list[dict]:
    """`vs-experiment` flags: computed records far from their material's experimental median.

    Args:
        records: a store connection or a `load_records` frame.
        tolerance: per property, overriding `TOLERANCE`.
        composition_keys: only these materials; all when None.
    """
    tolerance = {**TOLERANCE, **(tolerance or {})}
    with cohort_input(records) as src:
        found = sql.experiment_gaps(
            src, REFERENCE_PROPERTY, tolerance, composition_keys=composition_keys
        )
    flags: list[dict] = []
    for row in found.itertuples(index=False):
        tol, diff = row.tolerance, row.diff
        caveat = (
            " (one hop's Em vs apparent Ea: different quantities)" if row.property == "Em" else ""
        )
        flags.append(
            {
                "record_key": row.record_key,
                "rule": "vs-experiment",
                "cohort": _cohort_label(row.family, row.property, row.method, row.variant),
                "score": round(float(diff / tol), 3),
                "reason": (
                    f"{row.method_label} {row.property} {row.value:.3g} {UNITS[row.property]} "
                    f"vs experimental {row.reference_property} median {row.exp_value:.3g} "
                    f"(n={int(row.exp_n)}): off by {diff:+.3g}, tolerance ±{tol}{caveat}"
                ),
            }
        )
    return flags


def model_residual_flags(predictions: pd.DataFrame) -> list[dict]:
    """`model-residual` flags: a reported log10 sigma outside the model's 80% interval by a
    wide margin (auditor.model.interval_outliers decides what wide means).

    Args:
        predictions: db.predictions.observed_vs_predicted (observed, predicted, lo80, hi80,
            censored per room-temperature record).
    """

    observed = predictions.rename(
        columns={"observed": "log10_value", "predicted": "pred_log10_sigma"}
    )
    return [{**flag, "rule": "model-residual"} for flag in interval_outliers(observed)]


def arrhenius_fit_flags(fits: pd.DataFrame, *, min_r2: float = MIN_ARRHENIUS_R2) -> list[dict]:
    """`arrhenius-fit` flags: derived Ea records whose fit has R² below `min_r2`.

    Args:
        fits: rows of `db.arrhenius_fits.arrhenius_fits` (record_key, r2, ea_ev, t_min_k, t_max_k,
            n_points, n_temperatures).
        min_r2: the R² a series needs to count as one Arrhenius line.
    """
    flags: list[dict] = []
    poor = fits[fits["r2"].notna() & (fits["r2"] < min_r2)] if len(fits) else fits
    for fit in poor.to_dict("records"):
        r2 = fit["r2"]
        flags.append(
            {
                "record_key": fit["record_key"],
                "rule": "arrhenius-fit",
                "cohort": f"Arrhenius fit {fit['composition_key']}",
                # 1 at the threshold, growing as the fit gets worse
                "score": round(float((1.0 - r2) / (1.0 - min_r2)), 3),
                "reason": (
                    f"Arrhenius fit R² {r2:.3f} < {min_r2} over {fit['t_min_k']:.0f}-"
                    f"{fit['t_max_k']:.0f} K ({int(fit['n_points'])} points, "
                    f"{int(fit['n_temperatures'])} temperatures): not one straight line, e.g. a "
                    f"phase transition or change of mechanism inside the range, so Ea "
                    f"{fit['ea_ev']:.3f} eV averages regimes"
                ),
            }
        )
    return flags


def implausible_flags(outside: pd.DataFrame) -> list[dict]:
    """Flags for published values outside the plausible range (`core.units.PLAUSIBLE_RANGE`).

    A user's upload refuses such a value; a source that published it keeps it, flagged, so a
    reviewer decides (an unrelaxed MLIP-NEB "barrier" of 40 eV, a typo in a table).

    Args:
        outside: rows of `db.flags.records_outside` (record_key, property, value, temperature_k,
            family, method_tag).
    """
    return [
        {
            "record_key": row["record_key"],
            "rule": "implausible",
            "cohort": _cohort_label(
                row["family"] if isinstance(row["family"], str) else "unknown",
                row["property"],
                row["method_tag"],
            ),
            "score": None,
            "reason": implausibility(
                row["property"],
                None if pd.isna(row["value"]) else float(row["value"]),
                None if pd.isna(row["temperature_k"]) else float(row["temperature_k"]),
            ),
        }
        for row in outside.to_dict("records")
    ]


def refresh_flags(
    con,
    *,
    z_threshold: float = Z_THRESHOLD,
    min_cohort: int = MIN_COHORT,
    tolerance: dict[str, float] | None = None,
    min_r2: float = MIN_ARRHENIUS_R2,
    source: str | None = None,
) -> dict[str, int]:
    """Run every rule over the store and write the flags idempotently (reviews are kept).

    The cohort rules are set work in SQL over the store; the flags are written in bulk.

    Args:
        source: a source just ingested: the cohort rules then recompute only the cohorts
            and materials its records touch (the rest of the store's flags stand); the
            cheap whole-store rules run in full. None: the whole store.

    Returns:
        Flags raised per rule in this run (within the scope).
    """
    cohorts, keys, within = None, None, None
    if source is not None:
        src = store_source(con, COHORT_RT_WINDOW_K)
        cohorts, keys = source_scope(src, source)
        in_cohorts, of_materials = scope_record_keys(src, cohorts, keys)
        within = {"modified-z": in_cohorts, "vs-experiment": of_materials}
    by_rule = {
        "modified-z": modified_z_flags(
            con, z_threshold=z_threshold, min_cohort=min_cohort, cohorts=cohorts
        ),
        "vs-experiment": vs_experiment_flags(con, tolerance=tolerance, composition_keys=keys),
        "model-residual": model_residual_flags(observed_vs_predicted(con, COHORT_RT_WINDOW_K)),
        "arrhenius-fit": arrhenius_fit_flags(arrhenius_fits(con), min_r2=min_r2),
        "implausible": implausible_flags(
            records_outside(con, PLAUSIBLE_RANGE, PLAUSIBLE_TEMPERATURE_K)
        ),
    }
    upsert_flags(
        con, [f for flags in by_rule.values() for f in flags], list(FLAG_RULES), within=within
    )
    return {rule: len(flags) for rule, flags in by_rule.items()}

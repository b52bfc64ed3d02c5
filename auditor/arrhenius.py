"""Arrhenius fits of conductivity series: ln(sigma*T) = ln(A) - Ea / (k_B T).

The sigma*T prefactor form is the one most solid-electrolyte papers fit, so the Ea it returns
is comparable with their reported apparent activation energies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from core.constants import IMPLIED_ROOM_TEMPERATURE_K, K_B_EV, arrhenius_log10_sigma
from db.arrhenius_fits import arrhenius_series, replace_arrhenius_fits

# A series qualifies for a fit when it has this many distinct temperatures over this span.
MIN_TEMPERATURES = 3
MIN_SPAN_K = 40.0
SUB_METHOD = "arrhenius-fit"


@dataclass(frozen=True)
class ArrheniusFit:
    """One least-squares fit of ln(sigma*T) against 1/T."""

    ea_ev: float
    ea_se_ev: float | None
    ln_prefactor: float
    r2: float | None
    n_points: int
    n_temperatures: int
    t_min_k: float
    t_max_k: float
    log10_sigma_298: float

    def log10_sigma(self, temperature_k: np.ndarray | float) -> np.ndarray | float:
        """The fitted conductivity, log10 S/cm, at the given temperature(s)."""
        return arrhenius_log10_sigma(self.ln_prefactor, self.ea_ev, temperature_k)


def arrhenius_fit(temperature_k: np.ndarray, sigma_s_cm: np.ndarray) -> ArrheniusFit:
    """Fit ln(sigma*T) = ln(A) - Ea/(k_B T) by ordinary least squares.

    Args:
        temperature_k: temperatures in K (at least two distinct ones).
        sigma_s_cm: conductivities in S/cm, positive.

    Returns:
        The fit; `ea_se_ev` and `r2` are None when there are too few points to estimate them.
    """
    t = np.asarray(temperature_k, dtype=float)
    s = np.asarray(sigma_s_cm, dtype=float)
    if t.shape != s.shape or len(np.unique(t)) < 2 or np.any(s <= 0) or np.any(t <= 0):
        raise ValueError("need positive sigma at two or more distinct positive temperatures")
    x = 1.0 / t
    y = np.log(s * t)
    n = len(x)
    x_mean = x.mean()
    sxx = float(np.sum((x - x_mean) ** 2))
    slope = float(np.sum((x - x_mean) * (y - y.mean())) / sxx)
    intercept = float(y.mean() - slope * x_mean)
    resid = y - (intercept + slope * x)
    ss_res = float(np.sum(resid**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    se_slope = float(np.sqrt(ss_res / (n - 2) / sxx)) if n > 2 else None
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else None
    ea = -slope * K_B_EV
    fit = ArrheniusFit(
        ea_ev=ea,
        ea_se_ev=None if se_slope is None else se_slope * K_B_EV,
        ln_prefactor=intercept,
        r2=r2,
        n_points=n,
        n_temperatures=len(np.unique(t)),
        t_min_k=float(t.min()),
        t_max_k=float(t.max()),
        log10_sigma_298=0.0,
    )
    return ArrheniusFit(
        **{**asdict(fit), "log10_sigma_298": float(fit.log10_sigma(IMPLIED_ROOM_TEMPERATURE_K))}
    )


def fit_series(
    series: pd.DataFrame,
    *,
    min_temperatures: int = MIN_TEMPERATURES,
    min_span_k: float = MIN_SPAN_K,
) -> list[dict]:
    """Fit every (source, doi, composition_key) series that qualifies.

    Args:
        series: sigma records with record_id, record_key, source, doi, composition_key,
            material_raw, family_raw, temperature_k, value (S/cm).
        min_temperatures: distinct temperatures a series needs.
        min_span_k: temperature span a series needs.

    Returns:
        One dict per fit: the group keys, the `ArrheniusFit` fields and `input_record_ids`.
    """
    fits: list[dict] = []
    if series.empty:
        return fits
    frame = series.assign(doi_key=series["doi"].fillna(""))
    groups = ["source", "doi_key", "composition_key"]
    # Most series are one or two points: keep only those that qualify before fitting group by
    # group (a thousand pandas groups cost seconds; the test is the same as below).
    by_series = frame.groupby(groups, sort=False)["temperature_k"]
    qualifies = (by_series.transform("nunique") >= min_temperatures) & (
        by_series.transform("max") - by_series.transform("min") >= min_span_k
    )
    frame = frame[qualifies]
    for (source, doi, key), group in frame.groupby(groups, sort=True):
        group = group.sort_values(["temperature_k", "record_id"])
        temps = group["temperature_k"].to_numpy(float)
        if len(np.unique(temps)) < min_temperatures or temps.max() - temps.min() < min_span_k:
            continue
        fit = arrhenius_fit(temps, group["value"].to_numpy(float))
        fits.append(
            {
                "source": source,
                "doi": doi or None,
                "composition_key": key,
                "material_raw": str(group["material_raw"].iloc[0]),
                "family_raw": group["family_raw"].iloc[0],
                "input_record_ids": [int(r) for r in group["record_id"]],
                "input_record_keys": [str(r) for r in group["record_key"]],
                **asdict(fit),
            }
        )
    return fits


def fit_details(fit: dict) -> str:
    """The method_details text of a derived Ea record: SE, R^2, T range, points."""
    se = "n/a" if fit["ea_se_ev"] is None else f"{fit['ea_se_ev']:.3f}"
    r2 = "n/a" if fit["r2"] is None else f"{fit['r2']:.3f}"
    return json.dumps(
        {
            "fit": "ln(sigma*T) vs 1/T, least squares",
            "ea_se_ev": se,
            "r2": r2,
            "t_range_k": [round(fit["t_min_k"], 2), round(fit["t_max_k"], 2)],
            "n_points": fit["n_points"],
            "log10_sigma_298": round(fit["log10_sigma_298"], 3),
        }
    )


def derive_arrhenius_records(con) -> int:
    """Fit every qualifying series in the store and insert the derived Ea records.

    Replaces earlier fits, so running it twice leaves the same store. Returns the number of fits.
    """

    fits = fit_series(arrhenius_series(con))
    for fit in fits:
        fit["method_details"] = fit_details(fit)
    return replace_arrhenius_fits(con, fits)

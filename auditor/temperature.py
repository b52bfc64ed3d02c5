"""sigma(T) series for the Arrhenius view: harmonized family and carrier ion, the material's Ea."""

from __future__ import annotations

import pandas as pd

from auditor.cohorts import CohortInput, experimental_reference, with_family


def sigma_t_series(points: pd.DataFrame, records: CohortInput) -> pd.DataFrame:
    """Series points with `family` filled by the normalizer, `carrier_ion` ('unknown' if none)
    and `ea_ev`, the median of the material's uncensored experimental Ea (NaN when none).

    Args:
        points: `db.temperature.sigma_series_points`.
        records: a store connection or `auditor.cohorts.load_records` output (for the
            experimental Ea).
    """
    frame = with_family(points.assign(method_tag="EXP")).drop(columns="method")
    frame["carrier_ion"] = frame["carrier_ion"].fillna("unknown")
    ea = experimental_reference(records, property="Ea")[["composition_key", "exp_value"]]
    frame = frame.merge(ea.rename(columns={"exp_value": "ea_ev"}), on="composition_key", how="left")
    frame["ea_ev"] = frame["ea_ev"].round(3)
    return frame


def filter_series(
    series: pd.DataFrame, *, families: list[str] | None = None, ions: list[str] | None = None
) -> pd.DataFrame:
    """Keep the series of these families and carrier ions (all when a list is empty or None)."""
    keep = pd.Series(True, index=series.index)
    if families:
        keep &= series["family"].isin(families)
    if ions:
        keep &= series["carrier_ion"].isin(ions)
    return series[keep]

"""The sigma(T) view: every conductivity series on one Arrhenius plot, filtered by family and ion."""

from __future__ import annotations

import streamlit as st

from auditor.temperature import filter_series
from views import reliability_data as data
from views.figures import figure_with_export
from views.url_state import list_param, sync_url


def _multiselect(label: str, options: list[str], param: str, key: str) -> list[str]:
    if key not in st.session_state:
        st.session_state[key] = [v for v in list_param(st.query_params.get(param)) if v in options]
    return st.multiselect(label, options, key=key)


def render_sigma_t(version: int) -> None:
    """Arrhenius plot of log10 sigma vs 1000/T, one line per material and source."""
    st.subheader("Conductivity against temperature")
    series = data.sigma_series(version)
    cols = st.columns(2)
    with cols[0]:
        families = _multiselect(
            "Families (sigma(T))", sorted(series["family"].unique()), "tfam", "t_families"
        )
    with cols[1]:
        ions = _multiselect("Carrier ion", sorted(series["carrier_ion"].unique()), "ion", "t_ions")
    sync_url(tfam=families, ion=ions)
    shown = filter_series(series, families=families, ions=ions)
    n_series = shown.groupby(["composition_key", "source"]).ngroups
    st.caption(
        f"{n_series} series ({len(shown)} points) of one material from one source at two or more "
        "temperatures; primary, uncensored records. Point size grows with the material's "
        "experimental Ea (median of its records) where one is known; small plain points: none."
    )
    if shown.empty:
        st.info("No series for this selection.")
        return
    figure_with_export(
        data.sigma_t_figure(version, tuple(families), tuple(ions)), "sigma_t", n=n_series
    )

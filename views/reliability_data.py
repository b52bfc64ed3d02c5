"""Cached reads for the reliability views: computed once per store version, not per rerun.

Each reads the store through `store_cursor()`: the stored cohort tables where they are current
(`auditor.cohorts`), or set work in SQL; no view holds the store's cohort records in memory.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from auditor.cohorts import cohort_values
from auditor.figures import distribution_by_method
from auditor.figures_reliability import all_family_parity, reliability_map, sigma_t_plot
from auditor.placement import placement_records
from auditor.reliability import cell_pairs, evidence_gaps, quantity_pairs, reliability_cells
from auditor.screen import screen_records
from auditor.temperature import filter_series, sigma_t_series
from db.temperature import sigma_series_points
from views.store import store_cursor


@st.cache_data(show_spinner="Computing the reliability map (once per store version)...")
def cells(version: int, quantity: str) -> pd.DataFrame:
    """The map's cells for this store version and quantity."""
    return reliability_cells(store_cursor(), quantity)


@st.cache_data(show_spinner=False)
def pairs(version: int, quantity: str) -> pd.DataFrame:
    """Every paired material behind the quantity's cells."""
    return quantity_pairs(store_cursor(), quantity)


# A resource, not data: at a million records the list holds 600,000 rows, and cached data is
# unpickled on every rerun. Shared: callers filter it into new frames, never change it.
@st.cache_resource(show_spinner="Listing the evidence each cell lacks...", max_entries=4)
def gaps(version: int, quantity: str) -> pd.DataFrame:
    """The evidence-gap list for this store version and quantity (shared: do not modify)."""
    return evidence_gaps(store_cursor(), quantity)


@st.cache_resource(show_spinner=False, max_entries=2)
def sigma_series(version: int) -> pd.DataFrame:
    """Every sigma(T) series of this store version, with family, carrier ion and Ea (shared:
    do not modify)."""
    return sigma_t_series(sigma_series_points(store_cursor()), store_cursor())


@st.cache_data(show_spinner=False, max_entries=64)
def pairs_of_cell(version: int, cell: str) -> pd.DataFrame:
    """The paired rows behind one cell."""
    return cell_pairs(store_cursor(), cell)


@st.cache_data(show_spinner=False, max_entries=16)
def material_records(version: int, composition_key: str, property: str) -> pd.DataFrame:
    """The cohort records a placement reads: the material's, and its family's of `property`."""
    return placement_records(store_cursor(), composition_key, property)


@st.cache_data(show_spinner=False, max_entries=16)
def screen_slice(version: int, composition_key: str) -> pd.DataFrame:
    """The cohort records a screen reads: the material's, and its family's of each placed
    property (`auditor.screen.screen_records`)."""
    return screen_records(store_cursor(), composition_key)


# Figures of cached data are cached too: building plotly traces costs more than the statistics.
@st.cache_resource(show_spinner=False, max_entries=8)
def distribution_figure(version: int, family: str, property: str) -> go.Figure:
    """Box per method of one family's records of one property (a cell's distribution)."""
    values = cohort_values(store_cursor(), family=family, property=property)
    return distribution_by_method(values, family=family, property=property)


# Resources, not data: unpickling a figure re-validates every trace on every rerun.
@st.cache_resource(show_spinner=False, max_entries=8)
def map_figures(version: int, quantity: str) -> tuple[go.Figure, go.Figure]:
    """The reliability map and the all-family parity plot of this store version and quantity."""
    return (
        reliability_map(cells(version, quantity), quantity=quantity),
        all_family_parity(pairs(version, quantity), quantity=quantity),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def sigma_t_figure(version: int, families: tuple[str, ...], ions: tuple[str, ...]) -> go.Figure:
    """The sigma(T) plot of these families and carrier ions (all when empty)."""
    shown = filter_series(sigma_series(version), families=list(families), ions=list(ions))
    return sigma_t_plot(shown)

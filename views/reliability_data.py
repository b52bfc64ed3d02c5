"""Cached reads for the reliability views: computed once per store version, not per rerun."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditor.cohorts import load_records
from auditor.reliability import evidence_gaps, quantity_pairs, reliability_cells
from auditor.temperature import sigma_t_series
from db.temperature import sigma_series_points
from views.shared import store_cursor


@st.cache_data(show_spinner=False, max_entries=2)
def records(version: str) -> pd.DataFrame:
    """The cohort records of this store version (`version` is the cache key)."""
    return load_records(store_cursor())


@st.cache_data(show_spinner="Computing the reliability map (once per store version)...")
def cells(version: str, quantity: str) -> pd.DataFrame:
    """The map's cells for this store version and quantity."""
    return reliability_cells(records(version), quantity)


@st.cache_data(show_spinner=False)
def pairs(version: str, quantity: str) -> pd.DataFrame:
    """Every paired material behind the quantity's cells."""
    return quantity_pairs(records(version), quantity)


@st.cache_data(show_spinner="Listing the evidence each cell lacks...")
def gaps(version: str, quantity: str) -> pd.DataFrame:
    """The evidence-gap list for this store version and quantity."""
    return evidence_gaps(records(version), quantity)


@st.cache_data(show_spinner=False)
def sigma_series(version: str) -> pd.DataFrame:
    """Every sigma(T) series of this store version, with family, carrier ion and Ea."""
    return sigma_t_series(sigma_series_points(store_cursor()), records(version))

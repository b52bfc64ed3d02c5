"""Evidence that would change the answer: per map cell, the materials missing one side."""

from __future__ import annotations

import streamlit as st

from auditor.exports import to_csv_bytes
from auditor.reliability import GAP_RULE
from views import reliability_data as data


def render_gaps(version: int, quantity: str) -> None:
    """The evidence-gap list of the map's quantity, filterable by family, downloadable as CSV."""
    st.subheader("Evidence that would change the answer")
    gaps = data.gaps(version, quantity)
    families = sorted(gaps["family"].unique())
    chosen = st.multiselect("Families (gaps)", families, key="gap_families")
    sides = st.segmented_control(
        "Missing side",
        ["experimental", "computed"],
        selection_mode="multi",
        default=["experimental", "computed"],
        key="gap_sides",
    )
    shown = gaps[gaps["missing"].isin(sides or [])]
    if chosen:
        shown = shown[shown["family"].isin(chosen)]
    st.caption(
        f"{len(shown)} of {len(gaps)} gaps. 'experimental': the cell's method computed the "
        "material but no experiment measured it; 'computed': experiment measured a material of "
        f"the family that the method has not computed. {GAP_RULE}"
    )
    st.dataframe(shown.head(500), hide_index=True, width="stretch", height=300)
    st.download_button(
        "Download the evidence-gap list (CSV)",
        lambda: to_csv_bytes(shown),
        f"evidence_gaps_{quantity}.csv",
        "text/csv",
        key="gaps_csv",
        on_click="ignore",
    )

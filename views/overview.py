"""Overview: what the store holds, where it came from, and what was quarantined."""

import streamlit as st

from auditor.exports import to_csv_bytes
from auditor.figures_overview import coverage_heatmap, element_heatmap
from core.vocab import PROPERTIES
from db.accounting import coverage, element_counts, quarantine_rows, quarantine_summary, store_stats
from views.figures import figure_with_export
from views.store import store_cursor, store_version


# Every cached read takes the store version first: a write shows at once, nothing stale stays.
@st.cache_data(show_spinner=False, max_entries=4)
def _stats(version: int) -> dict:
    return store_stats(store_cursor())


@st.cache_data(show_spinner=False, max_entries=4)
def _tables(version: int):
    con = store_cursor()
    return coverage(con), element_counts(con), quarantine_summary(con)


st.title("SSE evidence audit")
st.caption(
    "Ion-migration barriers and conductivities of solid-state electrolytes, lined up by family and method, "
    "each number traceable to its source row and DOI."
)
version = store_version()
stats = _stats(version)
records = stats["records"]
cols = st.columns(4)
cols[0].metric("records", records["total"])
cols[1].metric("distinct measurements", records["primary"])
cols[2].metric("quarantined rows", stats["quarantine"])
cols[3].metric("CIF structures", stats["structures"])
cov, elements, quarantine = _tables(version)

st.subheader("Coverage: distinct measurements by family × method")
prop = st.segmented_control(
    "Property", list(PROPERTIES), default="sigma", key="overview_property"
)
figure_with_export(coverage_heatmap(cov, prop or "sigma"), "coverage")
st.subheader("Elements: how many materials contain each")
figure_with_export(element_heatmap(elements), "elements")

st.subheader("Sources")
st.dataframe(stats["sources"], hide_index=True, width="stretch")
st.subheader("Quarantine: rows kept out of the store, and why")
st.dataframe(quarantine, hide_index=True, width="stretch")
source = st.selectbox(
    "Show the quarantined rows of", ["(all)", *sorted(quarantine["source"].unique())]
)
rows = quarantine_rows(store_cursor(), None if source == "(all)" else source)
st.dataframe(rows.head(500), hide_index=True, width="stretch")
st.download_button(
    f"Download these {len(rows)} quarantined rows with reasons (CSV)",
    to_csv_bytes(rows),
    f"quarantine_{source.strip('()')}.csv",
    "text/csv",
    on_click="ignore",
)

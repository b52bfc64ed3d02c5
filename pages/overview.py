"""Overview: what the store holds, where it came from, and what was quarantined."""

import streamlit as st

from db.queries import store_stats
from pages.shared import store_cursor


@st.cache_data(show_spinner=False)
def _stats() -> dict:
    return store_stats(store_cursor())


st.title("SSE evidence audit")
st.caption(
    "Ion-migration barriers and conductivities of solid-state electrolytes, with provenance."
)
stats = _stats()
records = stats["records"]
cols = st.columns(4)
cols[0].metric("records", records["total"])
cols[1].metric("distinct measurements", records["primary"])
cols[2].metric("quarantined rows", stats["quarantine"])
cols[3].metric("CIF structures", stats["structures"])
st.subheader("Sources")
st.dataframe(stats["sources"], hide_index=True)
st.subheader("Records by property and method")
st.dataframe(records["by_source"], hide_index=True)

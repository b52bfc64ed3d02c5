"""Descriptors: how experimental Ea relates to simple descriptors, per family and pooled."""

import streamlit as st

from auditor.descriptor_view import (
    MIN_MATERIALS,
    POOLED,
    correlation_heatmap,
    correlations,
    descriptor_scatter,
    material_descriptors,
)
from views.figures import figure_with_export
from views.store import store_cursor, store_version
from views.url_state import sync_url

params = st.query_params


@st.cache_data(show_spinner=False, max_entries=2)
def _materials(version: str):
    return material_descriptors(store_cursor())


@st.cache_data(show_spinner="Rank correlations and bootstrap CIs (once per store version)...")
def _correlations(version: str):
    return correlations(_materials(version))


st.title("Descriptors of experimental Ea")
st.caption(
    "Spearman rank correlation of experimental Ea with simple descriptors (pymatgen element data; "
    "volume terms where an OBELiX CIF exists), one point per material (median Ea of its records), "
    f"per family from {MIN_MATERIALS} materials and pooled; 95% CI: seeded percentile bootstrap "
    "over materials. A correlation is not a mechanism: families differ in many descriptors at once."
)
version = store_version()
materials = _materials(version)
if materials.attrs.get("skipped_records"):
    st.info(
        f"{materials.attrs['skipped_records']} experimental Ea records of "
        f"{materials.attrs['skipped_keys']} composition keys are left out: their keys are not "
        "formulas pymatgen can read, so they have no descriptors."
    )
table = _correlations(version)
families = [POOLED, *sorted(set(table["family"]) - {POOLED})]
descriptors = list(dict.fromkeys(table["descriptor"]))
cols = st.columns(2)
family = cols[0].selectbox(
    "Family", ["all", *families],
    index=(["all", *families].index(params["family"]) if params.get("family") in families else 0),
)  # fmt: skip
descriptor = cols[1].selectbox(
    "Descriptor for the scatter", descriptors,
    index=descriptors.index(params["descriptor"]) if params.get("descriptor") in descriptors else 0,
)  # fmt: skip
sync_url(family=None if family == "all" else family, descriptor=descriptor)

shown = table if family == "all" else table[table["family"] == family]
st.markdown(f"**{len(shown)} correlations** ({'every family' if family == 'all' else family})")
st.dataframe(shown, hide_index=True, width="stretch")
figure_with_export(correlation_heatmap(table), "descriptor_correlations", n=len(materials))
subset = materials if family in ("all", POOLED) else materials[materials["family"] == family]
figure_with_export(descriptor_scatter(subset, descriptor), f"ea_vs_{descriptor}", n=len(subset))
st.caption(
    "The Ea model built on these descriptors (HGB, grouped CV by composition and DOI) and its MAE "
    "against the median: `sse-audit descriptors evaluate`; its predictions sit beside each Ea "
    "record on the Evidence card and in the Screen page."
)

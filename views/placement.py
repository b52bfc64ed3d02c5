"""Where does this value sit? Place a proposed number against the store; nothing is written."""

import pandas as pd
import streamlit as st

from auditor.figures_reliability import placement_plot
from auditor.placement import PlacementError, place_value, resolve_material
from core.vocab import METHOD_TAGS, PROPERTIES
from db.lookups import material_predictions, record_by_key
from views import reliability_data as data
from views.figures import figure_with_export
from views.store import store_cursor, store_version
from views.url_state import sync_url

UNITS = ["S/cm", "mS/cm", "S/m", "eV", "meV", "kJ/mol"]
params = st.query_params

st.title("Where does this value sit?")
st.caption(
    "Place a number against the store before you believe it: its percentile in its cohort and "
    "family, the nearest materials, the model's prediction where one applies, and the flag rules "
    "it would trip. Nothing is written; the URL holds the question, so a pasted link asks it again."
)
record_key = st.text_input(
    "Start from an existing record (record key, e.g. from the Explorer)", params.get("record", "")
)
start = record_by_key(store_cursor(), record_key) if record_key else None
if record_key and start is None:
    st.warning(f"No record with key {record_key!r}; fill in the form instead.")
if start:
    start = {
        "material": start["composition_key"] or start["material_raw"],
        "property": start["property"],
        "value": f"{start['value']:.6g}",
        "unit": start["unit"],
        "method": start["method_tag"],
        "variant": "" if start["method_tag"] == "EXP" else (start["sub_method"] or ""),
    }
ask = start or {
    k: params.get(k, "") for k in ("material", "property", "value", "unit", "method", "variant")
}
with st.form("place"):
    cols = st.columns(3)
    material = cols[0].text_input("Material (formula, name or acronym)", ask["material"])
    prop = cols[1].selectbox(
        "Property",
        PROPERTIES,
        PROPERTIES.index(ask["property"]) if ask["property"] in PROPERTIES else 0,
    )
    method = cols[2].selectbox(
        "Method",
        METHOD_TAGS,
        METHOD_TAGS.index(ask["method"]) if ask["method"] in METHOD_TAGS else 0,
    )
    cols = st.columns(3)
    value = cols[0].text_input("Value", ask["value"])
    unit = cols[1].selectbox("Unit", UNITS, UNITS.index(ask["unit"]) if ask["unit"] in UNITS else 0)
    variant = cols[2].text_input("Variant (optional, e.g. mace-relax)", ask["variant"])
    if st.form_submit_button("Where does it sit?"):
        ask = {"material": material, "property": prop, "value": value, "unit": unit,
               "method": method, "variant": variant}  # fmt: skip
        sync_url(**ask, record=record_key or None)
if not (ask["material"] and ask["value"]):
    st.info("Enter a material and a value (or a record key) to place it.")
    st.stop()

try:
    key = resolve_material(ask["material"])
    # The material's and its family's cohort records only, not the store's.
    records = data.material_records(store_version(), key, ask["property"])
    placed = place_value(records, material_predictions(store_cursor(), key), **ask)
except PlacementError as exc:
    st.error(f"Cannot place this value: {exc}")
    st.stop()

st.subheader(
    f"{placed.composition_key} ({placed.family}): {placed.property} {placed.value} {placed.unit}"
)
cols = st.columns(3)
cols[0].metric(f"percentile in cohort {placed.method_label}", f"{placed.cohort_percentile}",
               help=f"over {placed.cohort_n} values")  # fmt: skip
cols[0].caption(f"n = {placed.cohort_n} values in the cohort")
cols[1].metric(f"percentile in family {placed.family}", f"{placed.family_percentile}",
               help=f"over {placed.family_n} values, every method")  # fmt: skip
cols[1].caption(f"n = {placed.family_n} values of {placed.property} in the family")
if placed.model:
    m = placed.model
    cols[2].metric("model prediction (log10 S/cm)", f"{m['pred_log10_sigma']:.2f}",
                   help=f"80% interval {m['lo80']:.2f} to {m['hi80']:.2f}")  # fmt: skip
    cols[2].caption(f"80% interval [{m['lo80']:.2f}, {m['hi80']:.2f}]; {placed.model_note}")
else:
    cols[2].caption(f"Model: {placed.model_note}.")
st.markdown("**Flag rules**")
st.dataframe(pd.DataFrame(placed.rules), hide_index=True, width="stretch")
if len(placed.distribution):
    figure_with_export(
        placement_plot(
            placed.distribution, value=placed.value, label="this value", unit=placed.unit
        ),
        "placement",
        n=len(placed.distribution),
    )
st.markdown(f"**Nearest materials in {placed.family}** (median {placed.property}, every method)")
st.dataframe(placed.nearest, hide_index=True, width="stretch")
for material in placed.nearest["composition_key"]:
    st.page_link("views/evidence.py", label=f"Evidence for {material}",
                 icon=":material/fact_check:", query_params={"material": material})  # fmt: skip

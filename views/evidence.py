"""Evidence card for one material: every record, how it was placed, its structure, model and flags."""

import streamlit as st

from auditor.ea_model import ea_beside_reported
from auditor.figures import arrhenius_plot
from auditor.model import model_beside_reported, predictions_for_records
from auditor.search_terms import search_keys
from core.constants import COHORT_RT_WINDOW_K
from db.arrhenius_fits import arrhenius_fits, arrhenius_points
from db.ea_predictions import ea_predictions_for_records
from db.evidence import (
    EVIDENCE_COLUMNS,
    material_decisions,
    material_records,
    material_structures,
)
from db.flags import list_flags
from views.figures import figure_with_export
from views.quotes import show_quote
from views.store import store_cursor, store_version

params = st.query_params


# Every cached read takes the store version first: a write shows at once, nothing stale stays.
@st.cache_data(show_spinner=False, max_entries=32)
def _records(version: int, key: str):
    return material_records(store_cursor(), key)


@st.cache_data(show_spinner=False, max_entries=32)
def _structures(version: int, key: str):
    return material_structures(store_cursor(), key)


@st.cache_data(show_spinner=False, max_entries=32)
def _decisions(version: int, key: str):
    return material_decisions(store_cursor(), key)


@st.cache_data(show_spinner=False, max_entries=32)
def _predictions(version: int, record_ids: tuple[int, ...]):
    return predictions_for_records(store_cursor(), list(record_ids))


@st.cache_data(show_spinner=False, max_entries=32)
def _ea_predictions(version: int, record_ids: tuple[int, ...]):
    return ea_predictions_for_records(store_cursor(), list(record_ids))


@st.cache_data(show_spinner=False, max_entries=32)
def _fits(version: int, key: str):
    con = store_cursor()
    fits = arrhenius_fits(con, composition_key=key)
    return [(fit, arrhenius_points(con, int(fit["record_id"]))) for fit in fits.to_dict("records")]


@st.cache_data(show_spinner=False, max_entries=32)
def _flags(version: int, key: str):
    # Flags are computed by the pipeline (build, ingest, first start); the card only reads them.
    return list_flags(store_cursor(), status="open", composition_key=key)


st.title("Evidence card")
typed = st.text_input(
    "Material (formula or name)", value=params.get("material", ""), key="material_input"
)
keys = search_keys(typed)
if not typed:
    st.info("Type a formula or a name (LLZO, Li6PS5Cl), or open a material from the Explorer.")
    st.stop()
if not keys:
    st.warning(f"{typed!r} is not a formula or a name the normalizer knows.")
    st.stop()
key = keys[0]
params["material"] = key
version = store_version()
records = _records(version, key)
st.subheader(key)
if records.empty:
    st.warning("No record of this material in the store.")
    st.stop()

names = sorted(records["material_raw"].unique())
fams = sorted(records["family"].dropna().unique())
st.caption(
    f"Reported as: {', '.join(names[:12])}{' ...' if len(names) > 12 else ''}. Family: {', '.join(fams) or 'not set'}."
)
st.dataframe(
    records[list(EVIDENCE_COLUMNS)],
    hide_index=True,
    width="stretch",
    column_config={
        "doi_link": st.column_config.LinkColumn("DOI", display_text=r"https://doi\.org/(.*)")
    },
)

# The verbatim sentences behind the numbers (extracted records always carry one).
quoted = records[records["evidence"].notna() & (records["evidence"].astype(str).str.strip() != "")]
if not quoted.empty:
    with st.expander(f"Quotes from the papers ({len(quoted)})", expanded=len(quoted) <= 12):
        for record in quoted.to_dict("records"):
            show_quote(record)

# The model predicts room-temperature conductivity: compare it with room-temperature values only.
sigma = records[(records["property"] == "sigma") & records["temperature_k"].between(*COHORT_RT_WINDOW_K)]
predictions = _predictions(version, tuple(int(r) for r in sigma["record_id"]))
if not sigma.empty:
    st.subheader("Room-temperature conductivities beside the model")
    if predictions.empty:
        st.caption("No model prediction in the store yet (see the Model page).")
    else:
        beside = model_beside_reported(sigma, predictions)
        st.caption(
            "Predicted log10 σ with its 80% interval, from a model trained without this material "
            "where it was in training (held-out folds)."
        )
        st.dataframe(beside, hide_index=True, width="stretch")

ea = records[records["property"] == "Ea"]
if not ea.empty:
    st.subheader("Activation energies beside the descriptor model")
    ea_predictions = _ea_predictions(store_version(), tuple(int(r) for r in ea["record_id"]))
    if ea_predictions.empty:
        st.caption("No Ea model prediction in the store yet (the app's first start trains it).")
    else:
        st.caption(
            "Predicted Ea (eV) with its 80% split-conformal interval; held_out: from grouped-CV "
            "folds without this composition. Computed methods are compared with the same "
            "experiment-trained prediction."
        )
        st.dataframe(ea_beside_reported(ea, ea_predictions), hide_index=True, width="stretch")

with st.expander("Normalization decisions that placed these records", expanded=False):
    decisions = _decisions(version, key)
    if decisions.empty:
        st.write("No decision recorded for these names (the formula parsed directly).")
    else:
        st.dataframe(decisions, hide_index=True, width="stretch")

structures = _structures(version, key)
st.subheader("Structure (OBELiX CIF)")
if structures.empty:
    st.write("No CIF for this composition.")
else:
    st.dataframe(structures, hide_index=True, width="stretch")

fits = _fits(version, key)
if fits:
    st.subheader("Arrhenius fits of its conductivity series")
    for i, (fit, points) in enumerate(fits):
        se = f" ± {fit['ea_se_ev']:.3f}" if fit["ea_se_ev"] is not None else ""
        st.caption(
            f"{fit['source']} · DOI {fit['doi'] or 'n/a'}: Ea = {fit['ea_ev']:.3f}{se} eV, "
            f"R² = {fit['r2']:.3f}, {fit['n_points']} points, {fit['t_min_k']:.0f}-{fit['t_max_k']:.0f} K"
        )
        figure_with_export(arrhenius_plot(fit, points), f"arrhenius_{key}_{i}")

st.subheader("Open flags")
flags = _flags(version, key)
if flags.empty:
    st.write("No open flag on this material's records.")
else:
    st.dataframe(
        flags[["record_id", "rule", "cohort", "score", "reason", "source", "doi"]],
        hide_index=True,
        width="stretch",
    )
    st.page_link(
        "views/outliers.py", label="Review flags on the Outliers page", icon=":material/flag:"
    )

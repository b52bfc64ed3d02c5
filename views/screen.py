"""Screen a candidate: a CIF or a formula, the models' numbers, the BVSE barrier, cohort positions."""

import time

import streamlit as st

from auditor.ea_model import load_ea_model
from auditor.model import load_model
from auditor.screen import (
    ScreenError,
    bundled_cif,
    bvse_barrier,
    candidate_from_cif,
    candidate_from_formula,
    positions,
    predict_ea,
    predict_sigma,
)
from db.loaders.template import IngestError
from pipeline.screen import commit_bvse
from views import reliability_data as data
from views.store import busy_notice, note_own_write, release_reader, store_path, store_version

params = st.query_params


@st.cache_resource(show_spinner=False)
def _models():
    return load_model(), load_ea_model()


st.title("Screen a candidate")
st.caption(
    "Upload a CIF or type a formula: the conductivity model's σ and the descriptor model's Ea, "
    "each with its 80% interval, the BVSE barrier of the uploaded structure, and where each sits "
    "in its family's cohorts. Nothing is written unless you commit the BVSE barrier below."
)
upload = st.file_uploader("CIF file", type=["cif"])
cols = st.columns(2)
cif_id = cols[0].text_input("or a bundled OBELiX CIF ID (e.g. 019)", params.get("cif", ""))
formula = cols[1].text_input("or a formula, name or acronym", params.get("formula", ""))
version = store_version()


def records_of(key: str):
    """The material's and its family's records (cached per store version and key)."""
    return data.screen_slice(version, key)


try:
    if upload is not None:
        candidate = candidate_from_cif(upload.getvalue(), upload.name, records_of)
    elif cif_id:
        params["cif"] = cif_id
        candidate = candidate_from_cif(bundled_cif(cif_id), f"{cif_id}.cif (OBELiX)", records_of)
    elif formula:
        params["formula"] = formula
        candidate = candidate_from_formula(formula, records_of)
    else:
        st.info("Upload a CIF, give a bundled CIF ID, or type a formula to screen it.")
        st.stop()
except ScreenError as exc:
    st.error(f"Cannot screen this input: {exc}")
    st.stop()

st.subheader(f"{candidate.composition_key} ({candidate.family}) from {candidate.origin}")
sigma_model, ea_model = _models()
sigma = predict_sigma(candidate, sigma_model) if sigma_model else None
ea = predict_ea(candidate, ea_model) if ea_model else None
cols = st.columns(3)
if sigma:
    cols[0].metric("predicted log10 σ (S/cm)", f"{sigma['pred_log10_sigma']:.2f}")
    cols[0].caption(
        f"80% interval [{sigma['lo80']:.2f}, {sigma['hi80']:.2f}]; model {sigma['version']}"
    )
else:
    cols[0].caption(
        "No conductivity model saved yet (`sse-audit model train`, or the app's first start)."
    )
if ea:
    cols[1].metric("predicted Ea (eV)", f"{ea['pred_ea_ev']:.3f}")
    cols[1].caption(
        f"80% interval [{ea['lo80']:.3f}, {ea['hi80']:.3f}] (split-conformal from grouped-CV "
        f"residuals); model {ea['version']}"
    )
else:
    cols[1].caption("No Ea model saved yet (the app's first start trains it).")
bvse = None
if candidate.cif_path is not None:
    t0 = time.perf_counter()
    with st.spinner("Computing the BVSE barrier of this structure (about 10 s; cached by hash)..."):
        bvse = bvse_barrier(candidate)
    if bvse.status == "ok":
        shown = f"{bvse.e_3d_ev:.3f}" if bvse.e_3d_ev is not None else "none below encut"
        cols[2].metric("BVSE 3D barrier (eV)", shown)
        cols[2].caption(
            f"E_1D {bvse.e_1d_ev}, E_2D {bvse.e_2d_ev} eV; {bvse.tool} {bvse.tool_version}; "
            f"oxidation states by {bvse.oxidation_rule}; tool time {bvse.seconds} s, this "
            f"screen {time.perf_counter() - t0:.1f} s (cached by the CIF hash)"
        )
    else:
        cols[2].error(f"BVSE failed: {bvse.reason}")
else:
    cols[2].caption("BVSE barrier: upload a CIF to compute one.")

st.markdown("**Where each number sits** (percentile among the family's values)")
table = positions(records_of(candidate.composition_key), candidate, sigma=sigma, ea=ea, bvse=bvse)
if table.empty:
    st.write("Nothing to place.")
else:
    st.dataframe(table, hide_index=True, width="stretch")
st.page_link("views/evidence.py", label=f"Evidence for {candidate.composition_key}",
             icon=":material/fact_check:", query_params={"material": candidate.composition_key})  # fmt: skip

if bvse is not None and bvse.status == "ok" and bvse.e_3d_ev is not None:
    st.markdown(
        "**Commit the BVSE barrier** as a new source (one `Em`/`BVSE` record with its provenance)"
    )
    st.caption(
        "Only the barrier can be committed: the models' predictions are not evidence, and in the "
        "store they would enter the cohorts as if reported and train the models that made them."
    )
    with st.form("commit"):
        source = st.text_input("New source name", f"bvse-{candidate.cif_sha256[:8]}")
        if st.form_submit_button("Commit the barrier"):
            try:
                release_reader()
                done = commit_bvse(
                    candidate, bvse, source, path=store_path(), on_wait=busy_notice()
                )
            except (IngestError, ScreenError) as exc:
                st.error(f"Not committed: {exc}")
            else:
                note_own_write()
                if done["committed"]:
                    st.success(
                        f"Committed {done['committed']} record as source {done['source']!r}."
                    )
                else:
                    st.error(f"Quarantined, not committed: {'; '.join(done['reasons'])}")

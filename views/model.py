"""Model: the room-temperature conductivity model against its baselines, on OBELiX's test split."""

import streamlit as st

from auditor.model import (
    comparison_table,
    cv_table,
    family_mae_figure,
    importance_figure,
    latest_report,
    latest_version,
    models_dir,
    parity_figure,
)
from views.figures import figure_with_export


@st.cache_data(show_spinner=False)
def _report(folder: str, version: str | None) -> dict | None:
    # Keyed on the folder and version so a newly trained model shows without a restart.
    return latest_report()


st.title("Conductivity model")
report = _report(str(models_dir()), latest_version())
if report is None:
    st.info("No trained model yet. Run `sse-audit model train` (about 2 minutes).")
    st.stop()

model = report["model"]
st.caption(
    f"Model {model['version']} ({model['kind']}), trained on {model['n_train']} materials of "
    "OBELiX's official train split; evaluated on the 121 test materials, which share no "
    "composition and no paper with training. Censored values (< 1E-10 S/cm) count as 1E-15, "
    "OBELiX's own convention. The 80% interval is split-conformal on grouped out-of-fold "
    "residuals."
)
st.subheader("Test split: model, baselines and the reproducibility floor")
st.dataframe(comparison_table(report), hide_index=True)
test = report["test"]
st.caption(
    f"MAE on the {test['n'] - test['n_censored']} uncensored test materials: "
    f"{test['mae_uncensored']:.2f}. Training took {report.get('train_seconds')} s."
)

left, right = st.columns(2)
with left:
    st.subheader("Parity")
    figure_with_export(parity_figure(report), "model-parity")
with right:
    st.subheader("MAE by family")
    figure_with_export(family_mae_figure(report), "model-mae-by-family")

st.subheader("Permutation importance by feature block")
if report.get("importances"):
    figure_with_export(importance_figure(report), "model-importance")
else:
    st.info(
        "This model was trained by the app's fast first start (the documented default kind "
        "only). Permutation importances and the full candidate selection are computed by "
        "`sse-audit model train`."
    )

with st.expander("Model selection: grouped cross-validation (DOI and composition) on train"):
    if report.get("fast_path"):
        documented = report.get("selection_cv_documented", {})
        st.caption(
            f"Fast path: only {model['kind']} was cross-validated here (one pass, for the "
            f"interval). The last full selection scored it at MAE {documented.get('mae')} "
            f"(sd {documented.get('mae_sd')} across {documented.get('repeats')} repeats)."
        )
    st.dataframe(cv_table(report), hide_index=True)

"""Outliers: flags a person reviews. Reviewing changes the flag's status and note, never the data."""

import pandas as pd
import streamlit as st

from auditor.outliers import Z_THRESHOLD, refresh_flags
from core.vocab import FLAG_RULES, FLAG_STATUSES
from db.flags import list_flags, review_flag
from views.flag_triage import render_triage
from views.store import store_cursor, store_version, store_writer
from views.url_state import sync_url, url_index

# Keyed by the store version: a re-run or a review (both bump it) shows at once.
SHOWN = 1000


@st.cache_data(show_spinner=False, max_entries=32)
def _flags(version: int, status: str | None, rule: str | None) -> pd.DataFrame:
    return list_flags(store_cursor(), status=status, rule=rule)


st.title("Outliers: flags to review")
st.caption(
    "Rules: modified z-score (median/MAD) within a cohort (family, property, method, variant); "
    "a computed value far from the same material's experimental median (Em is compared with "
    "experimental Ea, a different quantity); a reported conductivity far from the model's prediction, once the "
    "model has written predictions; an Arrhenius fit with R² below 0.9 (a series that is not one "
    "line, e.g. across a phase transition). Flags are keyed by the record's stable key, so reviews "
    "survive rebuilds."
)
render_triage()
st.subheader("Every flag")
cols = st.columns(3)
status_options, rule_options = ["(all)", *FLAG_STATUSES], ["(all)", *FLAG_RULES]
status = cols[0].selectbox(
    "Status", status_options, index=url_index("status", status_options, "open"), key="flag_status"
)
rule = cols[1].selectbox(
    "Rule", rule_options, index=url_index("rule", rule_options), key="flag_rule"
)
sync_url(status=status, rule=None if rule == "(all)" else rule)
with cols[2].popover("Re-run the rules"):
    z = st.number_input("modified z threshold", 1.0, 20.0, Z_THRESHOLD, 0.5, key="flag_z")
    if st.button("Re-run", key="flag_rerun"):
        with store_writer() as con:
            counts = refresh_flags(con, z_threshold=z)
        _flags.clear()
        st.toast(f"flags raised: {counts}")

flags = _flags(
    store_version(), None if status == "(all)" else status, None if rule == "(all)" else rule
)
# The list comes highest |score| first; a page shows the first SHOWN (a million-record store
# raises tens of thousands of flags, and drawing them all on every rerun takes seconds).
n_flags = len(flags)
flags = flags.head(SHOWN)
st.caption(
    f"{n_flags} flags"
    + (f"; the {SHOWN} with the highest |score| are shown" if n_flags > SHOWN else "")
)
shown = [
    "status",
    "rule",
    "score",
    "composition_key",
    "property",
    "method_tag",
    "value",
    "unit",
    "source",
    "doi",
    "reason",
    "note",
    "reviewer",
    "record_key",
]
st.dataframe(flags.reindex(columns=shown), hide_index=True, width="stretch")

if len(flags):
    st.subheader("Review a flag")
    labels = [f"{r.rule} · {r.composition_key} · {r.record_key}" for r in flags.itertuples()]
    choice = st.selectbox(
        "Flag", range(len(flags)), format_func=labels.__getitem__, key="flag_pick"
    )
    flag = flags.iloc[choice]
    st.markdown(f"**{flag['rule']}** (score {flag['score']}): {flag['reason']}")
    if flag["doi"] and not pd.isna(flag["doi"]):
        st.markdown(f"DOI: [{flag['doi']}](https://doi.org/{flag['doi']})")
    if flag["composition_key"] and not pd.isna(flag["composition_key"]):
        st.page_link(
            "views/evidence.py",
            label=f"Evidence for {flag['composition_key']}",
            icon=":material/fact_check:",
            query_params={"material": flag["composition_key"]},
        )
    with st.form("review"):
        new_status = st.radio(
            "Status",
            FLAG_STATUSES,
            horizontal=True,
            index=FLAG_STATUSES.index(flag["status"]),
            key="review_status",
        )
        note = st.text_area(
            "Note", value="" if pd.isna(flag["note"]) else flag["note"], key="review_note"
        )
        reviewer = st.text_input("Reviewer", key="review_reviewer")
        if st.form_submit_button("Save review"):
            with store_writer() as con:
                review_flag(
                    con,
                    flag["record_key"],
                    flag["rule"],
                    status=new_status,
                    note=note or None,
                    reviewer=reviewer or None,
                )
            _flags.clear()
            st.success("Saved. The record itself is unchanged.")
            st.rerun()

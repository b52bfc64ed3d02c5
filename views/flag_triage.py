"""Flag triage (top of the Outliers page): groups by cohort and rule, reviewed a group at a time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditor.figures_reliability import flags_on_distribution
from auditor.triage import (
    cohort_values,
    flag_groups,
    group_flags,
    prioritized_flags,
    review_group,
)
from db.flags import list_flags
from views.figures import figure_with_export
from views.store import store_cursor, store_version, store_writer
from views.url_state import sync_url

_SHOWN = [
    "composition_key", "method_tag", "value", "unit", "is_experimental", "bias_shift",
    "moved_cohort", "score", "source", "doi", "reason", "record_key",
]  # fmt: skip


@st.cache_data(show_spinner="Ranking open flags...")
def _prioritized(version: int) -> pd.DataFrame:
    return prioritized_flags(store_cursor(), list_flags(store_cursor(), status="open"))


@st.cache_data(show_spinner=False, max_entries=16)
def _cohort_values(version: int, cohort: str) -> pd.DataFrame:
    return cohort_values(store_cursor(), cohort)


def _show_saved(keys: list[str]) -> None:
    # Read back from the store, so what is shown is what was saved, flag by flag.
    saved = list_flags(store_cursor(), include_inactive=True)
    saved = saved[(saved["record_key"] + "|" + saved["rule"]).isin(keys)]
    st.table(saved[["record_key", "rule", "status", "note", "reviewer", "reviewed_at"]])


def render_triage() -> None:
    """Group open flags, show one group on its cohort's distribution, review it with one note."""
    st.subheader("Triage: open flags by cohort and rule")
    if message := st.session_state.pop("_triage_done", None):
        st.success(message)
        _show_saved(st.session_state.pop("_triage_keys", []))
    version = store_version()
    flags = _prioritized(version)
    groups = flag_groups(flags)
    st.caption(
        f"{len(flags)} open flags in {len(groups)} groups. First: groups with flags on "
        "experimental records (the reference computed values are paired with), then the "
        "largest bias_shift (how far a map cohort's median bias moves without that record), "
        "then size."
    )
    if groups.empty:
        st.info("No open flags.")
        return
    st.dataframe(groups, hide_index=True, width="stretch", height=240)
    ids = [f"{g.cohort}|{g.rule}" for g in groups.itertuples()]
    wanted = st.query_params.get("group")
    choice = st.selectbox(
        "Group",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda i: (
            f"{i.replace('|', ' · ')} ({int(groups['flags'].iloc[ids.index(i)])} flags)"
        ),
        key="triage_group",
    )
    sync_url(group=choice)
    cohort, rule = choice.rsplit("|", 1)
    members = group_flags(flags, cohort, rule)
    values = _cohort_values(version, cohort)
    if len(values):
        figure_with_export(
            flags_on_distribution(values, members, cohort=cohort),
            "triage_distribution",
            n=len(values),
        )
    st.dataframe(members.reindex(columns=_SHOWN), hide_index=True, width="stretch")
    with st.form("bulk_review"):
        status = st.radio(
            "Set every flag of the group to", ["dismissed", "confirmed"], horizontal=True
        )
        note = st.text_area("Note (kept on each flag)", key="bulk_note")
        reviewer = st.text_input("Reviewer", key="bulk_reviewer")
        if st.form_submit_button(f"Apply to all {len(members)} flags"):
            if not note.strip():
                st.error("Write a note: it says why, on every flag of the group.")
            else:
                with store_writer() as con:
                    n = review_group(
                        con, members, status=status, note=note, reviewer=reviewer or None
                    )
                st.session_state["_triage_done"] = f"{n} flags {status}. The records are unchanged."
                st.session_state["_triage_keys"] = list(
                    members["record_key"] + "|" + members["rule"]
                )
                _prioritized.clear()
                st.rerun()

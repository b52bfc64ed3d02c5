"""The Extract page's review, leftovers and commit sections (rendering only)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from auditor.extract.review import describe, highlight
from auditor.extract.run import ExtractionRun
from core.vocab import METHOD_TAGS, PROPERTIES
from db.extractions import extracted_records
from pipeline.extraction import (
    ExtractionCommitError,
    apply_edits,
    commit_extraction,
    reviewed_from_decisions,
    store_copies,
)
from views.store import store_cursor, store_writer

STATUSES = ("pending", "accepted", "rejected")
LABELS = {"pending": "Undecided", "accepted": "Accept", "rejected": "Reject"}
PASSAGE_CSS = """
<style>
.extract-passage { font-size: 0.95rem; line-height: 1.5; }
.extract-passage mark.quote { background: #fff3b0; }
.extract-passage mark.sel { background: #ffb347; font-weight: 600; }
</style>
"""


def _kept(key: str, initial) -> str:
    """A widget key that starts from the stored decision: the decision (in the session) outlives
    the widget's own state, which Streamlit drops when the page is left."""
    if key not in st.session_state:
        st.session_state[key] = initial
    return key


def _accept_pending(decisions: list[dict], rid: int) -> None:
    for i, decision in enumerate(decisions):
        if decision["status"] == "pending":
            decision["status"] = "accepted"
            st.session_state[f"x{rid}_status_{i}"] = "accepted"


def _candidate_card(i: int, candidate, decision: dict, rid: int, copy: dict | None) -> None:
    with st.container(border=True):
        st.markdown(f"**{i + 1}.** {describe(candidate)}")
        st.caption(f"“{candidate.quote}”")
        if copy:
            st.info(
                f"Already in the store as record {copy['record_id']} (source {copy['source']}): "
                "accepted, it is kept as a non-primary copy linked to that record "
                "(counted once)."
            )
        key = _kept(f"x{rid}_status_{i}", decision["status"])
        decision["status"] = st.radio(
            "Decision", STATUSES, format_func=LABELS.get, horizontal=True, key=key
        )
        if decision["status"] == "rejected":
            key = _kept(f"x{rid}_reason_{i}", decision["reason"])
            decision["reason"] = st.text_input("Why rejected", key=key)
        edits = decision["edits"]
        with st.expander("Edit (the quoted value stays as printed)"):
            for field, label in (("material", "Material"), ("temperature_text", "Temperature")):
                key = _kept(
                    f"x{rid}_{field}_{i}", edits.get(field, getattr(candidate, field) or "")
                )
                edits[field] = st.text_input(label, key=key)
            key = _kept(f"x{rid}_property_{i}", edits.get("property", candidate.property))
            edits["property"] = st.selectbox("Property", PROPERTIES, key=key)
            methods = tuple(dict.fromkeys(("", candidate.method or "", *METHOD_TAGS)))
            key = _kept(f"x{rid}_method_{i}", edits.get("method", candidate.method or ""))
            edits["method"] = st.selectbox(
                "Method", methods, key=key, format_func=lambda m: m or "(none)"
            )
        try:
            edited = apply_edits(candidate, edits)
        except ExtractionCommitError as exc:
            st.error(str(exc))
        else:
            if edited != candidate:
                st.caption(f"After your edits: {describe(edited)}")


def show_review(run: ExtractionRun, decisions: list[dict], rid: int) -> None:
    """The candidates beside the passage, each with accept / edit / reject."""
    candidates = run.accepted
    if not candidates:
        st.info(
            "No transport number to review in this text (see the excluded and dropped ones below)."
        )
        return
    st.button("Accept all undecided candidates", on_click=_accept_pending, args=(decisions, rid))
    selected = st.selectbox(
        "Highlight in the passage",
        range(len(candidates)),
        format_func=lambda i: f"{i + 1}. {describe(candidates[i])}",
        key=f"x{rid}_selected",
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**The passage** (quotes marked)")
        with st.container(height=700):
            st.markdown(
                PASSAGE_CSS
                + f'<div class="extract-passage">{highlight(run.text, candidates, selected)}</div>',
                unsafe_allow_html=True,
            )
    # The same number of the same paper already in the store (by DOI, property, composition).
    copies = store_copies(store_cursor(), candidates, run.doi)
    with right:
        st.markdown("**Candidates**")
        with st.container(height=700):
            for i, (candidate, decision) in enumerate(zip(candidates, decisions, strict=True)):
                _candidate_card(i, candidate, decision, rid, copies[i])


def show_leftovers(run: ExtractionRun) -> None:
    """Excluded candidates and dropped proposals, each with its reason."""
    excluded = [c for c in run.candidates if c.excluded is not None]
    with st.expander(f"Excluded numbers ({len(excluded)})"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "reason": c.excluded,
                        "property": c.property,
                        "value": c.value_text,
                        "unit": c.unit,
                        "quote": c.quote,
                    }
                    for c in excluded
                ],
                columns=["reason", "property", "value", "unit", "quote"],
            ),
            hide_index=True,
            width="stretch",
        )
    with st.expander(f"Dropped by verification ({len(run.dropped)})"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "reason": why,
                        "engine": c.engine,
                        "property": c.property,
                        "value": c.value_text,
                        "unit": c.unit,
                        "quote": c.quote,
                    }
                    for c, why in run.dropped
                ],
                columns=["reason", "engine", "property", "value", "unit", "quote"],
            ),
            hide_index=True,
            width="stretch",
        )


def show_commit(run: ExtractionRun, decisions: list[dict], state: dict) -> None:
    """Name the source, its DOI and the reviewer, and commit the decisions."""
    counts = {s: sum(d["status"] == s for d in decisions) for s in STATUSES}
    st.subheader("Commit as a new source")
    st.write(
        f"{counts['accepted']} accepted, {counts['rejected']} rejected (kept with their reason), "
        f"{counts['pending']} undecided (not committed)."
    )
    rid = state["id"]
    default = Path(state["file"]).stem[:64] if state["file"] else ""
    name = st.text_input("Name of the new source", value=default, key=f"x{rid}_source")
    doi = st.text_input("DOI of the paper", value=run.doi or "", key=f"x{rid}_commit_doi")
    reviewer = st.text_input("Reviewer", key="extract_reviewer")
    if not st.button("Commit", type="primary", key=f"x{rid}_commit"):
        return
    try:
        reviewed = reviewed_from_decisions(run.accepted, decisions, reviewer)
        # One write transaction, then closed (other processes wait only for it).
        with store_writer() as con:
            summary = commit_extraction(
                reviewed,
                source=name,
                document=run.text,
                doi=doi.strip() or None,
                file=state["file"],
                con=con,
            )
    except ExtractionCommitError as exc:
        st.error(f"Not committed: {exc}")
        return
    st.session_state["extract_committed"] = summary
    del st.session_state["extract_run"]
    st.rerun()


def show_committed(summary: dict) -> None:
    """What the last commit wrote, with links to its records' evidence cards and cohorts."""
    st.success(
        f"Source {summary['source']!r}: {summary['committed']} committed, "
        f"{summary['quarantined']} quarantined, {summary['rejected']} rejected (kept with reasons)."
    )
    for reason in summary["reasons"]:
        st.warning(f"Quarantined: {reason}")
    for copy in summary.get("copies", []):
        st.info(
            f"Row {copy['row']} was already in the store as record {copy['record_id']} "
            f"(source {copy['source']}): kept as a non-primary copy linked to it."
        )
    records = extracted_records(store_cursor(), summary["source"])
    for record in records.drop_duplicates("composition_key").to_dict("records"):
        key = record["composition_key"]
        if not isinstance(key, str):
            continue
        c1, c2 = st.columns(2)
        c1.page_link(
            "views/evidence.py",
            label=f"Evidence for {key}",
            icon=":material/fact_check:",
            query_params={"material": key},
        )
        cohort = {"property": record["property"]}
        if isinstance(record["family"], str):
            cohort["family"] = record["family"]
        c2.page_link(
            "views/cohorts.py",
            label=f"Cohorts: {cohort.get('family', 'all families')}, {record['property']}",
            icon=":material/compare_arrows:",
            query_params=cohort,
        )

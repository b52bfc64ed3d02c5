"""Normalizer review: list decisions, accept or override them, ask the LLM about the rest."""

from __future__ import annotations

import os

import streamlit as st

from auditor.normalize import review
from auditor.normalize.llm import LLMConfig, run_llm
from core.vocab import DECISION_BACKENDS, DECISION_KINDS, DECISION_STATUSES, FAMILIES
from views.store import store_cursor, store_writer

st.header("Normalizer review")
st.caption(
    "Every decision the normalizer made: rules, LLM (verified) or a person. An accepted or "
    "overridden answer wins over rules and the LLM on the next build. A `proposed` formula comes "
    "from a name in words matched against the store; it waits for you. LLM rows show what the "
    "model proposed (`llm_proposal`) and the verdict of verification (`llm_verdict`)."
)

with st.sidebar:
    kind = st.selectbox("Kind", list(DECISION_KINDS))
    backend = st.selectbox("Backend", ["any", *DECISION_BACKENDS])
    status = st.selectbox("Status", ["any", *DECISION_STATUSES])
    max_conf = st.slider("Confidence at most", 0.0, 1.0, 1.0, 0.05)
    search = st.text_input("Input contains")
    reviewer = st.text_input("Your name", value=os.environ.get("USER", ""))

filters = {
    "kind": kind,
    "backend": None if backend == "any" else backend,
    "status": None if status == "any" else status,
    "max_confidence": None if max_conf >= 1.0 else max_conf,
    "search": search or None,
}
table = review.decision_table(store_cursor(), **filters)

st.write(f"{len(table)} decisions (newest first, at most 500)")
st.dataframe(table, hide_index=True, width="stretch")
labels = {
    int(i): f"{i}: {t}"
    for i, t in zip(table.get("decision_id", []), table.get("input", []), strict=True)
}
picked = st.selectbox(
    "Review a decision", [None, *labels], format_func=lambda i: labels.get(i, "-")
)
if picked is not None:
    row = table.set_index("decision_id").loc[picked].to_dict() | {"decision_id": picked}
    st.subheader(f"{row['kind']}: {row['input']}")
    st.write(row["reason"])
    if row.get("proposal"):
        st.info("A proposal, not a reading: accept it or override it.")
    if row.get("llm_verdict"):
        st.write(
            f"LLM consulted ({row['backend']}): proposed `{row['llm_proposal']}`, "
            f"verdict **{row['llm_verdict']}**: {row['reason']}"
        )
    if st.button("Accept this answer", type="primary"):
        with store_writer() as con:
            answer = review.accept(con, int(row["decision_id"]), reviewer=reviewer or None)
        st.success(f"Accepted: {answer}")
    with st.form("override"):
        answer = {}
        for name, vocab in review.OVERRIDE_FIELDS[row["kind"]].items():
            current = row.get(name)
            if vocab is None:
                answer[name] = st.text_input(name, value=current or "")
            else:
                options = list(vocab)
                index = options.index(current) if current in options else 0
                answer[name] = st.selectbox(name, options, index=index)
        note = st.text_input("Note (why)")
        if st.form_submit_button("Save override"):
            try:
                with store_writer() as con:
                    saved = review.override(
                        con,
                        row["kind"],
                        row["input"],
                        answer,
                        reviewer=reviewer or None,
                        note=note or None,
                    )
                st.success(f"Override saved: {saved}")
            except ValueError as exc:
                st.error(str(exc))

st.divider()
st.subheader("Ask the LLM about unresolved inputs")
try:
    settings = st.secrets.get("llm")
except Exception:  # no secrets file: the environment decides
    settings = None
config = LLMConfig.from_settings(settings)
if config is None:
    st.info("Set SSE_AUDIT_LLM_MODEL (and OPENAI_BASE_URL / OPENAI_API_KEY) or [llm] in secrets.")
else:
    limit = st.number_input("How many", 1, 500, 20)
    if st.button(f"Ask {config.model} (answers are verified before they are kept)"):
        bar = st.progress(0.0, text="asking")
        # Read what to ask, ask with no connection open, then write answers and decisions in
        # one short transaction: other processes use the store while the model answers.
        inputs, cache = review.llm_questions(store_cursor(), kind, config=config, limit=int(limit))
        run = run_llm(
            kind,
            inputs,
            cache=cache,
            config=config,
            progress=lambda done, total: bar.progress(done / total, text=f"{done}/{total}"),
        )
        with store_writer() as con:
            cache.flush(con)
        st.write(
            f"{run.calls} calls, {run.cache_hits} from cache, {run.accepted} accepted, "
            f"{len(run.rejected)} rejected"
        )
        if run.consultations:  # every input: asked or not, the proposal, the verdict, why
            st.dataframe(review.consultation_table(run), hide_index=True, width="stretch")

st.caption(f"Families: {', '.join(FAMILIES)}")

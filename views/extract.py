"""Extract: a paper's text or PDF -> verified candidate rows -> a person's review -> a new source."""

import streamlit as st

from auditor.extract.pdf import DocumentError
from auditor.extract.review import extraction_llm_config, read_paste, read_upload
from auditor.extract.run import extract_text
from auditor.normalize.llm import LLMConfig
from views.extract_review import show_commit, show_committed, show_leftovers, show_review


def _llm_config() -> LLMConfig | None:
    try:
        settings = st.secrets.get("llm")
    except Exception:  # no secrets file: the environment decides
        settings = None
    return extraction_llm_config(settings)


st.title("Extract evidence from a paper")
st.caption(
    "Every candidate is a transport number with the verbatim sentence that states it; each is "
    "verified against the text before you see it, and again before it is written."
)
config = _llm_config()
mode = st.radio("Input", ["Paste text", "Upload a file"], horizontal=True, key="extract_mode")
if mode == "Paste text":
    pasted = st.text_area("Passage or article text", height=200, key="extract_paste")
    upload = None
else:
    upload = st.file_uploader(
        "A .txt, .md or .pdf file (a PDF needs its text layer)",
        type=["txt", "md", "pdf"],
        key="extract_upload",
    )
doi_typed = st.text_input("DOI (leave empty to detect it in the text)", key="extract_doi")
use_llm = False
if config is not None:
    use_llm = st.checkbox(
        f"Also ask the LLM ({config.model}); its proposals are verified like the rules'",
        key="extract_llm",
    )
else:
    st.caption("No LLM configured: the deterministic rules extract alone.")

if st.button("Extract candidates", type="primary"):
    try:
        if mode == "Paste text":
            document, file = read_paste(pasted), None
        elif upload is None:
            raise DocumentError("choose a file to upload first")
        else:
            document, file = read_upload(upload.getvalue(), upload.name), upload.name
    except DocumentError as exc:
        st.error(f"Cannot read this input: {exc}")
        st.stop()
    bar = st.progress(0.0, text="Asking the LLM...") if use_llm else None
    with st.spinner("Extracting..."):
        run = extract_text(
            document,
            file=file,
            doi=doi_typed.strip() or None,
            llm_config=config if use_llm else None,
            progress=(
                lambda done, total: bar.progress(done / total, text=f"LLM: part {done} of {total}")
            )
            if bar is not None
            else None,
        )
    if bar is not None:  # left full, as a record of the LLM pass
        bar.progress(1.0, text=f"LLM: {run.llm_chunks} parts read, {len(run.llm_faults)} faults")
    # The run and the decisions live in the session: they survive reruns and page switches.
    # A new run id gives the review widgets fresh keys.
    run_id = st.session_state.get("extract_run_count", 0) + 1
    st.session_state["extract_run_count"] = run_id
    st.session_state["extract_run"] = {"run": run, "file": file, "id": run_id}
    st.session_state["extract_decisions"] = [
        {"status": "pending", "reason": "", "edits": {}} for _ in run.accepted
    ]
    st.session_state.pop("extract_committed", None)

if "extract_committed" in st.session_state:
    show_committed(st.session_state["extract_committed"])
state = st.session_state.get("extract_run")
if state is None:
    st.stop()
run = state["run"]
st.divider()
st.write(
    f"{len(run.accepted)} candidates to review · {len(run.candidates) - len(run.accepted)} "
    f"excluded · {len(run.dropped)} dropped by verification · DOI: {run.doi or 'not found'} · "
    f"{run.seconds:.2f} s"
)
if run.llm_asked and run.llm_faults:
    st.warning(
        "The LLM pass had faults (its other proposals were still verified): "
        + "; ".join(run.llm_faults)
    )
decisions = st.session_state["extract_decisions"]
show_review(run, decisions, state["id"])
show_leftovers(run)
show_commit(run, decisions, state)

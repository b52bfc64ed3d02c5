"""The Extract page over a copy of the real store: paste, review (edit, reject), commit."""

from __future__ import annotations

import json

import pytest
from fpdf import FPDF

from auditor.extract.pdf import DocumentError
from auditor.extract.review import highlight, read_upload
from auditor.extract.run import extract_text
from auditor.extract.textclean import normalize_chars
from db.config import REPO_ROOT
from db.connection import connect
from db.extractions import extracted_records, list_extractions
from tests.auditor.extract_helpers import PAPER_PAGES, write_pdf
from tests.auditor.test_extract_llm import DOC as LLM_DOC
from tests.auditor.test_extract_llm import bad_server  # noqa: F401 - the module fixture
from tests.auditor.test_extract_store import KATO, KATO_DOI, _primary_copies
from tests.llm_server import llm_server  # noqa: F401 - the session fixture
from tests.views.conftest import open_page

# The review and its commit are written to, and read back from, a DuckDB file and a team store.
STORE_MODES = ("embedded", "team")
KATO_KEY = "Li9.54Si1.74P1.44S11.7Cl0.3"
PASSAGES = REPO_ROOT / "tests" / "data" / "extract_passages" / "passages.jsonl"


def _passage(pid: str) -> dict:
    for line in PASSAGES.read_text().splitlines():
        item = json.loads(line)
        if item["id"] == pid:
            return item
    raise KeyError(pid)


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_paste_review_edit_reject_and_commit(app_at, store_copy):
    # Passage U (arXiv:2010.08068): four AIMD activation energies; the rules name LGPS for all
    # four, but the last two are LGPO's, which the reviewer corrects or rejects.
    passage = _passage("U")
    at = open_page(app_at, "views/extract.py")
    at.text_area(key="extract_paste").input(passage["text"])
    at.text_input(key="extract_doi").input(passage["doi"])
    at.button[0].click().run()  # "Extract candidates"
    assert not at.exception
    shown = _texts(at.markdown)
    assert "Ea = 0.18 eV" in shown and "Ea = 0.34 eV" in shown
    assert '<mark class="sel">' in shown  # the first quote is highlighted in the passage
    assert "4 candidates to review" in _texts(at.markdown)

    rid = at.session_state["extract_run"]["id"]
    at.text_input(key=f"x{rid}_material_2").input("Li10GeP2O12")
    at.radio(key=f"x{rid}_status_2").set_value("accepted")
    at.radio(key=f"x{rid}_status_3").set_value("rejected").run()
    at.text_input(key=f"x{rid}_reason_3").input("orthorhombic LGPO is not studied here").run()
    assert "After your edits: Ea = 0.22 eV · AIMD · Li10GeP2O12 → Li10GeP2O12" in _texts(at.caption)
    # The review survives leaving the page and coming back.
    at = open_page(open_page(at, "views/overview.py"), "views/extract.py")
    assert at.radio(key=f"x{rid}_status_3").value == "rejected"
    assert at.text_input(key=f"x{rid}_reason_3").value == "orthorhombic LGPO is not studied here"
    assert at.text_input(key=f"x{rid}_material_2").value == "Li10GeP2O12"
    at.button(key=f"x{rid}_commit").click().run()
    # No reviewer named: refused with a readable reason, nothing written.
    assert any("name the reviewer" in e.value for e in at.error)
    at.text_input(key="extract_reviewer").input("ana")
    # The two LGPS values are accepted as a batch.
    next(b for b in at.button if b.label.startswith("Accept all undecided")).click().run()
    at.text_input(key=f"x{rid}_source").input("arxiv-2010.08068")
    at.button(key=f"x{rid}_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("3 committed" in s.value and "1 rejected" in s.value for s in at.success)

    con = connect(store_copy, read_only=True, on_wait=None)  # the commit, read back
    try:
        records = extracted_records(con, "arxiv-2010.08068")
        history = list_extractions(con, "arxiv-2010.08068")
        doi = con.execute(
            "SELECT doi_or_url FROM sources WHERE name = 'arxiv-2010.08068'"
        ).fetchone()[0]
    finally:
        con.close()
    assert doi == passage["doi"]
    assert sorted(records["value_text"]) == ["0.18", "0.22", "0.23"]
    doc = normalize_chars(passage["text"])
    for r in records.to_dict("records"):
        assert r["value_text"] in r["evidence"] and normalize_chars(r["evidence"]) in doc
        assert r["reviewer"] == "ana" and r["method_tag"] == "AIMD"
    edited = records[records["value_text"] == "0.22"].iloc[0]
    assert edited["composition_key"] == "Li10GeP2O12"
    assert set(records[records["value_text"] != "0.22"]["composition_key"]) == {"Li10GeP2S12"}
    rejected = history[history["status"] == "rejected"]
    assert list(rejected["reason"]) == ["orthorhombic LGPO is not studied here"]
    assert "0.34" in rejected.iloc[0]["quote"]

    # The evidence card shows the quote of the edited record.
    at = open_page(at, "views/evidence.py", material="Li10GeP2O12")
    assert "0\\.22 eV" in _texts(at.markdown)
    assert "activation energies for diffusion of 0\\.18 eV" in _texts(at.markdown)

    # The explorer's record view shows one record's quote.
    at = open_page(at, "views/explorer.py", source="arxiv-2010.08068")
    record_id = int(records[records["value_text"] == "0.22"].iloc[0]["record_id"])
    at.selectbox(key="record_quote").set_value(record_id).run()
    text = _texts(at.markdown)
    assert "Ea = 0\\.22 eV** · AIMD · arxiv\\-2010\\.08068" in text
    assert "and of 0\\.22 eV and 0\\.34 eV for tetragonal and orthorhombic LGPO" in text


def test_a_number_already_in_the_store_is_shown_before_and_after_the_commit(app_at, store_copy):
    # Kato et al. 2016: the store holds its 25 mS/cm (not the second, made-up number).
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        before = _primary_copies(con, KATO_KEY, 0.025)
    finally:
        con.close()
    at = open_page(app_at, "views/extract.py")
    at.text_area(key="extract_paste").input(KATO)
    at.text_input(key="extract_doi").input(KATO_DOI)
    at.button[0].click().run()
    assert not at.exception
    shown = [i.value for i in at.info if "Already in the store as record" in i.value]
    assert len(shown) == 1 and "(source " in shown[0]
    rid = at.session_state["extract_run"]["id"]
    at.text_input(key="extract_reviewer").input("ana")
    next(b for b in at.button if b.label.startswith("Accept all undecided")).click().run()
    at.text_input(key=f"x{rid}_source").input("kato-2016")
    at.button(key=f"x{rid}_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 committed" in s.value for s in at.success)
    assert any("Row E1 was already in the store as record" in i.value for i in at.info)
    # Read back: both rows committed, and the 25 mS/cm copy made no new primary record.
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        committed = extracted_records(con, "kato-2016")
        after = _primary_copies(con, KATO_KEY, 0.025)
    finally:
        con.close()
    assert sorted(committed["value_text"]) == ["0.61", "25"]
    assert after == before and before


def test_an_empty_paste_is_refused_readably(app_at):
    at = open_page(app_at, "views/extract.py")
    at.text_area(key="extract_paste").input("   \n ")
    at.button[0].click().run()
    assert not at.exception
    assert any("pasted text is empty" in e.value for e in at.error)
    assert "extract_run" not in at.session_state


def test_bad_uploads_are_refused_with_a_reason(tmp_path):
    with pytest.raises(DocumentError, match="not a PDF"):
        read_upload(b"just text, named as a PDF", "paper.pdf")
    pdf = FPDF()  # a page with a drawing and no text: a scan, as far as the text layer goes
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(DocumentError, match="no text layer"):
        read_upload((tmp_path / "scan.pdf").read_bytes(), "scan.pdf")
    with pytest.raises(DocumentError, match="not UTF-8"):
        read_upload("conductivité".encode("latin-1"), "notes.txt")
    with pytest.raises(DocumentError, match="give a .txt"):
        read_upload(b"x", "table.docx")
    pages = read_upload(write_pdf(tmp_path / "ok.pdf", PAPER_PAGES).read_bytes(), "ok.pdf")
    assert len(pages) == 2 and "Li6PS5Cl" in pages[0]


def test_quotes_are_marked_and_the_passage_is_escaped():
    run = extract_text("<b>x</b> Li6PS5Cl shows an ionic conductivity of 2.4 mS/cm at 25 °C.")
    html_text = highlight(run.text, run.accepted, 0)
    assert "&lt;b&gt;" in html_text and "<b>" not in html_text
    assert '<mark class="sel">' in html_text and "2.4 mS/cm" in html_text


@pytest.mark.parametrize("mode", ["wrong", "error500"])
def test_the_llm_pass_is_verified_and_its_faults_shown(app_file, bad_server, monkeypatch, mode):  # noqa: F811
    # A real HTTP server that answers wrongly or fails; the page reads the environment's LLM.
    # On the file only: what is tested is the model's answers, before anything is read or written.
    monkeypatch.setenv("OPENAI_BASE_URL", f"{bad_server}/{mode}/v1")
    monkeypatch.setenv("SSE_AUDIT_LLM_MODEL", "misbehaving")
    at = open_page(app_file, "views/extract.py")
    at.text_area(key="extract_paste").input(LLM_DOC)
    at.checkbox(key="extract_llm").check()
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["extract_run"]["run"]
    assert run.llm_asked
    shown = _texts(at.markdown)
    # The rules always deliver; the injected 99 S/cm never reaches review.
    assert "sigma = 1.4 mS/cm" in shown and "Ea = 0.25 eV" in shown
    assert "= 99 " not in shown
    dropped = next(e for e in at.expander if e.label.startswith("Dropped by verification"))
    if mode == "wrong":
        assert "Em = 0.25 eV · NEB · Na11Sn2PS12 → Na11Sn2PS12 · llm" in shown
        table = dropped.dataframe[0].value
        assert any("instruction to a language model" in r for r in table["reason"])
        # The five wrong proposals of the misbehaving model, each dropped with its reason.
        assert (table["engine"] == "llm").sum() == 5 and table["reason"].str.len().min() > 0
    else:
        assert any("InternalServerError" in w.value for w in at.warning)


@pytest.mark.llm
def test_the_real_local_model_is_asked_with_a_progress_bar(app_file, llm_server, monkeypatch):  # noqa: F811
    # On the file only: ~20 s of a model's answer, and nothing read from or written to the store.
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("SSE_AUDIT_LLM_MODEL", llm_server.model)
    passage = _passage("J")
    at = open_page(app_file, "views/extract.py")
    at.text_area(key="extract_paste").input(passage["text"])
    at.checkbox(key="extract_llm").check()
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    bars = at.get("progress")
    assert bars and "parts read" in bars[-1].proto.text
    run = at.session_state["extract_run"]["run"]
    assert run.llm_asked and run.llm_chunks == 1
    # Whatever the small model said, the rules' two numbers are there and every candidate's
    # quote holds its printed value and occurs in the passage.
    assert {(c.property, c.value_text) for c in run.accepted if c.engine == "rules"} == {
        ("sigma", "1.4"),
        ("Ea", "0.25"),
    }
    doc = normalize_chars(passage["text"])
    for c in run.accepted:
        assert c.value_text in c.quote and normalize_chars(c.quote) in doc

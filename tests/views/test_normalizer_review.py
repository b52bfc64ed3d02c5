"""The review page renders from the real store, and accept / override persist."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from auditor.normalize.apply import StoreLLMCache
from auditor.normalize.llm import LLMConfig, run_llm
from db.connection import connect
from tests.auditor.normalize.test_llm_faults import (
    FOREIGN,
    GOOD,
    faulty_server,  # noqa: F401 - the fixture
)
from tests.conftest import use_store
from tests.paths import REPO

PAGE = str(REPO / "views" / "normalizer_review.py")
# Accepts and overrides are written to, and read back from, a DuckDB file and a team store alike.
STORE_MODES = ("embedded", "team")


def _overrides(location) -> list[str]:
    """Every override's output, read back on a new connection of the store."""
    con = connect(location, read_only=True, on_wait=None)
    try:
        return [r[0] for r in con.execute("SELECT output FROM normalization_overrides").fetchall()]
    finally:
        con.close()


@pytest.fixture
def app(store_copy, monkeypatch):
    use_store(monkeypatch, store_copy)
    monkeypatch.delenv("SSE_AUDIT_LLM_MODEL", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at, store_copy


def test_page_lists_decisions_and_filters(app):
    at, _ = app
    assert at.dataframe and len(at.dataframe[0].value) > 0
    at.sidebar.selectbox[2].set_value("unresolved").run()
    assert not at.exception
    assert set(at.dataframe[0].value["status"]) <= {"unresolved"}


def test_accept_and_override_persist(app):
    at, store = app
    review_box = next(s for s in at.selectbox if s.label == "Review a decision")
    first = review_box.options[1]
    review_box.set_value(int(first.split(":")[0])).run()
    assert not at.exception
    at.button[0].click().run()  # Accept this answer
    assert not at.exception and at.success
    assert len(_overrides(store)) == 1


def test_override_form_checks_the_vocabulary_and_saves(app):
    at, store = app
    review_box = next(s for s in at.selectbox if s.label == "Review a decision")
    decision_id = int(review_box.options[1].split(":")[0])
    review_box.set_value(decision_id).run()
    next(s for s in at.selectbox if s.label == "family").set_value("glass")
    next(t for t in at.text_input if t.label == "formula").input("Li3PS4")
    next(b for b in at.button if b.label == "Save override").click().run()
    assert not at.exception and at.success
    [output] = _overrides(store)
    assert '"family": "glass"' in output and '"formula": "Li3PS4"' in output


def test_llm_consultations_show_proposal_and_verdict(store_copy, monkeypatch, faulty_server):  # noqa: F811
    con = connect(store_copy, on_wait=None)
    try:
        config = LLMConfig(base_url=faulty_server, model="faulty", api_key="sk-x", timeout=2)
        run_llm("entity", [FOREIGN, GOOD], cache=StoreLLMCache(con), config=config)
    finally:
        con.close()
    use_store(monkeypatch, store_copy)
    monkeypatch.delenv("SSE_AUDIT_LLM_MODEL", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    at.sidebar.selectbox[1].set_value("llm").run()
    assert not at.exception
    shown = at.dataframe[0].value.set_index("input")
    assert shown.loc[FOREIGN, "llm_verdict"] == "rejected"
    assert "Li3ScCl6" in shown.loc[FOREIGN, "llm_proposal"]
    assert "does not name" in shown.loc[FOREIGN, "reason"]
    assert shown.loc[GOOD, "llm_verdict"] == "accepted"

"""The normalizer page's "Ask the LLM" button, pressed in an AppTest against the real local
llama.cpp server (tests/llm_server.py, the tiny Gemma model), on a copy of the real store.

The unresolved inputs are the real store's own: the family labels of the bundled sources that
the rules leave unresolved ('OXYFLUROIDES', 'CUBIC', 'Glass-Ceramic', ... from Liverpool and
the literature table). Names and method texts cannot be made unresolved through an ingest: a
row whose material the rules cannot read, or whose method they do not know, is quarantined,
never loaded (tests/pipeline/test_ingest.py), so the store holds no unresolved entity or method.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db.connection import connect
from db.decisions import unresolved_inputs
from tests.conftest import use_store
from tests.llm_server import llm_server  # noqa: F401 - the fixture
from tests.paths import REPO

PAGE = str(REPO / "views" / "normalizer_review.py")
# The button reads the store, asks with no connection open, then writes in one transaction:
# that write is what differs between the modes.
STORE_MODES = ("embedded", "team")
ASKED = 2  # inputs per press: each is a model call of a few seconds on this CPU


def _llm_rows(location, backend: str) -> tuple[list[tuple], list[tuple]]:
    con = connect(location, read_only=True, on_wait=None)
    try:
        decided = con.execute(
            "SELECT input, status, output FROM normalization_decisions "
            "WHERE kind = 'family' AND backend = ? ORDER BY input",
            [backend],
        ).fetchall()
        cached = con.execute(
            "SELECT input, output FROM llm_cache WHERE kind = 'family' AND model = ? ORDER BY input",
            [backend.removeprefix("llm:")],
        ).fetchall()
    finally:
        con.close()
    return decided, cached


@pytest.mark.llm
def test_asking_the_llm_writes_decisions_and_cache_and_shows_them(
    store_copy, monkeypatch, llm_server  # noqa: F811 - the fixture
):
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        expected = unresolved_inputs(con, "family", limit=ASKED)
    finally:
        con.close()
    assert len(expected) == ASKED  # the real store leaves family labels unresolved
    use_store(monkeypatch, store_copy)
    monkeypatch.setenv("SSE_AUDIT_LLM_MODEL", llm_server.model)
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", llm_server.api_key)
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.run()
    assert not at.exception
    at.sidebar.selectbox[0].set_value("family").run()  # Kind
    next(n for n in at.number_input if n.label == "How many").set_value(ASKED).run()
    [ask] = [b for b in at.button if b.label.startswith(f"Ask {llm_server.model}")]
    ask.click().run()
    assert not at.exception

    decided, cached = _llm_rows(store_copy, llm_server.backend)
    # One logged consultation per input asked, each accepted or rejected by verification.
    assert [d[0] for d in decided] == expected
    assert {d[1] for d in decided} <= {"accepted", "rejected"}
    # Only verified answers are cached: exactly the accepted ones.
    assert [c[0] for c in cached] == [d[0] for d in decided if d[1] == "accepted"]
    # The page says what happened and lists every input with its verdict.
    accepted = sum(d[1] == "accepted" for d in decided)
    summary = next(m.value for m in at.markdown if " calls, " in m.value)
    calls, rest = summary.split(" calls, ")
    # A call is one request; a model that ignores the JSON schema is asked again in plain JSON.
    assert int(calls) >= ASKED
    assert rest == f"0 from cache, {accepted} accepted, {ASKED - accepted} rejected"
    shown = at.dataframe[-1].value
    assert list(shown["input"]) == expected
    assert set(shown["verdict"]) <= {"accepted", "rejected"}
    assert llm_server.api_key not in str(decided) + str(cached)

    # The settled inputs are not asked again; the next press takes the next ones.
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        left = unresolved_inputs(con, "family", limit=500)
    finally:
        con.close()
    assert not set(d[0] for d in decided if d[1] == "accepted") & set(left)

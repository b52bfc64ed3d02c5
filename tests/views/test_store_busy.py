"""The app when another process holds the store: it waits, says so, and never shows a traceback.

Embedded only: these are the DuckDB file's lock (one writer or many readers). A team store has
no lock to wait for (readers read a snapshot, writers race); its failure a page must say
readably is a catalog that went away (`test_a_page_says_the_team_store_is_unreachable_...`).
"""

from __future__ import annotations

import time

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import db.connection
from db.config import REPO_ROOT
from db.connection import close_lake
from tests.conftest import new_team_store, use_store
from tests.pg_server import PgServer
from tests.sharing import hold

APP = str(REPO_ROOT / "app.py")


@pytest.fixture
def app(store_copy, monkeypatch):
    monkeypatch.setenv("SSE_AUDIT_DB", str(store_copy))
    monkeypatch.setenv("SSE_AUDIT_REFRESH_SECONDS", "0")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # the first start (predictions) and the page's cached reads, store free
    assert not at.exception and at.metric
    return at


def test_a_page_waits_for_a_writer_in_another_process_then_renders(app, store_copy):
    holder = hold(store_copy, "write", 4)
    started = time.monotonic()
    app.run()  # the overview's quarantine table is read on every run: it must wait
    waited = time.monotonic() - started
    holder.wait()
    assert not app.exception
    assert waited >= 2  # it waited for the holder instead of failing
    assert [m.label for m in app.metric][:1] == ["records"]
    assert not app.error


def test_a_page_that_waits_too_long_says_so_without_a_traceback(app, store_copy, monkeypatch):
    monkeypatch.setattr(db.connection, "LOCK_ATTEMPTS", 3)
    holder = hold(store_copy, "write", 60)
    try:
        app.run()
    finally:
        holder.kill()
        holder.wait()
    assert not app.exception
    [error] = app.error
    assert error.value.startswith("store busy: another process held")
    assert "Reload the page to try again" in error.value


def test_a_review_waits_for_the_writer_and_is_saved(app, store_copy):
    app.switch_page("views/outliers.py").run()
    assert not app.exception
    app.text_input(key="review_reviewer").input("busy-test")
    holder = hold(store_copy, "read", 4)  # a reader elsewhere keeps writers out, briefly
    started = time.monotonic()
    [submit] = [b for b in app.button if b.label == "Save review"]
    submit.click().run()
    waited = time.monotonic() - started
    holder.wait()
    assert not app.exception
    assert waited >= 2
    con = duckdb.connect(str(store_copy), read_only=True)
    try:
        assert (
            con.execute("SELECT count(*) FROM flags WHERE reviewer = 'busy-test'").fetchone()[0]
            == 1
        )
    finally:
        con.close()


def test_a_page_says_the_team_store_is_unreachable_then_recovers(
    pg_server, built_file, tmp_path, monkeypatch
):
    """A team store's catalog server that goes away while the app runs: the page says so in
    one readable line (no traceback, no exception box) and renders again once it is back."""
    server = PgServer().start()  # its own server: stopping the session's would hit others
    location = None
    try:
        location = new_team_store(server, tmp_path, built_file)
        use_store(monkeypatch, location)
        monkeypatch.setenv("SSE_AUDIT_REFRESH_SECONDS", "0")
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        assert not at.exception and not at.error and at.metric
        server.stop("fast")
        at.run()
        assert not at.exception
        shown = " ".join(e.value for e in at.error)
        assert "cannot reach the team store" in shown or "cannot open the team store" in shown
        assert "Traceback" not in shown and len(shown) < 600
        server.start()
        at.run()
        assert not at.exception and not at.error
        assert [m.label for m in at.metric][:1] == ["records"]
    finally:
        if location is not None:
            close_lake(location)
        server.destroy()

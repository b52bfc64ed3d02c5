"""AppTest over a private copy of the real store (the store fixtures live in tests/conftest.py).

A module that sets `STORE_MODES = ("embedded", "team")` gets `app_at` in both modes: the app is
pointed at the store copy's location (a file or a team lake) through `use_store`.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db.config import REPO_ROOT
from tests.conftest import use_store

APP = REPO_ROOT / "app.py"


@pytest.fixture
def app_at(store_copy, monkeypatch):
    """An AppTest of the whole app (navigation included) over a copy of the real store."""
    use_store(monkeypatch, store_copy)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def open_page(at: AppTest, page: str, **params) -> AppTest:
    """Switch to a page with these URL parameters and run it; fails on any exception."""
    at.switch_page(page)
    at.query_params.clear()
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def param(at: AppTest, name: str):
    """A URL parameter's value (AppTest may hold it as a one-item list)."""
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value

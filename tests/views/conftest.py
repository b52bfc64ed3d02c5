"""AppTest over a private copy of the real store (the store fixtures live in tests/conftest.py).

A module that sets `STORE_MODES = ("embedded", "team")` gets `app_at` in both modes: the app is
pointed at the store copy's location (a file or a team lake) through `use_store`. `app_file` is
the same app over a copy of the embedded build in every mode: for a test whose team run would
cost time and test nothing of the store (a model's answer, an input refused before any read).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.config import REPO_ROOT
from tests.conftest import use_store
from tests.e2e import copy_store

APP = REPO_ROOT / "app.py"


def start_app(monkeypatch, location: Path | str) -> AppTest:
    """An AppTest of the whole app (navigation included), first run done, over `location`."""
    use_store(monkeypatch, location)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def app_at(store_copy, monkeypatch):
    """The app over a copy of the real store, in the module's store modes."""
    return start_app(monkeypatch, store_copy)


@pytest.fixture
def file_copy(built_file, tmp_path) -> Path:
    """A private copy of the embedded build, whatever the module's modes (see `app_file`)."""
    return copy_store(built_file, tmp_path)


@pytest.fixture
def app_file(file_copy, monkeypatch):
    """The app over a copy of the embedded build only (one run, in a two-mode module)."""
    return start_app(monkeypatch, file_copy)


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

"""Shared fixtures: one real store built from the real sources, once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from auditor.ea_model import save_ea_model, train_ea_model
from auditor.model import save_model, train_default
from pipeline.build import build_store


@pytest.fixture(scope="session", autouse=True)
def _isolated_model_dir(tmp_path_factory):
    """Tests never read or write the developer's saved models, and the app does not train
    one on start (test_model.py trains its own)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SSE_AUDIT_MODELS", str(tmp_path_factory.mktemp("models")))
    mp.setenv("SSE_AUDIT_TRAIN_ON_START", "0")
    yield
    mp.undo()


@pytest.fixture(scope="session")
def built_store(tmp_path_factory, _isolated_model_dir) -> Path:
    """A store built by the real build from the real files (read it, don't write it)."""
    path = tmp_path_factory.mktemp("store") / "sse_audit.duckdb"
    build_store(path, progress=lambda f, m: None)
    return path


@pytest.fixture
def store_copy(built_store, tmp_path) -> Path:
    """A private copy of the built store, for tests that write."""
    path = tmp_path / "store.duckdb"
    shutil.copy(built_store, path)
    return path


@pytest.fixture
def store_con(built_store):
    con = duckdb.connect(str(built_store), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def screen_models_dir(built_store, tmp_path_factory) -> Path:
    """A models directory holding a quick sigma model and the Ea model, trained once.

    Tests that need saved models point `SSE_AUDIT_MODELS` here themselves; the session's
    default models directory stays empty.
    """
    folder = tmp_path_factory.mktemp("screen_models")
    con = duckdb.connect(str(built_store), read_only=True)
    try:
        save_model(train_default(con, quick=True), folder)
        save_ea_model(train_ea_model(con), folder / "ea")
    finally:
        con.close()
    return folder

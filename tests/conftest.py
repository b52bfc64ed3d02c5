"""Shared fixtures: one real store built from the real sources, once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

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

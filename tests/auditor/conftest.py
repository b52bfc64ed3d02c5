"""Fixtures of the auditor's store tests beside the shared ones (`tests/conftest.py`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from db.connection import close_lake, connect
from tests.conftest import new_team_store


def empty_file_store(path: Path) -> Path:
    """A new store file at `path` with its tables and nothing in them."""
    duckdb.connect(str(path)).close()  # a new file: `connect` opens, never creates one
    connect(path, on_wait=None).close()  # a write connection creates the tables
    return path


@pytest.fixture
def file_copy(built_file, tmp_path) -> Path:
    """A private copy of the embedded store file, for a write test kept on one mode.

    A module with `STORE_MODES` runs `store_copy` tests in both modes; a test that is by
    nature file-only (a copied file), or whose team half another test covers at less cost,
    takes this copy instead and runs once.
    """
    path = tmp_path / "store.duckdb"
    shutil.copy(built_file, path)
    return path


@pytest.fixture
def empty_store(store_mode, tmp_path, request) -> Path | str:
    """A store with its tables and nothing in them, in this test's mode (see `STORE_MODES`)."""
    if store_mode == "embedded":
        yield empty_file_store(tmp_path / "empty.duckdb")
        return
    location = new_team_store(request.getfixturevalue("pg_server"), tmp_path)
    yield location
    close_lake(location)

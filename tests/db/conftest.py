"""Fixtures for the store engine: every test runs in both modes, team mode on a real PostgreSQL
(the session's server, `pg_server` in tests/conftest.py)."""

from __future__ import annotations

import importlib.util
import uuid

import pytest

from tests.pg_server import PgServer

_MISSING_EXT = [
    p
    for p in ("duckdb_extension_ducklake", "duckdb_extension_sqlite", "duckdb_extension_postgres")
    if importlib.util.find_spec(p) is None
]


def pytest_collection_modifyitems(config, items):
    """Skip the engine tests with the reason when the DuckLake extension packages are absent."""
    if not _MISSING_EXT:
        return
    marker = pytest.mark.skip(
        reason=f"DuckLake extension packages not installed: {', '.join(_MISSING_EXT)} "
        "(pip install -r requirements-teamstore.txt in a separate venv: it pins duckdb 1.5.5)"
    )
    for item in items:
        if item.fspath.basename == "test_engine.py":
            item.add_marker(marker)


@pytest.fixture(params=["embedded", "team"])
def store_setting(request, tmp_path) -> str:
    """An `SSE_AUDIT_STORE` value for a fresh, empty store in each mode."""
    if request.param == "embedded":
        return f"embedded:{tmp_path / 'lake'}"
    server: PgServer = request.getfixturevalue("pg_server")
    db = f"lake_{uuid.uuid4().hex[:10]}"
    server.create_database(db)
    return f"postgresql://{server.user}@127.0.0.1:{server.port}/{db}?data_path={tmp_path / 'data'}"

"""Fixtures for the store engine: every test runs in both modes, team mode on a real PostgreSQL
(the session's server, `pg_server` in tests/conftest.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.pg_server import PgServer


@pytest.fixture(params=["embedded", "team"])
def store_setting(request, tmp_path) -> str:
    """An `SSE_AUDIT_STORE` value for a fresh, empty store in each mode."""
    if request.param == "embedded":
        return f"embedded:{tmp_path / 'lake'}"
    server: PgServer = request.getfixturevalue("pg_server")
    db = f"lake_{uuid.uuid4().hex[:10]}"
    server.create_database(db)
    return f"postgresql://{server.user}@127.0.0.1:{server.port}/{db}?data_path={tmp_path / 'data'}"

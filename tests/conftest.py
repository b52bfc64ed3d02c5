"""Shared fixtures: one real store built from the real sources, once per test session.

The store fixtures (`built_store`, `store_copy`, `store_con`) run in the embedded mode (a DuckDB
file). A test module that sets `STORE_MODES = ("embedded", "team")` runs its store tests in
both modes: team is a DuckLake on a real PostgreSQL (`tests/pg_server.py`, one server per
session, a fresh database per store), holding the same build (published into it as a team
build does). A store fixture is then a location for `db.connection` (a file path or a
`postgresql://...` setting), not always a file.
"""

from __future__ import annotations

import importlib.util
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from auditor.ea_model import save_ea_model, train_ea_model
from auditor.model import ConductivityModel, save_model, train_default
from db.config import is_lake
from db.connection import close_lake, connect, lake_store
from pipeline.build import build_store
from tests.pg_server import PgServer, find_pg_bin

# The team store needs these (pinned in requirements.txt with duckdb 1.5.5).
_LAKE_PACKAGES = ("duckdb_extension_ducklake", "duckdb_extension_postgres")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "store_modes(*modes): run this test in these modes only (a test of a DuckDB-file "
        "behaviour, such as its write lock, in a module whose other tests run in both modes)",
    )


def pytest_generate_tests(metafunc):
    """Run a module's store tests in every mode its `STORE_MODES` names (a test's
    `store_modes` marker narrows them)."""
    modes = tuple(getattr(metafunc.module, "STORE_MODES", ("embedded",)))
    if "store_mode" in metafunc.fixturenames and modes != ("embedded",):
        marker = metafunc.definition.get_closest_marker("store_modes")
        if marker is not None:
            modes = tuple(m for m in modes if m in marker.args)
        metafunc.parametrize("store_mode", modes, indirect=True, scope="session")


def use_store(monkeypatch: pytest.MonkeyPatch, location: Path | str) -> None:
    """Point the app and the CLI (their environment) at a store fixture's location."""
    if is_lake(location):
        monkeypatch.setenv("SSE_AUDIT_STORE", str(location))
    else:
        monkeypatch.delenv("SSE_AUDIT_STORE", raising=False)
        monkeypatch.setenv("SSE_AUDIT_DB", str(location))


@pytest.fixture(scope="session", autouse=True)
def _isolated_model_dir(tmp_path_factory):
    """Tests never read or write the developer's saved models, and the app does not train
    one on start (test_model.py trains its own)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SSE_AUDIT_MODELS", str(tmp_path_factory.mktemp("models")))
    mp.setenv("SSE_AUDIT_TRAIN_ON_START", "0")
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def _one_openmp_thread():
    """Fits in the test process use one OpenMP thread. The tests' fits are small (hundreds to a
    few thousand rows) and the test machine is shared: OpenMP threads spin-waiting for a busy
    core made the Ea model's training 3x slower in wall time (and CPU) than one thread, for
    bit-identical predictions (gradient boosting's threads split features, not rows)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="session")
def store_mode(request) -> str:
    """`embedded` (a DuckDB file) or `team` (DuckLake over PostgreSQL); see `STORE_MODES`."""
    return getattr(request, "param", "embedded")


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL for the session; skips when Debian's binaries are absent."""
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql); team mode untested")
    missing = [p for p in _LAKE_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"DuckDB extension packages not installed ({', '.join(missing)}): team mode untested")
    server = PgServer().start()
    yield server
    server.destroy()


def team_location(server: PgServer, database: str, data: Path) -> str:
    """The `SSE_AUDIT_STORE` setting of a team store in `database` with Parquet under `data`."""
    return f"postgresql://{server.user}@127.0.0.1:{server.port}/{database}?data_path={data}"


def new_team_store(server: PgServer, root: Path, built: Path | None = None) -> str:
    """A fresh team store (its own database and data path); with `built`, that build published."""
    name = f"sse_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    location = team_location(server, name, root / "data")
    connect(location, on_wait=None).close()  # tables and id counters
    if built is not None:
        lake_store(location).publish(built)
    return location


@pytest.fixture(scope="session")
def _team_template(pg_server, built_file, tmp_path_factory) -> tuple[str, Path]:
    """A team store holding the build, published once; copies of its catalog database are
    the tests' team stores (PostgreSQL's CREATE DATABASE ... TEMPLATE, well under a second).

    The copies share its Parquet directory: data files are immutable and written under new
    names, and tests never clean old files up, so one copy's writes never touch another's.
    """
    root = tmp_path_factory.mktemp("lake")
    location = new_team_store(pg_server, root, built_file)
    close_lake(location)  # a template database must have no connections
    return location.split("/")[3].split("?")[0], root / "data"


def _team_copy(request) -> str:
    """A fresh copy of the team template store (its own catalog database)."""
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("_team_template")
    name = f"sse_{uuid.uuid4().hex[:12]}"
    server.create_database(name, template=template[0])
    return team_location(server, name, template[1])


@contextmanager
def _private_copy(store_mode: str, built_file: Path, folder: Path, request) -> Iterator[Path | str]:
    """A private copy of the build in `store_mode`: a file under `folder`, or a team copy."""
    if store_mode == "embedded":
        path = folder / "store.duckdb"
        shutil.copy(built_file, path)
        yield path
        return
    location = _team_copy(request)
    try:
        yield location
    finally:
        close_lake(location)


@pytest.fixture(scope="session")
def built_file(tmp_path_factory, _isolated_model_dir) -> Path:
    """The DuckDB file the real build makes from the real files (read it, don't write it)."""
    path = tmp_path_factory.mktemp("store") / "sse_audit.duckdb"
    build_store(path, progress=lambda f, m: None)
    return path


@pytest.fixture(scope="session")
def built_store(store_mode, built_file, tmp_path_factory, request) -> Path | str:
    """The built store in this test's mode (read it, don't write it)."""
    if store_mode == "embedded":
        yield built_file
        return
    location = _team_copy(request)
    yield location
    close_lake(location)


@pytest.fixture
def store_copy(store_mode, built_file, tmp_path, request) -> Path | str:
    """A private copy of the built store, for tests that write."""
    with _private_copy(store_mode, built_file, tmp_path, request) as location:
        yield location


@pytest.fixture(scope="module")
def module_store_copy(store_mode, built_file, tmp_path_factory, request) -> Path | str:
    """`store_copy` shared by a module's tests (app servers started once per module)."""
    folder = tmp_path_factory.mktemp("module_store")
    with _private_copy(store_mode, built_file, folder, request) as location:
        yield location


@pytest.fixture
def store_con(built_store):
    con = connect(built_store, read_only=True, on_wait=None)
    yield con
    con.close()


@pytest.fixture(scope="session")
def quick_default_model(built_file) -> ConductivityModel:
    """The first start's fast-path sigma model (`train_default(quick=True)`) of the built file,
    trained once for the session (test_model.py checks it; `screen_models_dir` saves it).
    Do not modify it."""
    con = connect(built_file, read_only=True, on_wait=None)
    try:
        return train_default(con, quick=True)
    finally:
        con.close()


@pytest.fixture(scope="session")
def screen_models_dir(built_file, quick_default_model, tmp_path_factory) -> Path:
    """A models directory holding the quick sigma model and the Ea model, trained once.

    Tests that need saved models point `SSE_AUDIT_MODELS` here themselves; the session's
    default models directory stays empty.
    """
    folder = tmp_path_factory.mktemp("screen_models")
    save_model(quick_default_model, folder)
    con = connect(built_file, read_only=True, on_wait=None)
    try:
        save_ea_model(train_ea_model(con), folder / "ea")
    finally:
        con.close()
    return folder

"""The one `db` API on a team store (DuckLake over a real PostgreSQL): the same calls as on the
DuckDB file, a version that follows commits, lost races and outages as readable errors, a kill -9
that leaves nothing, and a rebuild that keeps a write made while it ran.

Elsewhere, in both modes: a kill -9 of an ingest mid-transaction through the CLI
(tests/sse_audit/test_store_sharing.py), writes made by other processes during a rebuild
(tests/pipeline/test_rebuild_window.py), two app replicas in Chromium (tests/views/
test_sharing_e2e.py); a page while the catalog is away (tests/views/test_store_busy.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import pipeline.build
from db.config import store_location
from db.connection import (
    StoreBusyError,
    StoreMissingError,
    StoreUnavailableError,
    close_lake,
    connect,
    reading,
    snapshot,
    store_exists,
    store_version,
    writing,
)
from db.flags import review_flag
from pipeline.build import build_store
from pipeline.ingest import ingest_rows
from tests.conftest import new_team_store, team_location
from tests.pg_server import PgServer

REPO = Path(__file__).resolve().parents[2]

ROWS = [
    {
        "material": "Li7La3Zr2O12",
        "property": "Ea",
        "value": "0.42",
        "unit": "eV",
        "method": "EXP",
        "doi": "10.1000/team.1",
    },
    {
        "material": "Li3PS4",
        "property": "sigma",
        "value": "0.2",
        "unit": "mS/cm",
        "temperature": "25",
        "temperature_unit": "C",
        "method": "EIS",
        "doi": "10.1000/team.2",
    },
]


@pytest.fixture
def team_store(pg_server, _team_template) -> str:
    """A team store holding the session's build (a copy of its catalog database)."""
    name = f"t_{os.urandom(6).hex()}"
    pg_server.create_database(name, template=_team_template[0])
    location = team_location(pg_server, name, _team_template[1])
    yield location
    close_lake(location)


def _count(location: str, sql: str, params=()) -> int:
    with reading(location, on_wait=None) as con:
        return con.execute(sql, list(params)).fetchone()[0]


def _file_records(built_file) -> int:
    # What the session's build holds (with or without the external Devi source).
    with reading(built_file, on_wait=None) as con:
        return con.execute("SELECT count(*) FROM records").fetchone()[0]


def test_the_setting_picks_the_team_store(monkeypatch, team_store, built_file):
    monkeypatch.setenv("SSE_AUDIT_STORE", team_store)
    assert store_location() == team_store
    assert store_location("/some/file.duckdb") == "/some/file.duckdb"  # an explicit path wins
    monkeypatch.setenv("SSE_AUDIT_STORE", "")
    monkeypatch.setenv("SSE_AUDIT_DB", "/x/store.duckdb")
    assert store_location() == "/x/store.duckdb"
    monkeypatch.setenv("SSE_AUDIT_STORE", team_store)
    # With no path, every call goes to the team store.
    with reading() as con:
        n = con.execute("SELECT count(*) FROM records").fetchone()[0]
    monkeypatch.setenv("SSE_AUDIT_STORE", "")
    assert n == _file_records(built_file) > 4000


def test_version_moves_with_each_commit_and_not_with_reads(team_store, built_file):
    v0 = store_version(team_store)
    assert v0[0] == "snapshot"
    assert _count(team_store, "SELECT count(*) FROM records") == _file_records(built_file)
    assert store_version(team_store) == v0
    key, rule = (
        connect(team_store, read_only=True)
        .execute("SELECT record_key, rule FROM flags LIMIT 1")
        .fetchone()
    )
    with writing(team_store, on_wait=None) as con:
        assert review_flag(con, key, rule, status="dismissed", note="checked")
    v1 = store_version(team_store)
    assert v1 != v0 and v1[1] > v0[1]
    assert _count(team_store, "SELECT count(*) FROM flags WHERE note = 'checked'") == 1


def test_an_ingest_writes_whole_rows_with_new_ids(team_store):
    before = _count(team_store, "SELECT max(record_id) FROM records")
    result = ingest_rows(ROWS, "team-lab", path=team_store, on_wait=None)
    assert result["committed"] == 2
    with reading(team_store, on_wait=None) as con:
        ids = [r[0] for r in con.execute("SELECT record_id FROM records WHERE source = 'team-lab'").fetchall()]
        dup = con.execute(
            "SELECT count(*) FROM (SELECT record_id FROM records GROUP BY 1 HAVING count(*) > 1)"
        ).fetchone()[0]
        source = con.execute(
            "SELECT rows_in, loaded, quarantined FROM sources WHERE name = 'team-lab'"
        ).fetchone()
    assert len(ids) == 2 and min(ids) > before and dup == 0
    assert source == (2, 2, 0)


def test_a_lost_race_inside_writing_is_store_busy_and_writes_nothing(team_store):
    key, rule = (
        connect(team_store, read_only=True)
        .execute("SELECT record_key, rule FROM flags LIMIT 1")
        .fetchone()
    )
    with pytest.raises(StoreBusyError, match="store busy: another process wrote"):
        with writing(team_store, on_wait=None) as con:
            review_flag(con, key, rule, status="dismissed", note="loser")
            # Another writer commits the same row meanwhile.
            with writing(team_store, on_wait=None) as other:
                review_flag(other, key, rule, status="confirmed", note="winner")
    assert _count(team_store, "SELECT count(*) FROM flags WHERE note = 'loser'") == 0
    assert _count(team_store, "SELECT count(*) FROM flags WHERE note = 'winner'") == 1


def test_snapshot_copies_the_model_tables(team_store):
    mem = snapshot(team_store, on_wait=None)
    try:
        n = mem.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        mem.close()
    assert n == _count(team_store, "SELECT count(*) FROM records")


def test_an_empty_team_database_is_a_missing_store(pg_server, tmp_path):
    pg_server.create_database("never_built")
    location = team_location(pg_server, "never_built", tmp_path / "data")
    try:
        assert not store_exists(location)
        with pytest.raises(StoreMissingError, match="sse-audit build"):
            connect(location, read_only=True, on_wait=None)
    finally:
        close_lake(location)


def test_kill_9_of_a_writer_mid_transaction_leaves_nothing(team_store):
    code = textwrap.dedent(
        f"""
        import sys, time
        from db.connection import connect
        con = connect({team_store!r}, on_wait=None)
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE flags SET note = 'half-written'")
        con.execute("DELETE FROM records WHERE source = 'obelix'")
        print("holding", flush=True)
        time.sleep(600)
        """
    )
    before = _count(team_store, "SELECT count(*) FROM records")
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "holding"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _count(team_store, "SELECT count(*) FROM records") == before
    assert _count(team_store, "SELECT count(*) FROM flags WHERE note = 'half-written'") == 0
    assert ingest_rows(ROWS, "after-kill", path=team_store, on_wait=None)["committed"] == 2


def test_a_catalog_outage_is_a_readable_error_and_recovers(built_file, tmp_path):
    server = PgServer().start()
    try:
        location = new_team_store(server, tmp_path, built_file)
        assert _count(location, "SELECT count(*) FROM sources") > 0
        server.stop("fast")
        with pytest.raises(StoreUnavailableError, match="cannot (reach|open) the team store") as err:
            _count(location, "SELECT count(*) FROM sources")
        assert "Traceback" not in str(err.value) and len(str(err.value)) < 400
        assert store_version(location) == ("unavailable",)
        server.start()
        assert _count(location, "SELECT count(*) FROM sources") > 0
        assert store_version(location)[0] == "snapshot"
        close_lake(location)
    finally:
        server.destroy()


def test_a_rebuild_keeps_writes_made_while_it_ran(team_store, monkeypatch):
    """An upload during the load, and a review landing between the last catch-up and the
    publish (the publish then starts over), both survive; readers see one store or the other."""
    key, rule = (
        connect(team_store, read_only=True)
        .execute("SELECT record_key, rule FROM flags WHERE active LIMIT 1")
        .fetchone()
    )
    done: list[str] = []

    def progress(fraction: float, message: str) -> None:
        if message.startswith("normalizing") and "upload" not in done:
            done.append("upload")
            ingest_rows(ROWS, "during-build", path=team_store, on_wait=None)

    real_catch_up = pipeline.build._catch_up
    calls: list[int] = []

    def catch_up_then_a_review(con, old):
        counts = real_catch_up(con, old)
        calls.append(1)
        if len(calls) == 2:  # the publish's own catch-up: a review lands right after it
            done.append("review")
            with writing(team_store, on_wait=None) as w:
                review_flag(w, key, rule, status="dismissed", note="during the publish")
        return counts

    monkeypatch.setattr(pipeline.build, "_catch_up", catch_up_then_a_review)
    summary = build_store(team_store, progress=progress)
    assert done == ["upload", "review"]
    assert len(calls) == 3, "the publish must start over after the review landed"
    assert summary["published"]["records"] == _count(team_store, "SELECT count(*) FROM records")
    assert _count(team_store, "SELECT count(*) FROM records WHERE source = 'during-build'") == 2
    assert _count(team_store, "SELECT count(*) FROM uploads WHERE source = 'during-build'") == 2
    assert (
        _count(
            team_store,
            "SELECT count(*) FROM flags WHERE record_key = ? AND rule = ? AND status = 'dismissed' "
            "AND note = 'during the publish'",
            [key, rule],
        )
        == 1
    )
    with reading(team_store, on_wait=None) as con:
        dup = con.execute(
            "SELECT count(*) FROM (SELECT record_key FROM records GROUP BY 1 HAVING count(*) > 1)"
        ).fetchone()[0]
    assert dup == 0


def test_two_ingests_at_once_both_commit(team_store):
    """Two writers that race (an upload and a CLI ingest at the same moment): the one whose
    commit comes second lost nothing; it runs again and commits, as a file's writer waits."""
    results: dict[str, object] = {}
    said: list[str] = []

    def ingest(name: str) -> None:
        try:
            results[name] = ingest_rows(
                ROWS, name, path=team_store, on_wait=lambda a, n, message: said.append(message)
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[name] = exc

    threads = [threading.Thread(target=ingest, args=(n,)) for n in ("race-a", "race-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert {n: r["committed"] for n, r in results.items() if isinstance(r, dict)} == {
        "race-a": 2,
        "race-b": 2,
    }, results
    with reading(team_store, on_wait=None) as con:
        rows = con.execute(
            "SELECT source, count(*), count(DISTINCT record_id) FROM records "
            "WHERE source LIKE 'race-%' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        uploads = con.execute("SELECT count(*) FROM uploads WHERE source LIKE 'race-%'").fetchone()[0]
    assert rows == [("race-a", 2, 2), ("race-b", 2, 2)] and uploads == 4
    # The two ran together: one of them lost the race and said it was retrying.
    assert any("another process wrote at the same time; retrying" in m for m in said), said

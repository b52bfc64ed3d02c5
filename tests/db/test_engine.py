"""The store engine in both modes: schema, keys, version, concurrent processes, kill -9, outages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from db.engine import (
    ID_COUNTERS,
    SCHEMA_SQL,
    Store,
    StoreError,
    StoreUnavailable,
    allocate_ids,
    duplicate_keys,
    lake_schema_sql,
    store_config,
    table_keys,
    upsert,
)
from tests.db.store_worker import BATCH, FLAG_KEYS, write_batch

REPO = Path(__file__).resolve().parents[2]


def _store(setting: str, **kwargs) -> Store:
    store = Store(store_config(setting), notify=lambda m: None, **kwargs)
    store.init_schema()
    return store


def _spawn(setting: str, role: str, name: str, n: int, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.db.store_worker", setting, role, name, str(n)],
        cwd=REPO,
        **options,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _batches(store: Store) -> dict[tuple[str, str], int]:
    rows = store.read(
        lambda con: con.execute(
            "SELECT source, source_row, count(*) FROM records GROUP BY ALL"
        ).fetchall()
    )
    return {(s, r): n for s, r, n in rows}


def test_setting_picks_the_mode(tmp_path):
    assert store_config("").mode == "embedded"
    assert store_config(f"embedded:{tmp_path}").catalog == f"sqlite:{tmp_path / 'catalog.sqlite'}"
    team = store_config("postgresql://sse@db.lab:5433/sse?data_path=/mnt/lake&sslmode=require")
    assert team.mode == "team"
    assert team.catalog == "postgres:postgresql://sse@db.lab:5433/sse?sslmode=require"
    assert team.data_path.startswith("/mnt/lake")
    with pytest.raises(StoreError, match="data_path"):
        store_config("postgresql://sse@db.lab/sse")
    with pytest.raises(StoreError, match="password"):
        store_config("postgresql://sse:secret@db.lab/sse?data_path=/x")
    with pytest.raises(StoreError, match="not understood"):
        store_config("mysql://x")


def test_lake_schema_drops_only_what_ducklake_refuses():
    sql = lake_schema_sql()
    for refused in ("SEQUENCE", "NEXTVAL", "PRIMARY KEY", "UNIQUE"):
        assert refused not in sql.upper(), refused
    assert "record_id           BIGINT NOT NULL" in sql  # a dropped PRIMARY KEY stays NOT NULL
    assert "DEFAULT current_timestamp" in sql  # kept: DuckLake supports it
    keys = table_keys()
    assert keys["records"] == [("record_id",), ("record_key",)]
    assert keys["flags"] == [("record_key", "rule")]


def test_schema_version_keys(store_setting):
    store = _store(store_setting)
    tables = store.read(
        lambda con: {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'"
            ).fetchall()
        }
    )
    assert set(table_keys()) | {"id_counters", "links", "entries"} <= tables
    v0 = store.version()
    store.read(lambda con: con.execute("SELECT count(*) FROM records").fetchall())
    assert store.version() == v0, "a read must not bump the version"

    firsts = [store.write(lambda con: allocate_ids(con, "record_id_seq", 10)) for _ in range(3)]
    assert firsts == [firsts[0], firsts[0] + 10, firsts[0] + 20]
    assert store.version() == v0 + 3, "every write bumps the version"

    def flag(con, score):
        con.execute(
            "CREATE TEMP TABLE incoming AS SELECT 'k1' AS record_key, 'modified-z' AS rule, "
            "'fam/sigma/eis' AS cohort, ? :: DOUBLE AS score, 'far from the cohort' AS reason",
            [score],
        )
        upsert(
            con,
            "flags",
            "incoming",
            ("record_key", "rule"),
            ("record_key", "rule", "cohort", "score", "reason"),
        )
        con.execute("DROP TABLE incoming")

    store.write(lambda con: flag(con, 4.0))
    store.write(lambda con: flag(con, 5.5))
    rows = store.read(lambda con: con.execute("SELECT score, status, active FROM flags").fetchall())
    assert rows == [(5.5, "open", True)], "upsert updates by key, defaults fill the rest"
    assert store.read(duplicate_keys) == {}
    store.close()


def test_failed_write_leaves_nothing_and_does_not_bump(store_setting):
    store = _store(store_setting)
    v0 = store.version()

    def half(con):
        write_batch(con, "broken", 0)
        raise ValueError("refused half-way")

    with pytest.raises(ValueError, match="refused half-way"):
        store.write(half)
    assert store.version() == v0
    assert _batches(store) == {}
    assert (
        store.read(
            lambda con: con.execute(
                "SELECT next_id FROM id_counters WHERE name = 'record_id_seq'"
            ).fetchone()[0]
        )
        == 1
    ), "the id allocation rolled back with the rest"
    store.close()


def test_two_processes_write_and_read_at_once(store_setting):
    """Two writer processes and a reader process at once, and this process reading meanwhile."""
    store = _store(store_setting)
    n = 12
    procs = {
        "w1": _spawn(store_setting, "writer", "w1", n),
        "w2": _spawn(store_setting, "writer", "w2", n),
        "r": _spawn(store_setting, "reader", "r", 40),
    }
    seen_here = []
    while any(p.poll() is None for p in procs.values()):
        seen_here.append(
            store.read(lambda con: con.execute("SELECT count(*) FROM records").fetchone()[0])
        )
        time.sleep(0.1)
    outputs = {k: p.communicate(timeout=60) for k, p in procs.items()}
    for name, (_out, err) in outputs.items():
        assert procs[name].returncode == 0, f"{name} failed:\n{err[-2000:]}"
        assert "Traceback" not in err, f"{name} printed a traceback:\n{err[-2000:]}"
    # Every committed batch is there, whole, once; ids never collided.
    batches = _batches(store)
    assert batches == {(w, str(b)): BATCH for w in ("w1", "w2") for b in range(n)}
    assert store.read(duplicate_keys) == {}
    # Readers saw the writers' commits as they happened, never a partial batch.
    seen_reader = [
        int(line.split()[1]) for line in outputs["r"][0].splitlines() if line.startswith("seen ")
    ]
    assert len(seen_reader) == 40
    seen = seen_here + seen_reader
    assert all(count % BATCH == 0 for count in seen), "a reader saw a half-written batch"
    assert seen_reader == sorted(seen_reader), "a later read saw fewer rows than an earlier one"
    assert len(set(seen)) >= 3, "reads ran while the writers wrote and saw their commits"
    store.close()


def test_kill_9_mid_transaction_leaves_nothing(store_setting):
    store = _store(store_setting)
    store.write(lambda con: write_batch(con, "before", 0))
    v0 = store.version()
    holder = _spawn(store_setting, "hold", "killed", 20000)
    line = holder.stdout.readline()
    assert "inserted, not committed" in line, holder.stderr.read()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert _batches(store) == {("before", "0"): BATCH}
    assert store.version() == v0
    # The store still takes writes after the crash.
    store.write(lambda con: write_batch(con, "after", 0))
    assert _batches(store) == {("before", "0"): BATCH, ("after", "0"): BATCH}
    store.close()


def test_kill_9_of_a_busy_writer_leaves_whole_batches(store_setting):
    """kill -9 at an arbitrary moment of a stream of commits: every batch is whole or absent."""
    store = _store(store_setting)
    writer = _spawn(store_setting, "writer", "k", 1000)
    for _ in range(3):  # let it commit a few batches, then kill it wherever it is
        assert writer.stdout.readline().startswith("committed")
    time.sleep(0.37)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    batches = _batches(store)
    assert len(batches) >= 3
    assert set(batches.values()) == {BATCH}
    assert store.read(duplicate_keys) == {}
    store.write(lambda con: write_batch(con, "after", 0))
    assert _batches(store)[("after", "0")] == BATCH
    store.close()


def test_catalog_server_going_away_is_a_clear_error_and_recovers(pg_server, tmp_path):
    db = "lake_outage"
    pg_server.create_database(db)
    setting = f"postgresql://{pg_server.user}@127.0.0.1:{pg_server.port}/{db}?data_path={tmp_path}"
    messages: list[str] = []
    store = Store(store_config(setting), notify=messages.append, unavailable_wait_s=1.5)
    store.init_schema()
    store.write(lambda con: write_batch(con, "before", 0))
    pg_server.stop("fast")
    try:
        with pytest.raises(
            StoreUnavailable,
            match=r"cannot reach the team store 127\.0\.0\.1:\d+/lake_outage \(connection refused\)",
        ):
            store.read(lambda con: con.execute("SELECT count(*) FROM records").fetchone())
        with pytest.raises(StoreUnavailable, match="Nothing was written"):
            store.write(lambda con: write_batch(con, "during", 0))
        assert any("retrying" in m for m in messages)
    finally:
        pg_server.start()
    # Same Store object, same process: it works again once the server is back.
    assert _batches(store) == {("before", "0"): BATCH}
    store.write(lambda con: write_batch(con, "after", 0))
    assert set(_batches(store)) == {("before", "0"), ("after", "0")}
    assert ID_COUNTERS  # the counters survived the outage with the catalog
    store.close()


def test_publish_swaps_built_tables_atomically_and_keeps_user_tables(store_setting, tmp_path):
    """The rebuild swap: readers see the old or the new records, never a mix; user rows stay."""
    store = _store(store_setting)
    store.write(lambda con: [write_batch(con, "old", b) for b in range(2)])
    store.write(
        lambda con: con.execute(
            "INSERT INTO uploads (source, row_index, raw) VALUES ('mine', 1, '{}')"
        )
    )
    built = tmp_path / "built.duckdb"
    file_con = duckdb.connect(str(built))
    file_con.execute(SCHEMA_SQL.read_text())
    file_con.execute(
        "INSERT INTO records (record_id, record_key, source, source_row, material_raw, property, "
        "value_raw, value, unit, method_tag, measurement_id) SELECT i + 1, 'new/' || i, 'new', "
        "i :: TEXT, 'Li3PS4', "
        "'sigma', '1e-4', 1e-4, 'S/cm', 'eis', 'new/' || i FROM range(1000) t(i)"
    )
    file_con.close()

    # The reader is another process, as an app replica is: the product opens one lake handle
    # per process (`db.connection.lake_store`); two in one process on a SQLite catalog share
    # its file locks and have failed with "disk I/O error" and a lost commit.
    reader = _spawn(store_setting, "reader", "r", 100_000)
    first_read = reader.stdout.readline()
    assert first_read.startswith("seen "), "the reader reads before the publish"
    try:
        counts = store.publish(built, tables=["records"])
        time.sleep(0.3)
    finally:
        reader.kill()
        out, _ = reader.communicate(timeout=60)
    seen = [
        int(line.split()[1])
        for line in [first_read, *out.splitlines()]
        if line.startswith("seen ")
    ]
    assert counts == {"records": 1000}
    assert store.read(
        lambda con: con.execute("SELECT count(*) FROM records").fetchone()[0]
    ) == 1000, "the publish is kept: the publisher itself reads the new records afterwards"
    assert set(seen) <= {2 * BATCH, 1000} and seen, seen
    assert store.read(
        lambda con: con.execute("SELECT source, row_index FROM uploads").fetchall()
    ) == [("mine", 1)], "a table not published keeps its rows (user tables survive a rebuild)"
    first = store.write(lambda con: allocate_ids(con, "record_id_seq", 1))
    top = store.read(lambda con: con.execute("SELECT max(record_id) FROM records").fetchone()[0])
    assert first > top, "ids allocated after a publish never reuse the built ids"
    store.close()


def test_an_open_app_session_does_not_block_a_cli_write(store_setting):
    """The issue's first symptom: the app holds the store while the CLI writes."""
    store = _store(store_setting)
    store.write(lambda con: write_batch(con, "before", 0))
    held = store.connect()  # an app page in the middle of rendering
    held.execute("BEGIN TRANSACTION")
    assert held.execute("SELECT count(*) FROM records").fetchone()[0] == BATCH
    cli = _spawn(store_setting, "writer", "cli", 2)
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0 and "Traceback" not in err, err[-2000:]
    # The open session keeps its snapshot; the next one sees the CLI's commits at once.
    assert held.execute("SELECT count(*) FROM records").fetchone()[0] == BATCH
    held.execute("COMMIT")
    held.close()
    assert (
        store.read(lambda con: con.execute("SELECT count(*) FROM records").fetchone()[0])
        == 3 * BATCH
    )
    store.close()


def test_concurrent_upserts_of_one_key_leave_one_row(store_setting):
    """Two processes upserting the same new flag keys at the same moment: each key once."""
    store = _store(store_setting)
    rounds = 8
    procs = [
        _spawn(store_setting, "flagger", name, rounds, stdin=subprocess.PIPE)
        for name in ("f1", "f2")
    ]
    for proc in procs:  # both have the store open: start them together
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-2000:]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
    n = store.read(lambda con: con.execute("SELECT count(*) FROM flags").fetchone()[0])
    assert store.read(duplicate_keys) == {}
    assert n == rounds * FLAG_KEYS
    store.close()


def test_a_lost_race_is_retried_with_a_message(store_setting):
    """A writer whose commit loses to another is rolled back and run again, saying so."""
    messages: list[str] = []
    store = Store(store_config(store_setting), notify=messages.append)
    store.init_schema()
    other = Store(store_config(store_setting), notify=lambda m: None)
    attempts = []

    def slow(con):
        first = allocate_ids(con, "record_id_seq", 5)
        attempts.append(first)
        if len(attempts) == 1:  # meanwhile another process commits an allocation
            other.write(lambda c: allocate_ids(c, "record_id_seq", 5))
        return first

    first = store.write(slow)
    assert len(attempts) == 2 and attempts[0] == 1 and first == 6
    assert any(m.startswith("store busy") and "retrying (1/" in m for m in messages), messages
    other.close()
    store.close()

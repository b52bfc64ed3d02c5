"""Several real processes on one store: the CLI waits for a held store file, says so, and
either succeeds or stops with a readable line; a killed writer leaves nothing half-written.

The waits are about the DuckDB file's lock (one writer or many readers), which a team store
does not have (its readers never wait; its writers race and the loser writes nothing): those
tests run on the file only. The kill -9 of a writer mid-transaction runs in both modes (the
team store's own lower-level kill -9 is in tests/db/test_team_store.py).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from db.config import REPO_ROOT
from db.connection import reading
from tests.sharing import cli, hold, lab_csv, source_counts

STORE_MODES = ("embedded", "team")

WAITING = "store busy: another process is"
HELD_S = 12


@pytest.mark.store_modes("embedded")
def test_readers_run_while_another_process_reads(store_copy):
    # The app's per-run reader is a read-only connection: the CLI's readers run beside it.
    holder = hold(store_copy, "read", 30)
    try:
        stats = cli("stats", "--json", "--path", str(store_copy))
        cohorts = cli("cohorts", "--json", "--path", str(store_copy))
    finally:
        holder.kill()
        holder.wait()
    assert stats.returncode == 0, stats.stderr
    assert cohorts.returncode == 0, cohorts.stderr
    assert WAITING not in stats.stderr + cohorts.stderr
    assert json.loads(stats.stdout)["records"]["total"] > 2000
    assert json.loads(cohorts.stdout)["cohorts"]


@pytest.mark.store_modes("embedded")
def test_an_ingest_waits_for_a_writer_then_succeeds(store_copy, tmp_path):
    csv = lab_csv(tmp_path / "lab.csv", "10.1000/share.wait")
    # Held longer than the CLI takes to start (its imports take seconds on a busy machine).
    holder = hold(store_copy, "write", HELD_S)
    started = time.monotonic()
    result = cli("ingest", str(csv), "--source", "waited", "--path", str(store_copy))
    took = time.monotonic() - started
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert WAITING in result.stderr and "retrying (" in result.stderr
    assert "Traceback" not in result.stderr
    assert took >= HELD_S - 0.5  # it really waited for the holder
    assert json.loads(result.stdout)["committed"] == 2
    counts = source_counts(store_copy, "waited")
    assert counts["records"] == 2 and counts["quarantine"] == 1 and counts["uploads"] == 3


@pytest.mark.store_modes("embedded")
def test_readers_wait_for_a_writer_too(store_copy):
    holder = hold(store_copy, "write", HELD_S)
    result = cli("stats", "--json", "--path", str(store_copy))
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert "store busy: another process is writing; retrying (1/" in result.stderr
    assert json.loads(result.stdout)["records"]["total"] > 2000


@pytest.mark.store_modes("embedded")
def test_an_ingest_that_waits_too_long_stops_with_a_readable_line(store_copy, tmp_path):
    csv = lab_csv(tmp_path / "lab.csv", "10.1000/share.gaveup")
    holder = hold(store_copy, "write", 60)
    try:
        result = cli(
            "ingest",
            str(csv),
            "--source",
            "gave-up",
            "--path",
            str(store_copy),
            env={"SSE_AUDIT_LOCK_ATTEMPTS": "4"},
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 75, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("sse-audit: store busy: another process held") and "try again" in last
    assert source_counts(store_copy, "gave-up")["uploads"] == 0


KILLED_WRITER = """
import sys, time
from db.connection import writing
from db.loaders.template import load_template_rows, read_table, user_source_spec
from db.write import write_source, write_uploads
from pipeline.names import RULES
rows = read_table(sys.argv[2])
result = load_template_rows(user_source_spec("killed"), rows, RULES)
with writing(sys.argv[1]) as con:
    write_source(con, result)
    write_uploads(con, "killed", rows)
    n = con.execute("SELECT count(*) FROM records WHERE source = 'killed'").fetchone()[0]
    print(f"inside {n}", flush=True)
    time.sleep(60)
"""


def test_kill_9_of_a_writer_mid_transaction_leaves_nothing_half_written(store_copy, tmp_path):
    with reading(store_copy, on_wait=None) as con:
        before = con.execute("SELECT count(*) FROM records").fetchone()[0]
    csv = lab_csv(tmp_path / "lab.csv", "10.1000/share.killed", good=40)
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(store_copy), str(csv)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "inside 40"  # rows written, not committed
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    stats = cli("stats", "--json", "--path", str(store_copy))
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["records"]["total"] == before
    counts = source_counts(store_copy, "killed")
    assert counts == {
        "records": 0,
        "distinct_keys": 0,
        "quarantine": 0,
        "uploads": 0,
        "sources_row": None,
    }
    # And it takes writes again: the same rows, now committed once.
    again = cli("ingest", str(csv), "--source", "killed", "--path", str(store_copy))
    assert again.returncode == 0, again.stderr
    assert source_counts(store_copy, "killed")["records"] == 40

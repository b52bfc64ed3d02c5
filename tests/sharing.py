"""Helpers for the tests where several real processes share one store (a file or a team store)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from db.config import REPO_ROOT
from db.connection import reading

HEADER = "material,property,value,unit,temperature,temperature_unit,method,doi,reference,notes\n"


def lab_csv(path: Path, doi: str, good: int = 2, bad: int = 1) -> Path:
    """A template CSV with `good` committable rows and `bad` rows for quarantine."""
    lines = [HEADER]
    for i in range(good):
        lines.append(f"Li6PS5Cl,sigma,{2.0 + i / 10},mS/cm,25,C,EIS,{doi},,row {i}\n")
    for i in range(bad):
        lines.append(f"Li6PS5Cl,sigma,not-a-number-{i},mS/cm,25,C,EIS,{doi},,\n")
    path.write_text("".join(lines))
    return path


def cli(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m sse_audit ARGS` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "sse_audit", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def cli_popen(*args: str, env: dict | None = None) -> subprocess.Popen:
    """`python -m sse_audit ARGS`, started and left running."""
    return subprocess.Popen(
        [sys.executable, "-m", "sse_audit", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("held", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""


def hold(path: Path, mode: str, seconds: float) -> subprocess.Popen:
    """Another process holding the store file (`mode` read or write) for `seconds`, once it
    says so. File only: a team store has no lock to hold (readers never wait, writers race)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def source_counts(path: Path | str, name: str) -> dict:
    """Records, quarantined rows, uploads and the sources row of one source (read-only), in a
    store file or a team store."""
    with reading(path, on_wait=None) as con:
        one = lambda sql: con.execute(sql, [name]).fetchone()[0]  # noqa: E731
        row = con.execute(
            "SELECT rows_in, loaded, quarantined FROM sources WHERE name = ?", [name]
        ).fetchone()
        return {
            "records": one("SELECT count(*) FROM records WHERE source = ?"),
            "distinct_keys": one("SELECT count(DISTINCT record_key) FROM records WHERE source = ?"),
            "quarantine": one("SELECT count(*) FROM quarantine WHERE source = ?"),
            "uploads": one("SELECT count(*) FROM uploads WHERE source = ?"),
            "sources_row": row,
        }


def wait_for(predicate, timeout: float, every: float = 0.25) -> float | None:
    """Seconds until `predicate()` held, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    return None

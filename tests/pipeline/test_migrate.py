"""Migrating a store the installed DuckDB cannot read: a readable refusal, then export and rebuild.

The real duckdb 2.0.1 export is checked by hand (it needs the package registry); here the
export runs in another process with the installed duckdb, through the same command, and the
build imports it.

Embedded only, by nature: the migration carries a DuckDB *file* written by duckdb 2.0.1 into
one 1.5.5 reads. A team store has no such file (its data is Parquet, its catalog PostgreSQL);
moving a store into a team store is the publish of a build (tests/db/test_team_store.py).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from auditor.extract.run import extract_text
from db.carryover import EXPORTED_TABLES, IMPORTED_MANIFEST, migration_dir, pending_migration
from db.config import REPO_ROOT
from db.connection import StoreVersionError, connect, writing
from db.decisions import record_decisions, set_override
from db.flags import review_flag
from db.llm_cache import cache_put
from pipeline.extraction import ReviewedCandidate, commit_extraction
from pipeline.ingest import ingest_file
from pipeline.migrate import MigrationError, migrate_store
from tests.sharing import cli, lab_csv, source_counts

PAPER = (
    "CI-NEB calculations give a migration barrier of 0.21 eV for Li3YCl6. Impedance "
    "spectroscopy of the sample gave 2.3 mS/cm at 25 °C."
)


def _seed_carried(store: Path, tmp_path: Path) -> None:
    """One of everything people and the LLM write: an upload, a review, an override, an LLM
    answer and its decision, an extraction."""
    ingest_file(lab_csv(tmp_path / "lab.csv", "10.1000/migrate"), "lab-migrate", path=store)
    run = extract_text(PAPER, file="paper.txt")
    items = [ReviewedCandidate(c, "accepted", "ana") for c in run.accepted]
    assert items
    commit_extraction(items, source="paper-migrate", document=run.text, path=store)
    with writing(store) as con:
        record_key, rule = con.execute(
            "SELECT record_key, rule FROM flags WHERE active ORDER BY ALL LIMIT 1"
        ).fetchone()
        assert review_flag(con, record_key, rule, status="dismissed", note="m", reviewer="ana")
        set_override(con, "family", "migrate-family", {"family": "garnet"}, reviewer="ana")
        cache_put(con, "entity", "LLZO-migrate", "gemma", "p1", {"formula": "Li7La3Zr2O12"})
        record_decisions(
            con,
            [
                {
                    "kind": "entity",
                    "input": "LLZO-migrate",
                    "output": '{"formula": "Li7La3Zr2O12"}',
                    "backend": "llm:gemma",
                    "status": "accepted",
                    "confidence": 0.9,
                    "reason": "seeded",
                    "prompt_version": "p1",
                }
            ],
            replace=False,
        )


def carried_rows(store: Path) -> dict[str, list[tuple]]:
    """What people wrote, table by table, as sorted rows (flags: the reviewed ones)."""
    queries = {
        table: f"SELECT * FROM {table}"  # noqa: S608
        for table in EXPORTED_TABLES
        if table not in ("flags", "normalization_decisions")
    }
    queries["flags"] = (
        "SELECT record_key, rule, status, note, reviewer, reviewed_at FROM flags "
        "WHERE reviewed_at IS NOT NULL"
    )
    queries["normalization_decisions"] = (
        "SELECT kind, input, output, backend, status, confidence, reason, prompt_version, "
        "created_at FROM normalization_decisions WHERE backend <> 'rules'"
    )
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {t: sorted(con.execute(q).fetchall(), key=repr) for t, q in queries.items()}
    finally:
        con.close()


def declare_newer_storage(path: Path, version: int = 65535) -> None:
    """Make a real store file declare a storage version newer than this DuckDB reads.

    The header's version number (after the 8-byte checksum and `DUCK`) is rewritten and the
    checksum patched to match (DuckDB's block checksum XORs one hash per 8-byte word), so the
    installed DuckDB refuses it exactly as it refuses a file written by duckdb 2.0.1.
    """
    mult, mask = 0xBF58476D1CE4E5B9, (1 << 64) - 1
    with path.open("r+b") as f:
        head = f.read(16)
        stored, word = struct.unpack("<QQ", head)
        assert head[8:12] == b"DUCK"
        new_word = struct.unpack("<Q", b"DUCK" + struct.pack("<I", version))[0]
        checksum = stored ^ ((word * mult) & mask) ^ ((new_word * mult) & mask)
        f.seek(0)
        f.write(struct.pack("<QQ", checksum, new_word))


def test_export_then_build_brings_every_carried_row_once(store_copy, tmp_path):
    _seed_carried(store_copy, tmp_path)
    before = carried_rows(store_copy)
    extracted = source_counts(store_copy, "paper-migrate")
    assert extracted["records"] > 0
    assert all(before.values()), {t: len(r) for t, r in before.items()}
    exported = {t: len(r) for t, r in before.items()}
    con = duckdb.connect(str(store_copy), read_only=True)
    exported["flags"] = con.execute("SELECT count(*) FROM flags").fetchone()[0]  # all carried
    con.close()

    # The same steps as for a 2.0.1 store, with the installed duckdb doing the export.
    result = migrate_store(
        store_copy, python=sys.executable, force=True, progress=lambda f, m: None
    )

    folder = migration_dir(store_copy)
    assert result["migrated"] is True
    assert result["exported"]["tables"] == exported
    assert carried_rows(store_copy) == before  # every carried row, once
    assert result["carried_over"]["uploads"] == len(before["uploads"])
    # The uploaded rows were replayed into records: rows_in = loaded + quarantined.
    assert source_counts(store_copy, "lab-migrate")["sources_row"] == (3, 2, 1)
    # The extraction was replayed into the same records.
    assert source_counts(store_copy, "paper-migrate") == extracted
    # The old file is kept beside the export, and the export is not imported a second time.
    assert (folder / f"{store_copy.name}.pre-migration").is_file()
    assert pending_migration(store_copy) is None and (folder / IMPORTED_MANIFEST).is_file()


def test_a_store_written_by_a_newer_duckdb_is_refused_with_the_command_to_run(store_copy):
    declare_newer_storage(store_copy)
    original = store_copy.read_bytes()
    with pytest.raises(StoreVersionError, match="sse-audit migrate-store"):
        connect(store_copy, read_only=True, on_wait=None)
    for command in ("stats", "build"):
        done = cli(command, "--path", str(store_copy))
        assert done.returncode == 3, done.stderr
        assert "migrate-store" in done.stderr and "Traceback" not in done.stderr
    # The build refused before touching anything: the file and no export.
    assert store_copy.read_bytes() == original
    assert not migration_dir(store_copy).exists()


def test_the_apps_first_start_on_such_a_store_says_what_to_run(store_copy, monkeypatch):
    declare_newer_storage(store_copy)
    monkeypatch.setenv("SSE_AUDIT_DB", str(store_copy))
    monkeypatch.setenv("SSE_AUDIT_REFRESH_SECONDS", "0")
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    [error] = at.error
    assert f"sse-audit migrate-store {store_copy}" in error.value


def test_a_readable_store_is_left_alone(store_copy):
    result = migrate_store(store_copy, progress=lambda f, m: None)
    assert result["migrated"] is False
    assert not migration_dir(store_copy).exists()


def test_a_failed_export_leaves_the_store_where_it_was(store_copy, tmp_path):
    declare_newer_storage(store_copy)
    original = store_copy.read_bytes()
    with pytest.raises(MigrationError, match="exporting the carried tables"):
        migrate_store(store_copy, python=str(tmp_path / "no-python"), progress=lambda f, m: None)
    assert store_copy.read_bytes() == original
    assert pending_migration(store_copy) is None

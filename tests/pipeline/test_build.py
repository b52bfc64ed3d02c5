"""The whole build on the real sources: accounting, links, atomic rebuild."""

from __future__ import annotations

import duckdb
import pytest

import pipeline.build
from db.accounting import store_stats
from db.connection import connect
from pipeline.build import build_store

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def test_every_source_is_accounted_for_row_by_row(store_con):
    stats = store_stats(store_con)
    names = {s["name"] for s in stats["sources"]}
    assert {"obelix", "liverpool", "laskowski", "ionnet", "devi2025", "literature"} <= names
    for source in stats["sources"]:
        assert source["rows_in"] == source["loaded"] + source["quarantined"], source
    quarantined = store_con.execute(
        "SELECT count(DISTINCT (source, source_row)) FROM quarantine"
    ).fetchone()[0]
    assert quarantined == sum(s["quarantined"] for s in stats["sources"])
    by_property = stats["records"]["by_property"]
    assert by_property["sigma"] > 2000 and by_property["Ea"] > 500
    assert {"EXP", "AIMD"} <= set(stats["records"]["by_method"])


def test_quarantine_keeps_the_raw_row_and_a_reason(store_con):
    rows = store_con.execute("SELECT source, raw, reason FROM quarantine").fetchall()
    assert rows and all(raw and reason for _, raw, reason in rows)


def test_obelix_copy_of_a_liverpool_row_counts_once(store_con):
    # OBELiX `Liion ID` is the Liverpool row index; matched copies share one measurement.
    pairs = store_con.execute(
        """
        SELECT a.measurement_id = b.measurement_id, a.is_primary, b.is_primary
        FROM links l
        JOIN records a ON a.source = l.source_a AND a.source_row = l.row_a AND a.property = 'sigma'
        JOIN records b ON b.source = l.source_b AND b.source_row = l.row_b AND b.property = 'sigma'
        WHERE l.link_type = 'liion_id' AND l.matched
        """
    ).fetchall()
    assert len(pairs) > 100
    assert all(same and a_primary and not b_primary for same, a_primary, b_primary in pairs)
    dup = store_con.execute(
        "SELECT count(*) FROM (SELECT measurement_id FROM records WHERE is_primary "
        "GROUP BY measurement_id HAVING count(*) > 1)"
    ).fetchone()[0]
    assert dup == 0


def test_ionnet_rows_link_to_liverpool(store_con):
    n_linked = store_con.execute(
        "SELECT count(*) FROM records WHERE source = 'ionnet' AND NOT is_primary"
    ).fetchone()[0]
    assert n_linked >= 300


def test_stated_links_that_disagree_are_kept_but_not_merged(store_con):
    row = store_con.execute("SELECT count(*), min(note) FROM links WHERE NOT matched").fetchone()
    assert row[0] > 0 and row[1].startswith("stated link")


def test_structures_from_cifs(store_con):
    n, partial = store_con.execute(
        "SELECT count(*), count(*) FILTER (WHERE li_partial) FROM structures"
    ).fetchone()
    assert n == 321 and 0 < partial < n
    density = store_con.execute(
        "SELECT density FROM structures WHERE obelix_id = '122'"
    ).fetchone()[0]
    assert 1.0 < density < 3.0  # Li6PS5Cl


def test_crashed_rebuild_leaves_the_old_store_intact(store_copy, store_mode, monkeypatch):
    before = connect(store_copy, read_only=True)
    n_before = before.execute("SELECT count(*) FROM records").fetchone()[0]
    before.close()

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash during the CIF step")

    monkeypatch.setattr(pipeline.build, "structure_rows", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_store(store_copy, progress=lambda f, m: None)
    after = connect(store_copy, read_only=True)
    assert after.execute("SELECT count(*) FROM records").fetchone()[0] == n_before
    after.close()
    if store_mode == "embedded":
        leftovers = [p for p in store_copy.parent.iterdir() if "building" in p.name]
        assert leftovers == []


def test_stats_cli_prints_one_json_object(built_store):
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "sse_audit", "stats", "--json", "--path", str(built_store)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stats = json.loads(out)
    assert all(s["rows_in"] == s["loaded"] + s["quarantined"] for s in stats["sources"])
    assert stats["records"]["by_property"] and stats["records"]["by_method"]


def test_build_without_the_external_source_notes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SSE_AUDIT_EXTERNAL_DATA", str(tmp_path / "nothing-here"))
    summary = build_store(tmp_path / "store.duckdb", progress=lambda f, m: None)
    devi = next(s for s in summary["sources"] if s["name"] == "devi2025")
    assert devi["rows_in"] == 0 and "SSE_AUDIT_EXTERNAL_DATA" in devi["note"]
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    assert con.execute("SELECT available FROM sources WHERE name = 'devi2025'").fetchone() == (
        False,
    )
    assert con.execute("SELECT count(*) FROM records WHERE source = 'obelix'").fetchone()[0] == 599
    con.close()


def test_a_reviewers_override_wins_after_a_rebuild(store_copy):
    from db import decisions

    con = connect(store_copy)
    name = con.execute(
        "SELECT material_raw FROM records WHERE source = 'obelix' LIMIT 1"
    ).fetchone()[0]
    decisions.set_override(
        con, "entity", name, {"family": "glass", "carrier_ion": "Na"}, reviewer="t"
    )
    con.close()
    build_store(store_copy, progress=lambda f, m: None)
    con = connect(store_copy, read_only=True)
    got = con.execute(
        "SELECT DISTINCT family, carrier_ion FROM records WHERE material_raw = ?", [name]
    ).fetchall()
    con.close()
    assert got == [("glass", "Na")]

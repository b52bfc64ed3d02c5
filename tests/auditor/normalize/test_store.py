"""The normalizer's pass over the real built store: families, ions, method tags, decisions."""

from __future__ import annotations

import json

import pytest

from auditor.normalize.apply import normalize_store
from core.vocab import FAMILIES, METHOD_TAGS
from db import decisions
from db.connection import connect

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def test_built_store_records_have_vocabulary_families_and_ions(store_con):
    fams = dict(store_con.execute("SELECT family, count(*) FROM records GROUP BY 1").fetchall())
    total = sum(fams.values())
    assert set(fams) - {None} <= set(FAMILIES)
    assert fams.get(None, 0) / total < 0.01
    no_ion = store_con.execute("SELECT count(*) FROM records WHERE carrier_ion IS NULL").fetchone()[
        0
    ]
    assert no_ion / total < 0.01
    tags = {t for (t,) in store_con.execute("SELECT DISTINCT method_tag FROM records").fetchall()}
    assert tags <= set(METHOD_TAGS)


def test_keyed_records_left_without_family_are_flagged_for_review(store_con):
    # The normalizer leaves composition_key alone; where it refuses a name the key accepted
    # (a typo such as P05, a PDF-mangled `Li OCl 3`), the decision says so as unresolved.
    odd = store_con.execute(
        """
        SELECT DISTINCT r.material_raw FROM records r
        WHERE r.composition_key IS NOT NULL AND r.family IS NULL
          AND NOT EXISTS (SELECT 1 FROM normalization_decisions d
                          WHERE d.kind = 'entity' AND d.input = r.material_raw
                            AND d.status = 'unresolved')
        """
    ).fetchall()
    assert odd == []


def test_literature_other_with_a_named_method_is_refined(store_con):
    rows = store_con.execute(
        "SELECT method_tag FROM records WHERE source = 'literature' AND method_raw ILIKE 'kinetic Monte Carlo%'"
    ).fetchall()
    assert rows and {r[0] for r in rows} == {"KMC"}
    # experimental rows are never re-tagged by text
    assert (
        store_con.execute(
            "SELECT count(*) FROM records WHERE source IN ('obelix', 'liverpool') AND method_tag <> 'EXP'"
        ).fetchone()[0]
        == 0
    )


def test_every_distinct_name_has_a_logged_decision(store_con):
    names = store_con.execute("SELECT count(DISTINCT material_raw) FROM records").fetchone()[0]
    logged = store_con.execute(
        "SELECT count(DISTINCT input) FROM normalization_decisions WHERE kind = 'entity'"
    ).fetchone()[0]
    assert logged == names
    statuses = {
        s
        for (s,) in store_con.execute(
            "SELECT DISTINCT status FROM normalization_decisions"
        ).fetchall()
    }
    assert statuses <= {"accepted", "rejected", "unresolved", "override"}


@pytest.fixture
def con(store_copy):
    c = connect(store_copy, on_wait=None)
    yield c
    c.close()


def test_overrides_win_over_rules_and_rerun_is_idempotent(con):
    name = con.execute(
        "SELECT material_raw FROM records WHERE source = 'obelix' LIMIT 1"
    ).fetchone()[0]
    decisions.set_override(
        con, "entity", name, {"family": "glass", "carrier_ion": "Na"}, reviewer="test"
    )
    text = con.execute(
        "SELECT method_raw FROM records WHERE source = 'literature' AND method_tag = 'AIMD' LIMIT 1"
    ).fetchone()[0]
    decisions.set_override(con, "method", text, {"method": "MLMD"}, reviewer="test")
    before = con.execute("SELECT count(*) FROM normalization_decisions").fetchone()[0]
    summary = normalize_store(con)
    assert summary["seconds"] < 10
    fams = {
        f
        for (f,) in con.execute(
            "SELECT DISTINCT family FROM records WHERE material_raw = ?", [name]
        ).fetchall()
    }
    ions = {
        i
        for (i,) in con.execute(
            "SELECT DISTINCT carrier_ion FROM records WHERE material_raw = ?", [name]
        ).fetchall()
    }
    assert (fams, ions) == ({"glass"}, {"Na"})
    tags = {
        t
        for (t,) in con.execute(
            "SELECT DISTINCT method_tag FROM records WHERE method_raw = ?", [text]
        ).fetchall()
    }
    assert tags == {"MLMD"}
    logged = decisions.list_decisions(con, backend="manual", kind="entity")
    assert name in set(logged["input"])
    # a second pass replaces its own decisions rather than piling up copies
    first = con.execute("SELECT count(*) FROM normalization_decisions").fetchone()[0]
    normalize_store(con)
    after = con.execute("SELECT count(*) FROM normalization_decisions").fetchone()[0]
    assert after == first
    assert after <= before + 5


def test_decision_filters(con):
    low = decisions.list_decisions(con, max_confidence=0.5, kind="entity")
    assert (low["confidence"].fillna(0) <= 0.5).all()
    rules = decisions.list_decisions(con, backend="rules", limit=10)
    assert len(rules) == 10 and set(rules["backend"]) == {"rules"}
    unresolved = decisions.list_decisions(con, status="unresolved")
    assert all(
        json.loads(o)["formula"] is None for o in unresolved.query("kind == 'entity'")["output"]
    )


def test_other_means_no_one_said_for_under_a_tenth_of_the_materials(store_con):
    keys, other = store_con.execute(
        """
        SELECT count(DISTINCT composition_key),
               count(DISTINCT composition_key) FILTER (WHERE family = 'other')
        FROM records WHERE composition_key IS NOT NULL
        """
    ).fetchone()
    assert other / keys < 0.10
    # the structure types sources name are kept, not folded into other (which of them the
    # store holds depends on whether the external Devi source is present)
    named = store_con.execute(
        "SELECT DISTINCT lower(family_raw), family FROM records WHERE lower(family_raw) IN "
        "('tavorite', 'weberite', 'orthosilicate', 'rocksalt', 'rutile', 'zircon')"
    ).fetchall()
    assert named and all(label == family for label, family in named)


def test_glass_ceramics_go_by_their_phase_and_a_reviewer_can_override(store_copy):
    con = connect(store_copy, on_wait=None)
    try:
        fams = {
            f
            for (f,) in con.execute(
                "SELECT DISTINCT family FROM records WHERE family_raw = 'Glass-Ceramic'"
            ).fetchall()
        }
        assert fams and "glass" not in fams
        decisions.set_override(con, "family", "Glass-Ceramic", {"family": "glass"}, reviewer="t")
        normalize_store(con)
        fams = {
            f
            for (f,) in con.execute(
                "SELECT DISTINCT family FROM records WHERE family_raw = 'Glass-Ceramic'"
            ).fetchall()
        }
        assert fams == {"glass"}
    finally:
        con.close()

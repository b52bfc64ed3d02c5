"""Method texts as readers write them (tests/data/normalize_methods.csv) against the rules.

Each row carries who labelled it and where the text came from: `before-rules` rows were written
before the issue-14 rules, `after-rules` rows were collected afterwards from the shared literature
table and public paper text (their URL is the label source), so they test rules that never saw them.
"""

from __future__ import annotations

import csv
from collections import Counter

from auditor.normalize.method import normalize_method
from core.vocab import METHOD_TAGS
from tests.paths import TEST_DATA

DATA = TEST_DATA / "normalize_methods.csv"


def _rows() -> list[dict]:
    with open(DATA, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_set_is_big_enough_and_partly_collected_after_the_rules():
    rows = _rows()
    assert len(rows) >= 150
    collected = Counter(r["collected"] for r in rows)
    assert collected["after-rules"] * 3 >= len(rows)
    assert all(r["label_source"].strip() for r in rows)
    assert {r["expected_method"] for r in rows} == set(METHOD_TAGS)


def test_method_tag_accuracy_is_at_least_98_percent():
    rows = _rows()
    misses = [
        (r["input"], normalize_method(r["input"]).method, r["expected_method"])
        for r in rows
        if normalize_method(r["input"]).method != r["expected_method"]
    ]
    assert 1 - len(misses) / len(rows) >= 0.98, misses


def test_the_distinctions_users_compare():
    pairs = {
        "cNEB": "CI-NEB",
        "NEB (PBE)": "NEB",
        "MACE MD": "MLMD",
        "MACE NEB": "MLIP-NEB",
        "well-tempered metadynamics": "MetaD",
        "umbrella sampling": "FREE-ENERGY",
        "gradient-boosted regression model": "ML",
        "kinetic Monte Carlo": "KMC",
        "band gap from DFT": "OTHER",  # "gap" here is no GAP potential
    }
    assert {t: normalize_method(t).method for t in pairs} == pairs

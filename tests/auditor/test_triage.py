"""Flag influence in SQL equals the pandas reference it replaced, on the real store (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditor.cohorts import load_records
from auditor.triage import cohort_values, flag_influence, prioritized_flags, replaced_medians
from db.connection import reading
from db.flags import list_flags
from tests.triage_reference import flag_influence_reference

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def _brute(diffs, old, new):
    out = []
    for o, v in zip(old, new, strict=True):
        rest = list(diffs)
        rest.remove(o)
        if not np.isnan(v):
            rest.append(v)
        out.append(np.median(rest) if rest else np.nan)
    return np.array(out)


def _labels(frame: pd.DataFrame) -> list:
    return [x if isinstance(x, str) else None for x in frame["moved_cohort"]]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 50])
def test_replaced_medians_equal_recomputing_each_median(n):
    rng = np.random.default_rng(n)
    diffs = np.round(rng.normal(size=n), 1)  # rounded: ties on purpose
    old = rng.choice(diffs, size=40)
    new = np.round(rng.normal(scale=2, size=40), 1)
    new[::3] = np.nan  # left out, not replaced
    got = replaced_medians(diffs, old, new)
    np.testing.assert_allclose(got, _brute(diffs, old, new), equal_nan=True, atol=1e-12)


@pytest.fixture(scope="module")
def every_flag(built_file):
    """The embedded file's flags and records: the reference of both modes' store answers."""
    with reading(built_file, on_wait=None) as con:
        return list_flags(con, include_inactive=True), load_records(con)


@pytest.fixture(scope="module")
def frame_answers(every_flag):
    """The pandas reference and the same SQL on the frame: pure CPU, computed once."""
    flags, records = every_flag
    return flag_influence_reference(records, flags), flag_influence(records, flags)


def test_sql_influence_equals_the_reference_on_the_real_store(store_con, every_flag, frame_answers):
    flags, _ = every_flag
    # this mode's store holds the file's flags, so the file's reference is its reference too
    pd.testing.assert_frame_equal(list_flags(store_con, include_inactive=True), flags)
    reference, on_frame = frame_answers
    for got in (flag_influence(store_con, flags), on_frame):  # the store's SQL; on a frame
        assert list(got["record_key"]) == list(flags["record_key"])
        assert (got["is_experimental"] == reference["is_experimental"]).all()
        assert _labels(got) == _labels(reference)
        assert np.allclose(got["bias_shift"], reference["bias_shift"], atol=1.01e-4)
    # Not a vacuous match: experimental flags and flags that move a cohort both occur.
    assert reference["is_experimental"].sum() > 0 and (reference["bias_shift"] > 0).sum() > 10


def test_prioritized_flags_put_experimental_and_large_shifts_first(store_con):
    flags = prioritized_flags(store_con, list_flags(store_con, status="open"))
    exp = flags["is_experimental"].to_numpy()
    assert exp[: exp.sum()].all()  # every experimental flag before any other
    rest = flags[~flags["is_experimental"]]["bias_shift"].to_numpy()
    assert (np.diff(rest) <= 0).all()


def test_cohort_values_of_a_flag_cohort_come_from_the_store(store_con, every_flag):
    flags, records = every_flag
    label = flags["cohort"].dropna().iloc[0]
    family, prop, method, variant = ([*label.split("/"), ""])[:4]
    values = cohort_values(store_con, label)
    want = records[(records["family"] == family) & (records["property"] == prop)
                   & (records["method"] == method) & (records["variant"] == variant)
                   & records["censored"].isna()]  # fmt: skip
    assert len(values) == len(want) > 0
    assert sorted(values["record_key"]) == sorted(want["record_key"])
    assert cohort_values(store_con, "not a cohort").empty

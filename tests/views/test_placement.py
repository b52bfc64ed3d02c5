"""'Where does this value sit?': a proposed value placed against the store, written nowhere."""

from __future__ import annotations

import pandas as pd
import pytest

from auditor.cohorts import load_records
from auditor.placement import PlacementError, percentile, place_value
from db.connection import connect
from tests.views.conftest import open_page, param

PAGE = "views/placement.py"
# The page in both modes; placing a value in a frame of records is pure CPU, tested once.
STORE_MODES = ("embedded", "team")


def _count_records(location) -> int:
    con = connect(location, read_only=True, on_wait=None)
    try:
        return con.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def records(built_file):
    # The same build as every mode's store; read once (the frame's tests run no store code).
    con = connect(built_file, read_only=True, on_wait=None)
    try:
        return load_records(con)
    finally:
        con.close()


def test_percentile_counts_ties_half():
    assert percentile([1.0, 2.0, 3.0, 4.0], 2.0) == 37.5
    assert percentile([], 1.0) is None


def test_a_high_garnet_ea_sits_at_the_top_and_trips_modified_z(records):
    placed = place_value(
        records,
        pd.DataFrame(),
        material="LLZO",
        property="Ea",
        value="0.9",
        unit="eV",
        method="EXP",
    )
    garnet_exp = records[
        (records["family"] == "garnet") & (records["property"] == "Ea")
        & (records["method"] == "EXP") & records["censored"].isna()
    ]  # fmt: skip
    assert placed.composition_key == "Li7La3Zr2O12" and placed.family == "garnet"
    assert placed.cohort_n == len(garnet_exp)
    assert placed.cohort_percentile == percentile(garnet_exp["value"], 0.9) > 90
    assert {r["rule"]: r["fires"] for r in placed.rules} == {"modified-z": True}
    assert len(placed.nearest) == 5 and "Li7La3Zr2O12" not in set(placed.nearest["composition_key"])


def test_units_convert_and_bad_input_is_refused_with_a_reason(records):
    a = place_value(records, pd.DataFrame(), material="Li3InCl6", property="sigma",
                    value="1.2", unit="mS/cm", method="EXP")  # fmt: skip
    assert a.value == pytest.approx(-2.9208, abs=1e-3)
    with pytest.raises(PlacementError, match="not a unit of"):
        place_value(records, pd.DataFrame(), material="LLZO", property="Ea", value="1",
                    unit="S/cm", method="EXP")  # fmt: skip
    with pytest.raises(PlacementError, match="not a formula"):
        place_value(records, pd.DataFrame(), material="no such stuff", property="Ea",
                    value="1", unit="eV", method="EXP")  # fmt: skip


def test_page_answers_from_the_url_and_a_changed_value_changes_the_answer(app_at, store_copy):
    before = _count_records(store_copy)
    at = open_page(app_at, PAGE, material="LLZO", property="Ea", value="0.9", unit="eV",
                   method="EXP")  # fmt: skip
    assert at.subheader[0].value.startswith("Li7La3Zr2O12 (garnet): Ea 0.9 eV")
    high = float(at.metric[0].value)
    assert at.dataframe[0].value.set_index("rule")["fires"]["modified-z"]
    at.text_input[2].input("0.3")  # the form's Value
    at.button[0].click().run()
    assert not at.exception
    assert param(at, "value") == "0.3"
    assert float(at.metric[0].value) < high
    assert not at.dataframe[0].value.set_index("rule")["fires"]["modified-z"]
    assert _count_records(store_copy) == before  # nothing written


def test_page_starts_from_an_existing_record(app_at, records):
    row = records[(records["method"] == "NEB") & records["censored"].isna()].iloc[0]
    at = open_page(app_at, PAGE, record=row["record_key"])
    assert at.subheader[0].value.startswith(f"{row['composition_key']} ({row['family']}): Em")
    assert at.metric[0].label == "percentile in cohort NEB"

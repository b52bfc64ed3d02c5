"""The reliability views read the store (stored cohort tables, SQL) and answer what the
frame of every cohort record answers, on the real store."""

from __future__ import annotations

import pandas as pd
import pytest

import tests.cohort_reference as reference
from auditor.cohorts import (
    ALL_FAMILIES,
    cohort_tables_current,
    experimental_reference,
    load_records,
    method_agreement,
    refresh_cohort_tables,
)
from auditor.placement import place_value, placement_records, resolve_material
from auditor.reliability import cell_pairs, evidence_gaps, reliability_cells
from auditor.temperature import sigma_t_series
from db.connection import connect, reading
from db.lookups import material_predictions
from db.temperature import sigma_series_points
from db.version import bump_store_version

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


@pytest.fixture(scope="module")
def records(built_file) -> pd.DataFrame:
    """Every cohort record of the embedded file: the frame each mode's store answers are held
    against (its answers are pure CPU, so the costly ones are computed once for both modes)."""
    with reading(built_file, on_wait=None) as con:
        return load_records(con)


@pytest.fixture(scope="module")
def frame_pairs(records) -> dict[str, pd.DataFrame]:
    """`cell_pairs` of the frame, per cell, filled on first use (both modes share it)."""
    return {}


def test_the_store_holds_the_records_of_the_file(store_con, records):
    # What makes the file's frame the reference of the team store's answers too.
    got = load_records(store_con).sort_values("record_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, records.sort_values("record_id").reset_index(drop=True))


@pytest.mark.parametrize("quantity", ["energy", "sigma"])
def test_evidence_gaps_in_sql_equal_the_pandas_reference(store_con, records, quantity):
    expected = reference.evidence_gaps(records, quantity)
    assert len(expected) > 100
    for got in (evidence_gaps(store_con, quantity), evidence_gaps(records, quantity)):
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
        )


@pytest.mark.parametrize("quantity", ["energy", "sigma"])
def test_cells_and_their_pairs_from_the_store_equal_those_from_the_records(
    store_con, records, frame_pairs, quantity
):
    cells = reliability_cells(store_con, quantity)
    pd.testing.assert_frame_equal(cells, reliability_cells(records, quantity))
    for cell in cells["cell"]:
        got = cell_pairs(store_con, cell)
        assert len(got) == cells.loc[cells["cell"] == cell, "n_pairs"].iloc[0]
        if cell not in frame_pairs:
            frame_pairs[cell] = cell_pairs(records, cell)
        pd.testing.assert_frame_equal(got, frame_pairs[cell])
    assert cell_pairs(store_con, "not a cell").empty


def test_experimental_medians_and_sigma_series_from_the_store(store_con, records):
    for prop in (None, "Ea", "sigma"):
        expected = experimental_reference(records, property=prop)
        got = experimental_reference(store_con, property=prop)
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True),
            expected.sort_values(["property", "composition_key"]).reset_index(drop=True),
            check_dtype=False,
        )
    points = sigma_series_points(store_con)
    pd.testing.assert_frame_equal(
        sigma_t_series(points, store_con), sigma_t_series(points, records)
    )


ASKS = [
    {"material": "LLZO", "property": "sigma", "value": "1e-4", "unit": "S/cm", "method": "EXP"},
    {"material": "Li6PS5Cl", "property": "Ea", "value": "0.3", "unit": "eV", "method": "EXP"},
    {"material": "Li3Zr2Si2PO12", "property": "Em", "value": "0.4", "unit": "eV", "method": "NEB"},
    {"material": "Li7La3Zr2O12", "property": "Em", "value": "0.2", "unit": "eV",
     "method": "MLIP-NEB", "variant": "mace-relax"},
    {"material": "Na3Zr2Si2PO12", "property": "Ea", "value": "0.35", "unit": "eV",
     "method": "DFT-MD"},
    {"material": "Li11Zn3P5O19", "property": "Ea", "value": "0.35", "unit": "eV", "method": "EXP"},
]  # fmt: skip


@pytest.mark.parametrize("ask", ASKS, ids=lambda a: f"{a['material']}-{a['property']}")
def test_a_placement_on_its_slice_equals_one_on_every_record(store_con, records, ask):
    key = resolve_material(ask["material"])
    piece = placement_records(store_con, key, ask["property"])
    assert len(piece) < len(records) / 4
    predictions = material_predictions(store_con, key)
    whole, sliced = place_value(records, predictions, **ask), place_value(piece, predictions, **ask)
    for name in ("composition_key", "family", "method_label", "value", "cohort_n",
                 "cohort_percentile", "family_n", "family_percentile", "model", "rules"):  # fmt: skip
        assert getattr(sliced, name) == getattr(whole, name), name
    pd.testing.assert_frame_equal(
        sliced.nearest.reset_index(drop=True), whole.nearest.reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(sliced.distribution, whole.distribution)


def test_the_stored_same_hop_agreement_equals_the_reference(store_con, records):
    assert cohort_tables_current(store_con)
    stored = method_agreement(store_con)
    assert stored == reference.method_agreement(records)
    if not stored:  # same-hop pairs come from the external Devi source (absent in CI)
        pytest.skip("the store holds no hop with two methods (no external Devi data)")
    assert stored[0]["family"] == ALL_FAMILIES
    assert [list(row) for row in stored] == [list(row) for row in method_agreement(records)]
    for family in ("NASICON", "garnet", "no such family"):
        rows = method_agreement(store_con, family=family)
        assert rows == method_agreement(records, family=family)
        assert {r["family"] for r in rows} <= {ALL_FAMILIES, family}


def test_the_stored_agreement_answers_only_while_current(store_copy):
    con = connect(store_copy, on_wait=None)
    live = method_agreement(load_records(con))
    if not live:  # same-hop pairs come from the external Devi source (absent in CI)
        con.close()
        pytest.skip("the store holds no hop with two methods (no external Devi data)")
    con.execute("UPDATE hop_agreement SET bias = bias + 1")
    assert method_agreement(con) != live  # the stored rows are what answered
    assert method_agreement(con, n_boot=500) == method_agreement(load_records(con), n_boot=500)
    bump_store_version(con, records=True)  # a records write: stale, computed again
    assert not cohort_tables_current(con)
    assert method_agreement(con) == live
    refresh_cohort_tables(con)
    assert cohort_tables_current(con) and method_agreement(con) == live
    con.close()

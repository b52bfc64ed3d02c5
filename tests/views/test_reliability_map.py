"""The method-reliability map and the evidence-gap list, in AppTest over the real store."""

from __future__ import annotations

import pandas as pd

from auditor.cohorts import MIN_PAIRS_FOR_CI, cohort_stats, load_records
from auditor.reliability import cell_pairs, evidence_gaps, reliability_cells
from db.connection import connect
from tests.views.conftest import open_page, param

COHORTS = "views/cohorts.py"
# The page in both modes (the map's expected cells are computed from the same store); the
# frame functions' own tests run once.
STORE_MODES = ("embedded", "team")


def _records(location) -> pd.DataFrame:
    con = connect(location, read_only=True, on_wait=None)
    try:
        return load_records(con)
    finally:
        con.close()


def test_map_cells_are_the_cohort_statistics_and_thin_cells_have_no_colour(built_file):
    # Frames in, frames out (pure CPU): once, on the build both modes hold.
    records = _records(built_file)
    cells = reliability_cells(records, "energy")
    stats = {
        (c["family"], c["property"], c["method_label"]): c
        for c in cohort_stats(records)
        if c["method"] != "EXP"
    }
    assert len(cells) > 10 and set(cells["property"]) <= {"Ea", "Em"}
    for row in cells.itertuples():
        c = stats[(row.family, row.property, row.method_label)]
        assert row.n_pairs == c["paired_materials"]
        if row.n_pairs < MIN_PAIRS_FOR_CI:
            assert row.thin and pd.isna(row.bias) and row.text == f"too thin ({row.n_pairs})"
        else:
            assert row.bias == c["bias_vs_exp"] and [row.ci_low, row.ci_high] == c["bias_ci95"]
    assert (~cells["thin"]).sum() >= 1, "the real store has at least one cell with 3+ pairs"


def test_map_is_first_and_a_quantity_filter_changes_the_cells(app_at):
    at = open_page(app_at, COHORTS)
    assert at.radio[0].label == "Quantity" and at.radio[0].value == "energy"
    energy = at.selectbox(key="map_cell").options
    at.radio(key="map_quantity").set_value("sigma").run()
    assert not at.exception
    sigma = at.selectbox(key="map_cell").options
    assert param(at, "quantity") == "sigma"
    assert len(sigma) < len(energy) and all("sigma" in o for o in sigma[1:])


def test_a_deep_linked_cell_opens_its_paired_rows_with_evidence_links(app_at, built_store):
    cells = reliability_cells(_records(built_store), "energy")
    cell = cells[~cells["thin"]].iloc[0]
    at = open_page(app_at, COHORTS, quantity="energy", cell=cell["cell"])
    expected = cell_pairs(_records(built_store), cell["cell"])
    assert at.subheader[0].value == f"{cell['family']} · {cell['column']}"
    rows = at.dataframe[0].value
    assert sorted(rows["composition_key"]) == sorted(expected["composition_key"])
    assert len(rows) == cell["n_pairs"]
    assert set(rows["evidence"]) == {f"/evidence?material={k}" for k in expected["composition_key"]}
    # Picking another cell in the box moves the URL with it.
    other = cells[cells["cell"] != cell["cell"]].iloc[0]["cell"]
    at.selectbox(key="map_cell").select(other).run()
    assert param(at, "cell") == other


def test_evidence_gaps_follow_the_stated_rule(built_file):
    # Frames in, frames out (pure CPU): once, on the build both modes hold.
    records = _records(built_file)
    gaps = evidence_gaps(records, "energy")
    assert list(gaps["rank"]) == list(range(1, len(gaps) + 1))
    assert gaps["n_pairs"].is_monotonic_increasing
    exp_ea = set(
        records.loc[(records["method"] == "EXP") & (records["property"] == "Ea"), "composition_key"]
    )
    need_exp = gaps[gaps["missing"] == "experimental"]
    assert len(need_exp) and not set(need_exp["composition_key"]) & exp_ea


def test_gap_family_filter_changes_the_list(app_at):
    at = open_page(app_at, COHORTS)
    total = int(at.caption[1].value.split()[0])
    family = at.multiselect(key="gap_families").options[0]
    at.multiselect(key="gap_families").select(family).run()
    shown = at.dataframe[0].value
    assert 0 < int(at.caption[1].value.split()[0]) < total
    assert set(shown["family"]) == {family}
    assert any(b.label == "Download the evidence-gap list (CSV)" for b in at.get("download_button"))

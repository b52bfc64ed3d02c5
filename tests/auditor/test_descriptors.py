"""The light-descriptor Ea screen: descriptors, CV groups, and one evaluation on the real store."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from pymatgen.core import Element

from auditor.descriptors import (
    composition_descriptors,
    composition_doi_groups,
    descriptor_frame,
    evaluate,
)
from db.ea_data import experimental_ea, structure_volumes

# The store tests run on the DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def test_composition_descriptors_follow_pymatgen_element_data():
    d = composition_descriptors("LiCl", "Li")
    assert d["electronegativity_mean"] == pytest.approx((Element("Li").X + Element("Cl").X) / 2)
    assert d["electronegativity_max"] == pytest.approx(Element("Cl").X)
    assert d["carrier_charge"] == 1 and d["carrier_fraction"] == pytest.approx(0.5)
    assert composition_descriptors("MgB2H8", "Mg")["carrier_charge"] == 2
    # A carrier the composition does not contain gives no carrier terms, not a guess.
    assert math.isnan(composition_descriptors("LiCl", "Na")["carrier_charge"])


def test_groups_keep_every_composition_and_doi_on_one_side():
    keys = pd.Series(["A", "B", "C", "A", "D"])
    dois = pd.Series(["d1", "d2", "d2", "d3", None])
    groups = composition_doi_groups(keys, dois)
    # A (d1, d3) alone; B and C share d2; D has no DOI.
    assert groups[0] == groups[3] != groups[1] == groups[2] != groups[4]
    assert len(set(groups)) == 3


def test_evaluation_on_the_real_store(store_con):
    ea, volumes = experimental_ea(store_con), structure_volumes(store_con)
    frame = descriptor_frame(ea, volumes)
    for column in ("composition_key",):
        assert (frame.groupby(column)["group"].nunique() == 1).all()
    with_doi = ea["doi"].notna()
    assert (frame[with_doi].groupby(ea.loc[with_doi, "doi"])["group"].nunique() == 1).all()
    result = evaluate(frame, n_splits=3, n_repeats=1)
    assert result["n_records"] == len(ea) > 0
    assert 0 < result["model_mae"] < 10 and 0 < result["baseline_mae"] < 10
    assert result["with_structure"] == int(frame["volume_per_atom"].notna().sum()) > 0


def test_keys_that_are_not_formulas_are_skipped_and_counted(store_con):
    # The scale benchmark's replicated keys (`Li3PS4~r1`) are not formulas: the frame leaves
    # those records out and says how many, instead of raising.
    ea, volumes = experimental_ea(store_con), structure_volumes(store_con)
    copies = ea.head(3).assign(composition_key=lambda f: f["composition_key"] + "~r1")
    frame = descriptor_frame(pd.concat([ea, copies], ignore_index=True), volumes)
    assert len(frame) == len(ea)
    assert frame.attrs["skipped_records"] == 3
    assert frame.attrs["skipped_keys"] == copies["composition_key"].nunique()
    assert not frame["composition_key"].str.contains("~").any()
    assert descriptor_frame(ea, volumes).attrs["skipped_records"] == 0

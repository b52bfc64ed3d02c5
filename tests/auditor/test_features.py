"""Features of the conductivity model: censored targets, composition, symmetry, lattice, CIF."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from auditor.features import (
    CENSORED_LOG10,
    CIF_SUMMARY_COLUMNS,
    FRACTION_ELEMENTS,
    OPTIONAL_BLOCKS,
    SITES_COLUMNS,
    baseline_columns,
    cell_volume,
    censored_target,
    chemistry_descriptors,
    composition_descriptors,
    crystal_system_index,
    feature_frame,
    space_group_number,
    summarize_sites,
)
from core.units import to_canonical
from db.config import BUNDLED_DATA
from db.model_inputs import obelix_split_rows

# The one store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")

CIF_DIR = BUNDLED_DATA / "obelix" / "cifs" / "all_randomized_cifs"


def test_censored_target_imputes_upper_bounds_only():
    # The store's reading of each reported string (core.units), then the model's target.
    raws = ["1.58489e-06", "<1E-10", "<1E-8", ">1E-3", "~2e-4"]
    parsed = [to_canonical("sigma", raw, "S/cm") for raw in raws]
    target = censored_target(
        pd.Series([p.log10_value for p in parsed]), pd.Series([p.censored for p in parsed])
    )
    assert target[0] == pytest.approx(math.log10(1.58489e-06))
    # Every upper bound gets the same imputed value, whatever the bound.
    assert target[1] == target[2] == CENSORED_LOG10
    assert math.isnan(target[3])  # a lower bound has no imputation rule: no target
    assert target[4] == pytest.approx(math.log10(2e-4))


def test_composition_descriptors_fractions_and_li_content():
    d = composition_descriptors("Li7La3Zr2O12")
    fracs = {s: d[f"frac_{s}"] for s in FRACTION_ELEMENTS}
    assert sum(fracs.values()) == pytest.approx(1.0)
    assert d["li_fraction"] == pytest.approx(7 / 24)
    assert d["li_per_anion"] == pytest.approx(7 / 12)
    assert d["anion_oxide"] == pytest.approx(12 / 24)
    assert d["X_min"] == pytest.approx(0.98)  # Li
    assert d["n_elements"] == 4


@pytest.mark.parametrize("bad", ["", "notaformula", "Li SiS  4 4", "Xx2O"])
def test_unparseable_composition_gives_none(bad):
    assert composition_descriptors(bad) is None


@pytest.mark.parametrize(
    ("sg", "number", "system"),
    [("P -1", 2, 0), ("R-3c", 167, 4), ("Ia-3d", 230, 6), (62, 62, 2), ("62", 62, 2)],
)
def test_space_group_and_crystal_system(sg, number, system):
    assert space_group_number(sg) == number
    assert crystal_system_index(space_group_number(sg)) == system


def test_unknown_space_group_is_nan():
    assert math.isnan(space_group_number("not a group"))
    assert math.isnan(space_group_number(None))


def test_cell_volume():
    assert cell_volume(2, 3, 4, 90, 90, 90) == pytest.approx(24)
    # hexagonal: a^2 c sin(120)
    assert cell_volume(3, 3, 5, 90, 90, 120) == pytest.approx(9 * 5 * math.sin(math.radians(120)))


def test_feature_frame_rows_lattice_and_cif(store_con):
    # jqc's CIF summary as the store holds it (db.structures computed it at build time).
    stored = obelix_split_rows(store_con).set_index("obelix_id").loc["jqc"]
    assert stored["cif_density"] > 0
    summary = {c: [stored[c], None, None] for c in CIF_SUMMARY_COLUMNS}
    inputs = pd.DataFrame(
        {
            "composition": ["Li7BiO6", "garbage!", "Li3(H2O)**"],
            "cell_composition": ["Li7.0Bi1.0O6.0", None, "Li3H2O"],
            "sg_number": [2, np.nan, np.nan],
            "a": [5.5071, np.nan, np.nan],
            "b": [6.0425, np.nan, np.nan],
            "c": [5.5231, np.nan, np.nan],
            "alpha": [116.912, np.nan, np.nan],
            "beta": [120.867, np.nan, np.nan],
            "gamma": [62.234, np.nan, np.nan],
            "family_label": ["hexaoxometalates", None, None],
            **summary,
        }
    )
    feats, mask = feature_frame(inputs)
    # The junk row is dropped; the unreadable formula falls back to its cell formula.
    assert mask.tolist() == [True, False, True]
    assert list(feats.index) == [0, 2]
    row = feats.loc[0]
    volume = cell_volume(5.5071, 6.0425, 5.5231, 116.912, 120.867, 62.234)
    assert row["volume_per_atom"] == pytest.approx(volume / 14)
    assert row["li_density"] == pytest.approx(7 / volume)
    assert row["has_cif"] == 1.0 and row["cif_density"] == stored["cif_density"]
    assert row["cif_li_partial"] == float(bool(stored["cif_li_partial"]))
    assert row["cif_min_li_anion"] == pytest.approx(stored["cif_min_li_anion"])
    assert feats.loc[2, "has_cif"] == 0.0 and np.isnan(feats.loc[2, "cif_density"])
    assert isinstance(row["family"], str) and row["family"]
    assert set(baseline_columns(feats)) <= set(feats.columns)


def test_chemistry_block_polyanions_anions_and_doping():
    d = chemistry_descriptors("Li6PS5Cl")
    assert d["chem_has_S"] == 1.0 and d["chem_has_Cl"] == 1.0 and d["chem_has_O"] == 0.0
    assert d["chem_PS4"] == pytest.approx(1 / 13)  # one PS4 per 13 atoms
    assert d["chem_polyanion_share"] == pytest.approx(4 / 6)  # 4 of 6 anions in PS4
    assert d["chem_mixed_anion"] == 1.0 and d["chem_li_nonint"] == 0.0
    latp = chemistry_descriptors("Li1.3Al0.3Ti1.7(PO4)3")
    assert latp["chem_polyanion_share"] == 1.0 and latp["chem_li_nonint"] == 1.0
    assert latp["chem_n_dopants"] == 1.0  # Al0.3
    assert latp["chem_dX"] > 0  # anions more electronegative than cations


def test_sites_block_from_cif():
    d = summarize_sites(str(CIF_DIR / "jqc.cif"))  # Li7BiO6, 8 Li sites at 0.875
    assert set(d) == set(SITES_COLUMNS)
    assert d["sites_n_li_sites"] == 8 and d["sites_li_occ_mean"] == pytest.approx(0.875)
    assert d["sites_per_li"] == pytest.approx(8 / 7)
    assert d["sites_li_partial_frac"] == 1.0 and d["sites_n_li_labels"] == 4
    assert 3 <= d["sites_li_cn"] <= 6  # Li in oxides: tetrahedral to octahedral
    assert 1.5 < d["sites_li_anion_mean"] < d["sites_li_li_nn_mean"] + 1
    assert 0.3 < d["sites_anion_packing"] < d["sites_ion_packing"] < 1.2


def test_optional_blocks_are_off_by_default_and_switchable():
    inputs = pd.DataFrame(
        {"composition": ["Li7BiO6", "Li3PS4"], "cif_path": [str(CIF_DIR / "jqc.cif"), None]}
    )
    plain, _ = feature_frame(inputs)
    assert not any(c.startswith(("chem_", "sites_")) for c in plain.columns)
    feats, _ = feature_frame(inputs, blocks=OPTIONAL_BLOCKS)
    assert set(SITES_COLUMNS) <= set(feats.columns)
    assert feats.loc[1, "chem_PS4"] > 0
    assert feats.loc[0, "sites_n_li_sites"] == 8 and np.isnan(feats.loc[1, "sites_per_li"])
    assert list(feats[plain.columns].columns) == list(plain.columns)
    with pytest.raises(ValueError, match="unknown descriptor block"):
        feature_frame(inputs, blocks=("nope",))

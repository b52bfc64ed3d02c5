"""BVSE barriers with the real tool (bvlain) on real bundled CIFs."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from pymatgen.core import Composition, Structure

from auditor import bvse
from db.config import BUNDLED_DATA

CIFS = BUNDLED_DATA / "obelix" / "cifs" / "all_randomized_cifs"


def test_one_real_calculation_on_an_ordered_cif():
    # 4p7 is Li3OCl (5 sites): the smallest ordered Li conductor in the bundle.
    result = bvse.compute_cif(CIFS / "4p7.cif")
    assert result.status == "ok", result.reason
    assert result.oxidation_rule == "bv_analyzer"
    assert result.oxidation_states == "Cl-1 Li+1 O-2"
    # Percolating in more directions can only cost more energy.
    assert 0 < result.e_1d_ev <= result.e_2d_ev <= result.e_3d_ev < bvse.PARAMS["encut"]
    assert result.cif_sha256 == bvse.file_sha256(CIFS / "4p7.cif")
    assert result.tool == "bvlain" and result.tool_version == bvse.tool_version()
    assert json.loads(result.params)["mobile_ion"] == "Li1+"


def test_disordered_framework_is_occupancy_weighted():
    # gas: Li0.31La0.63Ti0.9Co0.1O3, with La and Ti/Co sites partially occupied.
    structure = Structure.from_file(str(CIFS / "gas.cif"))
    assert not structure.is_ordered
    decorated, rule = bvse.assign_oxidation_states(structure)
    atoms = bvse._framework_atoms(decorated)
    occupancy = atoms.get_array("occupancy")
    # One atom per (site, species): the weights add up to the CIF's composition.
    for symbol in ("La", "Ti", "Co", "O"):
        total = occupancy[[s == symbol for s in atoms.get_chemical_symbols()]].sum()
        assert total == pytest.approx(structure.composition[symbol], abs=1e-6)
    result = bvse.compute_cif(CIFS / "gas.cif")
    assert result.status == "ok" and result.disordered is True
    assert result.oxidation_rule == rule


def test_nearest_balance_assigns_an_argyrodite_with_refined_occupancies():
    # Li24.024P4S20Br4 (OBELiX 6jf) is 0.024 e off neutral: BVAnalyzer and pymatgen's guesses
    # both give up on it.
    states, net = bvse.nearest_balance_states(Composition("Li24.024P4S20Br4"))
    assert states == {"Br": -1, "Li": 1, "P": 5, "S": -2}
    assert net == pytest.approx(0.024)


def test_unbalanced_or_li_free_structures_fail_with_a_reason():
    # 5tl is a La-Ti-O CIF without its Li sites.
    result = bvse.compute_cif(CIFS / "5tl.cif")
    assert result.status == "failed" and "no Li" in result.reason
    assert result.e_3d_ev is None
    with pytest.raises(ValueError, match="within 2% of neutral"):
        bvse.nearest_balance_states(Composition("Li2.5O"))


def test_compute_command_caches_by_hash_and_writes_the_csv(tmp_path):
    cifs = tmp_path / "cifs"
    cifs.mkdir()
    for name in ("4p7", "5tl"):
        shutil.copy(CIFS / f"{name}.cif", cifs / f"{name}.cif")
    out, cache = tmp_path / "out.csv", tmp_path / "cache"
    assert (
        bvse.main(["compute", "--cifs", str(cifs), "--out", str(out), "--cache", str(cache)]) == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert [r["cif_id"] for r in rows] == ["4p7", "5tl"]
    assert [r["status"] for r in rows] == ["ok", "failed"]
    assert len(list(cache.glob("*.json"))) == 2
    # A renamed copy of the same file is read from the cache (keyed by hash), under its own name:
    # a marker planted in the cache entry comes back, so nothing was recomputed.
    (entry,) = cache.glob(f"{rows[0]['cif_sha256']}-*.json")
    cached = json.loads(entry.read_text())
    entry.write_text(json.dumps({**cached, "seconds": -1.0}))
    shutil.copy(cifs / "4p7.cif", cifs / "zzz.cif")
    again = bvse.cached_compute(cifs / "zzz.cif", cache)
    assert again.cif_id == "zzz" and again.seconds == -1.0
    assert again.e_3d_ev == float(rows[0]["e_3d_ev"])


def test_states_bvlain_cannot_use_give_way_to_the_next_rule():
    # l2w (Li3.333Mg0.333P2S6): BVAnalyzer says P+1 S-1, and bvlain has no Li+ / S-1 parameters.
    structure = Structure.from_file(str(CIFS / "l2w.cif"))
    first, rule = bvse.assign_oxidation_states(structure)
    assert rule == "bv_analyzer" and "S-1" in bvse.states_text(first)
    assert "S-1" in bvse.usable_for_bvse(first)
    usable, rule = bvse.assign_oxidation_states(structure, accept=bvse.usable_for_bvse)
    assert rule == "nearest_balance"
    assert bvse.states_text(usable) == "Li+1 Mg+2 P+4 S-2"

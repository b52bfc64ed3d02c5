"""Each loader's quirks, on the real files."""

from __future__ import annotations

import pytest

from db.config import BUNDLED_DATA
from db.loaders.common import SourceSpec
from db.loaders.laskowski import load_laskowski, reassemble
from db.loaders.literature import load_literature
from db.loaders.liverpool import load_ionnet, load_liverpool
from db.loaders.obelix import load_obelix
from db.sources import builtin_sources

OBELIX = BUNDLED_DATA / "obelix"


def _spec(name, path):
    return SourceSpec(name, name, "", "", "", "", "bundled", path)


def _by_row(result, source_row):
    return [r for r in result.records if r["source_row"] == source_row]


@pytest.fixture(scope="module")
def obelix():
    return load_obelix(_spec("obelix", OBELIX))


@pytest.fixture(scope="module")
def laskowski():
    return load_laskowski(_spec("laskowski", OBELIX / "misc" / "laskowski_semi-fromatted.csv"))


def test_obelix_rows_are_all_rt_conductivities_with_the_official_split(obelix):
    assert obelix.rows_in == 599 == obelix.loaded_rows + obelix.quarantined_rows
    assert {r["property"] for r in obelix.records} == {"sigma"}
    assert all(r["temperature_k"] == 298.0 and r["temperature_implied"] for r in obelix.records)
    splits = [e["split"] for e in obelix.entries]
    assert splits.count("train") == 478 and splits.count("test") == 121
    # 36 x `<1E-10` and 1 x `<1E-8` are upper bounds, not values
    censored = [r for r in obelix.records if r["censored"] == "<"]
    assert len(censored) == 37
    assert {r["value"] for r in censored} == {1e-10, 1e-8}


def test_obelix_keeps_decimal_true_composition_key_and_cross_links(obelix):
    (jqc,) = _by_row(obelix, "jqc")
    assert jqc["composition_key"] == "Li7BiO6"
    assert jqc["family_raw"] == "hexaoxometalates"
    entry = next(e for e in obelix.entries if e["source_row"] == "jqc")
    assert entry["laskowski_id"] == "3" and entry["icsd_id"] == "155950"
    assert entry["a"] == pytest.approx(5.5071)


def test_liverpool_reads_bom_celsius_and_repeated_ids():
    result = load_liverpool(_spec("liverpool", OBELIX / "misc" / "LiIonDatabase.csv"))
    assert result.rows_in == 820 == result.loaded_rows
    rows_922 = [r for r in result.records if r["source_row"].startswith("922@")]
    assert len(rows_922) == 2 and rows_922[0]["composition_key"] != rows_922[1]["composition_key"]
    (first,) = _by_row(result, "1@L2")
    assert first["temperature_k"] == pytest.approx(573.15)  # 300 °C
    assert first["doi"] == "10.1016/j.fusengdes.2010.04.003"
    at_rt = [r for r in result.records if r["temperature_raw"] == "24.85"]
    assert at_rt and all(r["temperature_k"] == 298.0 for r in at_rt)


def test_ionnet_loads_every_row():
    result = load_ionnet(
        _spec("ionnet", BUNDLED_DATA / "ionnet" / "LiIonDatabase-Experiments-300K.csv")
    )
    assert result.rows_in == 398 == result.loaded_rows
    assert all(r["property"] == "sigma" for r in result.records)


def test_laskowski_reassembles_formulas_split_over_three_lines(laskowski):
    # (Ag0.33Li0.67)0.27La0.57TiO / "",1E-4,0.30,... / 3  -> one entry with both numbers
    ag = [r for r in laskowski.records if r["material_raw"] == "(Ag0.33Li0.67)0.27La0.57TiO3"]
    assert {r["property"]: r["value"] for r in ag} == {"sigma": 1e-4, "Ea": 0.30}
    assert all(r["doi"] for r in ag)


def test_laskowski_strips_overlines_and_keeps_censoring(laskowski):
    (sigma,) = [r for r in _by_row(laskowski, "L1") if r["property"] == "sigma"]
    assert sigma["value"] == pytest.approx(1.3e-10)  # "1.30E-10̅"
    bounds = [r for r in laskowski.records if r["censored"] == "<"]
    assert bounds and all(r["property"] == "sigma" for r in bounds)
    ea = [r for r in _by_row(laskowski, "L3") if r["property"] == "Ea"]
    assert ea[0]["value"] == pytest.approx(0.58)  # "0.58̅"


def test_laskowski_accounts_for_every_line(laskowski):
    assert laskowski.rows_in == laskowski.loaded_rows + laskowski.quarantined_rows
    lines = {
        int(n.split()[1]) for q in laskowski.quarantine for n in __import__("json").loads(q["raw"])
    }
    loaded = {int(r["source_row"][1:]) for r in laskowski.records}
    assert 1 in loaded and 26 in lines  # line 26 is the mangled `Li SiS  4 4`
    reasons = {q["source_row"]: q["reason"] for q in laskowski.quarantine}
    assert "mangled" in reasons["L26"] and "reassembled as Li4SiS4" in reasons["L26"]
    assert sum(r["property"] == "Ea" for r in laskowski.records) > 500


def test_laskowski_mangled_formula_loads_only_when_obelix_confirms(laskowski):
    # `Li0.91Hf2.022(PO )  4 3`: reassembled as Li0.91Hf2.022(PO4)3, which OBELiX lists for ref 11
    records = _by_row(laskowski, "L16")
    assert {r["composition_key"] for r in records} == {"Li0.91Hf2.022P3O12"}
    assert "reassembled" in records[0]["notes"]


def test_composites_and_drifted_coefficients_are_refused(laskowski):
    reasons = [q["reason"] for q in laskowski.quarantine]
    assert any(r.startswith("a composite is not one material") and "(5 wt%)" in r for r in reasons)
    assert any("mix fractions and whole numbers" in r and "SiS -20.33" in r for r in reasons)


def test_laskowski_reassembly_on_a_constructed_scrape():
    lines = [
        ["La0.62", "", "", "", "", "", "", ""],
        ["", "1.2E-5", "0.37", "P4/nmm", "129", "", "151902", "100"],
        ["Li0.14(Mg0.5W0.5)O3", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "β-", "", ""],
        ["Li3PS4", "2.6E-07", "0.49", "Pmn21", "31", "", "", "52"],
        ["", "", "", "", "", "", "", "97"],
    ]
    rows = reassemble(lines)
    assert rows[0].composition == "La0.62Li0.14(Mg0.5W0.5)O3"
    assert rows[0].values["ref"] == "100" and rows[0].values["sigma"] == "1.2E-5"
    assert rows[1].composition == "Li3PS4" and rows[1].overflow == ["β-"]
    assert rows[2].stray_reason and "reference" in rows[2].stray_reason


def test_literature_parses_qualifiers_and_moves_neb_barriers_to_em():
    result = load_literature(
        _spec("literature", BUNDLED_DATA / "literature" / "literature_barriers.csv")
    )
    assert result.rows_in == 232 == result.loaded_rows + result.quarantined_rows
    assert {r["property"] for r in result.records if r["method_tag"] == "NEB"} == {"Em"}
    ranges = [r for r in result.records if r["qualifier"] == "range"]
    assert ranges and all(r["value_low"] < r["value_high"] for r in ranges)
    assert all(r["evidence"] for r in result.records)
    reasons = " ".join(q["reason"] for q in result.quarantine)
    assert "0.7 → 0.4" in reasons


def test_devi_reads_external_data_and_states_typo_corrections():
    devi = next(s for s in builtin_sources() if s.spec.name == "devi2025")
    if not devi.spec.available:
        pytest.skip("Devi et al. data not present in the external-data folder")
    result = devi.loader(devi.spec)
    assert result.rows_in == 619 == result.loaded_rows + result.quarantined_rows
    garnet = _by_row(result, "Li7La3Zr2O12_2")
    assert {r["composition_key"] for r in garnet} == {"Li7La3Zr2O12"}
    assert "disagrees with sys_name" in garnet[0]["notes"]
    methods = {(r["method_tag"], r["sub_method"]) for r in garnet}
    assert methods == {("NEB", None), ("MLIP-NEB", "mace-relax"), ("MLIP-NEB", "mace-no-relax")}
    assert all(r["path_id"] for r in result.records)


def test_devi_absent_external_folder_is_noted(monkeypatch, tmp_path):
    monkeypatch.setenv("SSE_AUDIT_EXTERNAL_DATA", str(tmp_path))
    devi = next(s for s in builtin_sources() if s.spec.name == "devi2025")
    assert not devi.spec.available
    assert "SSE_AUDIT_EXTERNAL_DATA" in devi.spec.note

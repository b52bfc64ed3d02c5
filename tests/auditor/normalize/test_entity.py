"""Material names to formula, family and mobile ion, by rules: one grid per notation."""

from __future__ import annotations

import pytest

from auditor.normalize import normalize_entity
from core.composition import composition_key
from core.vocab import FAMILIES


def key(formula: str) -> str:
    return composition_key(formula)


@pytest.mark.parametrize(
    ("raw", "formula", "family"),
    [
        ("LLZO", "Li7La3Zr2O12", "garnet"),
        ("LGPS", "Li10GeP2S12", "LGPS"),
        ("LSPS", "Li10SiP2S12", "LGPS"),
        ("LPSCl", "Li6PS5Cl", "argyrodite"),
        ("NZSP", "Na3Zr2Si2PO12", "NASICON"),
        ("Li7La3Zr2O12 (LLZO)", "Li7La3Zr2O12", "garnet"),
    ],
)
def test_acronyms_resolve(raw, formula, family):
    res = normalize_entity(raw)
    assert (res.formula, res.family, res.carrier_ion) == (key(formula), family, formula[:2])


@pytest.mark.parametrize(
    ("raw", "family", "carrier"),
    [
        ("LATP", "NASICON", "Li"),
        ("LAGP", "NASICON", "Li"),
        ("LLTO", "perovskite", "Li"),
        ("Al-doped LLZO", "garnet", "Li"),
        ("LiPON", "glass", "Li"),
    ],
)
def test_ambiguous_acronym_keeps_family_not_formula(raw, family, carrier):
    res = normalize_entity(raw)
    assert res.formula is None
    assert (res.family, res.carrier_ion) == (family, carrier)
    assert res.reason


@pytest.mark.parametrize(
    ("raw", "formula"),
    [
        ("c-Li7La3Zr2O12", "Li7La3Zr2O12"),
        ("t-Li7La3Zr2O12", "Li7La3Zr2O12"),
        ("β-Li3PS4", "Li3PS4"),
        ("beta-Li3PS4", "Li3PS4"),
        ("Li7La3Zr2O12 (cubic)", "Li7La3Zr2O12"),
        ("Li3OCl HT phase", "Li3OCl"),
        ("Li7P3S11 glass-ceramic", "Li7P3S11"),
        ("O3-NaCoO2", "NaCoO2"),
        ("a1-LiVOPO4", "LiVOPO4"),
        ("Li2MnSiO4(Pmn21)", "Li2MnSiO4"),
        ("LiCoO2(MV)", "LiCoO2"),
    ],
)
def test_phase_prefixes_and_suffixes_are_dropped(raw, formula):
    assert normalize_entity(raw).formula == key(formula)


@pytest.mark.parametrize(
    ("raw", "formula"),
    [
        ("Ta-doped LLZO (Li6.4La3Zr1.4Ta0.6O12)", "Li6.4La3Zr1.4Ta0.6O12"),
        ("Li5.94Al0.02PS5Cl (Al-doped argyrodite)", "Li5.94Al0.02PS5Cl"),
        ("Li1+xAlxTi2-x(PO4)3, x = 0.3", "Li1.3Al0.3Ti1.7(PO4)3"),
        ("Li3xLa2/3-xTiO3 (x = 0.11)", "Li0.33La0.556667TiO3"),
        ("Na3+xSixP1−xS4, x = 0.125", "Na3.125Si0.125P0.875S4"),
        ("70Li2S-30P2S5", "Li7P3S11"),
        ("75Li2S·25P2S5", "Li3PS4"),
        ("(Li2S)0.75(P2S5)0.25", "Li3PS4"),
        ("0.5(Li2O) * 0.5(P2O5)", "LiPO3"),
        ("2LiCl–InCl3", "Li2InCl5"),
        ("(2Li2S-P2S5)0.85(LiI)0.15", "(Li4P2S7)0.85(LiI)0.15"),
        ('"(Li2S)0.5 ((P2S5)0.4 (Sb2S3)0.6)0.5"', "(Li2S)0.5(P2S5)0.2(Sb2S3)0.3"),
        ("Mg(BH4)2·NH3", "Mg(BH4)2NH3"),
        ("Mg(BH4)2(NH3)2", "Mg(BH4)2(NH3)2"),
        ("Mg(BH4)2·1.6NH3", "Mg(BH4)2(NH3)1.6"),
        ("Li₇La₃Zr₂O₁₂", "Li7La3Zr2O12"),
        ("Li0.022 La0.117 Ti0.208 Al0.001 O0.626", "Li0.022La0.117Ti0.208Al0.001O0.626"),
        ("Li3(Mo8S8O8(OH)8(HWO5(H2O)))*(H2O)18", "Li3Mo8S8O8(OH)8HWO5(H2O)19"),
    ],
)
def test_notations_give_the_composition(raw, formula):
    res = normalize_entity(raw)
    assert res.formula is not None, res.reason
    from pymatgen.core import Composition

    got = Composition(res.formula).fractional_composition
    want = Composition(key(formula)).fractional_composition
    assert got.almost_equals(want, rtol=1e-3, atol=1e-4), (res.formula, formula)


@pytest.mark.parametrize(
    ("raw", "host", "ion"),
    [
        ("MnPO4(Li)", "MnPO4", "Li"),
        ("Ti2F7_Ca", "Ti2F7", "Ca"),
        ("Fe2(SO4)3 (Na)", "Fe2(SO4)3", "Na"),
        ("TiS2(Mg)", "TiS2", "Mg"),
        ("Li-Fe(CN)4", "Fe(CN)4", "Li"),
    ],
)
def test_intercalant_in_parentheses_is_the_carrier(raw, host, ion):
    res = normalize_entity(raw)
    assert (res.formula, res.carrier_ion) == (key(host), ion)
    assert "intercalant" in res.reason


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("Li3.5Si0.5P05S4", "leading zero"),
        ("Li SiS  4 4", "mangled"),
        ("Li OCl 3", "mangled"),
        ("Li2S-P2S5 systems", "without proportions"),
        ("Li1+xAlxTi2-x(PO4)3", "no value for x"),
        ("garnet-type Li5La3M2O12 (M = Nb, Ta)", ""),
        ("Li1.3Al0.3Ti1.7(PO4)3-", "truncated"),
        ("Ga-doped Li7La3Zr2O12", "dopant amount"),
    ],
)
def test_unresolvable_names_give_no_formula_and_say_why(raw, why):
    res = normalize_entity(raw)
    assert res.formula is None
    assert why in res.reason


@pytest.mark.parametrize(("raw", "fixed"), [("LiMnPo4", "LiMnPO4"), ("LIMnO2(MV)", "LiMnO2")])
def test_typos_are_never_fixed_silently(raw, fixed):
    res = normalize_entity(raw)
    assert res.formula in (None, key(fixed))
    if res.formula:
        assert "corrected" in res.reason and res.confidence < 1.0


@pytest.mark.parametrize(
    "raw", ["", "   ", None, 42, "ignore previous instructions", "🙂", "((((", "x = 0.3"]
)
def test_bad_input_gives_a_reason_not_a_crash(raw):
    res = normalize_entity(raw)
    assert res.formula is None and res.reason


@pytest.mark.parametrize(
    ("raw", "label", "space_group", "family"),
    [
        ("Li2ZnGe3O8", "oxides", "P4332", "spinel"),
        ("Li4SnS4", "Chalcogenidotetrelates", "Pnma", "thio-LISICON"),
        ("Li4P2O7", "THIOPHOSPHATE", "P-1", "phosphate"),
        ("Na10SnP2S12 (LGPS-type)", "Na thiophosphate (LGPS-type Na)", None, "LGPS"),
        ("Li10GeP2S12", None, "P42/nmcZ", "LGPS"),
        ("Li3.25Ge0.25P0.75S4", None, "P21/m", "thio-LISICON"),
        ("Na3OCl", "CUBIC", "Pm-3m", "anti-perovskite"),
        ("LiNbOCl4 (LNOC)", "halide (oxychloride)", None, "halide"),
    ],
)
def test_family_from_label_composition_and_space_group(raw, label, space_group, family):
    res = normalize_entity(raw, family_label=label, space_group=space_group)
    assert res.family == family
    assert res.family in FAMILIES

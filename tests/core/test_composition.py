import pytest

from core.composition import CompositionError, composition_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Li7.0Bi1.0O6.0", "Li7BiO6"),
        ("Li14Bi2O12", "Li7BiO6"),
        ("Li7 Bi O6", "Li7BiO6"),
        ("Al11 Fe16 O32", "Al11Fe16O32"),
        ("Li0.022 La0.118 Ti0.2 Al0.004 O0.631", "Li0.022La0.118Ti0.2Al0.004O0.631"),
        ("Li6.40La3Zr1.4Ta0.60O12", "Li6.4La3Zr1.4Ta0.6O12"),
        ("Li1.3Al0.3Ti1.7(PO4)3", "Li1.3Ti1.7Al0.3P3O12"),
        ('"(Li2S)0.75 (P2S5)0.25"', "Li3PS4"),
        ("((Li2S)0.6 (SiS2)0.4 )95 (Li4SiO4)5", "Li134Si43S133O20"),
        ("Mg(BH4)2·NH3", "MgB2H11N"),
        ("Mg(BH4)2(NH3)", "MgB2H11N"),
        ("Mg(BH4)2·1.6NH3", "MgB2H12.8N1.6"),
    ],
)
def test_same_composition_gives_one_key(raw, key):
    assert composition_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("LLZO", "not chemical elements"),
        ("", "empty"),
        ("Li SiS  4 4", "mangled"),
        ("Li0.91Hf2.022(PO )  4 3", "mangled"),
        ("Li OCl 3", "mangled"),
        ("Li3.5Si0.5P05S4", "leading zero"),
        ("Li7La3Zr2O12 (cubic)", "not a chemical formula"),
        ("'; DROP TABLE records; --", "not"),
    ],
)
def test_non_formulas_are_refused_with_a_reason(raw, reason):
    with pytest.raises(CompositionError, match=reason):
        composition_key(raw)

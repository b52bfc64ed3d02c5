import math

import pytest

from core.units import ReportedValueError, parse_temperature, parse_value, to_canonical


@pytest.mark.parametrize(
    ("prop", "value", "unit", "expected"),
    [
        ("sigma", "1.2", "mS/cm", 1.2e-3),
        ("sigma", "0.5", "S/m", 5e-3),
        ("sigma", "3e-4", "S cm-1", 3e-4),
        ("Ea", "250", "meV", 0.25),
        ("Ea", "96.48533212", "kJ/mol", 1.0),
        ("Em", "0.3", "eV", 0.3),
    ],
)
def test_units_convert_to_canonical(prop, value, unit, expected):
    assert to_canonical(prop, value, unit).value == pytest.approx(expected)


def test_sigma_carries_log10():
    assert to_canonical("sigma", "1e-3", "S/cm").log10_value == pytest.approx(-3.0)


@pytest.mark.parametrize(
    ("raw", "qualifier", "value", "censored"),
    [
        ("<1E-10", "<", 1e-10, "<"),
        ("1.30E-10\u0305", "=", 1.3e-10, None),  # combining overline from the PDF scrape
        ("0.58\u0305", "=", 0.58, None),
        ("≥0.25", ">", 0.25, ">"),
        ("~0.2", "~", 0.2, None),
        ("≈0.07", "~", 0.07, None),
        ("0.21(1)", "=", 0.21, None),
        ("0.23 ± 0.03", "=", 0.23, None),
        ("15.7 [4.7, 51.9]", "=", 15.7, None),
        ("close to ~1e-3 (order of magnitude)", "~", 1e-3, None),
        ("1.2E\u22124", "=", 1.2e-4, None),  # unicode minus
    ],
)
def test_qualifiers_and_censoring(raw, qualifier, value, censored):
    parsed = parse_value(raw)
    assert parsed.qualifier == qualifier
    assert parsed.value == pytest.approx(value)
    assert parsed.censored == censored


def test_ranges_keep_bounds_and_sigma_centre_is_geometric():
    energy = to_canonical("Ea", "0.195–0.342", "eV")
    assert (energy.qualifier, energy.low, energy.high) == ("range", 0.195, 0.342)
    assert energy.value == pytest.approx((0.195 + 0.342) / 2)
    sigma = to_canonical("sigma", "9.1e-6 to 2.7e-4", "S/cm")
    assert sigma.value == pytest.approx(math.sqrt(9.1e-6 * 2.7e-4))


@pytest.mark.parametrize(
    ("prop", "value", "unit", "reason"),
    [
        ("sigma", "abc", "S/cm", "not a number"),
        ("sigma", "inf", "S/cm", "finite"),
        ("sigma", "nan", "S/cm", "finite"),
        ("sigma", "-1e-3", "S/cm", "positive"),
        ("sigma", "0", "S/cm", "positive"),
        ("Ea", "-0.2", "eV", "negative"),
        ("Ea", "0.2", "furlongs", "unknown unit"),
        ("Ea", "0.2", "S/cm", "not a unit of Ea"),
        ("sigma", "1e-3", "eV", "not a unit of sigma"),
        ("kappa", "1", "eV", "unknown property"),
        ("Ea", "0.7 → 0.4 (decreasing with T)", "eV", "not a number"),
    ],
)
def test_bad_values_are_refused_with_a_reason(prop, value, unit, reason):
    with pytest.raises(ReportedValueError, match=reason):
        to_canonical(prop, value, unit)


@pytest.mark.parametrize(
    ("raw", "unit", "prop", "kelvin", "implied"),
    [
        ("", "K", "sigma", 298.0, True),
        ("24.85", "C", "sigma", 298.0, False),
        ("25", "C", "sigma", 298.15, False),
        ("300", "K", "sigma", 300.0, False),
        ("room temperature (implied)", "K", "Ea", 298.0, True),
        ("above room temperature", "K", "Ea", None, False),
        ("", "K", "Ea", None, False),
        ("300 K (extrapolated from AIMD)", "K", "Ea", 300.0, False),
    ],
)
def test_temperatures(raw, unit, prop, kelvin, implied):
    temp = parse_temperature(raw, unit, prop=prop)
    assert temp.kelvin == kelvin
    assert temp.implied == implied


def test_temperature_ranges_and_absolute_zero():
    assert parse_temperature("305-353 K (32-80 °C)", "K", prop="Ea").low == 305.0
    with pytest.raises(ReportedValueError, match="absolute zero"):
        parse_temperature("-300", "C")
    with pytest.raises(ReportedValueError, match="unit"):
        parse_temperature("300", "F")

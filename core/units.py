"""Units, qualifiers and temperatures: how a number as reported becomes a canonical value.

Every loader and the write path go through these functions, so one string is read one way.
Canonical units: S/cm for conductivity (also log10 S/cm), eV for energies, K for temperature.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from core.constants import EV_PER_KJ_MOL, IMPLIED_ROOM_TEMPERATURE_K, ZERO_CELSIUS_K
from core.vocab import CANONICAL_UNIT, PROPERTIES

# unit as written (lower-cased, spaces removed) -> (property kind, factor to canonical)
_UNITS: dict[str, tuple[str, float]] = {
    "s/cm": ("sigma", 1.0),
    "scm-1": ("sigma", 1.0),
    "scm^-1": ("sigma", 1.0),
    "scm−1": ("sigma", 1.0),
    "ms/cm": ("sigma", 1e-3),
    "mscm-1": ("sigma", 1e-3),
    "µs/cm": ("sigma", 1e-6),
    "µscm-1": ("sigma", 1e-6),
    "us/cm": ("sigma", 1e-6),
    "s/m": ("sigma", 1e-2),
    "sm-1": ("sigma", 1e-2),
    "ev": ("energy", 1.0),
    "mev": ("energy", 1e-3),
    "kj/mol": ("energy", EV_PER_KJ_MOL),
    "kjmol-1": ("energy", EV_PER_KJ_MOL),
}


class ReportedValueError(ValueError):
    """A reported number, unit or temperature that cannot be read; the message says why."""


@dataclass(frozen=True)
class ParsedValue:
    """A reported number: its central value, qualifier and, for ranges, the bounds."""

    value: float
    qualifier: str = "="  # = < > ~ range
    low: float | None = None
    high: float | None = None
    note: str | None = None

    @property
    def censored(self) -> str | None:
        return self.qualifier if self.qualifier in ("<", ">") else None


# Unicode and PDF artefacts seen in the real sources.
_CLEAN = str.maketrans({"\u0305": "", "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TIMES_TEN = re.compile(r"(\d(?:\.\d+)?)\s*[x×]\s*10\s*\^?\s*([-+]?\d+)")
_UNCERTAINTY = re.compile(rf"^({_NUM})\s*(?:\(\d+\)|±\s*{_NUM}|\[\s*{_NUM}\s*,\s*{_NUM}\s*\])$")
_RANGE = re.compile(rf"^({_NUM})\s*(?:-|to|–)\s*({_NUM})$")
_QUAL = {"<": "<", "≤": "<", "<=": "<", ">": ">", "≥": ">", ">=": ">", "~": "~", "≈": "~"}
_QUAL_RE = re.compile(r"^(<=|>=|[<>≤≥~≈])\s*")
_LEADING_WORDS = re.compile(r"^(?:about|approx\.?|approximately|close to|ca\.?)\s+", re.I)
_PAREN_NOTE = re.compile(r"\s*\(([^()]*)\)\s*$")


def _to_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ReportedValueError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ReportedValueError(f"not a finite number: {text!r}")
    return value


def parse_value(raw: object) -> ParsedValue:
    """Read a reported number with its qualifier: `0.3`, `<1E-10`, `~0.2`, `0.26–0.34`, `0.21(1)`.

    A trailing parenthesised remark (`0.09 (lowest local barrier)`) is kept as the note.

    Raises:
        ReportedValueError: with a readable reason when the text is not one number, bound or range.
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        raise ReportedValueError("empty value")
    if isinstance(raw, int | float):
        return ParsedValue(_to_float(str(raw)))
    text = str(raw).translate(_CLEAN).strip()
    if not text:
        raise ReportedValueError("empty value")
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        raise ReportedValueError(f"not a finite number: {raw!r}")
    note = None
    match = _PAREN_NOTE.search(text)
    if match and not re.fullmatch(r"\d+", match.group(1)):
        note = match.group(1).strip()
        text = text[: match.start()].strip()
    text = _TIMES_TEN.sub(r"\1e\2", text)
    text = _LEADING_WORDS.sub("", text)
    qualifier = "="
    match = _QUAL_RE.match(text)
    if match:
        qualifier = _QUAL[match.group(1)]
        text = _LEADING_WORDS.sub("", text[match.end() :].strip())
        # "close to ~1e-3": a second approximate sign after the words.
        inner = _QUAL_RE.match(text)
        if inner and _QUAL[inner.group(1)] == "~":
            text = text[inner.end() :].strip()
    match = _RANGE.match(text)
    if match:
        low, high = sorted((_to_float(match.group(1)), _to_float(match.group(2))))
        if qualifier in ("<", ">"):
            raise ReportedValueError(f"a bound on a range is ambiguous: {raw!r}")
        return ParsedValue((low + high) / 2, "range", low, high, note)
    match = _UNCERTAINTY.match(text)
    if match:
        text = match.group(1)
    if not re.fullmatch(_NUM, text):
        raise ReportedValueError(f"not a number, bound or range: {raw!r}")
    return ParsedValue(_to_float(text), qualifier, note=note)


# Unit spellings as printed (micro sign or Greek mu, Unicode minus or en dash) read as one key.
_UNIT_CHARS = str.maketrans({"μ": "µ", "−": "-", "–": "-", "·": "", "^": ""})
# The spelling each unit is shown with, by key; other spellings map onto these.
UNIT_LABELS: dict[str, str] = {
    "s/cm": "S/cm",
    "ms/cm": "mS/cm",
    "µs/cm": "µS/cm",
    "s/m": "S/m",
    "ev": "eV",
    "mev": "meV",
    "kj/mol": "kJ/mol",
}


def unit_key(unit: str | None) -> str:
    """A unit as written (`S cm−1`, `mS·cm⁻¹`, `μS/cm`) as the lookup key of the unit table."""
    key = re.sub(r"\s+", "", str(unit or "")).lower().replace("⁻¹", "-1")
    return key.translate(_UNIT_CHARS)


def unit_label(unit: str | None) -> str | None:
    """The standard spelling of a known unit (`S cm−1` -> `S/cm`), or None if the unit is unknown."""
    key = unit_key(unit)
    if key not in _UNITS:
        return None
    kind, factor = _UNITS[key]
    return next((label for k, label in UNIT_LABELS.items() if _UNITS[k] == (kind, factor)), None)


def canonical_unit_factor(prop: str, unit: str | None) -> float:
    """Factor that converts a value in `unit` to the canonical unit of `prop`.

    Raises:
        ReportedValueError: for an unknown property, an unknown unit, or a unit of the wrong kind.
    """
    if prop not in PROPERTIES:
        raise ReportedValueError(
            f"unknown property {prop!r} (expected one of {', '.join(PROPERTIES)})"
        )
    key = unit_key(unit)
    if not key:
        raise ReportedValueError(f"missing unit for {prop}")
    if key not in _UNITS:
        raise ReportedValueError(f"unknown unit {unit!r} for {prop}")
    kind, factor = _UNITS[key]
    if (kind == "sigma") != (prop == "sigma"):
        raise ReportedValueError(f"unit {unit!r} is not a unit of {prop}")
    return factor


@dataclass(frozen=True)
class CanonicalValue:
    """A value in canonical units, ready for the records table."""

    value: float
    unit: str
    log10_value: float | None
    qualifier: str
    censored: str | None
    low: float | None
    high: float | None
    note: str | None


def to_canonical(prop: str, raw_value: object, unit: str | None) -> CanonicalValue:
    """Parse a reported value and convert it to the canonical unit of its property.

    Raises:
        ReportedValueError: unparseable number, unknown unit, non-positive conductivity, negative energy.
    """
    factor = canonical_unit_factor(prop, unit)
    parsed = parse_value(raw_value)
    value = parsed.value * factor
    low = parsed.low * factor if parsed.low is not None else None
    high = parsed.high * factor if parsed.high is not None else None
    log10_value = None
    if prop == "sigma":
        if value <= 0 or (low is not None and low <= 0):
            raise ReportedValueError(f"conductivity must be positive, got {raw_value!r}")
        if parsed.qualifier == "range":
            # Conductivity ranges span decades: the centre is the geometric mean.
            value = math.sqrt(low * high)
        log10_value = math.log10(value)
    elif value < 0 or (low is not None and low < 0):
        raise ReportedValueError(f"an energy barrier cannot be negative, got {raw_value!r}")
    return CanonicalValue(
        value=value,
        unit=CANONICAL_UNIT[prop],
        log10_value=log10_value,
        qualifier=parsed.qualifier,
        censored=parsed.censored,
        low=low,
        high=high,
        note=parsed.note,
    )


def celsius_to_kelvin(celsius: float) -> float:
    """°C to K, rounded to 0.01 K (the sources give 24.85 °C for 298 K)."""
    return round(celsius + ZERO_CELSIUS_K, 2)


@dataclass(frozen=True)
class Temperature:
    """A temperature in K, whether the source only implied it, and any range in K."""

    kelvin: float | None
    implied: bool = False
    low: float | None = None
    high: float | None = None


_T_RANGE = re.compile(rf"^({_NUM})\s*(?:-|to)\s*({_NUM})\s*K\b")
_T_SINGLE = re.compile(rf"^({_NUM})\s*K\b")
_T_CELSIUS = re.compile(rf"^({_NUM})\s*°?\s*C\b")


def parse_temperature(raw: object, unit: str | None = "K", *, prop: str = "sigma") -> Temperature:
    """Read a reported temperature: a number with its unit, a range, or room temperature.

    An empty temperature means room temperature (298 K, flagged implied) for conductivities;
    for energies it means "not stated".

    Raises:
        ReportedValueError: unknown unit, below absolute zero, or unreadable text.
    """
    text = "" if raw is None else str(raw).translate(_CLEAN).strip()
    if isinstance(raw, float) and math.isnan(raw):
        text = ""
    if not text:
        if prop == "sigma":
            return Temperature(IMPLIED_ROOM_TEMPERATURE_K, implied=True)
        return Temperature(None)
    low = high = None
    lowered = text.lower()
    if re.fullmatch(_NUM, text):
        number = _to_float(text)
        u = (unit or "K").strip().upper().replace("°", "")
        if u == "K":
            kelvin = number
        elif u == "C":
            kelvin = celsius_to_kelvin(number)
        else:
            raise ReportedValueError(f"unknown temperature unit {unit!r} (expected K or C)")
        if kelvin < 0:
            raise ReportedValueError(f"temperature below absolute zero: {raw!r} {unit}")
        return Temperature(kelvin)
    if (m := _T_RANGE.match(text)) is not None:
        low, high = sorted((_to_float(m.group(1)), _to_float(m.group(2))))
        return Temperature(None, low=low, high=high)
    if (m := _T_SINGLE.match(text)) is not None:
        kelvin = _to_float(m.group(1))
        if kelvin < 0:
            raise ReportedValueError(f"temperature below absolute zero: {raw!r}")
        return Temperature(kelvin)
    if (m := _T_CELSIUS.match(text)) is not None:
        return Temperature(celsius_to_kelvin(_to_float(m.group(1))))
    if re.match(r"^(?:around |near |at )?(?:room temperature|rt\b|ambient)", lowered) or (
        "room temperature implied" in lowered
    ):
        return Temperature(IMPLIED_ROOM_TEMPERATURE_K, implied=True)
    return Temperature(None)


# What a measured or computed value of an inorganic solid electrolyte can plausibly be, in
# canonical units. Conductivity: the best superionic conductors reach ~0.1 S/cm near room
# temperature and ~10 S/cm near melting, so 100 S/cm is far beyond any; below 1e-20 S/cm no
# impedance set-up measures. Energies: ion-migration barriers are 0.05-2 eV; above 5 eV a
# "barrier" is an unrelaxed or failed calculation. Temperatures: 1 K to 2500 K.
PLAUSIBLE_RANGE: dict[str, tuple[float, float]] = {
    "sigma": (1e-20, 1e2),
    "Ea": (0.0, 5.0),
    "Em": (0.0, 5.0),
}
PLAUSIBLE_TEMPERATURE_K: tuple[float, float] = (1.0, 2500.0)


def implausibility(
    prop: str, value: float | None, temperature_k: float | None = None
) -> str | None:
    """Why a canonical value (or its temperature) is outside `PLAUSIBLE_RANGE`, else None."""
    low, high = PLAUSIBLE_RANGE[prop]
    if value is not None and not low <= value <= high:
        unit = CANONICAL_UNIT[prop]
        return f"implausible {prop} {value:g} {unit}: outside the plausible {low:g}-{high:g} {unit}"
    t_low, t_high = PLAUSIBLE_TEMPERATURE_K
    if temperature_k is not None and not t_low <= temperature_k <= t_high:
        return f"implausible temperature {temperature_k:g} K: outside {t_low:g}-{t_high:g} K"
    return None

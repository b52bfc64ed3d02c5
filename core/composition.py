"""The canonical composition key: one string per composition, however it was written.

`Li7.0Bi1.0O6.0`, `Li7 Bi O6` and `Li14Bi2O12` all give `Li7BiO6`; `Al11 Fe16 O32` gives
`Al11Fe16O32`. The key is what cohorts pair on, so it must be deterministic: elements in
pymatgen's electronegativity order, integer formulas reduced by their common divisor, and
fractional amounts printed to four decimals (so `0.60` and `0.6` agree). A formula whose
amounts are mostly fractional and that becomes integral when multiplied by 2, 3 or 4 is written
integral.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pymatgen.core import Composition, Element

_SPACES = re.compile(r"\s+")
# PDF scrapes move subscripts away from their element: `Li SiS  4 4`, `(PO )  4 3`.
# Two bare numbers in a row, a letter then a space before `)`, or spaced elements with a bare
# number at the end (`Li OCl 3`) mean a mangled formula.
_MANGLED = re.compile(
    r"\d\s+\d|[A-Za-z]\s+\)|^(?=.*[A-Za-z]\s+[A-Z]).*[A-Za-z]\s+\d+(?:\.\d+)?\s*$"
)
# `P05` is a typo for P0.5 or P5; pymatgen would read it as 5.
_LEADING_ZERO = re.compile(r"(?<![\d.])0\d")
# Adduct / hydrate separators: `Mg(BH4)2·NH3`, `...*(H2O)18`.
_ADDUCT = re.compile(r"\s*[·•∙*]\s*")
_LEADING_COEFF = re.compile(r"^(\d+(?:\.\d+)?)(?=[A-Z(\[])")


def _join_adducts(text: str) -> str:
    """`A·1.6NH3` -> `A(NH3)1.6`: pymatgen reads groups with a trailing count."""
    parts = _ADDUCT.split(text)
    out = [parts[0]]
    for part in parts[1:]:
        match = _LEADING_COEFF.match(part)
        if match:
            out.append(f"({part[match.end() :]}){match.group(1)}")
        else:
            out.append(f"({part})")
    return "".join(out)


class CompositionError(ValueError):
    """A string that is not a chemical formula pymatgen can read."""


def _fmt_amount(amount: float) -> str:
    if abs(amount - 1.0) < 1e-6:
        return ""
    if abs(amount - round(amount)) < 1e-6:
        return str(int(round(amount)))
    return f"{amount:.4f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=65536)
def composition_key(raw: str) -> str:
    """Return the canonical key of a formula string.

    Args:
        raw: a formula as written (spaces, parentheses, decimals allowed).

    Returns:
        The canonical key, e.g. ``Li7La3Zr2O12``.

    Raises:
        CompositionError: if pymatgen cannot parse it, or it names no element.
    """
    raw_text = str(raw or "").strip().strip("\"'").strip()
    if not raw_text:
        raise CompositionError("empty formula")
    if _MANGLED.search(raw_text):
        raise CompositionError(f"mangled formula (subscripts detached from elements): {raw!r}")
    if _LEADING_ZERO.search(raw_text):
        raise CompositionError(f"an amount with a leading zero (a typo for 0.x?): {raw!r}")
    text = _join_adducts(_SPACES.sub("", raw_text))
    try:
        comp = Composition(text)
    except Exception as exc:  # pymatgen raises several exception types for bad input
        raise CompositionError(f"not a chemical formula: {raw!r} ({exc})") from None
    unknown = [str(el) for el in comp if not isinstance(el, Element)]
    if unknown:
        raise CompositionError(f"not chemical elements: {', '.join(unknown)} in {raw!r}")
    if len(comp) == 0 or comp.num_atoms <= 0:
        raise CompositionError(f"formula names no atoms: {raw!r}")
    if any(amt < 0 for amt in comp.values()):
        raise CompositionError(f"negative amount in formula: {raw!r}")
    # A formula written per a fractional unit (most amounts fractional, as pseudo-binary
    # fractions give) that a small multiplier makes integral is written integral, so
    # (Li2S)0.75(P2S5)0.25 and Li3PS4 share a key. Doped formulas written on an integral
    # frame (Li0.5La0.5TiO3, Li6PS5Cl0.5Br0.5) and larger multipliers stay as written.
    n_fractional = sum(abs(amt - round(amt)) > 1e-6 for amt in comp.values())
    for mult in (1, 2, 3, 4) if n_fractional * 2 > len(comp) else (1,):
        if all(abs(amt * mult - round(amt * mult)) < 1e-6 for amt in comp.values()):
            comp = comp * mult
            break
    reduced, _factor = comp.get_reduced_composition_and_factor()
    # Composition.formula orders elements by electronegativity, which is stable.
    parts = []
    for token in reduced.formula.split():
        el = re.match(r"[A-Z][a-z]?", token).group(0)
        parts.append(el + _fmt_amount(reduced[el]))
    return "".join(parts)


def is_mangled(raw: str) -> bool:
    """True when a PDF scrape moved subscripts away from their elements (`Li SiS  4 4`)."""
    return bool(_MANGLED.search(str(raw or "")))


def try_composition_key(raw: str) -> str | None:
    """Like `composition_key`, but None where the string is not a formula."""
    try:
        return composition_key(raw)
    except CompositionError:
        return None


_TOKEN = re.compile(r"[A-Z][a-z]?|\d+(?:\.\d+)?|\s+|.", re.S)


def demangle(raw: str) -> str | None:
    """Reattach subscripts a PDF scrape moved away from their elements: `Li SiS  4 4` -> `Li4SiS4`.

    In the scrape, an element (or `)`) whose subscript was moved is followed by a space, and the
    moved numbers appear later, in order. Each detached number fills the earliest open slot.
    Returns None when the numbers and slots do not pair up. The result is a candidate only: a
    caller must confirm it against another source before trusting it.
    """
    out: list[str] = []
    slots: list[int] = []
    tokens = _TOKEN.findall(str(raw or "").strip())
    for i, token in enumerate(tokens):
        if token.isspace():
            prev = out[-1] if out else ""
            if re.fullmatch(r"[A-Z][a-z]?|\)", prev) and (not slots or slots[-1] != len(out) - 1):
                slots.append(len(out) - 1)
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", token) and i > 0 and tokens[i - 1].isspace():
            if not slots:
                return None
            out[slots.pop(0)] += token
            continue
        out.append(token)
    return "".join(out)

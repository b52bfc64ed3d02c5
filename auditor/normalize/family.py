"""Families: source labels and compositions onto the one vocabulary `core.vocab.FAMILIES`.

A source's label wins where it names a structure family (OBELiX "argyrodites", Devi "GARNETS").
Broad chemical classes ("oxides", "Other", Devi's "ELECTROLYTES") say too little, so those rows are
classified from the composition, with the space group where it is known.
"""

from __future__ import annotations

import re
from functools import lru_cache

from auditor.normalize.aliases import (
    BROAD_LABELS,
    CARRIERS,
    FAMILY_KEYWORDS,
    FAMILY_LABELS,
    GLASS_CERAMIC,
)
from auditor.normalize.results import FamilyResult
from core.vocab import CHEMICAL_CLASSES, FAMILIES

HALOGENS = frozenset({"F", "Cl", "Br", "I"})
CHALCOGENS = frozenset({"S", "Se", "Te"})
# Large A-site cations of Li-garnets and Li-perovskites; B sites of the same.
_A_LARGE = frozenset({"La", "Nd", "Sm", "Pr", "Ce", "Gd", "Ba", "Sr", "Ca", "Bi", "Eu"})
_GARNET_B = frozenset({"Zr", "Ta", "Nb", "Te", "Sb", "W", "Hf", "Sn", "Mo", "Ga", "Al", "Y", "Sc"})
_PEROV_B = frozenset({"Ti", "Nb", "Ta", "Zr", "Hf", "Al", "Mg", "W", "Sn", "Fe", "Co", "Ga", "Sc"})
_TETRA = frozenset({"P", "Si", "Ge", "V", "Al", "Zn", "W", "As", "Ga", "Ti", "S"})
_TM_LAYERED = frozenset({"Co", "Ni", "Mn", "Cr", "V", "Fe"})
_SPINEL_SG = frozenset({"Fd-3m", "P4332", "P4132", "Fd-3mS", "Fd-3mZ"})
_LGPS_SG = frozenset({"P42/nmc"})
_THIO_LISICON_SG = frozenset({"P21/m", "Pnma", "Pmn21", "P-3m1"})
_GARNET_SG = frozenset({"Ia-3d", "I-43d"})
# Electrolyte structure families: a label's parenthesised qualifier naming one of these beats a
# chemical-class head ("Na thiophosphate (LGPS-type Na)"); "halide (spinel-type)" stays a halide.
_QUALIFIER_WINS = frozenset(
    {
        "garnet",
        "NASICON",
        "LISICON",
        "thio-LISICON",
        "LGPS",
        "argyrodite",
        "perovskite",
        "anti-perovskite",
    }
)
# A chemical-class label must agree with the composition (Devi files Li4P2O7 as THIOPHOSPHATE).
_CLASS_NEEDS: dict[str, frozenset[str]] = {
    "thiophosphate": frozenset({"S", "Se"}),
    "halide": HALOGENS,
    "nitride": frozenset({"N"}),
    "complex-hydride": frozenset({"H"}),
    "layered-oxide": frozenset({"O"}),
    "oxide": frozenset({"O"}),
    "sulfide": frozenset({"S", "Se", "Te"}),
    "lyonsite": frozenset({"Mo", "V", "W"}),  # A(MO4)3 molybdates/vanadates/tungstates
}
# An oxo-anion class needs its centre and oxygen both (Li3P is no phosphate).
_OXO_CENTRE: dict[str, str] = {"phosphate": "P", "silicate": "Si", "borate": "B", "carbonate": "C"}


def class_fits(family: str, elements: set[str]) -> bool:
    """Whether a composition's elements allow a chemical class or a structure label's needs."""
    if family in _OXO_CENTRE:
        return {_OXO_CENTRE[family], "O"} <= elements
    needs = _CLASS_NEEDS.get(family)
    return needs is None or bool(needs & elements)


def clean_space_group(space_group: str | None) -> str | None:
    """`P 21 21 21` -> `P212121`, `P42/nmcZ` -> `P42/nmc`; None for blanks."""
    if space_group is None:
        return None
    text = re.sub(r"\s+", "", str(space_group))
    text = re.sub(r"(\d)\u0305", r"-\1", text)  # PDF overline: Ia3̅d -> Ia-3d
    text = re.sub(r"(?<=[a-z0-9])[ZSHR]$", "", text)  # origin / hexagonal-setting suffixes
    return text or None


@lru_cache(maxsize=65536)
def _amounts(formula: str) -> dict[str, float] | None:
    from pymatgen.core import Composition  # lazy: pymatgen is slow to import; memoized below

    try:
        comp = Composition(formula)
    except Exception:  # pymatgen raises several types; an unparsable key classifies as nothing
        return None
    return {str(el): float(amt) for el, amt in comp.items()}


def _near(value: float, target: float, tol: float) -> bool:
    return abs(value - target) <= tol


def _sum(amt: dict[str, float], elements: frozenset[str] | set[str]) -> float:
    return sum(v for k, v in amt.items() if k in elements)


def _classify(formula: str, space_group: str | None) -> tuple[str, str]:
    """Family of a composition (and space group): (family, reason). Pure rules, no labels."""
    amt = _amounts(formula)
    if not amt:
        return "other", "no composition to classify"
    els = set(amt)
    sg = clean_space_group(space_group)
    carrier = next((c for c in CARRIERS if c in els), None)
    car = amt.get(carrier, 0.0) if carrier else 0.0
    hal = _sum(amt, HALOGENS)
    chal = _sum(amt, CHALCOGENS)
    oxy = amt.get("O", 0.0)
    why = f"composition {formula}" + (f", space group {sg}" if sg else "")

    carba = {"B", "C", "H"} <= els  # carba-closo-borates (LiCB11H12) hold carbon
    if "H" in els and els & {"B", "Al", "N"} and ("C" not in els or carba):
        return "complex-hydride", f"{why}: H with B/Al/N (borohydride, alanate, amide, ammine)"
    # Anti-perovskite A3BX: Li3OCl, Na3SI, Li3SBF4 (cluster anions count by their B).
    if carrier and (oxy or chal) and (hal or "B" in els):
        a_site = oxy + amt.get("S", 0.0) + amt.get("Se", 0.0)
        x_site = amt.get("Cl", 0) + amt.get("Br", 0) + amt.get("I", 0) + amt.get("B", 0)
        x_site += 0 if "B" in els else amt.get("F", 0)
        others = els - {carrier, "O", "S", "Se", "H", "B", "F", "Cl", "Br", "I"}
        if not others and _near(a_site, x_site, 0.25 * a_site) and a_site > 0:
            ratio = (car + amt.get("H", 0.0)) / a_site
            if _near(ratio, 3.0, 0.4) and car / a_site >= 1.8:  # LiCl·H2O is no Li2OHCl
                return "anti-perovskite", f"{why}: A3BX stoichiometry"
    if carrier and chal and hal and not oxy:
        centre = _sum(amt, {"P", "Ge", "Si", "Sb", "As", "Sn", "Al"})
        scale = 6.0 / (chal + hal)
        if centre and _near(centre * scale, 1.0, 0.35) and 5.2 <= car * scale <= 7.6:
            return "argyrodite", f"{why}: A6PS5X stoichiometry"
    if carrier and (chal or (oxy and "P" in els)) and not hal:
        anion = chal if chal else oxy
        scale = 12.0 / anion
        centre = _sum(amt, {"P", "Ge", "Si", "Sn", "Al"})
        lgps_window = 9.4 <= car * scale <= 11.6 and _near(centre * scale, 3.0, 0.5)
        by_composition = sg is None and chal and "P" in els and len(els) >= 4
        if lgps_window and (sg in _LGPS_SG or by_composition):
            return "LGPS", f"{why}: Li10MP2S12 stoichiometry"
    if carrier and oxy:
        scale = 12.0 / oxy
        a_large = _sum(amt, _A_LARGE) * scale
        b_site = _sum(amt, _GARNET_B) * scale
        if sg in _GARNET_SG or (
            _near(a_large, 3.0, 0.6) and 1.4 <= b_site <= 2.6 and car * scale >= 3
        ):
            if not (els & {"P", "S"}):
                return "garnet", f"{why}: garnet A3B2O12 / Ia-3d"
        poly = _sum(amt, {"P", "Si", "S", "Mo", "As"}) * scale
        metals = _sum(amt, els - {carrier, "P", "Si", "S", "Mo", "As", "O"}) * scale
        ortho = poly and 3.8 <= 12.0 / poly <= 4.2  # XO4 units: LiBaP2O7 is no NASICON
        if ortho and _near(poly, 3.0, 0.45) and 1.5 <= metals <= 2.6 and car * scale <= 4.6:
            return "NASICON", f"{why}: AM2(XO4)3 stoichiometry"
    if carrier == "Li" and chal and not oxy and not hal and els & {"Ge", "Si", "Sn"}:
        scale = 4.0 / chal
        if 2.9 <= car * scale <= 5.1 and sg not in _LGPS_SG:
            return "thio-LISICON", f"{why}: Li4-xM1-xPxS4 stoichiometry"
    if carrier and "P" in els and chal and not oxy and chal / amt["P"] >= 2.5:
        return "thiophosphate", f"{why}: A-P-S with no oxygen"
    if carrier == "Li" and oxy and not hal and not chal:
        anion = oxy + amt.get("N", 0.0)
        scale = 4.0 / anion
        tetra = _sum(amt, _TETRA) * scale
        centres = _sum(amt, _TETRA - {"Zn"}) * scale  # Zn sits on Li sites (Li14Zn(GeO4)4)
        rest = els - {"Li", "O", "N"} - _TETRA
        ortho = centres and 3.6 <= 4.0 / centres <= 4.4  # XO4 units, not X2O7 (Li6Ge2O7)
        if not rest and ortho and 2.5 <= car * scale <= 4.6 and 0.8 <= tetra <= 1.3:
            return "LISICON", f"{why}: Li3+xMO4 (gamma-Li3PO4 type) stoichiometry"
    if carrier and oxy and not chal:
        scale = 3.0 / oxy
        a_large = _sum(amt, _A_LARGE) * scale
        b_site = _sum(amt, _PEROV_B) * scale
        a_site = a_large + car * scale  # A-deficient perovskites (La1/3NbO3) count too
        if a_large >= 0.25 and 0.4 <= a_site <= 1.15 and _near(b_site, 1.0, 0.2):
            return "perovskite", f"{why}: ABO3 with a large A cation"
    if carrier and hal and not chal and not (els & {"P", "N", "C"}) and hal >= oxy:
        return "halide", f"{why}: metal halide"
    cations = sum(v for k, v in amt.items() if k not in {"O", "S", "Se"} | HALOGENS)
    anions = oxy + chal
    if anions and not hal:
        scale = 4.0 / anions
        if sg in _SPINEL_SG and _near(cations * scale, 3.0, 0.15):
            return "spinel", f"{why}: AB2X4 in a spinel space group"
        poly = _sum(amt, {"P", "Si", "As"}) * scale
        metal = (cations - _sum(amt, {"P", "Si", "As"})) * scale - car * scale
        if (
            oxy == anions
            and _near(poly, 1.0, 0.03)
            and _near(metal, 1.0, 0.15)
            and car * scale <= 1.1
        ):
            if sg in (None, "Pnma", "Pbnm"):
                return "olivine", f"{why}: AMXO4 (olivine)"
        scale2 = 2.0 / anions
        tm = _sum(amt, _TM_LAYERED) * scale2
        if oxy and carrier and _near(tm, 1.0, 0.15) and 0.5 <= car * scale2 <= 1.2:
            if sg in (None, "R-3m", "C2/m", "P63/mmc"):
                return "layered-oxide", f"{why}: AMO2 (layered)"
    if "N" in els and not (oxy or chal or hal or els & {"H", "C"}):
        return "nitride", f"{why}: nitride"
    return _chemical_class(amt, why)


def _chemical_class(amt: dict[str, float], why: str) -> tuple[str, str]:
    """No structure family read: the anion's chemical class, or other when none is plain."""
    els = set(amt)
    oxy = amt.get("O", 0.0)
    chal = _sum(amt, CHALCOGENS)
    hal = _sum(amt, HALOGENS)
    if chal and chal >= oxy and not hal:
        if "P" in els and not oxy:
            return "thiophosphate", f"{why}: a thiophosphate (no structure family matched)"
        return "sulfide", f"{why}: a sulfide (no structure family matched)"
    if chal and hal and not oxy:
        return "sulfide", f"{why}: a halide sulfide, no argyrodite stoichiometry"
    if oxy and oxy >= chal + hal and not ("N" in els and amt["N"] >= oxy):
        for element, family in (("C", "carbonate"), ("B", "borate"), ("P", "phosphate")):
            if element in els and not (els & {"H"} and family == "carbonate"):
                return family, f"{why}: {family} (oxide with {element}; no structure family)"
        if "Si" in els:
            return "silicate", f"{why}: silicate (oxide with Si; no structure family)"
        return "oxide", f"{why}: an oxide (no structure family matched)"
    return "other", f"{why}: no family pattern matched"


@lru_cache(maxsize=65536)
def classify_composition(formula: str | None, space_group: str | None = None) -> tuple[str, str]:
    """Family from a composition key and an optional space group: (family, reason)."""
    if not formula:
        return "other", "no composition to classify"
    return _classify(formula, space_group)


_KEYWORDS = tuple((re.compile(p), f) for p, f in FAMILY_KEYWORDS)
_ANY_KEYWORD = re.compile("|".join(f"(?:{p})" for p, _ in FAMILY_KEYWORDS))
_GLASS_CERAMIC = re.compile(GLASS_CERAMIC)


def family_from_text(text: str) -> str | None:
    """The family a name or label states outright ("garnet-type", "LGPS", "argyrodite").

    "glass-ceramic" states no family: it is classified by its crystalline phase.
    """
    lowered = _GLASS_CERAMIC.sub(" ", text.lower())
    if not _ANY_KEYWORD.search(lowered):  # one scan for the common case: no family word
        return None
    for pattern, family in _KEYWORDS:
        if pattern.search(lowered):
            return family
    return None


@lru_cache(maxsize=65536)
def _label_family(label: str) -> tuple[str | None, str]:
    """(family or None when the label is too broad, reason)."""
    key = re.sub(r"\s+", " ", label.strip().lower())
    if key in FAMILY_LABELS:
        fam = FAMILY_LABELS[key]
        return fam, (f"label {label!r} -> {fam}" if fam else f"label {label!r} is a broad class")
    # Free text ("complex hydride (closo-borate)", "NASICON (LATP/LAGP)"): the head noun
    # decides, the parenthesised qualifier only when the head says nothing.
    head = re.sub(r"\([^)]*\)", " ", key)
    if re.match(r"\s*other\b", head):
        return "other", f"label {label!r} says other"
    head_fam, full_fam = family_from_text(head), family_from_text(key)
    qualifier_fam = family_from_text(" ".join(re.findall(r"\(([^)]*)\)", key)))
    if qualifier_fam in _QUALIFIER_WINS and head_fam not in _QUALIFIER_WINS:
        # "Na thiophosphate (LGPS-type Na)": the structure family is the more specific answer.
        return qualifier_fam, f"label {label!r} names the structure {qualifier_fam}"
    fam = head_fam or full_fam
    if fam:
        return fam, f"label {label!r} names {fam}"
    return None, f"label {label!r} not in the alias table"


def normalize_family_result(
    label: str | None, *, formula: str | None = None, space_group: str | None = None
) -> FamilyResult:
    """Like `normalize_family`, with confidence and reason."""
    label_text = "" if label is None else str(label)
    if label_text.strip() and label_text.strip().lower() not in ("nan", "none"):
        fam, why = _label_family(label_text)
        if fam and formula and not class_fits(fam, set(_amounts(formula) or {})):
            why += f"; but {formula} lacks what {fam} needs, so classified"
            fam = None
        if fam:
            return FamilyResult(label_text, fam, 1.0, reason=why)
        cls, cls_why = classify_composition(formula, space_group)
        conf = 0.8 if formula else 0.3
        broad = BROAD_LABELS.get(re.sub(r"\s+", " ", label_text.strip().lower()))
        fits = broad and (not formula or class_fits(broad, set(_amounts(formula) or {})))
        if fits and (cls == "other" or (cls in CHEMICAL_CLASSES and not formula)):
            cls, cls_why = broad, f"{cls_why}; the label's class {broad} stands"
        if re.search(GLASS_CERAMIC, label_text.lower()):
            cls_why = f"a glass-ceramic goes by its crystalline phase: {cls_why}"
        return FamilyResult(label_text, cls, conf, reason=f"{why}; {cls_why}")
    cls, cls_why = classify_composition(formula, space_group)
    return FamilyResult(label_text, cls, 0.8 if formula else 0.3, reason=cls_why)


def normalize_family(
    label: str | None, *, formula: str | None = None, space_group: str | None = None
) -> str:
    """Map a source's family label onto `core.vocab.FAMILIES`.

    Args:
        label: the source's own label (OBELiX, Liverpool, Devi CLASS, literature free text).
        formula: composition key, used where the label is broad or missing.
        space_group: Hermann-Mauguin symbol as the source writes it.

    Returns:
        One of `FAMILIES`; "other" when nothing decides.
    """
    family = normalize_family_result(label, formula=formula, space_group=space_group).family
    assert family in FAMILIES, family  # the alias tables only name vocabulary families
    return family

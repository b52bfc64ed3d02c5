"""Material names written in words ("lithium yttrium chloride") to elements, and a proposal.

Pure rules: the words give the elements (and hydrate / ammine groups with their count); the
store's index of composition keys with their record counts, passed in by the caller, gives the
candidates that hold exactly those elements. The most reported candidate is proposed with its
evidence ("3 materials in the store are Li-Y-Cl; Li3YCl6 has 41 records"). A proposal is never a
reading: it carries lower confidence than any formula read from the name, and its own reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Element names (IUPAC and the common variants) -> symbol: vocabulary, as in a periodic table.
ELEMENT_WORDS: dict[str, str] = {
    "hydrogen": "H", "lithium": "Li", "beryllium": "Be", "boron": "B", "carbon": "C",
    "nitrogen": "N", "oxygen": "O", "fluorine": "F", "sodium": "Na", "magnesium": "Mg",
    "aluminum": "Al", "aluminium": "Al", "silicon": "Si", "phosphorus": "P", "phosphorous": "P",
    "sulfur": "S", "sulphur": "S", "chlorine": "Cl", "potassium": "K", "calcium": "Ca",
    "scandium": "Sc", "titanium": "Ti", "vanadium": "V", "chromium": "Cr", "manganese": "Mn",
    "iron": "Fe", "cobalt": "Co", "nickel": "Ni", "copper": "Cu", "zinc": "Zn", "gallium": "Ga",
    "germanium": "Ge", "arsenic": "As", "selenium": "Se", "bromine": "Br", "rubidium": "Rb",
    "strontium": "Sr", "yttrium": "Y", "zirconium": "Zr", "niobium": "Nb", "molybdenum": "Mo",
    "ruthenium": "Ru", "rhodium": "Rh", "palladium": "Pd", "silver": "Ag", "cadmium": "Cd",
    "indium": "In", "tin": "Sn", "antimony": "Sb", "tellurium": "Te", "iodine": "I",
    "cesium": "Cs", "caesium": "Cs", "barium": "Ba", "lanthanum": "La", "cerium": "Ce",
    "praseodymium": "Pr", "neodymium": "Nd", "samarium": "Sm", "europium": "Eu",
    "gadolinium": "Gd", "terbium": "Tb", "dysprosium": "Dy", "holmium": "Ho", "erbium": "Er",
    "thulium": "Tm", "ytterbium": "Yb", "lutetium": "Lu", "hafnium": "Hf", "tantalum": "Ta",
    "tungsten": "W", "rhenium": "Re", "iridium": "Ir", "platinum": "Pt", "gold": "Au",
    "mercury": "Hg", "thallium": "Tl", "lead": "Pb", "bismuth": "Bi",
}  # fmt: skip
# Anion words -> the elements they name (order as a formula writes them).
ANION_WORDS: dict[str, tuple[str, ...]] = {
    "fluoride": ("F",), "chloride": ("Cl",), "bromide": ("Br",), "iodide": ("I",),
    "oxide": ("O",), "sulfide": ("S",), "sulphide": ("S",), "selenide": ("Se",),
    "telluride": ("Te",), "nitride": ("N",), "phosphide": ("P",), "hydride": ("H",),
    "carbide": ("C",), "boride": ("B",), "silicide": ("Si",), "hydroxide": ("O", "H"),
    "borohydride": ("B", "H"), "tetrahydroborate": ("B", "H"), "alanate": ("Al", "H"),
    "aluminohydride": ("Al", "H"), "amide": ("N", "H"), "imide": ("N", "H"),
    "amidoborane": ("N", "B", "H"), "borate": ("B", "O"), "carbonate": ("C", "O"),
    "nitrate": ("N", "O"), "sulfate": ("S", "O"), "sulphate": ("S", "O"),
    "phosphate": ("P", "O"), "silicate": ("Si", "O"), "orthosilicate": ("Si", "O"),
    "germanate": ("Ge", "O"), "titanate": ("Ti", "O"), "zirconate": ("Zr", "O"),
    "niobate": ("Nb", "O"), "tantalate": ("Ta", "O"), "aluminate": ("Al", "O"),
    "gallate": ("Ga", "O"), "stannate": ("Sn", "O"), "vanadate": ("V", "O"),
    "molybdate": ("Mo", "O"), "tungstate": ("W", "O"), "ferrate": ("Fe", "O"),
    "manganate": ("Mn", "O"), "cobaltate": ("Co", "O"), "nickelate": ("Ni", "O"),
    "chromate": ("Cr", "O"), "antimonate": ("Sb", "O"), "bismuthate": ("Bi", "O"),
    "indate": ("In", "O"), "scandate": ("Sc", "O"), "hafnate": ("Hf", "O"),
    "tellurate": ("Te", "O"), "arsenate": ("As", "O"), "dodecaborate": ("B", "H"),
    "undecaborate": ("B", "H"), "decaborate": ("B", "H"), "carba": ("C",),
    "thiophosphate": ("P", "S"), "thioantimonate": ("Sb", "S"), "thiosilicate": ("Si", "S"),
    "thiogermanate": ("Ge", "S"), "thiostannate": ("Sn", "S"), "thioborate": ("B", "S"),
    "thioaluminate": ("Al", "S"), "oxynitride": ("O", "N"),
}  # fmt: skip
# Anion words that fix the ratio of their two elements (amount of the first / the second), used
# where no other word names either element: amide NH2, imide NH, borohydride BH4, closo B12H12.
ANION_RATIOS: dict[str, tuple[str, str, float]] = {
    "borohydride": ("B", "H", 0.25), "tetrahydroborate": ("B", "H", 0.25),
    "alanate": ("Al", "H", 0.25), "aluminohydride": ("Al", "H", 0.25),
    "amide": ("N", "H", 0.5), "imide": ("N", "H", 1.0), "hydroxide": ("O", "H", 1.0),
    "dodecaborate": ("B", "H", 1.0), "decaborate": ("B", "H", 1.0),
}  # fmt: skip
# Prefixes a compound anion word may carry: oxychloride = O + chloride, thio- = S.
_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hydroxy", ("O", "H")), ("oxy", ("O",)), ("thio", ("S",)), ("fluoro", ("F",)),
    ("chloro", ("Cl",)), ("bromo", ("Br",)), ("iodo", ("I",)), ("seleno", ("Se",)),
)  # fmt: skip
# Adduct groups: (elements, formula of one group, element that counts the group when the rest
# of the name does not name it).
GROUPS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "hydrate": (("H", "O"), "H2O", "O"),
    "ammoniate": (("N", "H"), "NH3", "N"),
    "ammine": (("N", "H"), "NH3", "N"),
    "ammonia": (("N", "H"), "NH3", "N"),
}
_COUNTS = {
    "mono": 1.0, "hemi": 0.5, "sesqui": 1.5, "di": 2.0, "bis": 2.0, "tri": 3.0, "tetra": 4.0,
    "penta": 5.0, "hexa": 6.0, "hepta": 7.0, "octa": 8.0, "": None,
}  # fmt: skip
_GROUP_WORD = re.compile(
    r"^(" + "|".join(sorted((k for k in _COUNTS if k), key=len, reverse=True)) + r")?"
    r"(hydrate|ammoniate|ammine|ammonia)s?$"
)
# Words a name may hold besides the chemistry: they neither help nor hurt.
_NEUTRAL = frozenset(
    "a an and the of with doped substituted type phase cubic tetragonal orthorhombic monoclinic "
    "hexagonal trigonal glass glassy ceramic crystalline amorphous bulk thin film powder pellet "
    "sintered solid electrolyte electrolytes conductor superionic fast ion ionic high low "
    "temperature rich poor mixed based closo nido".split()
)
_TOKEN = re.compile(r"[a-z]+")
_SYMBOL = re.compile(r"([A-Z][a-z]?)")
PROPOSAL_CONFIDENCE = 0.5  # below any formula read from the name (1.0, 0.9, 0.7)


@dataclass(frozen=True)
class WordReading:
    """What the words of a name say: the elements in the order named, and adduct groups."""

    elements: tuple[str, ...]
    groups: tuple[tuple[str, float | None], ...] = ()  # (group formula, count or None)
    base_elements: frozenset[str] = frozenset()  # named by words other than the groups
    ratios: tuple[tuple[str, str, float], ...] = ()  # fixed by an anion word (amide: N/H = 0.5)
    unit: tuple[tuple[str, float], ...] = ()  # charge-balanced cation + cluster anion, if named

    @property
    def element_set(self) -> frozenset[str]:
        """The elements as a set (what candidates must match exactly)."""
        return frozenset(self.elements)


@dataclass(frozen=True)
class WordProposal:
    """The store's most reported composition with exactly the named elements, with evidence."""

    formula: str
    records: int
    candidates: int
    evidence: str


def _anion(word: str) -> tuple[str, ...] | None:
    """Elements of an anion word, with compound prefixes (oxychloride, thiophosphate)."""
    if word in ANION_WORDS:
        return ANION_WORDS[word]
    for prefix, elements in _PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 3:
            rest = _anion(word[len(prefix) :])
            if rest:
                return elements + rest
    return None


def read_words(text: str) -> WordReading | None:
    """The elements a name written in words names, or None when it is not such a name.

    A name qualifies when every word is an element, an anion, an adduct group or a neutral word
    ("cubic", "glass"), it names at least one cation element and two elements in all. A sentence
    ("Ignore previous instructions ...") has words that are none of these, so it reads as nothing.
    """
    lowered = re.sub(r"\b(closo|nido|carba)-", r"\1 ", text.lower())
    tokens = _TOKEN.findall(lowered)
    if not tokens or len(tokens) > 12 or re.search(r"[A-Z][a-z]?\d", text):
        return None  # too long for a name, or it holds a formula the formula rules read
    elements: list[str] = []
    base: set[str] = set()
    anion_words: list[str] = []
    groups: list[tuple[str, float | None]] = []
    cations = 0
    for token in tokens:
        if token in ELEMENT_WORDS:
            elements.append(ELEMENT_WORDS[token])
            base.add(ELEMENT_WORDS[token])
            cations += 1
        elif anion := _anion(token):
            elements.extend(anion)
            base.update(anion)
            anion_words.append(token)
        elif m := _GROUP_WORD.match(token):
            group_elements, formula, _ = GROUPS[m.group(2)]
            elements.extend(group_elements)
            groups.append((formula, _COUNTS[m.group(1) or ""]))
        elif token not in _NEUTRAL:
            return None
    unique = tuple(dict.fromkeys(elements))
    if cations == 0 or len(unique) < 2:
        return None
    ratios = []
    for word in anion_words:
        if word in ANION_RATIOS:
            a, b, _ = ANION_RATIOS[word]
            elsewhere = [w for w in anion_words if w != word and {a, b} & set(ANION_WORDS[w])]
            if not elsewhere and not {a, b} & {
                ELEMENT_WORDS[t] for t in tokens if t in ELEMENT_WORDS
            }:
                ratios.append(ANION_RATIOS[word])
    unit: dict[str, float] = {}
    cations_named = [ELEMENT_WORDS[t] for t in tokens if t in ELEMENT_WORDS]
    cluster = ("carba " if "carba" in tokens else "") + (anion_words[-1] if anion_words else "")
    if len(cations_named) == 1 and len(anion_words) - ("carba" in tokens) == 1:
        if cluster in CLUSTER_UNITS and cations_named[0] in CATION_CHARGES:
            atoms, charge = CLUSTER_UNITS[cluster]
            q = CATION_CHARGES[cations_named[0]]
            # q cations of charge +q... the smallest neutral unit: |charge| cations per q anions
            unit = {cations_named[0]: float(-charge)} | {e: n * q for e, n in atoms.items()}
    if unit:
        ratios = []  # the charge-balanced unit says more (carba-closo-dodecaborate is CB11H12)
    return WordReading(
        unique, tuple(groups), frozenset(base), tuple(ratios), tuple(sorted(unit.items()))
    )


def _amounts(key: str) -> dict[str, float]:
    """Element amounts of a composition key (`Li3YCl6` -> {Li: 3, Y: 1, Cl: 6})."""
    out: dict[str, float] = {}
    for symbol, amount in re.findall(r"([A-Z][a-z]?)(\d*\.?\d*)", key):
        out[symbol] = out.get(symbol, 0.0) + (float(amount) if amount else 1.0)
    return out


def _fractional(key: str) -> bool:
    """A key with a non-integer amount: one member of a solid solution (Li1.3Al0.3Ti1.7...)."""
    return any(abs(v - round(v)) > 1e-6 for v in _amounts(key).values())


# Cluster anions with their formula and charge, and the usual charge of the cations named with
# them: "sodium closo-decaborate" is Na2B10H10, "magnesium borohydride" Mg(BH4)2.
CLUSTER_UNITS: dict[str, tuple[dict[str, float], int]] = {
    "borohydride": ({"B": 1, "H": 4}, -1), "tetrahydroborate": ({"B": 1, "H": 4}, -1),
    "alanate": ({"Al": 1, "H": 4}, -1), "aluminohydride": ({"Al": 1, "H": 4}, -1),
    "amide": ({"N": 1, "H": 2}, -1), "imide": ({"N": 1, "H": 1}, -2),
    "decaborate": ({"B": 10, "H": 10}, -2), "dodecaborate": ({"B": 12, "H": 12}, -2),
    "carba decaborate": ({"C": 1, "B": 9, "H": 10}, -1),
    "carba dodecaborate": ({"C": 1, "B": 11, "H": 12}, -1),
}  # fmt: skip
CATION_CHARGES: dict[str, int] = {
    "Li": 1, "Na": 1, "K": 1, "Rb": 1, "Cs": 1, "Mg": 2, "Ca": 2, "Sr": 2, "Ba": 2, "Zn": 2,
}  # fmt: skip


class StoreIndex:
    """The store's composition keys grouped by element set, with their record counts."""

    def __init__(self, counts: Mapping[str, int]):
        self.by_elements: dict[frozenset[str], list[tuple[str, int]]] = {}
        for key, n in counts.items():
            if key:
                self.by_elements.setdefault(frozenset(_SYMBOL.findall(key)), []).append(
                    (key, int(n))
                )
        for keys in self.by_elements.values():
            # most reported first; then the simpler formula, then the spelling (deterministic)
            keys.sort(
                key=lambda kn: (-kn[1], _fractional(kn[0]), sum(_amounts(kn[0]).values()), kn[0])
            )

    def candidates(self, elements: frozenset[str]) -> list[tuple[str, int]]:
        """Keys with exactly these elements, most reported first."""
        return self.by_elements.get(elements, [])


def _fits(key: str, reading: WordReading) -> bool:
    """A stated group count (monoammoniate: 1 NH3 per first cation) and anion ratios hold."""
    amounts = _amounts(key)
    first = amounts.get(reading.elements[0], 0.0)
    for formula, count in reading.groups:
        marker = next(g[2] for g in GROUPS.values() if g[1] == formula)
        if count is None or not first or marker in reading.base_elements:
            continue  # no count stated, or the marker element is also in the rest of the name
        if abs(amounts.get(marker, 0.0) / first - count) > 0.05 * max(count, 1.0):
            return False
    if reading.unit and not reading.groups:
        unit = dict(reading.unit)
        scale = amounts.get(reading.elements[0], 0.0) / unit[reading.elements[0]]
        if not scale or any(
            abs(amounts.get(e, 0.0) - n * scale) > 0.02 * n * scale for e, n in unit.items()
        ):
            return False
    for a, b, ratio in reading.ratios:
        if reading.groups and b == "H":
            continue  # an ammine or hydrate adds H: the anion's own ratio cannot be read off
        if not amounts.get(b) or abs(amounts.get(a, 0.0) / amounts[b] - ratio) > 0.02:
            return False
    return True


# A proposal needs the most reported candidate to hold this share of the system's records, so
# a name covering a composition range ("lithium lanthanum titanate": 45 materials) gets none.
MIN_SHARE = 0.2


def propose(reading: WordReading, index: StoreIndex) -> tuple[WordProposal | None, str]:
    """The most reported store composition with exactly the named elements (and groups).

    Returns:
        (proposal or None, the evidence either way).
    """
    system = "\u2013".join(reading.elements)
    pool = index.candidates(reading.element_set)
    if not pool:
        return None, f"no material in the store is {system}"
    fitting = [kn for kn in pool if _fits(kn[0], reading)]
    groups = "".join(
        f" with {'' if c is None else f'{c:g} '}{f} per formula unit" for f, c in reading.groups
    )
    if not fitting:
        many = (
            f"{len(pool)} materials in the store are"
            if len(pool) > 1
            else "1 material in the store is"
        )
        what = groups or " with the ratio the anion names"
        return None, f"{many} {system}, none{what}: {', '.join(k for k, _ in pool[:3])}"
    key, n = fitting[0]
    total = sum(c for _, c in fitting)
    many = (
        f"{len(fitting)} materials in the store are"
        if len(fitting) > 1
        else "1 material in the store is"
    )
    evidence = f"{many} {system}{groups}; {key} has {n} record{'s' if n != 1 else ''}"
    if n < MIN_SHARE * total or _fractional(key):
        return None, f"{evidence} of {total}: the words name a range, no one composition"
    return WordProposal(key, n, len(fitting), evidence), evidence

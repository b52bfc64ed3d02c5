"""Which method produced a number: method cues in a sentence and their scope in a paragraph.

Cues are read through the normalizer's method vocabulary (`normalize_method`, one home). The
scope of a cue is the number's sentence first (the nearest cue before it, else one after it in
its clause; inside a comparison, the comparison's own), then the paragraph, by kind of number
(`carried_method`): a hop's barrier takes the nearest method that computes barriers, a
conductivity never an NEB. A generic "molecular dynamics" takes the flavour the paragraph names
(`specific_method`). `says_computed` tells a computation from arithmetic on measured data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.normalize import normalize_method

COMPUTED_WORDS = re.compile(
    r"calculat|comput|simulat|predict|first[- ]principles|\bdft\b|ab initio|\bneb\b|\baimd\b|"
    r"\bmd\b|molecular dynamics|theoretical|bvse|bond[- ]valence|mlip|"
    # an interatomic potential, not a "potential candidate" or an electrode potential
    r"(?:interatomic|learned|learning|neural[- ]network|empirical|deep|universal|ml|pair) potential",
    re.IGNORECASE,
)
# "calculated from the Arrhenius plot", "estimated by fitting the impedance": arithmetic on
# measured data, not a computation. Blanked before `COMPUTED_WORDS` is asked.
FROM_DATA = re.compile(
    r"(?:calculat|estimat|determin|deriv|obtain|extract|evaluat)\w*\s+(?:from|by|using|via|with|through|in)\s+"
    r"(?:the\s+|an?\s+|a\s+linear\s+)?(?:arrhenius|impedance|fit|slope|linear|measur|experiment|nmr|eis|"
    r"conductivit|temperature|equation|data|plot|nernst|vogel|vft|fig|table)",
    re.IGNORECASE,
)


# "Estimated" is computed when it qualifies the property ("an estimated conductivity"), or in
# a paragraph that already speaks of computations; an experimentalist's "estimated to be" is not.
_ESTIMATED_PROPERTY = re.compile(
    r"\bestimated\s+(?:[\w-]+\s+){0,3}(?:conductivit|activation|barrier|migration|diffusivit)",
    re.IGNORECASE,
)
_ESTIMATED = re.compile(r"\bestimat", re.IGNORECASE)


def says_computed(text: str, computational_paragraph: bool = False) -> bool:
    """Does the text speak of a computation (not of arithmetic on measured data)?"""
    text = FROM_DATA.sub(" ", text)
    return bool(
        COMPUTED_WORDS.search(text)
        or _ESTIMATED_PROPERTY.search(text)
        or (computational_paragraph and _ESTIMATED.search(text))
    )


# The barrier of one hop ("migration energy", "hopping barrier", E_m, E_KRA): what NEB, BVSE
# or metadynamics give; an experiment measures an activation energy, never one hop's barrier.
HOP_BARRIER = re.compile(
    r"migration|hopping|\bjump|\bE\s?_?m(?:ig)?\b|KRA|\bhops?\b", re.IGNORECASE
)
BARRIER_METHODS = ("NEB", "CI-NEB", "MLIP-NEB", "BVSE", "MetaD", "FREE-ENERGY")
MD_METHODS = ("AIMD", "MLMD", "CLASSICAL-MD")
COMPUTED_SIGMA = re.compile(r"calculat|comput|simulat|predict|estimat", re.IGNORECASE)

# ---- methods: cues whose text the normalizer turns into a tag ----
METHOD_CUE = re.compile(
    r"\bci-?neb\b|climbing[- ]image(?: nudged elastic band)?|nudged[- ]elastic[- ]band|\bneb\b|"
    r"\baimd\b|ab[- ]initio molecular dynamics|ab[- ]initio md|first[- ]principles molecular dynamics|"
    r"car-parrinello|born-oppenheimer|\bmlmd\b|machine[- ]learn\w*(?:[- ]\w+){0,2} (?:potential|force[- ]field)s?|"
    r"(?:mace|chgnet|m3gnet|nequip|allegro|deepmd|deep potential|sevennet|mattersim)(?:[- ]\w+){0,3}|"
    r"neural[- ]network (?:potential|force[- ]field)s?|moment tensor potentials?|"
    r"meta-?dynamics|kinetic monte[- ]carlo|\bkmc\b|bond[- ]valence(?: site energy| energy landscape)?|\bbvse\b|softbv|"
    r"classical (?:molecular dynamics|md)|force[- ]field (?:molecular dynamics|md)(?: simulations?)?"
    r"(?:,? (?:based on|derived from|fitted to|parameteri[sz]ed (?:on|from|by|with)) "
    r"(?:density[- ]functional|dft|first[- ]principles|ab initio))?|"
    r"(?:machine[- ]learn\w*|\bml)[- ](?:(?:based|driven|accelerated|assisted|enhanced)[- ])?"
    r"(?:molecular dynamics|md\b)|\bdp-?md\b|"
    r"machine[- ]learn\w*(?: methods?| techniques?| approach(?:es)?)?\s+(?:and|with|combined with|"
    r"coupled with|plus)\s+(?:aimd\b|ab[- ]initio molecular dynamics)|"
    r"(?:electrochemical )?impedance(?: spectroscopy)?|\beis\b|\b(?:pfg-?|solid-state |7li |23na )?nmr\b|"
    r"quasi-?elastic neutron|\bqens\b|muon|\bμsr\b|tracer|dc polari[sz]ation|"
    r"\bexperimental(?:ly)?\b|\bexperiments?\b|\bmeasure(?:d|ments?)\b|"
    r"molecular dynamics|\bmd\b(?: simulations?)?",
    re.IGNORECASE,
)
NEB_TAGS = ("NEB", "CI-NEB", "MLIP-NEB")


@dataclass(frozen=True)
class Cue:
    """A method named in the text: its tag, and whether the name is generic ("molecular
    dynamics", "MD simulations": the normalizer's guess, confidence < 1)."""

    tag: str
    generic: bool


@lru_cache(maxsize=4096)
def method_of(text: str) -> Cue | None:
    res = normalize_method(text)
    if not res.method or res.method == "OTHER":
        return None
    return Cue(res.method, res.confidence < 1.0)


# Clauses that corroborate ("in agreement with experiment", "supported by AIMD"): a method
# named there did not produce the number. Blanked (same length) so positions stay valid.
CORROBORATION = re.compile(
    r"(?:in (?:excellent |good |reasonable )?agreement with|consistent with|compar(?:ed|able) (?:with|to)|"
    r"support(?:s|ed|ing)?|validated (?:by|against|with)|confirmed by|benchmark\w*|in line with)[^.;,]*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Cued:
    """One sentence read for methods."""

    text: str  # corroborating clauses blanked
    cues: list[tuple[int, int, Cue]]  # (start, end, cue) outside corroborating clauses
    # (start, end, cues inside) of each corroborating clause: a number stated inside one
    # ("compared with the experimental value of 0.23 eV") takes that clause's method.
    corroborations: list[tuple[int, int, list[tuple[int, int, Cue]]]]


def _cue_list(text: str, offset: int = 0) -> list[tuple[int, int, Cue]]:
    out = []
    for m in METHOD_CUE.finditer(text):
        cue = method_of(m.group(0))
        if cue:
            out.append((offset + m.start(), offset + m.end(), cue))
    return out


def read_cues(sentence: str) -> Cued:
    """The method cues of a sentence, corroborating clauses set apart."""
    spans = [(m.start(), m.end()) for m in CORROBORATION.finditer(sentence)]
    text = CORROBORATION.sub(lambda m: " " * len(m.group(0)), sentence)
    return Cued(
        text,
        _cue_list(text),
        [(a, b, _cue_list(sentence[a:b], a)) for a, b in spans] if spans else [],
    )


@dataclass(frozen=True)
class Near:
    """What one sentence says of the method behind a number at some position."""

    cue: Cue | None  # the method the sentence gives the number, if any
    computed: bool  # the sentence speaks of a computation
    clause_computed: bool  # ... in the number's own clause, before it


def method_near(cued: Cued, pos: int, computational_paragraph: bool = False) -> Near:
    """The method cue for a number at `pos` of a sentence (`cued` is its `read_cues`): the nearest
    cue before it, else a cue after it in the same clause; corroborating clauses do not count,
    unless the number sits in one."""
    text, cues = cued.text, cued.cues
    computed = says_computed(text, computational_paragraph)
    clause_start = max(text.rfind(",", 0, pos), text.rfind(";", 0, pos), 0)
    clause_computed = says_computed(text[clause_start:pos], computational_paragraph)
    for a, b, inside in cued.corroborations:
        if a <= pos < b:
            own = [c for c in inside if c[1] <= pos]
            if own:
                return Near(own[-1][2], computed, clause_computed)
    if not cues:
        return Near(None, computed, clause_computed)
    before = [c for c in cues if c[1] <= pos]
    after = [c for c in cues if c[0] >= pos and not re.search(r"[,;]", text[pos : c[0]])]
    if not before and clause_computed:
        # "our computed activation energy of 0.23 eV is close to the experimental value":
        # a computation named before the number outranks a method named after it.
        return Near(None, True, True)
    if not before and not after:
        return Near(None, computed, clause_computed)
    if len({c[2].tag for c in cues}) == 1:
        # The sentence as a whole is more specific: "MACE ... NEB" is MLIP-NEB,
        # "molecular dynamics with a moment tensor potential" is MLMD.
        whole = method_of(text)
        return Near(whole or cues[0][2], computed, clause_computed)
    return Near(before[-1][2] if before else after[0][2], computed, clause_computed)


def carried_method(earlier: list[Cue], kind: str) -> Cue | None:
    """The method an earlier sentence of the paragraph named that fits this kind of number.

    A hop's barrier takes the nearest method that computes barriers (NEB, BVSE, ...) even
    when an MD run was named after it; a conductivity never takes an NEB (it gives barriers
    only); otherwise the nearest method named."""
    if kind == "barrier":
        fits = [c for c in earlier if c.tag in BARRIER_METHODS] or earlier
    elif kind == "sigma":
        fits = [c for c in earlier if c.tag not in NEB_TAGS]
    else:
        fits = earlier
    return fits[-1] if fits else None


def specific_method(cue: Cue, paragraph_cues: list[list[Cue]], k: int) -> Cue:
    """A generic MD ("molecular dynamics") takes the flavour the paragraph names elsewhere
    (AIMD, a machine-learned potential, a force field), nearest sentence first."""
    if not cue.generic:
        return cue
    for j in sorted(range(len(paragraph_cues)), key=lambda j: (abs(j - k), j > k)):
        specific = [c for c in paragraph_cues[j] if not c.generic and c.tag in MD_METHODS]
        if specific:
            return specific[0]
    return cue

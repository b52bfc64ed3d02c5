"""Deterministic extraction: every transport number stated in a text, as a candidate row.

Offline and fast (regular expressions over normalized text). A number counts when a unit of
conductivity or energy follows it; the clause before it decides the property and whether it is
excluded (a bound alone, an electronic conductivity, a formation energy, ...). The method is
the nearest method cue in the sentence (read through the normalizer's method vocabulary; inside
a comparison, the comparison's own), else the paragraph's: a hop's barrier takes the nearest
method that computes barriers (NEB, BVSE, ...), a conductivity never an NEB, and a generic
"molecular dynamics" the flavour the paragraph names (AIMD, a machine-learned potential). With
no method named: a hop's barrier is computed (OTHER; no experiment measures one hop), and a
conductivity or activation energy is experiment unless its text speaks of a computation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.extract.candidate import Candidate
from auditor.extract.methods import (
    BARRIER_METHODS,
    COMPUTED_SIGMA,
    FROM_DATA,
    HOP_BARRIER,
    NEB_TAGS,
    Cue,
    carried_method,
    method_near,
    read_cues,
    specific_method,
)
from auditor.extract.textclean import clean_document
from auditor.normalize import normalize_entity
from auditor.normalize.aliases import ACRONYMS
from core.units import ReportedValueError, parse_value, unit_label

ENGINE = "rules"

# ---- numbers and units (on text after `textclean.normalize_chars`) ----
_MANT = r"\d+(?:\.\d+)?(?:\(\d+\))?"
_PM = r"(?:\s*(?:±|\+/-)\s*\d+(?:\.\d+)?)"
_EXP10 = r"(?:\s*×\s*10\^[-+]?\d{1,2})"
_CI = r"(?:\s*\[\s*\d+(?:\.\d+)?\s*,\s*\d+(?:\.\d+)?\s*\])"  # 15.7 [4.7, 51.9]
_VAL = (
    rf"(?:10\^[-+]?\d{{1,2}}|\(\s*{_MANT}{_PM}\s*\){_EXP10}"
    rf"|{_MANT}(?:[eE][-+]?\d{{1,2}})?{_PM}?{_EXP10}?{_CI}?)"
)
_UNIT = (
    r"(?:[mµu]?S\s*(?:·\s*)?(?:cm-1|/\s*cm\b|m-1|/\s*m\b)"
    r"|kJ\s*(?:·\s*)?(?:mol-1|/\s*mol\b)|m?eV\b)"
)
_SEP = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s*(?:-|to|and|or|~)\s*)"
_MENTION = re.compile(
    rf"(?<![\w.^/×-])(?P<vals>{_VAL}(?:{_SEP}{_VAL})*)\s*(?P<unit>{_UNIT})(?![A-Za-z])"
)
# `1.2 × 10^-4 S cm-1 to 3.4 × 10^-3 S cm-1`: a range with the unit on both ends.
_UNIT_RANGE = re.compile(
    rf"(?<![\w.^/×-])(?P<vals>{_VAL}\s*(?P<u1>{_UNIT})\s*(?:-|to)\s*{_VAL})\s*(?P<unit>{_UNIT})(?![A-Za-z])"
)
_ITEM = re.compile(_VAL)
# What follows an energy unit and makes it something else (energy per atom: a stability).
_PER_ATOM = re.compile(r"^\s*(?:/\s*atom|per atom|atom-1|/\s*f\.u\.|per formula)", re.I)

# ---- qualifiers ----
_BOUND_WORDS = (
    r">|<|≥|≤|>=|<=|exceed(?:s|ing)?|above|over|beyond|below|under|higher than|lower than|"
    r"more than|less than|greater than|larger than|smaller than|at least|at most|in excess of|"
    r"of over|of above|surpass(?:es|ing)?|not (?:less|more|lower|higher) than"
)
_QUALIFIER = re.compile(
    rf"(?P<q>~|≈|≃|ca\.|about|approximately|approx\.|around|nearly|almost|roughly|"
    rf"(?:of |on )?the order of|order of|"
    rf"up to|as high as|as low as|reaching|{_BOUND_WORDS})\s*(?:of\s*)?(?:~\s*)?$",
    re.IGNORECASE,
)
_UPTO = {"up to", "as high as", "as low as", "reaching"}
_RANGE_START = re.compile(r"(?:between|from|range(?:s|d)? (?:of|from)?|within)\s*(?:~\s*)?$", re.I)

# ---- what the clause says the number is ----
_SIGMA_NOUNS = re.compile(
    r"(?:(?P<kind>electronic|electron(?!eg)|hole|ionic|ion|li\+?|na\+?|lithium|sodium|"
    r"total|bulk|grain[- ]boundary|proton)\s*(?:-?\s*ion)?\s*)?conduct(?:ivity|ivities|ion|ing)",
    re.IGNORECASE,
)
_ENERGY_NOUNS = re.compile(
    r"(?P<noun>activation (?:energ(?:y|ies)|barriers?|enthalp(?:y|ies))|migration (?:energ(?:y|ies)|barriers?|enthalp(?:y|ies))|"
    r"(?:energy|diffusion|hopping|migration|jump|transport|kinetic) barriers?|barriers?|"
    r"\bE\s?a\b|\bE\s?m\b|\bEa\b|\bEm\b|\bE_?(?:a|act|m|mig)\b|\bE\s?KRA\b|"
    r"formation energ(?:y|ies)|binding energ(?:y|ies)|adsorption energ(?:y|ies)|segregation energ(?:y|ies)|"
    r"energy above (?:the )?(?:convex )?hull|e_?hull|band ?gaps?|cohesive energ(?:y|ies)|reaction energ(?:y|ies)|"
    r"decomposition energ(?:y|ies)|trapping energ(?:y|ies)|association energ(?:y|ies)|"
    r"desolvation energ(?:y|ies)|interfacial|interface|charge[- ]transfer|work function|"
    r"exchange energ(?:y|ies)|dissociation energ(?:y|ies)|defect energ(?:y|ies))",
    re.IGNORECASE,
)
_NOT_BARRIER = {
    "formation": "a formation energy, not a transport barrier",
    "binding": "a binding energy, not a transport barrier",
    "adsorption": "an adsorption energy, not a transport barrier",
    "segregation": "a segregation energy, not a transport barrier",
    "energy above": "an energy above hull (stability), not a transport barrier",
    "ehull": "an energy above hull (stability), not a transport barrier",
    "e_hull": "an energy above hull (stability), not a transport barrier",
    "band": "a band gap, not a transport barrier",
    "cohesive": "a cohesive energy, not a transport barrier",
    "reaction": "a reaction energy, not a transport barrier",
    "decomposition": "a decomposition energy, not a transport barrier",
    "trapping": "a trapping energy, not a migration barrier",
    "association": "an association energy, not a migration barrier",
    "desolvation": "a desolvation energy (interfacial), not a bulk barrier",
    "interfacial": "an interfacial activation energy, not a bulk transport barrier",
    "interface": "an interfacial activation energy, not a bulk transport barrier",
    "charge": "a charge-transfer activation energy, not a bulk transport barrier",
    "work": "a work function, not a transport barrier",
    "exchange": "an exchange energy, not a transport barrier",
    "dissociation": "a dissociation energy, not a transport barrier",
    "defect": "a defect energy, not a transport barrier",
}
_CHANGE_BEFORE = re.compile(
    r"(?:reduc|decreas|lower|increas|rais|drop|enhanc|improv|shift|chang|differ|declin|rise|rose|"
    r"elevat|suppress|cut)\w*(?:\s+[\w-]+){0,5}?\s+(?:by|of)\s*(?:only\s+|about\s+|approximately\s+|~\s*)?$"
    r"|\bΔ\s*E\w*\s*(?:=|of|is)?\s*$|difference (?:of|is|was)\s*(?:only\s+|about\s+|~\s*)?$",
    re.IGNORECASE,
)
_CHANGE_AFTER = re.compile(
    r"^\s*(?:lower|higher|smaller|larger|less|more|greater|reduction|decrease|increase|drop)\b",
    re.IGNORECASE,
)
_LIQUID = re.compile(r"liquid(?:\s+\w+){0,2}\s+electrolytes?|organic electrolytes?", re.I)
# A conductivity the field wants, not one a material has ("practically useful conductivities
# of 10−2 S/cm").
_TARGET = re.compile(
    r"(?:practically useful|useful|required|needed|necessary|desired|desirable|targeted|target|"
    r"sufficient)\s+(?:[\w-]+\s+){0,3}conductivit\w*\s+(?:of\s+|above\s+|around\s+)?(?:~\s*)?$",
    re.IGNORECASE,
)


# ---- materials ----
_ELEMENTS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se "
    "Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb "
    "Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Th U".split()
)
_FORMULA_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:\(?[A-Z][a-z]?[0-9.xyzδ+\-]*\)?[0-9.]*){2,}(?:·\s*\d*(?:\.\d+)?[A-Z][A-Za-z0-9]*)?"
)
_ACRONYM_RE = re.compile(
    r"(?<![A-Za-z0-9])("
    + "|".join(sorted(map(re.escape, ACRONYMS), key=len, reverse=True))
    + r")(?![A-Za-z0-9])"
)
_TEMPERATURE = re.compile(
    r"(?:(?:from|between)\s+)?-?\d+(?:\.\d+)?\s*(?:(?:-|to|and)\s*-?\d+(?:\.\d+)?\s*)?(?:°\s?C|K)\b"
    r"|room[- ]temperature|\bRT\b|ambient temperature",
    re.IGNORECASE,
)
_ABBREV = re.compile(
    r"(?:\bet al|\bFig|\bFigs|\bRef|\bRefs|\bca|\bapprox|\bvs|\bi\.e|\be\.g|\bEq|\bEqs|\bNo|\bcf|\bresp|\bc\.f)\.$"
)
_SENTENCE_END = re.compile(r"[.!?](?=\s+(?:[A-Z(\[]|\d))")
MAX_QUOTE_CHARS = 600


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of one paragraph; abbreviations and decimals do not end one."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        if _ABBREV.search(paragraph[max(start, m.start() - 8) : m.end()]):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(paragraph) and paragraph[start] == " ":
            start += 1
    if start < len(paragraph):
        spans.append((start, len(paragraph)))
    return spans


def _materials(sentence: str) -> list[tuple[int, str]]:
    """(position, text) of every formula-like token or known acronym in a sentence."""
    found = []
    for m in _FORMULA_TOKEN.finditer(sentence):
        token = m.group(0).rstrip(".,;:-+")
        # "(25 mS cm−1 for Li9.54Si1.74P1.44S11.7Cl0.3)": the bracket closes the aside.
        while token.endswith(")") and token.count(")") > token.count("("):
            token = token[:-1]
        start = m.start()
        while token.startswith("(") and token.count("(") > token.count(")"):
            token, start = token[1:], start + 1
        symbols = re.findall(r"[A-Z][a-z]?", token)
        if len(symbols) < 2 or any(s not in _ELEMENTS for s in symbols):
            continue
        if not re.search(r"\d", token):  # "LiCl" reads; "Li Na" joined words do not
            if len(symbols) > 3:
                continue
        found.append((start, token))
    found += [(m.start(), m.group(1)) for m in _ACRONYM_RE.finditer(sentence)]
    return sorted(found)


@lru_cache(maxsize=4096)
def resolve_material(material: str) -> tuple[str | None, str | None]:
    """(normalized formula, None) or (None, why the name gives no formula), by the normalizer."""
    res = normalize_entity(material)
    return res.formula, (None if res.formula else res.reason or "the name gives no one formula")


def parse_printed(value_text: str) -> tuple[float, float | None, float | None]:
    """A printed number (`6.42 × 10^-3`, `0.16(1)`, `10^-4`, `0.2-0.3`) -> (value, low, high).

    Raises:
        ReportedValueError: when the text is not one number or range.
    """
    text = re.sub(
        rf"\(\s*({_MANT})\s*(?:±|\+/-)\s*[\d.]+\s*\)\s*×\s*10\^([-+]?\d+)", r"\1e\2", value_text
    )
    text = re.sub(r"(\d)\(\d+\)", r"\1", text)
    text = re.sub(r"\s*\[[^\]]*\]", "", text)  # a confidence interval after the value
    text = re.sub(r"(\d)\s*(?:±|\+/-)\s*[\d.]+", r"\1", text)
    text = re.sub(r"(\d)\s*×\s*10\^([-+]?\d+)", r"\1e\2", text)
    text = re.sub(r"(?<![\d.])10\^([-+]?\d+)", r"1e\1", text)
    text = re.sub(
        r"\s*(?:[mµu]?S\s*(?:·\s*)?(?:cm-1|/\s*cm|m-1|/\s*m)|m?eV|kJ\s*/?\s*mol-?1?)\s*", " ", text
    )
    text = (
        re.sub(r"\s*~\s*(?=\d)", " to ", text.strip()) if re.search(r"\d\s*~\s*\d", text) else text
    )
    parsed = parse_value(text.strip())
    return parsed.value, parsed.low, parsed.high


@dataclass
class _Mention:
    start: int
    end: int
    vals: str
    vals_start: int
    unit: str


def _mentions(sentence: str) -> list[_Mention]:
    out, taken = [], []
    for m in _UNIT_RANGE.finditer(sentence):
        if unit_label(m.group("u1")) == unit_label(m.group("unit")):
            out.append(
                _Mention(m.start(), m.end(), m.group("vals"), m.start("vals"), m.group("unit"))
            )
            taken.append((m.start(), m.end()))
    for m in _MENTION.finditer(sentence):
        if any(a <= m.start() < b for a, b in taken):
            continue
        out.append(_Mention(m.start(), m.end(), m.group("vals"), m.start("vals"), m.group("unit")))
    return sorted(out, key=lambda x: x.start)


def _items(mention: _Mention, before: str) -> list[tuple[str, int, bool]]:
    """The numbers of a mention: (value_text, offset in the sentence, is_range)."""
    vals = mention.vals
    items = [(m.group(0), m.start()) for m in _ITEM.finditer(vals)]
    if _UNIT_RANGE.fullmatch(vals + " " + mention.unit) or len(items) == 1:
        return [(vals.strip(), mention.vals_start, len(items) > 1)]
    seps = [vals[a[1] + len(a[0]) : b[1]].strip() for a, b in zip(items, items[1:], strict=False)]
    is_range = len(items) == 2 and (
        seps[0] in ("-", "to", "~") or (seps[0] == "and" and _RANGE_START.search(before))
    )
    if is_range:
        return [(vals.strip(), mention.vals_start, True)]
    # A list ("0.30, 0.32 and 0.35 eV"): one candidate per number, the unit shared.
    out = []
    for text, off in items:
        out.append((text, mention.vals_start + off, False))
    return out


def _nearest_noun(pattern: re.Pattern, text: str) -> re.Match | None:
    last = None
    for last in pattern.finditer(text):  # noqa: B007 - the last match is the nearest one
        pass
    return last


def _energy_kind(near: str, sentence_before: str) -> str:
    """`barrier` when the energy is named as one hop's barrier, else `energy`."""
    noun = _nearest_noun(_ENERGY_NOUNS, near) or _nearest_noun(_ENERGY_NOUNS, sentence_before)
    return "barrier" if noun is not None and HOP_BARRIER.search(noun.group(0)) else "energy"


def _exclusion(
    prop: str, near: str, sentence_before: str, after: str, unit_text: str
) -> str | None:
    """Why a number is not a transport candidate (None when it is)."""
    if prop == "sigma":
        noun = _nearest_noun(_SIGMA_NOUNS, near) or _nearest_noun(_SIGMA_NOUNS, sentence_before)
        kind = (noun.group("kind") or "") if noun else ""
        if kind.lower().startswith(("electron", "hole")):
            return "an electronic conductivity, not an ionic one"
        if _LIQUID.search(near[-90:]):
            return "a liquid electrolyte's conductivity"
        if _TARGET.search(near):
            return "a conductivity the text sets as a target, not one a material has"
        return None
    if _PER_ATOM.match(after):
        return "an energy per atom (stability), not a transport barrier"
    noun = _nearest_noun(_ENERGY_NOUNS, near) or _nearest_noun(_ENERGY_NOUNS, sentence_before)
    if noun is None:
        return "the energy is not named as an activation energy or barrier"
    key = noun.group("noun").lower().split()[0].split("-")[0]
    if key in _NOT_BARRIER:
        return _NOT_BARRIER[key]
    # "interfacial charge-transfer activation energy": the modifier decides, not the noun.
    modifier = re.search(
        r"(interfac\w*|charge[- ]transfer|desolvation)\W+(?:\w+\W+){0,3}$",
        (near if noun.re.search(near) else sentence_before)[: noun.start()],
        re.IGNORECASE,
    )
    if modifier:
        return _NOT_BARRIER[
            "charge" if modifier.group(1).lower().startswith("charge") else "interfacial"
        ]
    if re.match(r"e_?hull", key):
        return _NOT_BARRIER["ehull"]
    if _LIQUID.search(near[-90:]):
        return "a liquid electrolyte's activation energy"
    return None


def _temperature(sentence: str, start: int, end: int) -> str | None:
    """The temperature written nearest to the number, in its sentence."""
    best, dist = None, 10**9
    for m in _TEMPERATURE.finditer(sentence):
        if m.start() < end and m.end() > start:
            continue
        d = m.start() - end if m.start() >= end else start - m.end()
        d = d if m.start() >= end else d * 1.5  # a temperature usually follows its value
        if d < dist and d < 160:
            best, dist = m.group(0), d
    return best


def _quote(sentence: str, start: int, end: int) -> tuple[str, int]:
    """The sentence, or for a very long one the clauses around the number; (quote, offset)."""
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence, 0
    left = max(sentence.rfind(";", 0, start), sentence.rfind(", ", 0, max(0, start - 150)))
    left = left + 1 if left >= 0 else max(0, start - 300)
    right_candidates = [
        i for i in (sentence.find(";", end), sentence.find(", ", end + 80)) if i >= 0
    ]
    right = min(right_candidates) if right_candidates else min(len(sentence), end + 200)
    q = sentence[left:right].strip()
    return q, sentence.find(q)


def extract_rules(text: str, *, cleaned: bool = False, file: str | None = None) -> list[Candidate]:
    """Every stated transport number of a text as a candidate (excluded ones keep their reason).

    Args:
        text: the document; cleaned with `clean_document` unless `cleaned` says it already is.
        file: the file name to carry on each candidate.
    """
    doc = text if cleaned else clean_document(text)
    out: list[Candidate] = []
    first_material: str | None = None
    offset = 0
    for paragraph in doc.split("\n\n"):
        para_start = doc.find(paragraph, offset)
        offset = para_start + len(paragraph)
        last_material: str | None = None
        sentences = [(a, b, paragraph[a:b].rstrip()) for a, b in split_sentences(paragraph)]
        # Scope of a method: the number's sentence first, then the paragraph.
        cued = [read_cues(sent) for _, _, sent in sentences]
        paragraph_cues = [[c for _, _, c in one.cues] for one in cued]
        earlier: list[Cue] = []  # methods named (or given to numbers) so far, in order
        last_computed = False
        para_computed = False  # an earlier sentence of the paragraph spoke of a computation
        for k, (s0, _s1, sentence) in enumerate(sentences):
            mats = _materials(sentence)
            if first_material is None and mats:
                first_material = mats[0][1]
            prev_end = 0
            for mention in _mentions(sentence):
                unit = unit_label(mention.unit)
                if unit is None:
                    continue
                prop = "sigma" if "/cm" in unit or unit == "S/m" else "energy"
                before = sentence[: mention.vals_start]
                near = sentence[max(prev_end, mention.vals_start - 150) : mention.vals_start]
                after = sentence[mention.end : mention.end + 40]
                why_not = _exclusion(prop, near, before, after, mention.unit)
                items = _items(mention, before)
                kind = "sigma" if prop == "sigma" else _energy_kind(near, before)
                said = method_near(cued[k], mention.vals_start, para_computed)
                cue, computed = said.cue, said.computed
                if cue is None:
                    carried = carried_method(earlier, kind)
                    # A computed method carries over from earlier sentences only into a
                    # sentence that speaks of a computation, or follows one (a hop's barrier
                    # always takes the paragraph's barrier method); an experiment carries
                    # freely, except into a clause that says the number was computed.
                    if carried is not None and (
                        (carried.tag == "EXP" and not said.clause_computed)
                        or (carried.tag != "EXP" and (computed or last_computed))
                        or (kind == "barrier" and carried.tag in BARRIER_METHODS)
                    ):
                        cue = carried
                if cue is not None:
                    cue = specific_method(cue, paragraph_cues, k)
                method = cue.tag if cue else None
                for value_text, pos, is_range in items:
                    qual_match = _QUALIFIER.search(sentence[max(0, pos - 30) : pos])
                    qualifier = "range" if is_range else "="
                    excluded = why_not
                    if qual_match:
                        q = qual_match.group("q").lower()
                        if re.fullmatch(_BOUND_WORDS, q, re.IGNORECASE):
                            excluded = (
                                excluded or f"a bound alone ({q} {value_text} {mention.unit})"
                            )
                            qualifier = (
                                ">"
                                if q in (">", "≥", ">=")
                                or "than" not in q
                                and q not in ("<", "≤", "<=", "below", "under", "at most")
                                else "<"
                            )
                        elif q in _UPTO:
                            qualifier = "up to"
                        else:
                            qualifier = "~"
                    if (
                        excluded is None
                        and prop == "energy"
                        and (
                            _CHANGE_BEFORE.search(sentence[max(0, pos - 80) : pos])
                            or (len(items) == 1 and _CHANGE_AFTER.match(sentence[mention.end :]))
                        )
                    ):
                        excluded = "a change of a barrier, not a barrier"
                    tag = method
                    if prop == "energy":
                        # The store's convention: an NEB energy is the barrier of one hop (Em);
                        # activation energies from experiment, MD, BVSE or unnamed calculations
                        # stay Ea (db.loaders.literature does the same).
                        prop_final = "Em" if tag in NEB_TAGS else "Ea"
                        if tag is None:  # a sentence after a calculation reports its result;
                            # no experiment measures one hop's barrier: computed, unnamed.
                            tag = (
                                "OTHER" if computed or last_computed or kind == "barrier" else "EXP"
                            )
                    else:
                        prop_final = "sigma"
                        if tag is None:
                            says = COMPUTED_SIGMA.search(FROM_DATA.sub(" ", sentence))
                            tag = "OTHER" if (computed and says) or last_computed else "EXP"
                    try:
                        value, low, high = parse_printed(value_text)
                    except ReportedValueError as exc:
                        value, low, high = None, None, None
                        excluded = excluded or f"the number cannot be read: {exc}"
                    before_mats = [t for p, t in mats if p < pos]
                    after_mats = [t for p, t in mats if p >= pos]
                    material = (
                        (before_mats[-1] if before_mats else None)
                        or (after_mats[0] if after_mats else None)
                        or last_material
                        or first_material
                    )
                    formula, formula_reason = (
                        resolve_material(material)
                        if material
                        else (None, "no material named in the text")
                    )
                    quote, q_off = _quote(sentence, pos, mention.end)
                    out.append(
                        Candidate(
                            material=material,
                            formula=formula,
                            formula_reason=formula_reason,
                            property=prop_final,
                            value_text=value_text,
                            value=value,
                            low=low if is_range else None,
                            high=high if is_range else None,
                            qualifier=qualifier,
                            unit=unit,
                            temperature_text=_temperature(sentence, pos, mention.end),
                            method=tag,
                            quote=quote,
                            engine=ENGINE,
                            excluded=excluded,
                            file=file,
                            start=para_start + s0 + q_off,
                        )
                    )
                prev_end = mention.end
                if cue is not None:
                    earlier.append(cue)
            if mats:
                last_material = mats[-1][1]
            earlier.extend(paragraph_cues[k])
            end = method_near(cued[k], len(sentence), para_computed)
            if end.cue is not None:
                earlier.append(end.cue)
            last_computed = end.computed
            para_computed = para_computed or end.computed
    return out

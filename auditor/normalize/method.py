"""Free-text method descriptions to a tag of `core.vocab.METHOD_TAGS`, details kept.

The sampling method decides the tag: metadynamics driven by AIMD is MetaD, NEB run with a
foundation potential is MLIP-NEB. Clauses that only corroborate ("verified by AIMD",
"consistent with NMR", "trained on DFT") are cut before matching, so they never decide.
"""

from __future__ import annotations

import re
from functools import lru_cache

from auditor.normalize.results import MethodResult
from core.vocab import METHOD_TAGS

# Named machine-learned interatomic potentials (and the generic words for one). `GAP` after
# "band" is a band gap, and `ORB` must stand alone (not "orbital").
_MLIP = (
    r"(?:mace|chgnet|m3gnet|sevennet|matgl|\borb\b|mattersim|nequip|allegro|deepmd|deep[- ]potential|"
    r"\bdp[- ]?gen\b|\bmtp\b|moment[- ]tensor|(?<!band )\bgap\b|\bsnap\b|\bnnps?\b|\bmlips?\b|"
    r"\bmlffs?\b|equiformer|\bpainn\b|\bmlps?[- ](?:driven|md\b|molecular)|\bml[- ]?ff\b|\bml[- ]potential|machine[- ]learn\w*\s+(?:interatomic\s+)?"
    r"(?:potential|force[- ]field)|neural[- ]network\s+(?:interatomic\s+)?(?:potential|force[- ]field)|"
    r"universal\s+(?:interatomic\s+)?potential|foundation\s+(?:model|potential))"
)
_NEB = r"(?:\bc?i?-?neb\b|nudged[- ]elastic[- ]band|elastic band)"
# MD that machine learning drives, spelled without naming a potential: "machine-learning
# molecular dynamics", "ML-MD", "DPMD" (deep potential MD), and "machine-learning methods and
# AIMD" (a potential learned from AIMD, then run: the AIMD is its training data).
_ML_MD = (
    r"(?:machine[- ]learn\w*|\bml)[- ](?:(?:based|driven|accelerated|assisted|enhanced)[- ])?"
    r"(?:molecular dynamics|md\b)|\bdp-?md\b|machine[- ]learn\w*(?: methods?| techniques?| approach(?:es)?)?"
    r"\s+(?:and|with|combined with|coupled with|plus)\s+(?:aimd\b|ab[- ]initio molecular dynamics)"
)
# A force field fitted to DFT is not an empirical one (CLASSICAL-MD), and the text does not say
# whether it is machine-learned (MLMD): computed, method not named (the curated table's tag).
_DFT_FORCE_FIELD = (
    r"force[- ]field (?:molecular dynamics|md)(?: simulations?)?,? (?:based on|derived from|"
    r"fitted to|parameteri[sz]ed (?:on|from|by|with)) (?:density[- ]functional|dft|first[- ]principles|ab initio)"
    r"|(?:dft|first[- ]principles|ab[- ]initio)[- ](?:based|derived|fitted|parameteri[sz]ed) force[- ]field"
)
# (tag, pattern, confidence), checked in order: the first match decides.
_RULES: tuple[tuple[str, str, float], ...] = (
    ("MetaD", r"meta-?dynamics|\b(?:wt-?)?metad\b", 1.0),
    (
        "FREE-ENERGY",
        r"umbrella[- ]sampling|thermodynamic[- ]integration|(?-i:\bTI\b)|free[- ]energy perturbation|"
        r"\bfep\b|blue[- ]moon|jarzynski|steered (?:md|molecular dynamics)|constrained (?:ab initio )?(?:md|molecular dynamics)",
        1.0,
    ),
    ("KMC", r"kinetic monte[- ]carlo|\bkmc\b", 1.0),
    ("MLIP-NEB", rf"{_MLIP}[^;]*{_NEB}|{_NEB}[^;]*{_MLIP}|mlip-neb", 1.0),
    ("CI-NEB", r"\bc-?i?-?neb\b|climbing[- ]image", 1.0),
    ("NEB", _NEB, 1.0),
    ("MLMD", rf"\bmlmd\b|mlip[- ]?md|{_MLIP}|{_ML_MD}", 1.0),
    (
        "AIMD",
        r"\baimd\b|\bfpmd\b|\bbomd\b|\bcpmd\b|\bqmd\b|ab[- ]initio (?:molecular dynamics|md)|"
        r"first[- ]principles (?:and \w+ )?(?:molecular dynamics|md)|car-parrinello|born-oppenheimer|"
        r"\bdft[- ]?(?:driven |based )?(?:md|molecular dynamics)\b|ab initio md",
        1.0,
    ),
    ("OTHER", _DFT_FORCE_FIELD, 0.6),
    (
        "CLASSICAL-MD",
        r"classical (?:molecular dynamics|md)|force[- ]field (?:molecular dynamics|md)|empirical potential|"
        r"buckingham|reaxff|\bgulp\b|interatomic potential md",
        1.0,
    ),
    ("BVSE", r"\bbvse\b|bond[- ]valence|softbv|\bbvs\b|\bbvel\b", 1.0),
    (
        "ML",
        r"gradient[- ]boost\w*|xgboost|lightgbm|catboost|random[- ]forest|crabnet|\broost\b|megnet|"
        r"cgcnn|alignn|elemnet|matinformer|attention-based network|transformer (?:model|prediction)|"
        r"ensemble (?:\w+ )?(?:models?|predictors?|regressors?)|predictor models?|\bschnet\b|kernel ridge|gaussian[- ]process|support[- ]vector|\bsvr\b|\bgnn\b|"
        r"graph neural network|(?:machine[- ]learn\w*|\bml\b|deep[- ]learning|neural[- ]network)\s+"
        r"(?:\w+\s+)?(?:model|prediction|predicted|regression|regressor|classifier|screening)|"
        r"regression model|regressor|predicted by (?:a |an )?(?:ml|model|machine)",
        1.0,
    ),
    (
        "EXP",
        r"impedance|\beis\b|\bnmr\b|relaxometry|\bqens\b|quasi-?elastic|neutron|tracer|muon|\bμsr\b|"
        r"\bmusr\b|conductivity (?:measurement|spectroscopy)|temperature[- ]dependent conductivity|experiment|measured|measurements?\b|\bexp\b|"
        r"dc polari[sz]ation|spin[- ]lattice",
        1.0,
    ),
    ("AIMD", r"\bmolecular dynamics\b|\bmd simulations?\b", 0.7),
    ("OTHER", r"first[- ]principles|\bdft\b|computed|calculat|predict|estimat|simulat", 0.6),
)
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_EXACT = {tag.lower(): tag for tag in METHOD_TAGS}
_COMPILED = tuple((tag, re.compile(p, re.IGNORECASE), c) for tag, p, c in _RULES)
# Corroborating clauses: they say what else was done, not what gave the number.
_SECONDARY = re.compile(
    r"(?:verified|validated|confirmed|checked)\s+(?:by|with)[^;,)]*|consistent with[^;,)]*|"
    r"with [^;,)]*support|identified from[^;,)]*|trained on[^;,)]*|as reported by[^;,)]*|"
    r"\(ref[^)]*\)|\(\w+ not stated\)|does not name[^;,)]*|refs? \d+[^;,)]*|specific [^;]*not stated[^;]*|method not (?:stated|named)[^;]*",
    re.IGNORECASE,
)
_FUNCTIONAL = re.compile(
    r"\b(r2SCAN|SCAN|PBEsol|PBE0|PBE\+U|PBE|HSE0?6?|GGA\+U|GGA|LDA\+U|LDA|optB88(?:-vdW)?|vdW-DF2?|revPBE|PW91|B3LYP|DFT-D3|D3)\b",
    re.IGNORECASE,
)
_POTENTIAL = re.compile(
    r"\b(MACE(?:-MP-0)?|CHGNet|M3GNet|SevenNet|MatterSim|ORB|DeePMD|DeepMD|NequIP|Allegro|GAP|MTP|SNAP|ReaxFF|Buckingham|softBV)\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"\b(VASP|CP2K|Quantum ESPRESSO|QE|LAMMPS|CASTEP|SIESTA|GPAW|ABINIT)\b")
_T_RANGE = re.compile(
    r"(-?\d+(?:\.\d+)?)\s*(?:-|to|–)\s*(-?\d+(?:\.\d+)?)\s*(K|°C|° C|C)\b", re.IGNORECASE
)
_EXTRAP = re.compile(r"extrapolat\w*(?:\s+to\s+(\d+(?:\.\d+)?)\s*(K|°C))?", re.IGNORECASE)
_ENSEMBLE = re.compile(r"\b(NVT|NPT|NVE)\b")


def method_details(text: str) -> dict:
    """The functional, potential, code, ensemble, temperature range and extrapolation named."""
    details: dict = {}
    if m := _FUNCTIONAL.findall(text):
        details["functional"] = sorted(set(m), key=m.index)
    if m := _POTENTIAL.findall(text):
        details["potential"] = sorted(set(m), key=m.index)
    if m := _CODE.findall(text):
        details["code"] = sorted(set(m), key=m.index)
    if m := _ENSEMBLE.findall(text):
        details["ensemble"] = sorted(set(m), key=m.index)
    if m := _T_RANGE.search(text):
        low, high, unit = float(m.group(1)), float(m.group(2)), m.group(3).replace(" ", "")
        if unit.upper() != "K":
            low, high = low + 273.15, high + 273.15
        details["t_range_k"] = [round(low, 2), round(high, 2)]
    if m := _EXTRAP.search(text):
        target = None
        if m.group(1):
            target = float(m.group(1)) + (273.15 if m.group(2) != "K" else 0.0)
        details["extrapolated_to_k"] = target if target is not None else "stated, target unstated"
    if re.search(r"arrhenius", text, re.IGNORECASE):
        details["arrhenius"] = True
    if re.search(r"cited|as summarized|as reported|quoted|review", text, re.IGNORECASE):
        details["secondary"] = True
    return details


@lru_cache(maxsize=65536)
def normalize_method(text: str) -> MethodResult:
    """Map a method description onto `core.vocab.METHOD_TAGS`.

    Args:
        text: the method as the source describes it ("CI-NEB (PBE)", "AIMD 600-1200 K").

    Returns:
        A `MethodResult`; `method` is None (with a reason) for empty input.
    """
    if not isinstance(text, str) or not text.strip():
        return MethodResult(str(text or ""), None, {}, 0.0, reason="empty input")
    clean = re.sub(r"\s+", " ", text.translate(_DASHES)).strip()
    exact = _EXACT.get(clean.lower())
    if exact:  # the vocabulary's own tag, as an upload template writes it
        return MethodResult(text, exact, {}, 1.0, reason=f"the tag {exact} itself")
    primary = _SECONDARY.sub(" ", clean)
    for tag, pattern, conf in _COMPILED:
        m = pattern.search(primary)
        if m:
            assert tag in METHOD_TAGS
            why = f"matched {m.group(0)!r} -> {tag}"
            if primary != clean:
                why += " (corroborating clauses ignored)"
            return MethodResult(text, tag, method_details(clean), conf, reason=why)
    return MethodResult(text, None, method_details(clean), 0.0, reason="no method named")

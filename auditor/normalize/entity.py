"""Material names to `{formula, family, carrier_ion}` by rules.

Parsing is pymatgen's, through `core.composition.composition_key`; the rules here only rewrite
what the literature writes (acronyms, phase prefixes, x-templates, pseudo-binaries, adducts)
into something pymatgen reads, and say in `reason` every rewrite they made.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from functools import lru_cache

from auditor.normalize.aliases import ACRONYMS, CARRIERS
from auditor.normalize.family import classify_composition, family_from_text, normalize_family_result
from auditor.normalize.results import EntityResult
from auditor.normalize.words import PROPOSAL_CONFIDENCE, StoreIndex, propose, read_words
from core.composition import CompositionError, composition_key
from core.vocab import STRUCTURE_FAMILIES

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_JOINERS = str.maketrans({c: "\u00b7" for c in "*\u2022\u22c5\u2219"})
_ION_WORDS = {
    "lithium": "Li",
    "sodium": "Na",
    "potassium": "K",
    "magnesium": "Mg",
    "calcium": "Ca",
    "zinc": "Zn",
    "aluminium": "Al",
    "aluminum": "Al",
}
# Chemical-class words a name may hold; a structure family read from the composition wins.
_BROAD_CLASSES = frozenset({"oxide", "sulfide", "phosphate", "silicate", "borate", "carbonate"})
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon"}
# Phase / polymorph prefixes: c-, t-, a1-, beta-, O3- (layer stacking), HT-.
_PREFIX = re.compile(
    r"^(?:[a-z]{1,2}\d?|alpha|beta|gamma|delta|epsilon|[αβγδεκ]'?|[OP]\d?|HT|LT|RT)-(?=[A-Z(\[])"
)
_ION_PREFIX = re.compile(r"^(" + "|".join(CARRIERS) + r")-(?=[A-Z(])")  # Devi: Li-Fe(CN)4
_ION_SUFFIX = re.compile(r"_(" + "|".join(CARRIERS) + r")$")  # Devi: Ti2F7_Ca
_TRAILING_GROUP = re.compile(r"\(([^()]*)\)$")
_ASSIGN = re.compile(r"\b([xyzδ])\s*(?:=|≈|~|≃)\s*(\d*\.?\d+)")
_ASSIGN_PHRASE = re.compile(r"[,;]?\s*\(?\s*\b[xyzδ]\s*(?:=|≈|~|≃)\s*\d*\.?\d+\s*\)?")
# A variable sits right after an element, a digit or an operator, and starts no word ("type").
_VARIABLE = re.compile(r"(?:(?<=[A-Z])|(?<=[A-Z][a-z])|(?<=[\d)+\-/]))(?<!D)[xyzδ](?![a-z])")
# PDF scrapes detach subscripts: `Li SiS  4 4`, `Li OCl 3` (an element with no amount before a
# space, and a bare number at the end).
_MANGLED = re.compile(r"\d\s+\d|^(?=.*[A-Za-z]\s+[A-Z]).*\s\d+(?:\.\d+)?\s*$")
_SPACE_GROUP = re.compile(r"^[PCFIRA][-\d/a-z]+$")
_AMOUNT_EXPR = re.compile(r"(?<=[A-Za-z)\]])([0-9.]*(?:[0-9./]|[+\-]?[0-9.]*[xyzδ]|[+\-][0-9.]+)*)")
_COEF = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)(?=[A-Z(\[])")
_WT = re.compile(r"-?\s*\d*\.?\d+\s*wt\s*%.*$", re.IGNORECASE)
_LEADING_ZERO = re.compile(r"(?<=[A-Za-z)])0\d")
_ZERO_FOR_O = re.compile(r"\(([A-Z][a-z]?)0(\d)\)")  # (P04)3: a zero typed for the letter O
_POLONIUM = re.compile(r"Po(?=\d)")
_CAPS_LI = re.compile(r"(?<![A-Za-z])LI(?=[A-Z0-9()]|$)")
_NOT_ELEMENT_D_T = re.compile(r"D(?![bsy])|T(?![abcehilms])")  # pymatgen reads D, T as H
_DESCRIPTOR = re.compile(r"^(?:[a-z][a-z_ -]*|[A-Z]{1,3}|mv|dv|MV|DV|[A-Z][a-z]?\d*/?[a-z0-9]*)$")
# Prose: a name has few plain words; a sentence has many. A formula found in prose must carry a
# mobile ion or sit beside a word that says it is a material ("electrolyte", "garnet", "doped").
_PLAIN_WORD = re.compile(r"\b[a-z]{3,}\b")
PROSE_WORDS = 5
_MATERIAL_CONTEXT = re.compile(
    r"electrolyte|conductor|material|compound|crystal|ceramic|glass|film|pellet|sample|phase|"
    r"powder|doped|substituted|sintered|solid solution|structure|\w+-type|polymorph",
    re.IGNORECASE,
)
_WORD_SPLIT = re.compile(r"[\s,;]+|\s/\s")
_ACRONYM_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*")


class _Unresolved(Exception):
    """A token that is not one formula, with the reason (and the x = 0 parent, if any)."""

    def __init__(self, reason: str, parent: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.parent = parent


def clean_text(raw: str) -> str:
    """Unicode subscripts to digits, dashes to '-', joiners to '·', quotes and blanks trimmed."""
    text = unicodedata.normalize("NFKC", raw)  # ₇ -> 7, full-width letters -> ASCII
    text = text.translate(_DASHES).translate(_JOINERS)
    text = text.replace("\u0305", "").replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip().strip('"').strip("'").strip()
    return text


def _safe_eval(expr: str, values: dict[str, float]) -> float:
    """Evaluate an amount like `2/3-x` or `1+x+y` with only numbers, variables and + - * /."""
    expr = re.sub(r"(\d|\))(?=[xyzδ(])", r"\1*", expr).replace("δ", "d")
    names = {k.replace("δ", "d"): v for k, v in values.items()}
    node = ast.parse(expr, mode="eval").body

    def ev(n: ast.AST) -> float:
        if isinstance(n, ast.Constant) and isinstance(n.value, int | float):
            return float(n.value)
        if isinstance(n, ast.Name):
            if n.id not in names:
                raise KeyError(n.id)
            return names[n.id]
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            a, b = ev(n.left), ev(n.right)
            ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
            return ops[type(n.op)] if type(n.op) in ops else a / b
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        raise ValueError(f"not an amount: {expr!r}")

    return ev(node)


def _fill_template(token: str, values: dict[str, float]) -> tuple[str, list[str]]:
    """Substitute x, y (and fractions like 2/3) in a template; raise _Unresolved if x is unset."""
    missing: set[str] = set()

    def amounts(vals: dict[str, float]) -> str:
        def repl(m: re.Match) -> str:
            expr = m.group(1)
            if not expr or not re.search(r"[xyzδ/+\-]", expr):
                return expr
            try:
                value = _safe_eval(expr, vals)
            except KeyError as exc:
                missing.add(str(exc.args[0]))
                return expr
            except (ValueError, SyntaxError, ZeroDivisionError) as exc:
                raise _Unresolved(f"cannot read amount {expr!r}") from exc
            if value < -1e-9:
                raise _Unresolved(f"amount {expr!r} is negative for {vals}")
            return f"{max(value, 0.0):.6f}"

        return _AMOUNT_EXPR.sub(repl, token)

    filled = amounts(values)
    if missing:
        parent = None
        try:
            parent = composition_key(amounts(dict.fromkeys("xyzd", 0.0) | {"δ": 0.0}))
        except (CompositionError, _Unresolved):
            pass
        names = ", ".join(sorted(missing))
        raise _Unresolved(f"template with no value for {names}", parent=parent)
    notes = [f"template filled with {', '.join(f'{k} = {v:g}' for k, v in values.items())}"]
    return filled, notes


def _split_top(text: str, seps: str) -> list[str]:
    """Split at separators that are not inside parentheses or brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if depth == 0 and ch in seps:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _combine(text: str) -> str:
    """`70Li2S-30P2S5`, `0.5(Li2O)·0.5(P2O5)`, `Mg(BH4)2·NH3` -> one pymatgen formula string."""
    inner = re.compile(r"\(([^()]*[·\-][^()]*)\)")
    while True:  # innermost groups holding a separator first: `(2Li2S-P2S5)0.85(LiI)0.15`
        m = inner.search(text)
        if not m:
            break
        text = text[: m.start()] + "(" + _combine(m.group(1)) + ")" + text[m.end() :]
    parts = _split_top(text, "·-")
    if len(parts) == 1:
        return text
    if any(not p for p in parts):
        head = _split_top(text, "·-")[0]
        try:  # what precedes the dangling separator still says the family and the ion
            parent = composition_key(head) if head and parts[-1] == "" else None
        except CompositionError:
            parent = None
        raise _Unresolved("ends or starts with a separator (truncated?)", parent=parent)
    coefs, bodies = [], []
    for part in parts:
        m = _COEF.match(part)
        coefs.append(float(m.group(1)) if m else None)
        bodies.append(part[m.end() :] if m else part)
    if all(c is None for c in coefs) and "-" in text and "·" not in text:
        raise _Unresolved("a pseudo-binary system without proportions")
    return "".join(f"({b}){1.0 if c is None else c:g}" for b, c in zip(bodies, coefs, strict=True))


@lru_cache(maxsize=65536)
def parse_token(
    token: str, values: tuple[tuple[str, float], ...] = ()
) -> tuple[str, str | None, str]:
    """One formula-like token -> (composition key, intercalant ion, notes).

    Raises:
        _Unresolved: the token is not one composition (with the reason).
    """
    notes: list[str] = []
    ion = None
    tok = token.strip().rstrip(".,;:")
    if not tok:
        raise _Unresolved("empty")
    m = _ION_PREFIX.match(tok) or _ION_SUFFIX.search(tok)
    if m:
        ion = m.group(1)
        tok = tok[m.end() :] if m.start() == 0 else tok[: m.start()]
        notes.append(f"{ion} is the intercalant in host {tok}")
    m = _PREFIX.match(tok)
    if m:
        notes.append(f"phase prefix {m.group(0)!r} dropped")
        tok = tok[m.end() :]
    while m := _TRAILING_GROUP.search(tok):
        content = m.group(1).strip()
        if not content or m.start() == 0:
            break
        if content.lower() in {c.lower() for c in CARRIERS} and content.capitalize() in CARRIERS:
            if content != content.capitalize():
                notes.append(f"intercalant {content!r} read as {content.capitalize()}")
            ion = content.capitalize()
            notes.append(f"{ion} is the intercalant in host {tok[: m.start()]}")
        elif _DESCRIPTOR.match(content) and not re.search(r"\d", content.replace("/", "")):
            notes.append(f"descriptor ({content}) dropped")
        elif _SPACE_GROUP.match(content):
            notes.append(f"space group ({content}) dropped")
        else:
            break
        tok = tok[: m.start()]
    if re.search(r"wt\s*%", tok, re.IGNORECASE):
        tok = _WT.sub("", tok)
        notes.append("wt% additive ignored (composite)")
    if _CAPS_LI.search(tok):
        tok = _CAPS_LI.sub("Li", tok)
        notes.append("corrected 'LI' to 'Li'")
    if _POLONIUM.search(tok) and "P" not in re.sub(r"P[a-z]", "", tok):
        tok = _POLONIUM.sub("PO", tok)
        notes.append("corrected 'Po' (polonium) to 'PO' (phosphate)")
    if _ZERO_FOR_O.search(tok):
        tok = _ZERO_FOR_O.sub(lambda m: f"({m.group(1)}O{m.group(2)})", tok)
        notes.append("corrected a zero written for O in an oxo-anion, e.g. '(P04)' to '(PO4)'")
    if _LEADING_ZERO.search(tok):
        raise _Unresolved(f"amount with a leading zero in {tok!r} (a typo: 05 or 0.5?)")
    if _NOT_ELEMENT_D_T.search(tok):
        raise _Unresolved(f"{tok!r} has D or T, which are not element symbols here")
    if _VARIABLE.search(tok) or re.search(r"[A-Za-z)]\d*/\d", tok):
        tok, more = _fill_template(tok, dict(values))
        notes.extend(more if values else [])
    tok = tok.replace("[", "(").replace("]", ")")
    tok = _combine(tok)
    try:
        key = composition_key(tok)
    except CompositionError as exc:
        raise _Unresolved(str(exc)) from None
    return key, ion, "; ".join(notes)


def _acronyms_in(text: str) -> list[str]:
    found = []
    for tok in _ACRONYM_TOKEN.findall(text):
        if tok in ACRONYMS and tok not in found:
            found.append(tok)
    return found


def _remarks(text: str) -> tuple[str, list[str]]:
    """Split off parenthesised remarks that follow a space: `LLZO (Li7La3Zr2O12)`."""
    remarks = []
    out, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "(" and depth == 0 and (i == 0 or text[i - 1] == " "):
            start = i
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and start is not None:
                remarks.append(text[start + 1 : i])
                start = None
                continue
        if start is None:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip(), remarks


def _candidates(text: str, values: tuple) -> tuple[list[tuple[str, str | None, str]], list]:
    """Formulas found word by word; also unresolved templates (reason, parent)."""
    found, unresolved = [], []
    for word in _WORD_SPLIT.split(text):
        word = word.strip().rstrip(".,;:")
        if len(word) < 2 or not re.search(r"[A-Z]", word) or word in ACRONYMS:
            continue
        if re.match(r"^[A-Z][a-z]?-[a-z]", word):  # "Ta-doped", "Sc/Si-substituted"
            continue
        try:
            key, ion, note = parse_token(word, values)
        except _Unresolved as exc:
            if exc.parent or "pseudo-binary" in exc.reason or "template" in exc.reason:
                unresolved.append((word, exc.reason, exc.parent))
            continue
        if len(re.findall(r"[A-Z][a-z]?", key)) >= 2:
            found.append((key, ion, note))
    return found, unresolved


def _carrier(formula: str | None, ion: str | None) -> str | None:
    if ion:
        return ion
    if not formula:
        return None
    symbols = set(re.findall(r"[A-Z][a-z]?", formula))
    return next((c for c in CARRIERS if c in symbols), None)


def _doped_absent(text: str, formula: str) -> str | None:
    """A dopant the text names ("Ta-doped") but the formula lacks: the formula is the parent."""
    symbols = set(re.findall(r"[A-Z][a-z]?", formula))
    for m in re.finditer(r"\b([A-Z][a-z]?)(?:\s*,\s*[A-Z][a-z]?)*-(?:doped|substituted)", text):
        if m.group(1) not in symbols:
            return m.group(1)
    return None


def normalize_entity(
    raw: str,
    *,
    family_label: str | None = None,
    space_group: str | None = None,
    store_index: StoreIndex | None = None,
) -> EntityResult:
    """Resolve one raw material name by rules.

    Args:
        raw: the material as the source writes it.
        family_label: the source's family label, if any (wins where it names a family).
        space_group: the source's space group, if any (helps classify a family).
        store_index: the store's compositions with record counts (`words.StoreIndex`); with it,
            a name in words ("lithium yttrium chloride") gets the most reported composition with
            those elements as a proposal (`proposal=True`, lower confidence), never as a reading.

    Returns:
        An `EntityResult`; `formula` is None when the name does not pin down one composition,
        and `reason` says why and lists every rewrite the rules made.
    """
    if not isinstance(raw, str) or not raw.strip():
        return EntityResult(str(raw or ""), None, None, None, 0.0, reason="empty input")
    text = clean_text(raw)
    for greek, word in _GREEK.items():
        text = text.replace(greek + "-", word + "-")
    values = tuple(sorted((k, float(v)) for k, v in _ASSIGN.findall(text)))
    body = _ASSIGN_PHRASE.sub(" ", text).strip(" ,;") if values else text
    formula = ion = None
    notes: list[str] = []
    confidence = 1.0
    unresolved_why, parent = None, None
    acronyms = _acronyms_in(text)

    whole_only = mangled = bool(_MANGLED.search(body))
    if body in ACRONYMS:  # "LiPON" would parse as a formula, but it names a material class
        whole_only = True
    elif mangled:
        unresolved_why = "mangled formula (subscripts detached from elements, a PDF scrape)"
    else:
        try:  # the whole name as one formula (with spaces dropped): most tabulated names
            formula, ion, note = parse_token(re.sub(r"\s+", "", body), values)
            notes.append(note)
        except _Unresolved as exc:
            unresolved_why, parent = exc.reason, exc.parent
    if formula is None and not whole_only:
        main, remarks = _remarks(body)
        found, pending = _candidates(main, values)
        for remark in remarks if not found else []:
            more, more_pending = _candidates(remark, values)
            found += more
            pending += more_pending
        prose = len(_PLAIN_WORD.findall(main)) >= PROSE_WORDS
        if found and prose:
            context = _MATERIAL_CONTEXT.search(main) or family_from_text(main)
            carried = [f for f in found if _carrier(f[0], f[1])]
            if not carried and not context:
                unresolved_why = (
                    f"a formula ({found[0][0]}) in prose with no mobile ion and no material "
                    "context: not taken"
                )
                found = []
            elif carried:
                found = carried
        if found:
            formula, ion, note = found[0]
            unresolved_why = None
            distinct = {f for f, _, _ in found}
            notes.append(note)
            if len(distinct) > 1:
                confidence = 0.7
                notes.append(f"took the first of several formulas: {', '.join(sorted(distinct))}")
            else:
                notes.append("formula taken from a longer name")
                confidence = 0.9
            if prose:
                confidence = min(confidence, 0.7)
                notes.append("the name is prose: the formula is one candidate among its words")
        elif pending:
            unresolved_why = f"{pending[0][0]}: {pending[0][1]}"
            parent = parent or pending[0][2]
    if formula is None and acronyms:
        acr_formula, _, acr_why = ACRONYMS[acronyms[0]]
        doped = re.search(r"\b([A-Z][a-z]?)-(?:doped|substituted)", text)
        if acr_formula and not doped:
            formula, confidence = composition_key(acr_formula), 0.9
            notes.append(f"acronym: {acr_why}")
            unresolved_why = None
        else:
            extra = f"; {doped.group(1)}-doped, amount unstated" if doped else ""
            unresolved_why = f"acronym {acronyms[0]}: {acr_why}{extra}"
    proposed, words_why = False, None
    if formula is None and not acronyms and not parent:
        reading = read_words(text)
        if reading:
            named_els = "\u2013".join(reading.elements)
            words_why = f"the words name {named_els}"
            proposal = None
            if store_index is not None:
                proposal, evidence = propose(reading, store_index)
                words_why += f"; {evidence}"
            else:
                words_why += "; no store index to propose a composition from"
            if proposal:
                formula, proposed, confidence = proposal.formula, True, PROPOSAL_CONFIDENCE
                notes.append(f"proposal from a name in words: {words_why}")
                unresolved_why = None
            else:
                unresolved_why = words_why
                ion = ion or next((c for c in CARRIERS if c in reading.elements), None)
    if formula and not proposed:
        dopant = _doped_absent(text, formula)
        if dopant:
            unresolved_why = f"{dopant}-doped {formula}: dopant amount not in the name"
            parent, formula = formula, None

    # Family: the source's label, else what the name says, else the composition.
    basis = formula or parent
    named = family_from_text(re.sub(r"\b(?:" + "|".join(ACRONYMS) + r")\b", " ", text))
    if acronyms and not named:
        named = ACRONYMS[acronyms[0]][1]
    if named in _BROAD_CLASSES and basis:
        # "oxide", "phosphate" in a name say less than a structure the composition reads.
        structure, structure_why = classify_composition(basis, space_group)
        if structure in STRUCTURE_FAMILIES:
            named = None
    if family_label is not None and str(family_label).strip():
        fam_res = normalize_family_result(family_label, formula=basis, space_group=space_group)
        family, fam_why = fam_res.family, fam_res.reason
        if fam_res.confidence < 1.0 and named:
            family, fam_why = named, f"{fam_why}; the name says {named}"
    elif named:
        family, fam_why = named, f"the name says {named}"
    elif basis:
        family, fam_why = classify_composition(basis, space_group)
    else:
        family, fam_why = None, "no family"
    carrier = _carrier(basis, ion)
    if carrier is None:
        words = re.findall(r"[a-z]+", text.lower())
        carrier = next((_ION_WORDS[w] for w in words if w in _ION_WORDS), None)
    if carrier is None and acronyms:
        # Electrolyte acronyms start with their mobile ion: LATP, LLTO (Li), NZSP, NBH (Na).
        carrier = {"L": "Li", "N": "Na"}.get(acronyms[0][0])
    if formula is None:
        reason = unresolved_why or "no formula in the name"
        if parent:
            reason += f" (parent {parent} used for family and ion only)"
        conf = 0.5 if family else 0.0
        return EntityResult(raw, None, family, carrier, conf, reason=f"{reason}; {fam_why}")
    if any("corrected" in n or "wt%" in n for n in notes):
        confidence = min(confidence, 0.7)
    reason = "; ".join(n for n in [*notes, fam_why] if n)
    return EntityResult(raw, formula, family, carrier, confidence, reason=reason, proposal=proposed)

"""One extraction run: clean the text, run the rules (and the LLM when configured), verify all.

`extract_text` is what the CLI and the Extract page call. Its result holds the candidates a
person may review (verified; excluded ones keep their reason), the proposals verification
dropped (with the reason), and the LLM's faults; nothing unverified is among the candidates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from auditor.extract import llm as llm_engine
from auditor.extract.candidate import Candidate
from auditor.extract.pdf import find_doi
from auditor.extract.rules import extract_rules, parse_printed, resolve_material
from auditor.extract.textclean import clean_document, normalize_chars, normalize_value_text
from auditor.extract.verify import DocumentIndex, verify
from auditor.normalize.llm import LLMConfig
from core.units import ReportedValueError, unit_label


@dataclass
class ExtractionRun:
    """The outcome of one document."""

    text: str  # the cleaned document the quotes are taken from
    doi: str | None
    candidates: list[Candidate] = field(default_factory=list)
    dropped: list[tuple[Candidate, str]] = field(default_factory=list)
    llm_asked: bool = False
    llm_faults: list[str] = field(default_factory=list)
    llm_malformed: list[str] = field(default_factory=list)
    llm_chunks: int = 0
    seconds: float = 0.0

    @property
    def accepted(self) -> list[Candidate]:
        """Candidates that passed verification and are not excluded."""
        return [c for c in self.candidates if c.excluded is None]


def _same_number(a: Candidate, b: Candidate) -> bool:
    if a.property != b.property or unit_label(a.unit) != unit_label(b.unit):
        return False
    if a.value is None or b.value is None:
        return False
    return math.isclose(a.value, b.value, rel_tol=1e-6)


def _llm_candidate(
    proposal: Candidate, index: DocumentIndex, rules_on_doc: list[Candidate]
) -> tuple[Candidate | None, str]:
    """Verify one LLM proposal, fill what the printed text decides; (candidate, reason)."""
    unit = unit_label(proposal.unit) or proposal.unit
    value_text = normalize_value_text(proposal.value_text)
    try:
        value, low, high = parse_printed(value_text)
    except ReportedValueError as exc:
        return None, f"the printed value cannot be read: {exc}"
    candidate = proposal.with_(
        value_text=value_text,
        quote=normalize_chars(proposal.quote),
        unit=unit,
        value=value,
        low=low,
        high=high,
        qualifier="range" if low is not None else "=",
    )
    why = verify(candidate, index)
    if why:
        return None, why
    # The rules read the same quote: if they call this number excluded, it stays excluded.
    for ruled in extract_rules(candidate.quote, file=proposal.file):
        if _same_number(ruled, candidate) and ruled.excluded:
            return None, f"the rules exclude this number: {ruled.excluded}"
    formula, reason = (
        resolve_material(candidate.material) if candidate.material else (None, "no material given")
    )
    start = index.text.find(candidate.quote)
    for ruled in rules_on_doc:
        if _same_number(ruled, candidate) and ruled.excluded is None:
            return None, "duplicate of a rules candidate"
    return candidate.with_(
        formula=formula, formula_reason=reason, start=start if start >= 0 else None
    ), ""


def extract_text(
    text: str | list[str],
    *,
    file: str | None = None,
    doi: str | None = None,
    llm_config: LLMConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExtractionRun:
    """Extract candidate rows from a document (a string, or one string per PDF page).

    Args:
        doi: the paper's DOI as typed; otherwise the one the text names, if any.
        llm_config: when given, the LLM proposes too (its proposals are verified like the rules').
        progress: (chunks done, chunks total) during the LLM pass, for a progress bar.
    """
    started = time.perf_counter()
    doc = clean_document(text)
    index = DocumentIndex(doc)
    run = ExtractionRun(text=doc, doi=doi or find_doi(doc))
    ruled = extract_rules(doc, cleaned=True, file=file)
    for candidate in ruled:
        if candidate.excluded is not None:
            run.candidates.append(candidate)
            continue
        why = verify(candidate, index)
        if why:
            run.dropped.append((candidate, why))
        else:
            run.candidates.append(candidate)
    if llm_config is not None:
        run.llm_asked = True
        result = llm_engine.propose(doc, config=llm_config, file=file, progress=progress)
        run.llm_faults, run.llm_malformed, run.llm_chunks = (
            result.faults,
            result.malformed,
            result.chunks,
        )
        kept: list[Candidate] = []
        for proposal in result.proposals:
            candidate, why = _llm_candidate(proposal, index, ruled)
            if candidate is None:
                if why == "duplicate of a rules candidate":
                    continue
                run.dropped.append((proposal, why))
            elif any(_same_number(candidate, k) and candidate.quote == k.quote for k in kept):
                continue
            else:
                kept.append(candidate)
        run.candidates.extend(kept)
    run.candidates.sort(key=lambda c: c.start if c.start is not None else 10**9)
    run.seconds = time.perf_counter() - started
    return run

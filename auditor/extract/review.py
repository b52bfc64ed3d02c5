"""What the Extract page needs besides rendering: reading an upload or a paste, and marking the
candidates' quotes in the passage (escaped HTML)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import replace
from io import BytesIO

from auditor.extract.candidate import Candidate
from auditor.extract.pdf import DocumentError, read_pdf_pages
from auditor.normalize.llm import LLMConfig

# An extraction prompt carries a whole chunk of the paper: a local model on a CPU may take
# minutes to answer, and a retry after a timeout would only double the wait.
EXTRACTION_TIMEOUT_S = 300.0
EXTRACTION_RETRIES = 0

TEXT_SUFFIXES = (".txt", ".md")


def extraction_llm_config(settings: Mapping | None) -> LLMConfig | None:
    """The normalizer's LLM settings (`[llm]` in secrets, else the environment), with the
    extraction's timeout and retries (`timeout`, `max_retries` in the settings override them);
    None when no LLM is configured."""
    config = LLMConfig.from_settings(settings)
    if config is None:
        return None
    settings = settings or {}
    return replace(
        config,
        timeout=float(settings.get("timeout", EXTRACTION_TIMEOUT_S)),
        max_retries=int(settings.get("max_retries", EXTRACTION_RETRIES)),
    )


def read_paste(text: str | None) -> str:
    """A pasted passage, refused when it holds nothing to read.

    Raises:
        DocumentError: empty or whitespace only.
    """
    if not text or not text.strip():
        raise DocumentError("the pasted text is empty: paste a passage or an article's text")
    return text


def read_upload(data: bytes, name: str) -> str | list[str]:
    """An uploaded document: a PDF as its pages' text layers, a `.txt`/`.md` as one string.

    Raises:
        DocumentError: an unknown type, a file that is not the PDF it claims to be, a PDF
            without a text layer, text that is not UTF-8, or an empty file.
    """
    lower = name.lower()
    if not data:
        raise DocumentError(f"{name}: the file is empty")
    if lower.endswith(".pdf"):
        if not data.startswith(b"%PDF"):
            raise DocumentError(f"{name}: not a PDF (the file does not start with %PDF)")
        return read_pdf_pages(BytesIO(data), name=name)
    if not lower.endswith(TEXT_SUFFIXES):
        raise DocumentError(f"{name}: give a .txt, .md or .pdf file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(f"{name}: not UTF-8 text (give a .txt, .md or .pdf)") from None
    if not text.strip():
        raise DocumentError(f"{name}: the file holds no text")
    return text


def quote_span(text: str, candidate: Candidate) -> tuple[int, int] | None:
    """Where the candidate's quote stands in the cleaned document, or None."""
    start = candidate.start
    if start is None or text[start : start + len(candidate.quote)] != candidate.quote:
        start = text.find(candidate.quote)
    if start < 0:
        return None
    return start, start + len(candidate.quote)


def highlight(text: str, candidates: list[Candidate], selected: int | None = None) -> str:
    """The document as escaped HTML with every quote in `<mark>`; the `selected` candidate's
    quote (an index into `candidates`) carries the class `sel`. Line breaks become `<br>` so
    Markdown never reads the passage as Markdown."""
    level = bytearray(len(text))  # 0 plain, 1 a quote, 2 the selected quote
    for i, candidate in enumerate(candidates):
        span = quote_span(text, candidate)
        if span is None:
            continue
        mark = 2 if i == selected else 1
        for k in range(*span):
            level[k] = max(level[k], mark)
    out: list[str] = []
    k = 0
    while k < len(text):
        end = k
        while end < len(text) and level[end] == level[k]:
            end += 1
        piece = html.escape(text[k:end]).replace("\n", "<br>")
        if level[k] == 0:
            out.append(piece)
        else:
            out.append(f'<mark class="{"sel" if level[k] == 2 else "quote"}">{piece}</mark>')
        k = end
    return "".join(out)


def describe(candidate: Candidate) -> str:
    """One line: property, value as printed, unit, method, material and temperature."""
    material = candidate.material or "material not named"
    formula = (
        f" → {candidate.formula}"
        if candidate.formula
        else f" (unresolved: {candidate.formula_reason})"
        if candidate.formula_reason
        else ""
    )
    temperature = f" at {candidate.temperature_text}" if candidate.temperature_text else ""
    return (
        f"{candidate.property} = {candidate.value_text} {candidate.unit} · "
        f"{candidate.method or 'method not stated'} · {material}{formula}{temperature} · "
        f"{candidate.engine}"
    )

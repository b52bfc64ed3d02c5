"""PDF text clean-up: one function for the document and the same one for every quote.

A quote is checked against the document only after both went through `normalize_chars`, so an
artefact (a `/C0` minus, a `(cid:0)`, a split exponent) can never make a true quote fail or a
false one pass. `clean_document` adds what only makes sense for a whole text: page headers and
page numbers repeated inside paragraphs, and line breaks joined into paragraphs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

# Minus signs as PDF text layers render them (pdftotext's Symbol font `/C0`, docling's
# `GLYPH<0>`, pdfminer's `(cid:0)`), and the other Symbol-font glyphs seen beside numbers.
_GLYPHS = (
    (re.compile(r"\(cid:0\)"), "-"),
    (re.compile(r"\(cid:\d+\)"), ""),
    (re.compile(r"GLYPH<0>"), "-"),
    (re.compile(r"GLYPH<[^>]{1,12}>"), ""),
    (re.compile(r"/C0(?=\s*\d)"), "-"),
    (re.compile(r"/C2(?=\s*\d)"), "×"),
    (re.compile(r"/C6(?=\s*\d)"), "±"),
    (re.compile(r"/C14"), "°"),
)
_DASHES = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u00ad": "",  # soft hyphen
        "\u00a0": " ",
        "\u2009": " ",  # thin space
        "\u202f": " ",
        "\u200b": "",
        "μ": "µ",  # Greek mu and the micro sign read the same
        "∼": "~",
        "∙": "·",  # bullet operator used as a multiplication dot (S∙cm−1)
        "◦": "°",  # white bullet used as a degree sign (30 ◦ C)
        "\u02dc": "~",
    }
)
# `× 10 -3`, `×10−3`, `x 10^-4`, `× 10 –5` -> `× 10^-3`.
_TIMES_TEN = re.compile(r"(\d)\s*[×xX]\s*10\s*\^?\s*([-+]?)\s*(\d{1,2})(?!\d|\.\d)")
# A bare power of ten before a conductivity unit: `10 -3 S cm-1` -> `10^-3 S cm-1`.
_BARE_TEN = re.compile(
    r"(?<![\d.^])10\s*\^?\s*-\s*(\d{1,2})"
    r"(?=(?:\s*(?:-|to)\s*10\s*\^?\s*-\s*\d{1,2})?\s*(?:[mµu]?S\b))"
)
# Unit exponents: `cm -1`, `cm^-1`, `cm−1`, `mol -1` -> `cm-1`.
_UNIT_EXP = re.compile(r"\b(cm|mol|m)\s*\^?\s*-\s*([12])\b")
# Web of Science style exponents: `10(-2)`, `cm(-1)`, `mol(-1)`.
_PAREN_EXP = re.compile(r"\b(10|cm|mol|m)\((-?\d{1,2})\)")
# A Symbol-font `×` read as the digit 3: `4 3 10 -3 S` (only before a power of ten and a unit).
_THREE_AS_TIMES = re.compile(r"(\d(?:\.\d+)?) 3 (10\s*-\s*\d{1,2}\s*[mµu]?S\b)")
# A decimal point followed by a space before a unit: `0. 23 eV` -> `0.23 eV`.
_SPLIT_DECIMAL = re.compile(r"(?<![\d.])(\d)\. (\d{1,4})(?=\s*(?:m?eV\b|[mµu]?S\b|kJ\b))")
# Letter-spaced words: at least four single letters separated by single spaces.
_SPACED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z] ){3,}[A-Za-z](?![A-Za-z])")
# A number split by a line break after its decimal point, or an exponent on the next line.
_NUMBER_BREAK = re.compile(r"(\d\.)\s*\n\s*(\d)")
_EXP_BREAK = re.compile(r"(×\s*10)\s*\n\s*(\^?\s*-?\s*\d)")
# Hyphenation at a line end inside a lower-case word: `conduc-\ntivity`.
_HYPHEN_BREAK = re.compile(r"([a-z]{2,})-\n\s*([a-z])")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)


def normalize_chars(text: str) -> str:
    """Character-level normalization applied identically to a document and to a quote.

    Unicode compatibility forms (superscripts, ligatures), PDF glyph tokens, dashes and minus
    signs, split exponents, letter-spaced words, and whitespace collapsed to single spaces.
    Idempotent: normalizing twice gives the same text.
    """
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = text.replace("/uniFB01", "fi").replace("/uniFB02", "fl")
    for pattern, repl in _GLYPHS:
        text = pattern.sub(repl, text)
    text = text.translate(_DASHES)
    text = _NUMBER_BREAK.sub(r"\1\2", text)
    text = _EXP_BREAK.sub(r"\1\2", text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = re.sub(r"\s+", " ", text)
    text = _PAREN_EXP.sub(r"\1\2", text)
    text = _THREE_AS_TIMES.sub(r"\1 × \2", text)
    text = _SPLIT_DECIMAL.sub(r"\1.\2", text)
    text = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _TIMES_TEN.sub(lambda m: f"{m.group(1)} × 10^{m.group(2)}{m.group(3)}", text)
    text = _BARE_TEN.sub(r"10^-\1", text)
    text = _UNIT_EXP.sub(r"\1-\2", text)
    return text.strip()


def _header_lines(pages: list[list[str]]) -> set[str]:
    """Lines that repeat on many pages (running heads, journal lines): not paragraph text."""
    counts: Counter[str] = Counter()
    for lines in pages:
        seen = {re.sub(r"\d+", "#", ln.strip()) for ln in lines if 0 < len(ln.strip()) <= 120}
        counts.update(seen)
    threshold = max(2, (len(pages) + 1) // 2) if len(pages) > 1 else 10**9
    return {line for line, n in counts.items() if n >= threshold}


def clean_document(text: str | list[str]) -> str:
    """A whole document (a string, or one string per PDF page) as clean running text.

    Page numbers and lines repeated across pages are cut out of the paragraphs they interrupt;
    a hyphen at a line end inside a word is joined; paragraphs keep a blank line between them.
    """
    # A form feed is the page break of pdftotext and of many pasted texts.
    pages = text.split("\f") if isinstance(text, str) else list(text)
    split = [p.replace("\r\n", "\n").replace("\r", "\n").split("\n") for p in pages]
    headers = _header_lines(split)
    kept_pages = []
    for lines in split:
        kept = [
            ln
            for ln in lines
            if not _PAGE_NUMBER.match(ln) and re.sub(r"\d+", "#", ln.strip()) not in headers
        ]
        # A paragraph runs on across a page break: no blank line where a page ends.
        kept_pages.append("\n".join(kept).strip("\n"))
    joined = "\n".join(kept_pages)
    paragraphs = re.split(r"\n\s*\n", joined)
    return "\n\n".join(p for p in (normalize_chars(par) for par in paragraphs) if p)


def normalize_value_text(value_text: str) -> str:
    """A number as printed, normalized as it reads in running text before its unit.

    `10−9` alone is ambiguous (a range?); before a unit it is a power of ten, so the value is
    normalized as if a unit followed it (`10−9` -> `10^-9`, `0. 23` -> `0.23`).
    """
    return normalize_chars(f"{value_text} S")[:-1].rstrip()

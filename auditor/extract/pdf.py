"""A PDF's text layer (pypdf; no OCR) and the DOI a text names."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import IO

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_DOI_LABELLED = re.compile(r"(?:doi\s*[:.]?\s*|doi\.org/)(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


class DocumentError(ValueError):
    """A file that cannot be read as a document; the message says why, for the user."""


def read_pdf_pages(path: str | Path | IO[bytes], name: str | None = None) -> list[str]:
    """The text layer of each page of a PDF, from a path or an open binary file (an upload).

    Raises:
        DocumentError: not a PDF, encrypted, damaged, or without a text layer.
    """
    import pypdf  # lazy: only PDF input needs it
    from pypdf.errors import PdfReadError

    label = name or (Path(path).name if isinstance(path, str | Path) else "upload.pdf")
    try:
        reader = pypdf.PdfReader(path if hasattr(path, "read") else str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{label}: the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, DocumentError):
            raise
        raise DocumentError(f"{label}: not a readable PDF ({exc})") from None
    if not any(p.strip() for p in pages):
        raise DocumentError(f"{label}: the PDF has no text layer (a scan?); OCR is not supported")
    return pages


def read_document(path: str | Path) -> str | list[str]:
    """A `.pdf` as its pages, a `.txt`/`.md` (or any UTF-8 text) as one string.

    Raises:
        DocumentError: unreadable file or encoding.
    """
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return read_pdf_pages(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DocumentError(f"{path.name}: not UTF-8 text (give a .txt, .md or .pdf)") from None
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror})") from None


def _trim(doi: str) -> str:
    doi = doi.rstrip(".,;:")
    # A closing bracket belongs to the DOI only when it opened inside it.
    while doi.endswith((")", "]")) and doi.count("(") < doi.count(")") + (doi[-1] == "]"):
        doi = doi[:-1]
    return doi


def find_doi(text: str) -> str | None:
    """The paper's own DOI: the first one labelled `doi:`/`doi.org/`, else the most frequent."""
    labelled = _DOI_LABELLED.search(text)
    if labelled:
        return _trim(labelled.group(1))
    found = [_trim(m.group(1)) for m in _DOI.finditer(text)]
    if not found:
        return None
    return Counter(found).most_common(1)[0][0]

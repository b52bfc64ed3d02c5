"""Explorer logic without Streamlit: search-term resolution, safe exports, view state in URLs."""

from __future__ import annotations

import difflib
import io

import pandas as pd

from auditor.normalize import normalize_entity
from auditor.normalize.aliases import ACRONYMS
from core.composition import try_composition_key

# A spreadsheet executes a cell that starts with one of these.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def search_keys(text: str) -> list[str]:
    """Canonical composition keys a search text stands for: a formula, or a name the rules resolve.

    `LLZO` finds `Li7La3Zr2O12`; `Li7 La3 Zr2 O12` finds it too. Free text gives no key and is
    matched as a substring only.
    """
    text = (text or "").strip()
    if not text:
        return []
    keys = set()
    key = try_composition_key(text)
    if key:
        keys.add(key)
    result = normalize_entity(text)
    if result.formula:
        keys.add(result.formula)
    return sorted(keys)


def suggest_terms(text: str, vocabulary: list[str], n: int = 5) -> list[str]:
    """Close spellings of a search that found nothing: store names, formulas and acronyms.

    Only proposed to the reader, never searched in their place (`LLZ0` suggests `LLZO`).
    """
    text = (text or "").strip()
    if not text:
        return []
    by_folded: dict[str, str] = {}
    for term in [*ACRONYMS, *vocabulary]:
        by_folded.setdefault(term.casefold(), term)
    matches = difflib.get_close_matches(text.casefold(), list(by_folded), n=n, cutoff=0.75)
    return [by_folded[m] for m in matches]


def escape_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (prefixed with a quote)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_PREFIXES) else v
            )
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV of the selection, escaped against formula injection."""
    return escape_for_spreadsheet(frame).to_csv(index=False).encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet of the selection, escaped like the CSV so both downloads carry the same text."""
    buffer = io.BytesIO()
    escape_for_spreadsheet(frame).to_parquet(buffer, index=False)
    return buffer.getvalue()


def list_param(value: str | None) -> list[str]:
    """A comma-separated query parameter as a list."""
    return [v for v in (value or "").split(",") if v]

"""Downloads of a selection: CSV and Parquet whose text cannot run as a spreadsheet formula."""

from __future__ import annotations

import io

import pandas as pd

# A spreadsheet executes a cell that starts with one of these.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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

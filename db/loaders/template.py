"""The write path's template: a user's literature table, checked row by row before anything is written.

Template columns: material,property,value,unit,temperature,temperature_unit,method,doi,reference,notes
"""

from __future__ import annotations

import re

from db.loaders.common import LoadResult, RowError, SourceSpec, blank, make_record, text_or_none

TEMPLATE_COLUMNS = (
    "material",
    "property",
    "value",
    "unit",
    "temperature",
    "temperature_unit",
    "method",
    "doi",
    "reference",
    "notes",
)
REQUIRED_COLUMNS = ("material", "property", "value", "unit")

# A cell a spreadsheet would execute (=, +, @, or - followed by a non-number), or a control char.
_SPREADSHEET_FORMULA = re.compile(r"^\s*(?:[=+@\t\r]|-(?![\d.]))")
_SQL_LIKE = re.compile(
    r";\s*(?:drop|delete|insert|update|alter|create|attach|copy|pragma)\b|--|/\*|'\s*or\s*'",
    re.I,
)


def hostile_text_reason(column: str, text: str) -> str | None:
    """Why a text cell is refused (spreadsheet formula or SQL), or None when it is plain text."""
    if _SPREADSHEET_FORMULA.match(text):
        return f"{column} looks like a spreadsheet formula: {text[:60]!r}"
    if _SQL_LIKE.search(text):
        return f"{column} looks like SQL, not data: {text[:60]!r}"
    return None


def method_tag_for(text: str | None) -> tuple[str, str | None]:
    """The method tag for the method text of an uploaded row, and its details.

    The normalizer's rules decide (no LLM on the write path).
    """
    if blank(text):
        raise RowError("missing method")
    from auditor.normalize import normalize_method

    result = normalize_method(str(text))
    if not result.method:
        raise RowError(f"method not recognised: {text!r} ({result.reason})")
    details = "; ".join(f"{k}: {v}" for k, v in (result.details or {}).items())
    return result.method, details or None


def check_row(row: dict) -> None:
    """Refuse rows with missing fields or hostile text before any parsing."""
    for column in REQUIRED_COLUMNS:
        if blank(row.get(column)):
            raise RowError(f"missing {column}")
    if blank(row.get("doi")) and blank(row.get("reference")):
        raise RowError("a row needs a DOI or a reference")
    for column in TEMPLATE_COLUMNS:
        value = row.get(column)
        if isinstance(value, str) and (reason := hostile_text_reason(column, value)):
            raise RowError(reason)


def load_template_rows(spec: SourceSpec, rows: list[dict]) -> LoadResult:
    """Records for the rows of one uploaded file (dicts keyed by the template's columns)."""
    result = LoadResult(spec)
    for index, row in enumerate(rows, start=1):
        source_row = str(index)

        def build(row=row, source_row=source_row) -> list[dict]:
            check_row(row)
            tag, details = method_tag_for(row.get("method"))
            prop = str(row["property"]).strip()
            return [
                make_record(
                    source=spec.name,
                    source_row=source_row,
                    material_raw=str(row["material"]).strip(),
                    prop=prop,
                    value_raw=row["value"],
                    unit_raw=str(row["unit"]).strip(),
                    temperature=row.get("temperature"),
                    temperature_unit=text_or_none(row.get("temperature_unit")) or "K",
                    method_tag=tag,
                    method_raw=text_or_none(row.get("method")),
                    method_details=details,
                    doi=row.get("doi"),
                    reference=row.get("reference"),
                    notes=text_or_none(row.get("notes")),
                )
            ]

        result.add_row(source_row, row, build)
    return result

"""The write path's template: a user's literature table, checked row by row before anything is written.

Template columns: material,property,value,unit,temperature,temperature_unit,method,doi,reference,notes
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO

import pandas as pd

from core.units import implausibility
from db.loaders.common import (
    LoadResult,
    NameResolver,
    RowError,
    SourceSpec,
    blank,
    make_record,
    text_or_none,
)

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


def method_tag_for(text: str | None, names: NameResolver | None) -> tuple[str, str | None]:
    """The method tag for the method text of an uploaded row, and its details.

    The normalizer's rules decide, through the resolver the pipeline passes in (no LLM on
    the write path).
    """
    if blank(text):
        raise RowError("missing method")
    if names is None:
        raise RowError(f"method not recognised: {text!r} (no method vocabulary given)")
    tag, details, reason = names.method(str(text))
    if not tag:
        raise RowError(f"method not recognised: {text!r} ({reason})")
    detail_text = "; ".join(f"{k}: {v}" for k, v in (details or {}).items())
    return tag, detail_text or None


def user_source_spec(name: str, path: str | None = None) -> SourceSpec:
    """The description of a user's uploaded source."""
    return SourceSpec(
        name=name,
        title=f"user upload: {name}",
        citation="uploaded by a user; see each row's DOI or reference",
        doi_or_url=None,
        license="as stated by the uploader",
        version="upload",
        kind="user",
        path=Path(path) if path else None,
    )


class IngestError(ValueError):
    """The file as a whole cannot be ingested (missing or repeated columns, unreadable)."""


def read_upload(file: str | os.PathLike | IO[bytes], name: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX (a path or an uploaded file object) as text cells, header as written.

    Nothing is coerced before the row checks. Column names are trimmed; a name given twice
    is refused (pandas would silently rename the second one to `name.1`).

    Raises:
        IngestError: unreadable file, empty file, or a repeated column name.
    """
    name = name or Path(str(getattr(file, "name", file))).name
    try:
        if name.lower().endswith((".xlsx", ".xls")):
            frame = pd.read_excel(file, dtype=str, keep_default_na=False, header=None)
        else:
            frame = pd.read_csv(file, dtype=str, keep_default_na=False, header=None)
    except Exception as exc:  # any unreadable file is the user's to fix; say why
        raise IngestError(f"cannot read {name}: {exc}") from None
    if frame.empty:
        raise IngestError(f"{name} is empty; the template is {','.join(TEMPLATE_COLUMNS)}")
    header = [str(c).strip() for c in frame.iloc[0]]
    folded = [c.lower() for c in header]
    repeated = sorted({c for c in folded if c and folded.count(c) > 1})
    if repeated:
        raise IngestError(f"{name}: column(s) named more than once: {', '.join(repeated)}")
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = header
    return body


def template_rows(table: pd.DataFrame, mapping: dict[str, str] | None = None) -> list[dict]:
    """Rows keyed by the template's columns.

    Args:
        table: text cells as `read_upload` returns them.
        mapping: template column -> the table's column; by default the column of the same
            name (case-insensitive). Unmapped template columns are empty.

    Raises:
        IngestError: a required column is not mapped.
    """
    if mapping is None:
        lowered = {str(c).strip().lower(): c for c in table.columns}
        mapping = {t: lowered[t] for t in TEMPLATE_COLUMNS if t in lowered}
    missing = [c for c in REQUIRED_COLUMNS if not mapping.get(c)]
    if missing:
        raise IngestError(
            f"missing column(s) {', '.join(missing)}; the template is {','.join(TEMPLATE_COLUMNS)}"
        )
    return [
        {t: (row[mapping[t]] if mapping.get(t) else "") for t in TEMPLATE_COLUMNS}
        for row in table.to_dict("records")
    ]


def read_table(path: str | os.PathLike) -> list[dict]:
    """A CSV or XLSX in the template as rows of text cells (see `read_upload`)."""
    return template_rows(read_upload(path))


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


def load_template_rows(
    spec: SourceSpec, rows: list[dict], names: NameResolver | None = None
) -> LoadResult:
    """Records for the rows of one uploaded file (dicts keyed by the template's columns)."""
    result = LoadResult(spec)
    for index, row in enumerate(rows, start=1):
        source_row = str(index)

        def build(row=row, source_row=source_row) -> list[dict]:
            check_row(row)
            tag, details = method_tag_for(row.get("method"), names)
            prop = str(row["property"]).strip()
            record = make_record(
                source=spec.name,
                source_row=source_row,
                material_raw=str(row["material"]).strip(),
                names=names,
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
            # A user's row outside the plausible range is refused; a published source's is
            # loaded and flagged instead (the `implausible` flag rule).
            reason = implausibility(prop, record["value"], record["temperature_k"])
            if reason:
                raise RowError(reason)
            return [record]

        result.add_row(source_row, row, build)
    return result

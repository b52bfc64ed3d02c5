"""The store side of paper extraction: reviewed candidate rows as records and as history.

`load_extraction_rows` turns accepted rows into records (quote -> `records.evidence`);
`insert_extractions` keeps every reviewed row, accepted or rejected, with its provenance.
The caller holds the transaction (pipeline.extraction.commit_extraction).
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from core.vocab import EXTRACTION_STATUSES
from db.loaders.common import LoadResult, NameResolver, SourceSpec, make_record, text_or_none
from db.loaders.template import check_row, method_tag_for

EXTRACTION_COLUMNS = (
    "source",
    "item",
    "file",
    "doi",
    "material",
    "formula",
    "property",
    "value_text",
    "value",
    "unit",
    "temperature_text",
    "method",
    "quote",
    "engine",
    "model",
    "prompt_version",
    "status",
    "reason",
    "reviewer",
    "reviewed_at",
    "record_key",
    "template_row",
)


def extraction_source_spec(name: str, *, doi: str | None, file: str | None) -> SourceSpec:
    """The named source one committed extraction becomes."""
    return SourceSpec(
        name=name,
        title=f"extracted from {file or 'pasted text'}",
        citation=f"extracted from the paper {doi or file or ''} and reviewed; see each record's evidence".strip(),
        doi_or_url=doi,
        license="as stated by the paper's publisher",
        version="extraction",
        kind="user",
        path=None,
    )


def load_extraction_rows(
    spec: SourceSpec, rows: list[dict], names: NameResolver | None = None
) -> LoadResult:
    """Records for accepted rows in the ingest template plus `quote` (and `formula`, if known).

    Each row loads whole or is quarantined with its reason, like any uploaded row; the quote
    becomes the record's `evidence`.
    """
    result = LoadResult(spec)
    for index, row in enumerate(rows, start=1):
        source_row = f"E{index}"

        def build(row=row, source_row=source_row) -> list[dict]:
            check_row(row)
            tag, details = method_tag_for(row.get("method"), names)
            return [
                make_record(
                    source=spec.name,
                    source_row=source_row,
                    material_raw=str(row["material"]).strip(),
                    key=text_or_none(row.get("formula")),
                    prop=str(row["property"]).strip(),
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
                    evidence=text_or_none(row.get("quote")),
                    names=names,
                )
            ]

        result.add_row(source_row, row, build)
    return result


def insert_extractions(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Keep reviewed rows (caller holds the transaction).

    Raises:
        ValueError: a status outside `core.vocab.EXTRACTION_STATUSES`.
    """
    for row in rows:
        if row.get("status") not in EXTRACTION_STATUSES:
            raise ValueError(
                f"status must be one of {EXTRACTION_STATUSES}, got {row.get('status')!r}"
            )
    placeholders = ", ".join("?" for _ in EXTRACTION_COLUMNS)
    con.executemany(
        f"INSERT INTO extractions ({', '.join(EXTRACTION_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
        [[row.get(c) for c in EXTRACTION_COLUMNS] for row in rows],
    )


def list_extractions(con: duckdb.DuckDBPyConnection, source: str | None = None) -> pd.DataFrame:
    """Reviewed rows, newest source first; one source's when `source` is given."""
    sql = f"SELECT {', '.join(EXTRACTION_COLUMNS)} FROM extractions"  # noqa: S608
    params: list = []
    if source is not None:
        sql += " WHERE source = ?"
        params.append(source)
    return con.execute(sql + " ORDER BY reviewed_at DESC, source, item", params).df()


def extracted_records(con: duckdb.DuckDBPyConnection, source: str) -> pd.DataFrame:
    """The records an extraction committed, beside the reviewed row each came from."""
    return con.execute(
        """
        SELECT r.record_key, r.record_id, r.composition_key, r.family, r.property, r.value_raw,
               r.unit_raw, r.method_tag, r.evidence,
               e.value_text, e.quote, e.engine, e.model, e.prompt_version, e.reviewer
        FROM records r JOIN extractions e ON e.record_key = r.record_key
        WHERE r.source = ?
        ORDER BY r.record_key
        """,
        [source],
    ).df()


def accepted_rows_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """For a rebuild: each extracted source's DOI, file and accepted template rows, in order."""
    rows = con.execute(
        """
        SELECT source, doi, file, template_row FROM extractions
        WHERE status = 'accepted' ORDER BY source, item
        """
    ).fetchall()
    out: dict[str, dict] = {}
    for source, doi, file, template_row in rows:
        entry = out.setdefault(source, {"doi": doi, "file": file, "rows": []})
        entry["rows"].append(json.loads(template_row))
    return out

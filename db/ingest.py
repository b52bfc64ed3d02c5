"""`db ingest`: a user's literature table becomes a new named source in one transaction."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from db.loaders.common import SourceSpec
from db.loaders.template import REQUIRED_COLUMNS, TEMPLATE_COLUMNS, load_template_rows
from db.store import connect
from db.write import write_source, write_uploads


class IngestError(ValueError):
    """The file as a whole cannot be ingested (missing columns, name taken, unreadable)."""


def user_source_spec(name: str, path: str | None = None) -> SourceSpec:
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


def read_table(path: str | os.PathLike) -> list[dict]:
    """Read a CSV or XLSX in the template as text cells (nothing is coerced before checks)."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise IngestError(f"cannot read {path.name}: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise IngestError(
            f"missing column(s) {', '.join(missing)}; the template is {','.join(TEMPLATE_COLUMNS)}"
        )
    return frame.reindex(columns=list(TEMPLATE_COLUMNS), fill_value="").to_dict("records")


def ingest_rows(rows: list[dict], source: str, *, path: str | os.PathLike | None = None) -> dict:
    """Write rows as the new source `source` in one transaction; returns the counts."""
    name = (source or "").strip()
    if not name or len(name) > 64:
        raise IngestError("a source name of 1-64 characters is required")
    con = connect(path)
    try:
        taken = con.execute("SELECT count(*) FROM sources WHERE name = ?", [name]).fetchone()[0]
        if taken:
            raise IngestError(f"source {name!r} already exists; choose another name")
        result = load_template_rows(user_source_spec(name), rows)
        con.execute("BEGIN TRANSACTION")
        try:
            write_source(con, result, transaction=False)
            write_uploads(con, name, rows)
            normalized = _normalize_source(con, name)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return {
        "source": name,
        "rows_in": result.rows_in,
        "committed": len(result.records),
        "quarantined": result.quarantined_rows,
        "reasons": [q["reason"] for q in result.quarantine],
        "normalized": normalized,
    }


def _normalize_source(con, name: str):
    from auditor.normalize.apply import normalize_store

    return normalize_store(con, source=name)


def ingest_file(
    file: str | os.PathLike, source: str, *, path: str | os.PathLike | None = None
) -> dict:
    """Ingest a CSV/XLSX in the template as the new source `source`."""
    return ingest_rows(read_table(file), source, path=path)


def preview_rows(rows: list[dict]) -> pd.DataFrame:
    """What ingesting the rows would do, row by row, without writing anything."""
    result = load_template_rows(user_source_spec("preview"), rows)
    by_row = {r["source_row"]: r for r in result.records}
    reasons = {q["source_row"]: q["reason"] for q in result.quarantine}
    out = []
    for index, row in enumerate(rows, start=1):
        record = by_row.get(str(index), {})
        out.append(
            {
                "row": index,
                "material": row.get("material"),
                "status": "ok" if record else "quarantine",
                "reason": reasons.get(str(index), record.get("notes")),
                "composition_key": record.get("composition_key"),
                "property": record.get("property") or row.get("property"),
                "value_canonical": record.get("value"),
                "unit_canonical": record.get("unit"),
                "temperature_k": record.get("temperature_k"),
                "method_tag": record.get("method_tag"),
            }
        )
    return pd.DataFrame(out)

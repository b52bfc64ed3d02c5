"""A user's literature table becomes a new named source: written, normalized, derived, flagged."""

from __future__ import annotations

import os
import random
import time

import pandas as pd

from db.connection import StoreRaceLostError, Waiting, connect, report_to_stderr, transaction
from db.engine import claim
from db.loaders.template import (
    IngestError,
    load_template_rows,
    read_table,
    user_source_spec,
)
from db.sources import source_exists
from db.write import write_source, write_uploads
from pipeline.derive import derive
from pipeline.names import RULES


def ingest_rows(
    rows: list[dict],
    source: str,
    *,
    path: str | os.PathLike | None = None,
    on_wait: Waiting | None = report_to_stderr,
) -> dict:
    """Write rows as the new source `source`, and what follows from them, in one transaction.

    The rows are parsed before the store is opened, so the write lock is held only for the
    write itself; while another process holds the store, `on_wait` is told each retry. On a
    team store, a write that lost its race to another commit (nothing written) runs again.

    Raises:
        IngestError: no usable source name, or the name is taken.
        StoreBusyError: another process held the store for longer than the retries wait.
    """
    name = (source or "").strip()
    if not name or len(name) > 64:
        raise IngestError("a source name of 1-64 characters is required")
    result = load_template_rows(user_source_spec(name), rows, RULES)
    for attempt in range(1, _RACE_ATTEMPTS + 1):
        try:
            derived = _write_source(path, name, result, rows, on_wait)
            break
        except StoreRaceLostError:
            # A team store: another commit came first and nothing of this one was written.
            # Run it again (the rows are parsed already), as a file's writer waits its turn.
            if attempt == _RACE_ATTEMPTS:
                raise
            if on_wait is not None:
                on_wait(
                    attempt,
                    _RACE_ATTEMPTS,
                    "store busy: another process wrote at the same time; "
                    f"retrying ({attempt}/{_RACE_ATTEMPTS})",
                )
            time.sleep(random.uniform(0.2, 1.0) * attempt)
    return {
        "source": name,
        "rows_in": result.rows_in,
        "committed": len(result.records),
        "quarantined": result.quarantined_rows,
        "reasons": [q["reason"] for q in result.quarantine],
        "normalized": derived["normalization"],
    }


# How many times an ingest that lost its race on a team store runs again before giving up.
_RACE_ATTEMPTS = 6


def _write_source(path, name: str, result, rows: list[dict], on_wait: Waiting | None) -> dict:
    # One transaction: the source, its uploads and what follows from them, or nothing.
    con = connect(path, on_wait=on_wait)
    try:
        with transaction(con):
            # Two writers taking one new name: on a lake both would insert; this conflicts.
            claim(con, "sources")
            if source_exists(con, name):
                raise IngestError(f"source {name!r} already exists; choose another name")
            write_source(con, result)
            write_uploads(con, name, rows)
            return derive(con, source=name, predictions=False)
    finally:
        con.close()


def ingest_file(
    file: str | os.PathLike, source: str, *, path: str | os.PathLike | None = None
) -> dict:
    """Ingest a CSV/XLSX in the template as the new source `source`."""
    return ingest_rows(read_table(file), source, path=path)


def preview_rows(rows: list[dict]) -> pd.DataFrame:
    """What ingesting the rows would do, row by row, without writing anything."""
    result = load_template_rows(user_source_spec("preview"), rows, RULES)
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

"""Build the store from every source, atomically: a new file replaces the old one only when complete."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from db.carryover import carry_over, uploaded_rows, write_build_info
from db.config import BUNDLED_DATA, db_path, external_data_dir
from db.connection import create_schema
from db.links import link_measurements
from db.loaders.common import LoadResult
from db.loaders.template import load_template_rows, user_source_spec
from db.sources import SOURCE_PRIORITY, builtin_sources
from db.structures import structure_rows
from db.write import insert_rows, write_source
from pipeline.derive import derive
from pipeline.extraction import replay_extractions
from pipeline.names import RULES

CIF_DIR = BUNDLED_DATA / "obelix" / "cifs" / "all_randomized_cifs"

Progress = Callable[[float, str], None]


def print_progress(fraction: float, message: str) -> None:
    """The CLI's progress: one line per step on stderr."""
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def replay_uploads(con: duckdb.DuckDBPyConnection) -> int:
    """Re-ingest every user source from its raw rows, as it was uploaded."""
    by_source = uploaded_rows(con)
    for source, rows in by_source.items():
        write_source(con, load_template_rows(user_source_spec(source), rows, RULES))
    return len(by_source)


def build_store(path: str | os.PathLike | None = None, progress: Progress | None = None) -> dict:
    """Build the store at `path` from every source and swap it in atomically.

    Returns:
        A summary: per-source counts, links, structures, derivations, seconds taken.
    """
    progress = progress or print_progress
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    summary: dict = {"sources": []}
    con = duckdb.connect(str(tmp))
    try:
        create_schema(con)
        carried = carry_over(con, target)
        sources = builtin_sources()
        steps = len(sources) + 3
        for i, source in enumerate(sources):
            spec = source.spec
            progress(i / steps, f"loading {spec.name}")
            result = source.loader(spec, RULES) if spec.available else LoadResult(spec)
            write_source(con, result)
            summary["sources"].append(
                {
                    "name": spec.name,
                    "rows_in": result.rows_in,
                    "loaded": result.loaded_rows,
                    "quarantined": result.quarantined_rows,
                    "records": len(result.records),
                    "note": spec.note or None,
                }
            )
        progress(len(sources) / steps, "reading CIF structures")
        structures = structure_rows(CIF_DIR, BUNDLED_DATA.parent)
        insert_rows(con, "structures", structures)
        summary["structures"] = len(structures)
        progress((len(sources) + 1) / steps, "linking copies of one measurement")
        summary["user_sources_replayed"] = replay_uploads(con)
        summary["extracted_sources_replayed"] = replay_extractions(con)
        summary["links"] = link_measurements(con, SOURCE_PRIORITY)
        progress((len(sources) + 2) / steps, "normalizing, deriving Arrhenius Ea, flagging")
        summary |= derive(con)
        summary["carried_over"] = carried
        summary["seconds"] = round(time.perf_counter() - started, 2)
        ext = external_data_dir()
        write_build_info(
            con,
            {
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "build_seconds": str(summary["seconds"]),
                "external_data": str(ext) if ext else "",
                "summary": json.dumps(summary, default=str),
            },
        )
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)
    progress(1.0, f"store ready at {target} in {summary['seconds']} s")
    return summary


def ensure_store(path: str | os.PathLike | None = None, progress: Progress | None = None) -> Path:
    """The store file, built first when it does not exist yet (the app's first start)."""
    target = db_path(path)
    if not target.exists():
        build_store(target, progress)
    return target

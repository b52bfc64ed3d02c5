"""Build the store from every source, atomically: a new file replaces the old one only when complete."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from auditor.arrhenius import derive_arrhenius_records
from auditor.model import ensure_store_predictions
from auditor.normalize.apply import normalize_store
from db.config import BUNDLED_DATA, db_path, external_data_dir
from db.links import link_measurements
from db.loaders.common import LoadResult
from db.sources import SOURCE_PRIORITY, builtin_sources
from db.store import create_schema
from db.structures import STRUCTURE_FIELDS, summarize_cif
from db.write import write_source

CIF_DIR = BUNDLED_DATA / "obelix" / "cifs" / "all_randomized_cifs"
# What a person or an LLM decided survives a rebuild; uploads are replayed from their raw rows.
CARRIED_TABLES = ("normalization_overrides", "llm_cache", "uploads", "flags")

Progress = Callable[[float, str], None]


def _print_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def load_structures(con: duckdb.DuckDBPyConnection, cif_dir: Path = CIF_DIR) -> int:
    """Summarize every OBELiX CIF into the structures table; returns how many were read."""
    rows = []
    for cif in sorted(cif_dir.glob("*.cif")):
        summary = summarize_cif(cif)
        rows.append(
            {
                "obelix_id": cif.stem,
                "cif_path": str(cif.relative_to(BUNDLED_DATA.parent)),
                **summary,
            }
        )
    if rows:
        frame = pd.DataFrame(rows, columns=["obelix_id", "cif_path", *STRUCTURE_FIELDS])
        con.register("_structures", frame)
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO structures ({cols}) SELECT {cols} FROM _structures")
        con.unregister("_structures")
    return len(rows)


def _carry_over(con: duckdb.DuckDBPyConnection, old: Path) -> dict[str, int]:
    """Copy the tables that must survive a rebuild from the previous store, if there is one."""
    counts: dict[str, int] = {}
    if not old.exists():
        return counts
    con.execute("ATTACH ? AS old (READ_ONLY)", [str(old)])
    try:
        existing = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old'"
            ).fetchall()
        }
        for table in CARRIED_TABLES:
            if table in existing:
                con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")  # noqa: S608
                counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        if "normalization_decisions" in existing:
            # Rules decisions are made again by the build; what an LLM or a person decided is
            # history that must survive (a rejected LLM answer is not asked again).
            cols = "kind, input, output, backend, status, confidence, reason, prompt_version, created_at"
            con.execute(
                f"INSERT INTO normalization_decisions ({cols}) SELECT {cols} "  # noqa: S608
                "FROM old.normalization_decisions WHERE backend <> 'rules' ORDER BY decision_id"
            )
            counts["normalization_decisions"] = con.execute(
                "SELECT count(*) FROM normalization_decisions"
            ).fetchone()[0]
    finally:
        con.execute("DETACH old")
    return counts


def _replay_uploads(con: duckdb.DuckDBPyConnection) -> int:
    """Re-ingest every user source from its raw rows, as it was uploaded."""
    from db.ingest import user_source_spec
    from db.loaders.template import load_template_rows
    from db.write import write_source

    uploads = con.execute("SELECT source, raw FROM uploads ORDER BY source, row_index").fetchall()
    by_source: dict[str, list[dict]] = {}
    for source, raw in uploads:
        by_source.setdefault(source, []).append(json.loads(raw))
    for source, rows in by_source.items():
        write_source(con, load_template_rows(user_source_spec(source), rows))
    return len(by_source)


def build_store(path: str | os.PathLike | None = None, progress: Progress | None = None) -> dict:
    """Build the store at `path` from every source and swap it in atomically.

    Returns:
        A summary: per-source counts, links, structures, seconds taken.
    """
    progress = progress or _print_progress
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
        carried = _carry_over(con, target)
        sources = builtin_sources()
        for i, source in enumerate(sources):
            spec = source.spec
            progress(i / (len(sources) + 3), f"loading {spec.name}")
            result = source.loader(spec) if spec.available else LoadResult(spec)
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
        progress(len(sources) / (len(sources) + 3), "reading CIF structures")
        summary["structures"] = load_structures(con)
        progress((len(sources) + 1) / (len(sources) + 3), "linking copies of one measurement")
        summary["user_sources_replayed"] = _replay_uploads(con)
        summary["links"] = link_measurements(con, SOURCE_PRIORITY)
        progress((len(sources) + 2) / (len(sources) + 3), "normalizing names, families and methods")
        # The normalizer harmonizes families, carrier ions and method tags; then experimental
        # Ea is derived from each source's conductivity series.
        summary["normalization"] = normalize_store(con)
        summary["arrhenius_fits"] = derive_arrhenius_records(con)
        # Predictions of the saved model, if there is one (the app trains one on first start).
        summary["predictions"] = ensure_store_predictions(con, train_if_missing=False)
        summary["carried_over"] = carried
        summary["seconds"] = round(time.perf_counter() - started, 2)
        ext = external_data_dir()
        info = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": str(summary["seconds"]),
            "external_data": str(ext) if ext else "",
            "summary": json.dumps(summary, default=str),
        }
        con.executemany("INSERT INTO build_info VALUES (?, ?)", list(info.items()))
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)
    progress(1.0, f"store ready at {target} in {summary['seconds']} s")
    return summary

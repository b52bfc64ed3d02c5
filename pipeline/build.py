"""Build the store from every source, atomically: a new file replaces the old one only when complete.

People may keep writing to the old store while a build runs (the app and the CLI stay
usable). Just before the swap the build catches up with those writes (`db.carryover.catch_up`),
then does it once more holding the old store's write lock, and swaps while holding it: a
write either lands before the last catch-up or waits and goes to the new file.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from db import engine
from db.carryover import (
    attach_read_only,
    carry_over,
    catch_up,
    mark_imported,
    pending_migration,
    uploaded_rows,
    write_build_info,
)
from db.config import BUNDLED_DATA, db_path, external_data_dir, is_lake, store_location
from db.connection import (
    LOCK_ATTEMPTS,
    StoreBusyError,
    attach,
    connect,
    create_schema,
    lake_store,
    store_exists,
)
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


def replay_uploads(con: duckdb.DuckDBPyConnection, sources: list[str] | None = None) -> int:
    """Re-ingest every user source (or those named) from its raw rows, as it was uploaded."""
    by_source = uploaded_rows(con, sources)
    for source, rows in by_source.items():
        write_source(con, load_template_rows(user_source_spec(source), rows, RULES))
    return len(by_source)


def _catch_up(con: duckdb.DuckDBPyConnection, old: str) -> dict:
    """Copy writes made to the old store during the build; replay and derive new uploads."""
    counts = catch_up(con, old)
    for source in counts["new_upload_sources"]:
        replay_uploads(con, [source])
        derive(con, source=source, predictions=False)
    return counts


def _swap(tmp: Path, target: Path, progress: Progress) -> dict:
    """Catch up with the old store's late writes, then replace it, all under its write lock.

    While this holds the old file's write lock no process can write it, so nothing written
    after the last catch-up can be lost; readers wait the short moment (they retry) and then
    open the new file. Taking that lock also means no other process still has the old file
    open, so none can go on reading it after the swap.
    """
    if not target.exists():
        os.replace(tmp, target)
        return {}
    progress(0.99, "swapping in the new store (holding the old one's write lock)")
    # Three times the usual patience: giving up here would throw the whole build away.
    lock = connect(target, attempts=3 * LOCK_ATTEMPTS)
    try:
        old = lock.execute("SELECT current_database()").fetchone()[0]
        attach(lock, tmp, "new_store")
        lock.execute("USE new_store")
        try:
            counts = _catch_up(lock, old)
            lock.execute("CHECKPOINT new_store")
        finally:
            lock.execute(f'USE "{old}"')
            lock.execute("DETACH new_store")
        os.replace(tmp, target)
    finally:
        lock.close()
    return counts


def build_store(path: str | os.PathLike | None = None, progress: Progress | None = None) -> dict:
    """Build the store at `path` (a file or a lake setting) from every source; swap it in atomically.

    Returns:
        A summary: per-source counts, links, structures, derivations, seconds taken.
    """
    progress = progress or print_progress
    location = store_location(path)
    if is_lake(location):
        return _build_lake(location, progress)
    target = db_path(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(tmp))
    try:
        summary = _load(con, str(target), progress, started)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    try:
        summary["caught_up_at_swap"] = _swap(tmp, target, progress)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if summary.get("carried_over_from"):
        mark_imported(Path(summary["carried_over_from"]))
    progress(1.0, f"store ready at {target} in {summary['seconds']} s")
    return summary


# How many times a lake publish starts over after writes landed during it.
PUBLISH_ATTEMPTS = 8


def _build_lake(location: str, progress: Progress) -> dict:
    """Build into a temporary DuckDB file, then publish it into the lake in one transaction."""
    store = lake_store(location)
    connect(location, on_wait=None).close()  # a new lake gets its tables (and id counters)
    workdir = Path(tempfile.mkdtemp(prefix="sse-audit-build-"))
    tmp = workdir / "build.duckdb"
    started = time.perf_counter()
    try:
        con = duckdb.connect(str(tmp), config=engine.extension_config())
        try:
            summary = _load(con, location, progress, started)
        finally:
            con.close()
        progress(0.99, f"publishing into the {store.config.label}")
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            seen = store.version()
            con = duckdb.connect(str(tmp), config=engine.extension_config())
            try:
                attach_read_only(con, location, "old")
                try:
                    summary["caught_up_at_swap"] = _catch_up(con, "old")
                finally:
                    con.execute("DETACH old")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            try:
                summary["published"] = store.publish(tmp, expected_version=seen)
                break
            except engine.StoreMoved:
                progress(0.99, f"writes landed during the publish; catching up ({attempt})")
        else:
            raise StoreBusyError(
                f"store busy: writes kept landing while the build was published "
                f"({PUBLISH_ATTEMPTS} attempts); run the build again"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    progress(1.0, f"store ready in the {store.config.label} in {summary['seconds']} s")
    return summary


def _load(con: duckdb.DuckDBPyConnection, old: str, progress: Progress, started: float) -> dict:
    """Load every source into the empty store on `con`, carrying over what `old` holds."""
    summary: dict = {"sources": []}
    create_schema(con)
    # A file store migrated from a newer DuckDB (`sse-audit migrate-store`) has no file yet:
    # what people wrote comes from the migration's Parquet export (`carry_over` reads it).
    migration = None if is_lake(old) or store_exists(old) else pending_migration(Path(old))
    carried = carry_over(con, old)
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
    if migration is not None:
        summary["carried_over_from"] = str(migration)
    if store_exists(old):
        # Most late writes are copied here, without any lock; `_swap` copies the rest.
        progress(0.98, "catching up with writes made during the build")
        attach_read_only(con, old, "old")
        try:
            summary["caught_up"] = _catch_up(con, "old")
        finally:
            con.execute("DETACH old")
    summary["seconds"] = round(time.perf_counter() - started, 2)
    ext = external_data_dir()
    write_build_info(
        con,
        {
            # New on every build: a reader that must notice a rebuild compares it
            # (`db.version.build_identity`); the store version moves with every write.
            "build_id": uuid.uuid4().hex,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": str(summary["seconds"]),
            "external_data": str(ext) if ext else "",
            "summary": json.dumps(summary, default=str),
        },
    )
    con.execute("CHECKPOINT")
    return summary


def ensure_store(
    path: str | os.PathLike | None = None, progress: Progress | None = None
) -> Path | str:
    """The store (its file, or a lake's setting), built first when it does not exist yet
    (the app's first start)."""
    location = store_location(path)
    if not store_exists(location):
        build_store(location, progress)
    return location if is_lake(location) else Path(location)

"""Migrate a store written by a newer DuckDB: export what people wrote with that DuckDB, rebuild.

The product pins duckdb 1.5.5 (its DuckLake extensions exist for no other version), and
duckdb 1.5.5 cannot open a store file written by duckdb 2.0.1, the version pinned before.
Everything else in a store is rebuilt from the sources; what people and the LLM wrote (the
tables `db.carryover` carries across rebuilds) is not. So `sse-audit migrate-store`:

1. creates a throwaway virtualenv holding only `duckdb==2.0.1` (from the package registry);
2. runs `python -m db.carryover export` in it: the carried tables to Parquet in
   `var/migrate/NAME/` (complete or absent), with a manifest of rows per table;
3. moves the old file into that folder (kept, never deleted), then runs the normal build,
   which imports the export in place of the old file (`db.carryover.carry_over`).

A step that fails leaves the old store where it was, or, once the export is complete, the
export waiting for the next build (`sse-audit build` or the app's first start).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import db
from db.carryover import migration_dir, pending_migration
from db.config import db_path
from db.connection import StoreMissingError, StoreVersionError, connect
from pipeline.build import Progress, build_store, print_progress

# The DuckDB that wrote the stores this migrates (the product's pin before 1.5.5).
MIGRATE_FROM_DUCKDB = "2.0.1"
# Creating the virtualenv and installing one wheel: minutes at most, even on a slow mirror.
_STEP_TIMEOUT_S = 900


class MigrationError(RuntimeError):
    """A migration step failed; the message says what failed and where the store is."""


def store_readable(path: Path) -> bool:
    """True when the installed DuckDB opens the store (nothing to migrate)."""
    try:
        connect(path, read_only=True, on_wait=None).close()
    except StoreVersionError:
        return False
    return True


def _run(cmd: list[str], what: str, **kwargs) -> str:
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_STEP_TIMEOUT_S, check=False, **kwargs
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MigrationError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise MigrationError(f"{what} failed (exit {done.returncode}): " + " | ".join(tail))
    return done.stdout


def throwaway_python(folder: Path, version: str = MIGRATE_FROM_DUCKDB) -> Path:
    """A virtualenv in `folder` with only `duckdb==version` installed; returns its python."""
    venv = folder / f"venv-duckdb-{version}"
    _run([sys.executable, "-m", "venv", str(venv)], "creating a virtualenv")
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"duckdb=={version}"],
        f"installing duckdb=={version} (needs the package registry)",
    )
    return python


def export_with(python: Path | str, store: Path, out_dir: Path, scratch: Path) -> str:
    """Run `python -m db.carryover export` with another interpreter (another DuckDB).

    Only the `db` package is put on its path (a link in `scratch`), so it imports that
    interpreter's duckdb, never this one's. Returns what the export printed (JSON).
    """
    src = scratch / "src"
    src.mkdir(parents=True, exist_ok=True)
    link = src / "db"
    if not link.exists():
        link.symlink_to(Path(db.__file__).resolve().parent, target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(src)}
    return _run(
        [str(python), "-m", "db.carryover", "export", str(store), str(out_dir)],
        f"exporting the carried tables of {store}",
        env=env,
        cwd=scratch,
    )


def _move_aside(folder: Path) -> None:
    # An earlier, finished migration of this store: keep it beside, under its time.
    if folder.exists():
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(folder.stat().st_mtime))
        os.replace(folder, folder.with_name(f"{folder.name}-{stamp}"))


def migrate_store(
    path: str | os.PathLike | None = None,
    *,
    python: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Carry a store the installed DuckDB cannot read into a rebuilt store it can.

    Args:
        path: the store file (default `SSE_AUDIT_DB` or `var/sse_audit.duckdb`).
        python: an interpreter whose duckdb reads the store; default a throwaway virtualenv
            with `duckdb==MIGRATE_FROM_DUCKDB`.
        force: migrate even a store the installed DuckDB reads (the same steps).
        progress: told (fraction, message) per step; default a line on stderr.

    Returns:
        What was done: `migrated`, rows exported per table, the export's folder, where the
        old file is kept, the build's carried-over counts and the seconds taken.

    Raises:
        StoreMissingError: there is no store file.
        MigrationError: a step failed (the message says which, and where the store is).
    """
    progress = progress or print_progress
    started = time.perf_counter()
    target = db_path(path)
    folder = migration_dir(target)
    result: dict = {"store": str(target), "export": str(folder)}
    waiting = pending_migration(target)
    if not target.exists() and waiting is None:
        raise StoreMissingError(f"no store at {target}; nothing to migrate")
    if target.exists():
        if not force and store_readable(target):
            return result | {"migrated": False, "reason": "the installed DuckDB reads this store"}
        if waiting is not None:
            raise MigrationError(
                f"{folder} holds an export not yet imported, and {target} exists: move one "
                "of them away"
            )
        _move_aside(folder)
        with tempfile.TemporaryDirectory(prefix="sse-audit-migrate-") as scratch:
            if python is None:
                progress(0.0, f"creating a throwaway virtualenv with duckdb=={MIGRATE_FROM_DUCKDB}")
                python = str(throwaway_python(Path(scratch)))
            progress(0.3, f"exporting what people wrote to {folder}")
            result["exported"] = json.loads(export_with(python, target, folder, Path(scratch)))
        kept = folder / f"{target.name}.pre-migration"
        for file in (target, target.with_name(target.name + ".wal")):
            if file.exists():
                os.replace(file, kept.with_name(kept.name + file.name[len(target.name):]))
        result["old_store_kept"] = str(kept)
    progress(0.4, "building the store with the exported tables")
    try:
        summary = build_store(target, progress)
    except Exception as exc:
        raise MigrationError(
            f"the build failed ({exc}); the export in {folder} waits for the next "
            "`sse-audit build`"
        ) from exc
    return result | {
        "migrated": True,
        "carried_over": summary.get("carried_over", {}),
        "seconds": round(time.perf_counter() - started, 2),
    }

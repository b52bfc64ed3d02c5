"""What survives a rebuild: the tables people and the LLM wrote, copied from the old store.

The old store is the previous store file or, when a store written by a newer DuckDB had to be
migrated (`sse-audit migrate-store`), the Parquet export of these tables under
`migration_dir(store)`, written by that DuckDB (`export_carried`, run as
`python -m db.carryover export STORE DIR`, which needs nothing but `duckdb`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from db.config import is_lake
from db.connection import attach_read_only, store_exists
from db.engine import allocate_ids, upsert_select
from db.version import bump_store_version, set_build_info

# What a person or an LLM decided survives a rebuild; uploads are replayed from their raw rows.
CARRIED_TABLES = ("normalization_overrides", "llm_cache", "uploads", "flags", "extractions")
_DECISION_COLUMNS = (
    "kind, input, output, backend, status, confidence, reason, prompt_version, created_at"
)
# What an export holds: the carried tables, then the decisions a rebuild keeps (not the rules').
EXPORTED_TABLES = (*CARRIED_TABLES, "normalization_decisions")
MANIFEST = "manifest.json"
# A manifest renamed so once a build has imported its export (kept, with the old file, as a record).
IMPORTED_MANIFEST = "imported.json"


def migration_dir(store: Path) -> Path:
    """Where the migration of `store` keeps its Parquet export and the old file: `var/migrate/NAME`."""
    return store.parent / "migrate" / store.stem


def pending_migration(store: Path) -> Path | None:
    """The Parquet export waiting for a build of `store`, if there is one."""
    folder = migration_dir(store)
    return folder if (folder / MANIFEST).is_file() else None


def export_carried(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write every carried table of the connection's store to `out_dir/TABLE.parquet`.

    Written into a sibling folder first and renamed at the end: `out_dir` holds a complete
    export (with `manifest.json`: rows per table, DuckDB version, time) or nothing.

    Returns:
        Rows written per table.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} exists already; move it away to export again")
    existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    partial = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    counts: dict[str, int] = {}
    try:
        for table in EXPORTED_TABLES:
            if table not in existing:
                continue
            query = (
                f"SELECT decision_id, {_DECISION_COLUMNS} FROM normalization_decisions "  # noqa: S608
                "WHERE backend <> 'rules' ORDER BY decision_id"
                if table == "normalization_decisions"
                else f"SELECT * FROM {table}"  # noqa: S608
            )
            con.execute(f"COPY ({query}) TO ? (FORMAT parquet)", [str(partial / f"{table}.parquet")])
            counts[table] = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]  # noqa: S608
        manifest = {
            "tables": counts,
            "duckdb": duckdb.__version__,
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return counts


def _attach_export(con: duckdb.DuckDBPyConnection, folder: Path, alias: str) -> None:
    # The export as an in-memory catalog with the old store's table names, so the copy below
    # reads a store file and an export alike.
    manifest = json.loads((folder / MANIFEST).read_text())
    con.execute(f"ATTACH ':memory:' AS {alias}")
    for table in manifest["tables"]:
        if table not in EXPORTED_TABLES:
            raise ValueError(f"{folder / MANIFEST} names an unknown table {table!r}")
        con.execute(
            f"CREATE TABLE {alias}.main.{table} AS SELECT * FROM read_parquet(?)",  # noqa: S608
            [str(folder / f"{table}.parquet")],
        )


def mark_imported(folder: Path) -> None:
    """Once a build holding `folder`'s export is in place, later builds do not import it again."""
    os.replace(folder / MANIFEST, folder / IMPORTED_MANIFEST)


def carry_over(con: duckdb.DuckDBPyConnection, old: str | Path) -> dict[str, int]:
    """Copy the tables that must survive a rebuild from the previous store, if there is one.

    `old` is the previous store's file or lake setting (`db.config.store_location`); for a
    file store that does not exist yet, the migration export waiting for it
    (`pending_migration`).

    Returns:
        Rows now held per carried table.

    Raises:
        db.connection.StoreVersionError: `old` was written by a newer DuckDB (migrate it first).
    """
    counts: dict[str, int] = {}
    if store_exists(old):
        attach_read_only(con, old, "old")
    elif not is_lake(old) and (export := pending_migration(Path(old))) is not None:
        _attach_export(con, export, "old")
    else:
        return counts
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
            _insert_decisions(
                con,
                f"SELECT {_DECISION_COLUMNS} FROM old.normalization_decisions "  # noqa: S608
                "WHERE backend <> 'rules' ORDER BY decision_id",
            )
            counts["normalization_decisions"] = con.execute(
                "SELECT count(*) FROM normalization_decisions"
            ).fetchone()[0]
    finally:
        con.execute("DETACH old")
    return counts


def catch_up(con: duckdb.DuckDBPyConnection, old: str) -> dict:
    """Bring into the connection's current database what store `old` gained since the carry-over.

    A rebuild copies the carried tables when it starts; people keep writing to the old store
    while it runs (an upload, a flag review, an override, an LLM answer). Called just before
    the swap (and again under the old store's write lock), this copies those writes so the
    swap loses none. Idempotent: a second call finds nothing new.

    Args:
        old: the catalog name under which the old store is attached (or open) on `con`.

    Returns:
        Rows brought over per table, and `new_upload_sources`: user sources uploaded during
        the build, whose rows the caller replays (their records are not in the new store yet).
    """
    q = f'"{old}"'
    sources = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT source FROM {q}.main.uploads "  # noqa: S608
            "EXCEPT SELECT DISTINCT source FROM uploads ORDER BY 1"
        ).fetchall()
    ]
    counts: dict = {"new_upload_sources": sources}
    if sources:
        con.execute(
            f"INSERT INTO uploads SELECT * FROM {q}.main.uploads WHERE list_contains(?, source)",  # noqa: S608
            [sources],
        )
    # Overrides are written by people only, never by the build: mirror the old store's, so
    # one set or deleted during the build counts.
    changed = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {q}.main.normalization_overrides "  # noqa: S608
        "EXCEPT SELECT * FROM normalization_overrides)"
    ).fetchone()[0]
    changed += con.execute(
        "SELECT count(*) FROM (SELECT * FROM normalization_overrides "  # noqa: S608
        f"EXCEPT SELECT * FROM {q}.main.normalization_overrides)"
    ).fetchone()[0]
    if changed:
        con.execute("DELETE FROM normalization_overrides")
        con.execute(
            f"INSERT INTO normalization_overrides SELECT * FROM {q}.main.normalization_overrides"  # noqa: S608
        )
    counts["normalization_overrides"] = changed
    counts["llm_cache"] = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {q}.main.llm_cache EXCEPT SELECT * FROM llm_cache)"  # noqa: S608
    ).fetchone()[0]
    if counts["llm_cache"]:
        upsert_select(
            con,
            "llm_cache",
            ("kind", "input", "model", "prompt_version"),
            f"SELECT * FROM {q}.main.llm_cache",  # noqa: S608
        )
    # A review is newer when its time is: the build itself never reviews.
    newer = f"""
        FROM {q}.main.flags o
        WHERE o.reviewed_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM flags f WHERE f.record_key = o.record_key AND f.rule = o.rule
              AND f.reviewed_at IS NOT DISTINCT FROM o.reviewed_at)
    """
    counts["flags"] = con.execute(f"SELECT count(*) {newer}").fetchone()[0]  # noqa: S608
    if counts["flags"]:
        upsert_select(
            con,
            "flags",
            ("record_key", "rule"),
            f"SELECT o.* {newer}",  # noqa: S608
            update=("status", "note", "reviewer", "reviewed_at"),
        )
    counts["normalization_decisions"] = _insert_decisions(
        con,
        f"SELECT {_DECISION_COLUMNS} FROM {q}.main.normalization_decisions "  # noqa: S608
        f"WHERE backend <> 'rules' EXCEPT SELECT {_DECISION_COLUMNS} FROM normalization_decisions",
    )
    return counts


def _insert_decisions(con: duckdb.DuckDBPyConnection, select_sql: str) -> int:
    """Insert the decisions `select_sql` returns with new ids from the counter; how many."""
    rows = con.execute(select_sql).to_arrow_table()
    if rows.num_rows == 0:
        return 0
    first = allocate_ids(con, "decision_id_seq", rows.num_rows)
    con.register("_carried_decisions", rows)
    try:
        con.execute(
            f"INSERT INTO normalization_decisions (decision_id, {_DECISION_COLUMNS}) "  # noqa: S608
            f"SELECT ? + row_number() OVER () - 1, {_DECISION_COLUMNS} FROM _carried_decisions",
            [first],
        )
    finally:
        con.unregister("_carried_decisions")
    return rows.num_rows


def uploaded_rows(
    con: duckdb.DuckDBPyConnection, sources: list[str] | None = None
) -> dict[str, list[dict]]:
    """Every user source's raw rows (or those of `sources`), as they were uploaded, by name."""
    by_source: dict[str, list[dict]] = {}
    for source, raw in con.execute(
        "SELECT source, raw FROM uploads WHERE ? IS NULL OR list_contains(?, source) "
        "ORDER BY source, row_index",
        [sources, sources],
    ).fetchall():
        by_source.setdefault(source, []).append(json.loads(raw))
    return by_source


def main(argv: list[str]) -> int:
    """`python -m db.carryover export STORE DIR`: the migration's export, with this DuckDB."""
    if len(argv) != 3 or argv[0] != "export":
        print("usage: python -m db.carryover export STORE DIR", file=sys.stderr)
        return 2
    con = duckdb.connect(argv[1], read_only=True)
    try:
        counts = export_carried(con, Path(argv[2]))
    finally:
        con.close()
    print(json.dumps({"duckdb": duckdb.__version__, "tables": counts}))
    return 0


def write_build_info(con: duckdb.DuckDBPyConnection, info: dict[str, str]) -> None:
    """Record what the build did (time, seconds, summary) in `build_info`."""
    set_build_info(con, info)
    bump_store_version(con)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

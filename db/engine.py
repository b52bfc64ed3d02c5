"""The DuckLake storage engine behind the team store (and the optional one-machine lake).

`db.connection` uses it when `SSE_AUDIT_STORE` names a lake (`db.config.store_location`); the
embedded default stays the DuckDB file. Settings (see `store_config`):

- `postgresql://USER@HOST:PORT/DBNAME?data_path=PATH` (or `postgres://...`) -- **team**: DuckLake
  with its catalog in that PostgreSQL database and Parquet data under PATH, a directory every
  replica mounts at the same path. The password comes from libpq's usual places (`PGPASSWORD`,
  `~/.pgpass`), never from this setting.
- `lake:DIR` (also `embedded:DIR`, the engine's own name; `embedded` alone is `var/lake`) -- a
  one-machine lake: DuckLake with a SQLite catalog `DIR/catalog.sqlite` and Parquet in `DIR/data/`.

Why a lake at all, beside the DuckDB file: a DuckDB file
admits one process that writes, and while it is open read-write no other process may open it at
all (read-only opens are refused too), so the app, a second app and the CLI lock each other out.
DuckLake keeps the data in immutable Parquet files and the catalog in a transactional database.
SQLite in WAL mode lets any number of processes read while one commits. Each DuckDB transaction
reads one catalog snapshot and commits optimistically, so readers never block and a writer that
lost a race fails cleanly at COMMIT: `Store.write` runs its function again; a
`db.connection.writing` block, which cannot be re-run, ends with "store busy" and nothing written.

DuckLake does not support sequences, PRIMARY KEY/UNIQUE constraints, `RETURNING`,
`ON CONFLICT` or `INSERT OR REPLACE` (measured with duckdb 1.5.5 / ducklake 1.5.5). Hence:
- `lake_schema_sql` derives the lake's DDL from `db/schema.sql` (still the one declaration of the
  store) by dropping sequences, `DEFAULT nextval(...)`, `PRIMARY KEY` and `UNIQUE`; the keys stay
  known (`table_keys`) and are kept by the write helpers, which the write SQL in `db/` uses on
  the DuckDB file too (one code path): `upsert` (a MERGE by key, for ON CONFLICT and INSERT OR
  REPLACE; `upsert_rows`, `upsert_select`) and `allocate_ids` (explicit ids from the `id_counters` table,
  for sequences and RETURNING). `duplicate_keys` checks a store against the declared keys.
- DuckLake lets two transactions that only append commit side by side, even with equal keys,
  while any two that update one table conflict. `allocate_ids` and `claim` (called by `upsert`)
  update a row of `id_counters`, so such writers conflict and one is retried: ids never collide,
  a key is inserted once, and a check-then-insert after `claim` ("is this source name taken?")
  is serialized. Writers are thereby serialized store-wide: fine for this store's rare writes.

The store version is DuckLake's current snapshot id: every committed write makes a new snapshot
and reads make none, so it is a cache key that every write bumps (issue 15).

Extensions are never downloaded: they are installed from the `duckdb-extension-*` PyPI packages
into a private extension directory (`var/duckdb_extensions`, or `SSE_AUDIT_EXTENSION_DIR`).
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import duckdb

from db.config import REPO_ROOT

StoreMode = Literal["embedded", "team"]
SCHEMA_SQL = Path(__file__).with_name("schema.sql")
DEFAULT_LAKE_DIR = REPO_ROOT / "var" / "lake"
DEFAULT_EXTENSION_DIR = REPO_ROOT / "var" / "duckdb_extensions"
LAKE = "lake"  # the alias the store is attached under; every session USEs it
# Small writes (a flag review, an override) go into the catalog instead of a new Parquet file.
INLINE_ROW_LIMIT = 100
# Counters that replace schema.sql's sequences: counter name -> (table, id column).
ID_COUNTERS = {
    "record_id_seq": ("records", "record_id"),
    "quarantine_id_seq": ("quarantine", "quarantine_id"),
    "decision_id_seq": ("normalization_decisions", "decision_id"),
}
_EXTENSIONS = {  # extension name -> the PyPI package that carries its binary
    "ducklake": "duckdb_extension_ducklake",
    "sqlite": "duckdb_extension_sqlite",
    "postgres": "duckdb_extension_postgres",
}

T = TypeVar("T")
Notify = Callable[[str], None]


class StoreError(RuntimeError):
    """The store cannot serve the request; the message says why in plain words."""


class StoreBusy(StoreError):
    """Other writers kept winning the race for longer than the retry budget."""


class StoreMoved(StoreError):
    """The lake gained a commit after the caller looked (`publish`'s `expected_version`)."""


class StoreUnavailable(StoreError):
    """The catalog (PostgreSQL server or SQLite file) or the data path cannot be reached."""


@dataclass(frozen=True)
class StoreConfig:
    """Where the store lives: its mode, DuckLake catalog URI and Parquet data path."""

    mode: StoreMode
    catalog: str  # what follows `ducklake:` in ATTACH
    data_path: str
    label: str  # for messages: never contains a password


def store_config(setting: str | None = None) -> StoreConfig:
    """Parse `SSE_AUDIT_STORE` (or `setting`) into a `StoreConfig`; see the module docstring."""
    raw = (setting if setting is not None else os.environ.get("SSE_AUDIT_STORE", "")).strip()
    if raw in ("", "embedded") or raw.startswith(("embedded:", "lake:")):
        lake_dir = Path(raw.split(":", 1)[1]) if ":" in raw else DEFAULT_LAKE_DIR
        lake_dir = lake_dir.expanduser().resolve()
        return StoreConfig(
            mode="embedded",
            catalog=f"sqlite:{lake_dir / 'catalog.sqlite'}",
            data_path=str(lake_dir / "data") + os.sep,
            label=f"embedded store {lake_dir}",
        )
    if raw.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(raw)
        query = dict(parse_qsl(parts.query))
        data_path = query.pop("data_path", "")
        if not data_path:
            raise StoreError(
                "SSE_AUDIT_STORE names a PostgreSQL catalog but no data_path: add "
                "?data_path=/shared/path/for/parquet (the same path on every replica)"
            )
        if parts.password:
            raise StoreError(
                "SSE_AUDIT_STORE must not carry a password; use PGPASSWORD or ~/.pgpass"
            )
        dsn = urlunsplit(parts._replace(query=urlencode(query)))
        return StoreConfig(
            mode="team",
            catalog=f"postgres:{dsn}",
            data_path=str(Path(data_path).expanduser()) + os.sep,
            label=f"team store {parts.hostname}:{parts.port or 5432}{parts.path}",
        )
    raise StoreError(
        f"SSE_AUDIT_STORE={raw!r} is not understood: use 'embedded', 'embedded:DIR' or "
        "'postgresql://user@host:port/db?data_path=/shared/path'"
    )


def _stderr_notify(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_extensions(extension_dir: Path | None = None) -> Path:
    """Install DuckLake/SQLite/PostgreSQL extensions from their PyPI packages (offline, idempotent).

    Returns:
        The extension directory to open DuckDB with.
    """
    ext_dir = Path(
        os.environ.get("SSE_AUDIT_EXTENSION_DIR") or extension_dir or DEFAULT_EXTENSION_DIR
    )
    version = duckdb.__version__
    con: duckdb.DuckDBPyConnection | None = None
    try:
        for name, package in _EXTENSIONS.items():
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                raise StoreError(
                    f"the DuckDB extension package {package.replace('_', '-')}=={version} is not "
                    "installed (pip install -r requirements.txt); it is needed by the store"
                )
            binary = next(
                Path(spec.submodule_search_locations[0]).glob(
                    f"extensions/v{version}/*.duckdb_extension"
                ),
                None,
            )
            if binary is None:
                raise StoreError(
                    f"{package.replace('_', '-')} does not match duckdb {version}; pin both to "
                    "the same version"
                )
            canonical = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}.get(name, name)
            if list(ext_dir.glob(f"v{version}/*/{canonical}.duckdb_extension")):
                continue
            ext_dir.mkdir(parents=True, exist_ok=True)
            if con is None:
                con = duckdb.connect(
                    config={
                        "extension_directory": str(ext_dir),
                        "autoinstall_known_extensions": False,
                    }
                )
            # INSTALL from a local file copies it under its canonical name; no network.
            con.execute(f"INSTALL '{binary}'")
    finally:
        if con is not None:
            con.close()
    return ext_dir


def lake_schema_sql(schema_sql: str | None = None) -> str:
    """The DDL of `db/schema.sql` as DuckLake accepts it (see the module docstring)."""
    sql = schema_sql if schema_sql is not None else SCHEMA_SQL.read_text()
    sql = re.sub(r"(?m)^--.*$", "", sql)
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = re.sub(r"CREATE SEQUENCE[^;]*;", "", sql, flags=re.I)
    sql = re.sub(r"\s+DEFAULT\s+nextval\('[^']*'\)", "", sql, flags=re.I)
    sql = re.sub(r"\s+PRIMARY KEY(?=\s*[,)\n])", " NOT NULL", sql, flags=re.I)
    sql = re.sub(r"\s+UNIQUE(?=\s*[,)\n])", "", sql, flags=re.I)
    sql = re.sub(r",\s*PRIMARY KEY\s*\([^)]*\)", "", sql, flags=re.I)
    if "id_counters" not in sql:  # an older schema.sql, before the counters lived there
        sql += (
            "\nCREATE TABLE IF NOT EXISTS id_counters "
            "(name TEXT NOT NULL, next_id BIGINT NOT NULL);\n"
        )
    return sql


def table_keys(schema_sql: str | None = None) -> dict[str, list[tuple[str, ...]]]:
    """The PRIMARY KEY / UNIQUE keys `db/schema.sql` declares, per table (kept by the engine)."""
    sql = schema_sql if schema_sql is not None else SCHEMA_SQL.read_text()
    sql = re.sub(r"--[^\n]*", "", sql)
    keys: dict[str, list[tuple[str, ...]]] = {}
    for table, body in re.findall(
        r"CREATE TABLE IF NOT EXISTS (\w+)\s*\((.*?)\);", sql, flags=re.S | re.I
    ):
        found: list[tuple[str, ...]] = []
        for cols in re.findall(r"PRIMARY KEY\s*\(([^)]*)\)", body, flags=re.I):
            found.append(tuple(c.strip() for c in cols.split(",")))
        for col in re.findall(r"(?m)^\s*(\w+)\s+[^,\n]*?\bPRIMARY KEY\b", body, flags=re.I):
            found.append((col,))
        for col in re.findall(r"(?m)^\s*(\w+)\s+[^,\n]*?\bUNIQUE\b", body, flags=re.I):
            found.append((col,))
        if found:
            keys[table] = found
    return keys


def _classify(exc: BaseException) -> Literal["busy", "unavailable", "other"]:
    """Which failures are a lost race (retry), an unreachable catalog (reconnect), or a bug."""
    text = str(exc).lower()
    unavailable = (
        "could not connect",
        "connection refused",
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "connection to server",
        "ssl syscall",
        "could not receive data",
        "could not send data",
        "unable to open database file",
        "disk i/o error",
        "connection has been closed",
        "connection already closed",
    )
    if any(s in text for s in unavailable):
        return "unavailable"
    busy = (
        "database is locked",
        "conflict",
        "failed to commit",
        "could not set lock",
        "database is busy",
        "deadlock",
        "could not serialize",
    )
    if isinstance(exc, duckdb.Error) and any(s in text for s in busy):
        return "busy"
    return "other"


class Store:
    """A process's handle on the store: sessions, retried transactions and the store version.

    One in-memory DuckDB instance per `Store` holds the extensions and the attached lake (loading
    extensions costs ~0.5 s, so it is done once per process); every session is a cursor of it,
    a short-lived connection with its own transaction, which sees every commit made before it
    began, by any process. Thread-safe: Streamlit sessions each take their own cursor.
    """

    def __init__(
        self,
        config: StoreConfig | None = None,
        *,
        notify: Notify | None = None,
        busy_attempts: int = 12,
        unavailable_wait_s: float = 10.0,
    ) -> None:
        self.config = config or store_config()
        self.notify = notify or _stderr_notify
        self.busy_attempts = busy_attempts
        self.unavailable_wait_s = unavailable_wait_s
        self._lock = threading.RLock()
        self._db: duckdb.DuckDBPyConnection | None = None
        self._schema_ready = False

    # -- opening -------------------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        db = duckdb.connect(config=extension_config())
        try:
            attach_lake(db, self.config, LAKE)
        except BaseException:
            db.close()
            raise
        db.execute(f"USE {LAKE}")
        return db

    def _handle(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._db is None:
                self._db = self._open()
            return self._db

    def reset(self) -> None:
        """Drop the attached lake (after the catalog went away); the next session re-attaches."""
        with self._lock:
            if self._db is not None:
                try:
                    self._db.close()
                except duckdb.Error:
                    pass  # a dead catalog connection may not close cleanly; it is dropped anyway
                self._db = None

    def close(self) -> None:
        """Release the process's handle (tests, CLI exit)."""
        self.reset()

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A new short-lived session (a cursor) with the lake as its default database."""
        cur = self._handle().cursor()
        cur.execute(f"USE {LAKE}")
        return cur

    # -- schema and version ----------------------------------------------------------------------
    def init_schema(self) -> None:
        """Create every table of `db/schema.sql` (as DuckLake accepts it) and the id counters."""
        if self._schema_ready:
            return

        def create(con: duckdb.DuckDBPyConnection) -> None:
            con.execute(lake_schema_sql())
            seed_id_counters(con)

        self.write(create)
        self._schema_ready = True

    def version(self) -> int:
        """The store version: DuckLake's current snapshot id, bumped by every committed write."""
        return self.read(
            lambda con: con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()[0]
        )

    # -- retried work --------------------------------------------------------------------------
    def read(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `fn(con)` in one snapshot; reconnects (with a message) if the catalog went away."""
        return self._run(fn, write=False)

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `fn(con)` in one transaction and commit; all or nothing.

        A lost race (another process committed first) rolls back and runs `fn` again, saying
        "store busy, retrying"; so `fn` must do all its reads inside and have no other effects.
        """
        return self._run(fn, write=True)

    def _run(self, fn: Callable[[duckdb.DuckDBPyConnection], T], *, write: bool) -> T:
        busy = 0
        down_since: float | None = None
        while True:
            con: duckdb.DuckDBPyConnection | None = None
            try:
                con = self.connect()
                con.execute("BEGIN TRANSACTION")
                result = fn(con)
                con.execute("COMMIT" if write else "ROLLBACK")
                if down_since is not None:
                    self.notify(f"{self.config.label} is back")
                return result
            except Exception as exc:
                if con is not None:
                    _quiet_rollback(con)
                kind = "unavailable" if isinstance(exc, StoreUnavailable) else _classify(exc)
                if isinstance(exc, StoreError) and kind != "unavailable":
                    raise
                if kind == "busy" and busy < self.busy_attempts:
                    busy += 1
                    self.notify(
                        f"store busy (another process is writing), retrying "
                        f"({busy}/{self.busy_attempts})"
                    )
                    time.sleep(min(2.0, 0.05 * 2 ** min(busy, 6)) * (0.5 + random.random()))
                    continue
                if kind == "busy":
                    raise StoreBusy(
                        f"the {self.config.label} stayed busy through {busy} retries; "
                        "try again in a moment"
                    ) from None
                if kind == "unavailable":
                    now = time.monotonic()
                    down_since = down_since if down_since is not None else now
                    if now - down_since < self.unavailable_wait_s:
                        self.notify(
                            f"cannot reach the {self.config.label} ({_reason(exc)}); retrying"
                        )
                        self.reset()
                        time.sleep(0.5)
                        continue
                    self.reset()
                    raise StoreUnavailable(
                        f"cannot reach the {self.config.label} ({_reason(exc)}). "
                        "Nothing was written; it will work again once the catalog is back."
                    ) from None
                raise
            finally:
                if con is not None:
                    try:
                        con.close()
                    except duckdb.Error:
                        pass  # a cursor on a dead catalog connection; dropped either way

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A plain session without retries, for code that manages its own transactions."""
        con = self.connect()
        try:
            yield con
        finally:
            con.close()

    def publish(
        self,
        built: str | os.PathLike,
        tables: Sequence[str] | None = None,
        *,
        expected_version: int | None = None,
    ) -> dict:
        """Replace `tables` (default: every table) with those of a built DuckDB file, atomically.

        One DuckLake transaction deletes and re-inserts each table and moves the id counters past
        the new ids, so readers see the old store until the commit and the new one after it (the
        rebuild swap, and the import of an existing store). Tables not named keep their rows.

        With `expected_version`, the publish is refused (`StoreMoved`, nothing written) when the
        lake has another snapshot by then: a write landed that `built` does not hold yet.

        Returns:
            Rows per table copied.
        """
        path = Path(built)
        if not path.is_file():
            raise StoreError(f"no built store at {path}")
        alias = f"built_{os.getpid()}_{threading.get_ident()}"
        handle = self._handle()
        with self._lock:
            handle.execute(f"ATTACH '{_literal(str(path))}' AS {alias} (READ_ONLY)")
        try:
            names = list(tables) if tables is not None else list(_schema_tables())

            # Each attempt marks its commit, so it can be found afterwards: with a SQLite catalog
            # and another reader of the lake in this process, a COMMIT has been seen to return
            # without making a snapshot (the old tables stayed; 1-2 publishes in 5).
            def copy(con: duckdb.DuckDBPyConnection, token: str) -> dict:
                con.execute(f"CALL {LAKE}.set_commit_message('sse-audit', ?)", [token])
                if expected_version is not None:
                    now = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()[0]
                    if now != expected_version:
                        raise StoreMoved(f"the lake moved from {expected_version} to {now}")
                counts = {}
                for table in names:
                    mine = _columns(con, LAKE, table)
                    theirs = set(_columns(con, alias, table))
                    cols = ", ".join(c for c in mine if c in theirs)
                    con.execute(f"DELETE FROM {table}")  # noqa: S608
                    con.execute(
                        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {alias}.{table}"  # noqa: S608
                    )
                    counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                for counter, (table, column) in ID_COUNTERS.items():
                    con.execute(
                        f"UPDATE id_counters SET next_id = greatest(next_id, "  # noqa: S608
                        f"(SELECT coalesce(max({column}), 0) + 1 FROM {table})) WHERE name = ?",
                        [counter],
                    )
                return counts

            for _ in range(_PUBLISH_ATTEMPTS):
                token = f"publish {uuid.uuid4().hex}"
                counts = self.write(partial(copy, token=token))
                if self.read(partial(_committed, token=token)):
                    return counts
                self.notify("the rebuild's swap did not take effect; publishing again")
            raise StoreError(
                f"the {self.config.label} did not keep the rebuild's swap after "
                f"{_PUBLISH_ATTEMPTS} attempts; the old store is unchanged, try the build again"
            )
        finally:
            with self._lock:
                try:
                    handle.execute(f"DETACH {alias}")
                except duckdb.ConnectionException:
                    pass  # the handle was reset after an outage; the attachment went with it

    def maintain(self) -> None:
        """Fold small Parquet files and inlined rows into larger files; old files are removed."""
        with self.session() as con:
            con.execute(f"CALL ducklake_flush_inlined_data('{LAKE}')")
            con.execute(f"CALL ducklake_merge_adjacent_files('{LAKE}')")
            con.execute(f"CALL ducklake_cleanup_old_files('{LAKE}', cleanup_all => true)")


# How many times `publish` copies again when its commit left no snapshot behind.
_PUBLISH_ATTEMPTS = 3


def _committed(con: duckdb.DuckDBPyConnection, token: str) -> bool:
    """Whether a snapshot carries the commit message `token` (set inside that transaction)."""
    row = con.execute(
        f"SELECT count(*) FROM {LAKE}.snapshots() WHERE commit_message = ?", [token]
    ).fetchone()
    return row[0] > 0


def extension_config(extension_dir: Path | None = None) -> dict:
    """DuckDB `config` for a connection that can attach a lake (extensions from PyPI, offline)."""
    return {
        "extension_directory": str(ensure_extensions(extension_dir)),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": True,
    }


def attach_lake(
    db: duckdb.DuckDBPyConnection, config: StoreConfig, alias: str, *, read_only: bool = False
) -> None:
    """ATTACH the lake `config` names as `alias` on `db` (opened with `extension_config()`).

    Raises:
        StoreUnavailable: the catalog (server or file) cannot be reached.
    """
    if config.mode == "embedded":
        catalog_file = Path(config.catalog.split(":", 1)[1])
        catalog_file.parent.mkdir(parents=True, exist_ok=True)
        Path(config.data_path).mkdir(parents=True, exist_ok=True)
        # WAL: readers in other processes never block a committing writer (or the reverse).
        with sqlite3.connect(catalog_file, timeout=30) as lite:
            lite.execute("PRAGMA journal_mode=WAL")
        lite.close()
    options = f"DATA_PATH '{_literal(config.data_path)}', DATA_INLINING_ROW_LIMIT {INLINE_ROW_LIMIT}"
    if read_only:
        options += ", READ_ONLY"
    try:
        db.execute(f"ATTACH 'ducklake:{_literal(config.catalog)}' AS {alias} ({options})")
    except duckdb.Error as exc:
        if _classify(exc) == "unavailable" or config.mode == "team":
            raise StoreUnavailable(f"cannot open the {config.label} ({_reason(exc)})") from None
        raise


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the catalog or the data path cannot be reached (not a bug)."""
    return isinstance(exc, StoreUnavailable) or _classify(exc) == "unavailable"


def is_conflict(exc: BaseException) -> bool:
    """True when `exc` is a lost race (another transaction committed first): retry the work."""
    return not isinstance(exc, StoreError) and _classify(exc) == "busy"


def _literal(text: str) -> str:
    """A string for a SQL literal where DuckDB binds no parameters (ATTACH)."""
    return text.replace("'", "''")


def _schema_tables() -> list[str]:
    return re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA_SQL.read_text(), flags=re.I)


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [database, table],
        ).fetchall()
    ]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


_REASONS = (
    "connection refused",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "could not translate host name",
    "timeout expired",
    "password authentication failed",
    "does not exist",
    "unable to open database file",
    "no such file or directory",
    "permission denied",
)


def _reason(exc: BaseException) -> str:
    """The cause in a few words (libpq/SQLite wording), not DuckDB's nested error chain."""
    if isinstance(exc, StoreUnavailable) and "(" in str(exc):
        return str(exc).rsplit("(", 1)[1].split(")", 1)[0]
    text = str(exc).lower()
    for reason in _REASONS:
        if reason in text:
            return reason
    return _first_line(exc)


def _quiet_rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction was open (it failed at COMMIT, which already rolled it back)


# -- write helpers that replace what DuckLake lacks ----------------------------------------------
def seed_id_counters(con: duckdb.DuckDBPyConnection) -> None:
    """Add the id counters and claim rows a store lacks (idempotent).

    A counter starts past the largest id its table holds, so a store written before the
    counters existed (ids from sequences) goes on without a collision.
    """
    have = {r[0] for r in con.execute("SELECT name FROM id_counters").fetchall()}
    for name, (table, column) in ID_COUNTERS.items():
        if name not in have:
            con.execute(
                f"INSERT INTO id_counters SELECT ?, coalesce(max({column}), 0) + 1 FROM {table}",  # noqa: S608
                [name],
            )
    claims = [name for name in (f"claim:{t}" for t in table_keys()) if name not in have]
    if claims:
        con.execute("INSERT INTO id_counters SELECT unnest(?), 1", [claims])


def id_counter_of(table: str) -> tuple[str, str] | None:
    """(counter, id column) when `table`'s ids come from a counter, else None."""
    for counter, (owner, column) in ID_COUNTERS.items():
        if owner == table:
            return counter, column
    return None


def allocate_ids(con: duckdb.DuckDBPyConnection, counter: str, n: int) -> int:
    """Reserve `n` consecutive ids from `counter` in the caller's transaction; returns the first.

    Replaces `nextval()` and `INSERT ... RETURNING`. Concurrent allocators conflict on the
    counter row, so one of them is retried by `Store.write`: ranges never overlap.
    """
    if counter not in ID_COUNTERS:
        raise ValueError(f"unknown id counter {counter!r}")
    first = con.execute("SELECT next_id FROM id_counters WHERE name = ?", [counter]).fetchone()
    if first is None:
        raise StoreError(f"the store has no id counter {counter!r}; run init_schema()")
    con.execute("UPDATE id_counters SET next_id = next_id + ? WHERE name = ?", [max(n, 0), counter])
    return int(first[0])


def claim(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Make the caller's transaction conflict with any other that claims (or allocates ids).

    DuckLake lets two transactions that only append commit side by side, even with the same
    key; an update of the counters table makes them conflict instead, so one is retried by
    `Store.write` and sees the other's rows. Use it before a check-then-insert on a key.
    """
    con.execute("UPDATE id_counters SET next_id = next_id + 1 WHERE name = ?", [f"claim:{table}"])


def upsert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    relation: str,
    key: Sequence[str],
    columns: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert the rows of `relation` (a table, view or registered frame) into `table` by key.

    Rows whose key exists are updated (`update` columns, default all non-key columns): this is
    `INSERT ... ON CONFLICT DO UPDATE` / `INSERT OR REPLACE` as one DuckLake MERGE. `relation`
    must hold each key once. The table is claimed first (see `claim`), so two concurrent upserts
    of one new key cannot both insert it.
    """
    ident = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    for name in (table, relation, *key, *columns, *(update or ())):
        if not ident.match(name):
            raise ValueError(f"not an identifier: {name!r}")
    update = list(update) if update is not None else [c for c in columns if c not in key]
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in key)
    cols = ", ".join(columns)
    vals = ", ".join(f"s.{c}" for c in columns)
    matched = (
        "WHEN MATCHED THEN UPDATE SET " + ", ".join(f"{c} = s.{c}" for c in update)
        if update
        else ""
    )
    claim(con, table)
    con.execute(
        f"MERGE INTO {table} AS t USING {relation} AS s ON {on} "  # noqa: S608
        f"{matched} WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({vals})"
    )


def upsert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: Sequence[str],
    rows: object,
    update: Sequence[str] | None = None,
) -> None:
    """`upsert` of in-memory rows (a DataFrame or Arrow table whose columns are `table`'s).

    Replaces `INSERT OR REPLACE ... VALUES` and `INSERT ... ON CONFLICT` of literal rows.
    """
    name = f"_upsert_{table}_{threading.get_ident()}"
    con.register(name, rows)
    try:
        columns = [c for c in con.execute(f"SELECT * FROM {name} LIMIT 0").fetchdf().columns]  # noqa: S608
        upsert(con, table, name, key, columns, update)
    finally:
        con.unregister(name)


def upsert_select(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: Sequence[str],
    select_sql: str,
    params: Sequence[object] = (),
    update: Sequence[str] | None = None,
) -> None:
    """`upsert` of the rows a SELECT returns (its column names are `table`'s columns).

    Replaces `INSERT OR REPLACE INTO t SELECT ...` and `INSERT ... VALUES (..., current_timestamp)
    ON CONFLICT`: the rows go through a temporary table (local to the session), then one MERGE.
    """
    name = f"_upsert_{table}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select_sql}", list(params))  # noqa: S608
    try:
        columns = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        upsert(con, table, name, key, columns, update)
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def duplicate_keys(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per table, how many key values occur more than once (should be none: keys are kept)."""
    out: dict[str, int] = {}
    for table, keys in table_keys().items():
        for cols in keys:
            col_list = ", ".join(cols)
            n = con.execute(
                f"SELECT count(*) FROM (SELECT {col_list} FROM {table} "  # noqa: S608
                f"GROUP BY ALL HAVING count(*) > 1)"
            ).fetchone()[0]
            if n:
                out[f"{table}({col_list})"] = n
    return out

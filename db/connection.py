"""Opening the store, its schema, and the one transaction helper, in both modes.

Opening never builds: a missing store is the pipeline's to build (`pipeline.build`).

Two modes behind one API (`connect`, `reading`, `writing`, `transaction`, `snapshot`,
`store_version`); `db.config.store_location` says which:

- **embedded** (the default, zero configuration): one DuckDB file. Many processes share it
  (the app, a second app, the CLI); DuckDB lets one process write it or several read it, so
  every opener holds the file briefly and waits with a readable message when another holds it.
- **team** (`SSE_AUDIT_STORE=postgresql://USER@HOST:PORT/DB?data_path=PATH`): a DuckLake store
  (`db.engine`), its catalog in PostgreSQL and its data as Parquet under PATH. A connection is a
  session of this process's DuckDB instance with the lake attached and USE'd, so the same SQL
  runs on it. Readers never wait; writers commit optimistically, and a writer that lost a race
  gets "store busy" (`StoreBusyError`) with nothing written. A catalog that cannot be reached is
  `StoreUnavailableError`, a readable message. `lake:DIR` is the same engine with a SQLite
  catalog on one machine.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from db import engine
from db.config import is_lake, store_location

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


# How long an opener waits for a store another process holds: attempts, and the first and
# longest pause between them (doubling, with jitter so two waiters do not retry in step).
# 40 attempts wait 35-70 s in all: longer than an ingest's write or a rebuild's swap.
LOCK_ATTEMPTS = int(os.environ.get("SSE_AUDIT_LOCK_ATTEMPTS", "40"))
LOCK_FIRST_PAUSE_S = 0.05
LOCK_MAX_PAUSE_S = 2.0

# What DuckDB says when another process, or another configuration in this one, holds the file.
_BUSY_MARKERS = ("Could not set lock on file", "different configuration than existing")

# A writer that waits leaves a marker beside the store; readers about to open wait (at most
# READER_YIELD_S) while it is fresh, so back-to-back readers cannot keep a writer out.
WRITER_PAUSE_S = 0.2
READER_YIELD_S = 5.0
_MARKER_FRESH_S = 2.0

Waiting = Callable[[int, int, str], None]
"""Told (attempt, attempts, message) before each pause, so a waiter can say it waits."""


class StoreMissingError(FileNotFoundError):
    """There is no store file yet; build it with `sse-audit build`."""


class StoreBusyError(RuntimeError):
    """Another process held the store for longer than the openers wait."""


class StoreRaceLostError(StoreBusyError):
    """A team-store write that lost its race to another commit: DuckLake rolled it back whole,
    so running it again (reading afresh) is safe. A file's writers never race: they wait."""


class StoreVersionError(RuntimeError):
    """The store file was written by a newer DuckDB than the installed one can read.

    Its message says which command migrates it (`sse-audit migrate-store`).
    """


# What DuckDB says when a file's storage format is newer than it reads (a store written by
# duckdb 2.0.1, opened by 1.5.5: "version number 999 ... can only read versions 64 and 68").
_TOO_NEW_MARKER = "Trying to read a database file with version number"


def is_too_new(exc: BaseException) -> bool:
    """True when `exc` is DuckDB refusing a file written by a newer storage format."""
    return isinstance(exc, duckdb.Error) and _TOO_NEW_MARKER in str(exc)


def too_new_message(path: str | os.PathLike) -> str:
    """What to tell someone whose store this DuckDB cannot read, and what to run."""
    return (
        f"the store {path} was written by a newer DuckDB than this install's duckdb "
        f"{duckdb.__version__}, which cannot read it (nothing in it is lost). Run "
        f"`sse-audit migrate-store {path}` once: it exports your uploads, flag reviews, "
        "overrides, LLM answers, decisions and extractions with the DuckDB that wrote it, "
        "then rebuilds the store with them"
    )


class StoreUnavailableError(StoreBusyError):
    """The team store's catalog (PostgreSQL) or data path cannot be reached.

    A kind of `StoreBusyError` so every caller that already says "try again" for a busy store
    (the CLI's exit code 75, the app's error box) does so for an outage too, never a traceback.
    """


# One engine handle per lake per process: attaching costs ~0.5 s (extensions, catalog).
_LAKES: dict[str, engine.Store] = {}
_LAKES_LOCK = threading.Lock()
# Lakes whose schema this process has checked (tables exist, id counters seeded).
_LAKE_READY: set[str] = set()
# Lakes seen to hold a store (a reader's check, made once).
_LAKE_SEEN: set[str] = set()


def lake_store(location: str) -> engine.Store:
    """This process's `db.engine.Store` for a lake setting (created on first use)."""
    with _LAKES_LOCK:
        store = _LAKES.get(location)
        if store is None:
            # An outage is reported within seconds (a page checks the version every 3 s).
            store = engine.Store(
                engine.store_config(location),
                notify=lambda message: None,
                busy_attempts=12,
                unavailable_wait_s=2.0,
            )
            _LAKES[location] = store
        return store


def close_lake(location: str) -> None:
    """Release this process's handle on one lake (its catalog connections), if open."""
    with _LAKES_LOCK:
        store = _LAKES.pop(location, None)
        _LAKE_READY.discard(location)
        _LAKE_SEEN.discard(location)
    if store is not None:
        store.close()


def close_lakes() -> None:
    """Release every lake handle of this process (tests; a catalog that moved)."""
    with _LAKES_LOCK:
        for store in _LAKES.values():
            store.close()
        _LAKES.clear()
        _LAKE_READY.clear()
        _LAKE_SEEN.clear()


def _lake_has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE database_name = current_database() AND table_name = 'build_info'"
        ).fetchone()[0]
    )


def _unavailable(location: str, exc: BaseException) -> StoreUnavailableError:
    store = _LAKES.get(location)
    if store is not None:
        store.reset()  # the next session re-attaches (the server may be back by then)
    _LAKE_READY.discard(location)
    _LAKE_SEEN.discard(location)
    label = engine.store_config(location).label
    text = str(exc) if isinstance(exc, engine.StoreUnavailable) else f"cannot reach the {label}"
    return StoreUnavailableError(
        f"{text}. Nothing was written; it works again once the catalog server is back"
    )


def _connect_lake(
    location: str, read_only: bool, on_wait: Waiting | None, attempts: int
) -> duckdb.DuckDBPyConnection:
    store = lake_store(location)
    # A catalog that is briefly away (a restart) is waited for, saying so, like a busy file.
    tries = max(1, min(attempts, 5))
    for attempt in range(1, tries + 1):
        try:
            con = store.connect()
            break
        except (engine.StoreUnavailable, duckdb.Error) as exc:
            if not engine.is_unavailable(exc):
                raise
            if attempt == tries:
                raise _unavailable(location, exc) from None
            store.reset()
            if on_wait is not None:
                on_wait(attempt, tries, f"{exc}; retrying ({attempt}/{tries})")
            time.sleep(0.5 * attempt)
    try:
        if location not in _LAKE_READY:
            if not read_only:
                # One transaction: one catalog commit instead of one per table and counter.
                with transaction(con):
                    create_schema(con)
                _LAKE_READY.add(location)
            elif location not in _LAKE_SEEN:
                if not _lake_has_schema(con):
                    raise StoreMissingError(
                        f"the {store.config.label} holds no store yet; build it with "
                        "`sse-audit build`"
                    )
                _LAKE_SEEN.add(location)
    except BaseException:
        con.close()
        raise
    return con


def sql_literal(text: str) -> str:
    """`text` as a quoted SQL string literal (for ATTACH, which binds no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def store_exists(location: str | os.PathLike | None = None) -> bool:
    """True when the store has been built (the file exists; the lake has its tables)."""
    where = store_location(location)
    if not is_lake(where):
        return Path(where).exists()
    try:
        con = _connect_lake(where, True, None, 1)
    except StoreMissingError:
        return False
    con.close()
    return True


def store_version(path: str | os.PathLike | None = None) -> tuple:
    """A cheap token that changes whenever the store's content may have changed.

    Embedded: the file's inode (a rebuild swaps in a new file), modification time and size,
    and those of its write-ahead log (a committed write may sit there until a checkpoint). No
    file read, no lock. Team: the lake's current snapshot id (every commit makes one; reads
    make none), or ("unavailable",) while the catalog cannot be reached. Callers key caches
    on it and compare it between script runs.
    """
    where = store_location(path)
    if is_lake(where):
        try:
            return ("snapshot", lake_store(where).version())
        except (engine.StoreError, duckdb.Error):
            return ("unavailable",)
    target = Path(where)
    parts: list = []
    for file in (target, target.with_name(target.name + ".wal")):
        try:
            st = file.stat()
        except FileNotFoundError:
            parts.append(None)
        else:
            parts.append((st.st_ino, st.st_mtime_ns, st.st_size))
    return tuple(parts)


def _open(target: Path, read_only: bool) -> duckdb.DuckDBPyConnection | None:
    # None when another opener holds the file; a missing file is never created here.
    if not target.exists():
        raise StoreMissingError(f"no store at {target}; build it with `sse-audit build`")
    try:
        return duckdb.connect(str(target), read_only=read_only)
    except duckdb.Error as exc:
        if is_busy(exc):
            return None
        if is_too_new(exc):
            raise StoreVersionError(too_new_message(target)) from exc
        raise


def _writer_marker(target: Path) -> Path:
    return target.with_name(target.name + ".writer-waiting")


def _yield_to_writer(marker: Path) -> None:
    # A marker older than _MARKER_FRESH_S belongs to a writer that is gone (killed): ignore it.
    deadline = time.monotonic() + READER_YIELD_S
    while time.monotonic() < deadline:
        try:
            age = time.time() - marker.stat().st_mtime
        except FileNotFoundError:
            return
        if age > _MARKER_FRESH_S:
            return
        time.sleep(0.05)


def is_busy(exc: BaseException) -> bool:
    """True when `exc` is DuckDB refusing a store another opener holds."""
    return isinstance(exc, duckdb.Error) and any(m in str(exc) for m in _BUSY_MARKERS)


def busy_message(attempt: int, attempts: int, *, read_only: bool = True) -> str:
    """The line a waiter shows: the same words in the CLI and the app."""
    # A reader is kept out only by a writer; a writer also by readers.
    holder = "writing" if read_only else "reading or writing"
    return f"store busy: another process is {holder}; retrying ({attempt}/{attempts})"


def report_to_stderr(attempt: int, attempts: int, message: str) -> None:
    """The CLI's way of waiting: one line on stderr per retry."""
    print(f"sse-audit: {message}", file=sys.stderr, flush=True)


def _is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_databases() "
            "WHERE database_name = current_database() AND type = 'ducklake'"
        ).fetchone()[0]
    )


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the store (idempotent), in a DuckDB file or a lake."""
    if _is_lake_connection(con):
        con.execute(engine.lake_schema_sql())
    else:
        con.execute(SCHEMA_SQL.read_text())
    engine.seed_id_counters(con)


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    on_wait: Waiting | None = report_to_stderr,
    attempts: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the store; wait, with backoff, while another process holds it.

    Close the connection as soon as the work is done: while it is open, a writer keeps
    every other process out, and a reader keeps writers out.

    Args:
        path: store file or lake setting; defaults to `db.config.store_location()`.
        read_only: open read-only (several processes may read at once).
        on_wait: told before each pause (default: a line on stderr); None to wait silently.
        attempts: how many times to try (default `SSE_AUDIT_LOCK_ATTEMPTS`, 40: about a minute).

    Raises:
        StoreMissingError: the file does not exist (the lake has no tables yet).
        StoreBusyError: another process still held it after every attempt.
        StoreVersionError: the file was written by a newer DuckDB (see `too_new_message`).
        StoreUnavailableError: the team store's catalog cannot be reached.
    """
    attempts = attempts or LOCK_ATTEMPTS
    where = store_location(path)
    if is_lake(where):
        return _connect_lake(where, read_only, on_wait, attempts)
    target = Path(where)
    pause = LOCK_FIRST_PAUSE_S
    started = time.monotonic()
    marker = _writer_marker(target)
    if read_only:
        _yield_to_writer(marker)
    try:
        for attempt in range(1, attempts + 1):
            con = _open(target, read_only)
            if con is None and attempt < attempts:
                if on_wait is not None:
                    on_wait(attempt, attempts, busy_message(attempt, attempts, read_only=read_only))
                window_end = time.monotonic() + pause * random.uniform(0.5, 1.0)
                pause = min(pause * 2, LOCK_MAX_PAUSE_S)
                # A writer keeps looking through the pause and marks that it waits: readers
                # that see the mark stop opening, the open ones close within a page run.
                while not read_only and con is None and time.monotonic() < window_end:
                    marker.write_text(str(os.getpid()))
                    time.sleep(min(WRITER_PAUSE_S, max(0.0, window_end - time.monotonic())))
                    con = _open(target, read_only)
                if con is None:
                    time.sleep(max(0.0, window_end - time.monotonic()))
                    continue
            if con is None:
                break
            if not read_only:
                try:
                    create_schema(con)
                except BaseException:
                    con.close()
                    raise
            return con
    finally:
        if not read_only:
            marker.unlink(missing_ok=True)
    raise StoreBusyError(
        f"store busy: another process held {target} for {time.monotonic() - started:.0f} s "
        f"({attempts} attempts); try again when it has finished"
    )


@contextmanager
def reading(
    path: str | os.PathLike | None = None, *, on_wait: Waiting | None = report_to_stderr
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one batch of queries, closed when the block ends."""
    con = connect(path, read_only=True, on_wait=on_wait)
    try:
        yield con
    except duckdb.Error as exc:
        raise _readable(path, exc) from exc
    finally:
        con.close()


def _readable(path: str | os.PathLike | None, exc: duckdb.Error) -> BaseException:
    # A lake session whose catalog went away mid-block: say so, not DuckDB's nested chain.
    where = store_location(path)
    if is_lake(where) and engine.is_unavailable(exc):
        return _unavailable(where, exc)
    return exc


@contextmanager
def writing(
    path: str | os.PathLike | None = None, *, on_wait: Waiting | None = report_to_stderr
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection for one transaction: committed (or rolled back) and closed at the end.

    Other processes wait for the block to end, so keep it to the write itself.
    """
    con = connect(path, on_wait=on_wait)
    try:
        with transaction(con):
            yield con
    except duckdb.Error as exc:
        raise _readable(path, exc) from exc
    finally:
        con.close()


def attach(
    con: duckdb.DuckDBPyConnection, path: str | os.PathLike, alias: str, *, read_only: bool = False
) -> None:
    """ATTACH the store file `path` as `alias` (no waiting; see `attach_read_only`).

    The path is written as a quoted literal: duckdb 1.5 binds no parameters in ATTACH.
    """
    mode = " (READ_ONLY)" if read_only else ""
    con.execute(f"ATTACH {sql_literal(str(path))} AS {alias}{mode}")


def attach_read_only(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike,
    alias: str,
    *,
    on_wait: Waiting | None = report_to_stderr,
) -> None:
    """ATTACH a store read-only as `alias`, waiting (with backoff) while a writer holds it.

    A lake setting is attached read-only at its current snapshot (no wait: lakes have no
    writer lock); `con` must have been opened with `db.engine.extension_config()`.

    Raises:
        StoreBusyError: a writer still held it after every attempt.
        StoreVersionError: the file was written by a newer DuckDB (see `too_new_message`).
    """
    if is_lake(path):
        try:
            engine.attach_lake(con, engine.store_config(str(path)), alias, read_only=True)
        except engine.StoreUnavailable as exc:
            raise _unavailable(str(path), exc) from None
        return
    attempts = LOCK_ATTEMPTS
    pause = LOCK_FIRST_PAUSE_S
    _yield_to_writer(_writer_marker(Path(path)))
    for attempt in range(1, attempts + 1):
        try:
            attach(con, path, alias, read_only=True)
            return
        except duckdb.Error as exc:
            if is_too_new(exc):
                raise StoreVersionError(too_new_message(path)) from exc
            if not is_busy(exc):
                raise
            if attempt == attempts:
                raise StoreBusyError(
                    f"store busy: another process held {path} ({attempts} attempts); "
                    "try again when it has finished"
                ) from exc
            if on_wait is not None:
                on_wait(attempt, attempts, busy_message(attempt, attempts))
            time.sleep(pause * random.uniform(0.5, 1.0))
            pause = min(pause * 2, LOCK_MAX_PAUSE_S)


# The tables the conductivity model reads (db.model_inputs).
MODEL_TABLES = ("records", "entries", "structures")


def snapshot(
    path: str | os.PathLike | None = None,
    tables: tuple[str, ...] = MODEL_TABLES,
    *,
    on_wait: Waiting | None = report_to_stderr,
) -> duckdb.DuckDBPyConnection:
    """An in-memory copy of `tables` of the store, for work that takes minutes (training).

    The file is held only while the tables are copied (well under a second), not while the
    work runs, so other processes keep writing.
    """
    where = store_location(path)
    if is_lake(where):
        mem = duckdb.connect(":memory:")
        with reading(where, on_wait=on_wait) as con:
            for table in tables:
                frame = con.execute(f"SELECT * FROM {table}").to_arrow_table()  # noqa: S608
                mem.register("_copy", frame)
                mem.execute(f"CREATE TABLE {table} AS SELECT * FROM _copy")  # noqa: S608
                mem.unregister("_copy")
        return mem
    target = Path(where)
    if not target.exists():
        raise StoreMissingError(f"no store at {target}; build it with `sse-audit build`")
    mem = duckdb.connect(":memory:")
    attach_read_only(mem, target, "src", on_wait=on_wait)
    try:
        for table in tables:
            mem.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")  # noqa: S608
    finally:
        mem.execute("DETACH src")
    return mem


# Connections inside a `transaction` block (by identity). DuckDB cannot be asked: a second
# BEGIN aborts the transaction that is already open.
_OPEN: set[int] = set()
# What one open transaction remembers about itself (by connection identity), dropped when it
# ends: `transaction_memo`.
_MEMO: dict[int, dict] = {}


def transaction_memo(con: duckdb.DuckDBPyConnection) -> dict | None:
    """A dict that lives as long as `con`'s open `transaction` block (None outside one), for
    work done once per transaction (`db.version.bump_store_version`)."""
    return _MEMO.get(id(con)) if id(con) in _OPEN else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back when it raises.

    Inside a `transaction` block of the same connection, the block joins the outer one,
    which decides.
    """
    if id(con) in _OPEN:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _OPEN.add(id(con))
    _MEMO[id(con)] = {}
    try:
        yield con
    except BaseException:
        _rollback(con)
        raise
    else:
        try:
            con.execute("COMMIT")
        except duckdb.Error as exc:
            _rollback(con)
            if engine.is_conflict(exc):
                # A lake writer that lost the race to another commit: DuckLake rolled it back.
                raise StoreRaceLostError(
                    "store busy: another process wrote the same tables at the same time; "
                    "nothing was written, try again"
                ) from exc
            raise
    finally:
        _OPEN.discard(id(con))
        _MEMO.pop(id(con), None)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the failed statement or COMMIT already ended the transaction

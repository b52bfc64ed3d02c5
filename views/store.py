"""The app's store: short-lived connections, caches that follow the store's version.

Several processes share the store file (this app, a second app, the CLI), and DuckDB lets
one process write it or several read it. So the app holds no connection while it renders:
each query batch (one call of a reading function, usually inside a cached function) gets
its own read-only connection from `store_cursor()`, closed as soon as that batch drops it,
and `run_scope` (around the page, in app.py) closes whatever a run left open; a write opens
a write connection for its transaction only (`store_writer`). A writer in another process
therefore waits for one query batch at most, never for a page's rendering. Cached results
(`st.cache_data`) are dropped whenever the store's version (`db.connection.store_version`:
its file's inode, time and size) moves, so a CLI ingest, another app's upload or a rebuild
shows on the next run without a restart, and `watch_store` starts that run within seconds.

When another process holds the store, a page waits, says so ("store busy: ... retrying"),
and runs again; after the retries it says the store is busy. Never a traceback.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import streamlit as st

from db.config import store_location
from db.connection import StoreBusyError, StoreVersionError, Waiting, connect, writing
from db.connection import store_version as file_version
from pipeline.startup import prepare_app_store

# Each script run has its own thread: the run's store path and the read connections it
# opened (weak references: a batch's connection closes when the batch drops it) live here.
_run = threading.local()
# The store version this process's caches were computed from.
_cached_version: list = [None]
_cached_lock = threading.Lock()
# How often an open page checks whether the store changed (seconds; 0 turns it off).
REFRESH_SECONDS = float(os.environ.get("SSE_AUDIT_REFRESH_SECONDS", "3"))
# A page's first read tries this many times at once (~0.3 s) before it hands the wait to
# `run_scope`, which waits where it can say so (not inside a cached function).
_QUICK_ATTEMPTS = 4


@st.cache_resource(show_spinner=False)
def _prepared(path: str) -> str:
    bar = st.progress(0.0, text="Opening the evidence store...")
    train = os.environ.get("SSE_AUDIT_TRAIN_ON_START", "1") != "0"
    with st.spinner(
        "Preparing the store and the conductivity model's predictions "
        "(the first start builds and trains, about 35 s)..."
    ):
        prepare_app_store(
            path,
            progress=lambda f, msg: bar.progress(min(f, 1.0), text=msg),
            train=train,
            on_wait=lambda attempt, attempts, msg: bar.progress(0.0, text=msg),
        )
    bar.empty()
    return path


def store_path() -> str:
    """The store (file or team lake), prepared once per process (built if missing,
    predictions written).

    A store this DuckDB cannot read (written by a newer one) stops the page with the command
    that migrates it.
    """
    try:
        return _prepared(store_location())
    except StoreVersionError as exc:
        st.error(f"The evidence store cannot be opened: {exc}.")
        st.stop()


class _ReadBusy(StoreBusyError):
    """A page's first read found the store held; `run_scope` waits and reruns the page."""


def _sync_caches(version: tuple) -> None:
    # Results cached from another version of the store are stale: drop them all.
    with _cached_lock:
        if _cached_version[0] != version:
            st.cache_data.clear()
            _cached_version[0] = version


def _close_reader() -> None:
    # Every read connection this run opened that is still alive (a batch that raised keeps
    # its connection in the traceback's frames): close it, so a write can open the file.
    opened = getattr(_run, "opened", None) or []
    _run.opened = []
    for ref in opened:
        con = ref()
        if con is not None:
            con.close()


@contextmanager
def run_scope() -> Iterator[None]:
    """Around one script run (app.py): fresh caches if the store moved; close what was opened.

    A page that found the store held by another process lands here: the wait is shown
    (outside any cached function) and the page runs again once the store opens.
    """
    path = store_path()
    started = file_version(path)
    _sync_caches(started)
    st.session_state["_store_version"] = started
    _run.path, _run.opened = path, []
    try:
        yield
    except _ReadBusy:
        _close_reader()
        _wait_then_rerun(path)
    except StoreBusyError as exc:  # a write that waited for every retry: nothing written
        st.error(f"{exc}. Nothing was written; try again.")
    finally:
        _close_reader()
        _run.path = None
        # A result cached during this run may come from before a write that landed meanwhile.
        if file_version(path) != started:
            with _cached_lock:
                st.cache_data.clear()
                _cached_version[0] = None


def _wait_then_rerun(path: str) -> None:
    status = st.status("store busy: another process is writing; waiting", state="running")
    try:
        connect(
            path,
            read_only=True,
            on_wait=lambda attempt, attempts, msg: status.update(label=msg),
        ).close()
    except StoreBusyError as exc:
        status.update(label=str(exc), state="error")
        st.error(f"{exc}. Reload the page to try again.")
        return
    status.update(label="store free again", state="complete")
    st.rerun()


def store_cursor() -> duckdb.DuckDBPyConnection:
    """A read-only connection for one query batch: pass it to the reading function, drop it.

    It closes as soon as nothing refers to it any more (after the call it was passed to, or
    when the caller's function returns), and at the latest when the run ends, so the store
    is never held while the page renders. Outside a run (a download callback, a worker
    thread) it is a new connection the caller owns; it too closes when dropped.
    """
    path = getattr(_run, "path", None)
    if path is None:
        return connect(store_location(), read_only=True, on_wait=None)
    # After a short try, `run_scope` takes over the wait where it can say so (a wait
    # shown inside a cached function would be replayed with its result).
    try:
        con = connect(path, read_only=True, on_wait=None, attempts=_QUICK_ATTEMPTS)
    except StoreBusyError as exc:
        raise _ReadBusy(str(exc)) from exc
    _run.opened = [ref for ref in _run.opened if ref() is not None]
    _run.opened.append(weakref.ref(con))
    return con


class _StoreHandle:
    """What `store_connection()` returns: `.cursor()` gives a read-only connection."""

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return store_cursor()


def store_connection() -> _StoreHandle:
    """Drop-in for the old process-wide connection: take `.cursor()` of it to read."""
    return _StoreHandle()


def busy_notice() -> Waiting:
    """An `on_wait` that shows each retry in a placeholder on the page (for writes)."""
    placeholder = st.empty()

    def show(attempt: int, attempts: int, message: str) -> None:
        placeholder.info(message, icon=":material/hourglass_top:")

    return show


@contextmanager
def store_writer() -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection for one transaction (a review, an override), then closed.

    This run's open readers are closed first (DuckDB refuses a reader and a writer of one file
    in one process); other processes wait for the block to end, so keep it to the write. Cached
    results are dropped afterwards, so the page shows its own write.

    Raises:
        StoreBusyError: another process held the store for longer than the retries wait.
    """
    _close_reader()
    with writing(store_path(), on_wait=busy_notice()) as con:
        yield con
    note_own_write()


def release_reader() -> None:
    """Close this run's read connections before a pipeline function opens the store to write
    (DuckDB refuses a reader and a writer of one file in one process)."""
    _close_reader()


def note_own_write() -> None:
    """After this page wrote the store: drop cached results, and do not rerun for it."""
    st.cache_data.clear()
    st.session_state["_store_version"] = file_version(store_path())


def watch_store(every: float | None = None) -> None:
    """Rerun the page within seconds when the store changes (another process wrote it)."""
    seconds = REFRESH_SECONDS if every is None else every
    if seconds <= 0:
        return

    @st.fragment(run_every=seconds)
    def _watch() -> None:
        seen = st.session_state.get("_store_version")
        if seen is not None and file_version(store_location()) != seen:
            st.rerun(scope="app")

    _watch()


def store_version() -> tuple:
    """The store's version now (the file's identity, mtime and size: any write by any process
    changes it). Pages pass it to their `st.cache_data` functions as the first argument, so a
    write shows at once and an entry of an older version is never read again."""
    return file_version(store_path())

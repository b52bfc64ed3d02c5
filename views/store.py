"""The app's store connection: one per process, a cursor per script run's thread."""

from __future__ import annotations

import os

import streamlit as st

from db.config import db_path
from db.version import store_version as _store_version
from pipeline.startup import open_app_store


@st.cache_resource(show_spinner=False)
def _store_connection(path: str):
    bar = st.progress(0.0, text="Opening the evidence store...")
    train = os.environ.get("SSE_AUDIT_TRAIN_ON_START", "1") != "0"
    with st.spinner(
        "Preparing the store and the conductivity model's predictions "
        "(the first start builds and trains, about 35 s)..."
    ):
        con = open_app_store(
            path,
            progress=lambda f, msg: bar.progress(min(f, 1.0), text=msg),
            train=train,
        )
    bar.empty()
    return con


def store_connection():
    """The process's store connection; take a `.cursor()` of it in each thread that reads."""
    return _store_connection(str(db_path()))


def store_cursor():
    """A DuckDB cursor for this script run's thread, on the shared store connection."""
    return store_connection().cursor()


def store_version() -> int:
    """The store's version now (`db.version`): every write raises it. Pages pass it to their
    `st.cache_data` functions as the first argument, so a write shows at once and an entry
    of an older version is never read again (and `max_entries` drops it)."""
    return _store_version(store_cursor())

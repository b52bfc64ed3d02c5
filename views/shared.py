"""What every page shares: the store connection (one per process, a cursor per thread)."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from auditor.figure_export import for_presentation, to_image, with_provenance
from auditor.model import ensure_store_predictions
from db.build import build_store
from db.config import db_path
from db.store import connect
from db.version import build_date, store_version


@st.cache_resource(show_spinner=False)
def _store_connection(path: str):
    # Built on first use: the progress shows while the bundled sources load.
    if not Path(path).exists():
        bar = st.progress(0.0, text="Building the evidence store from the bundled data...")
        build_store(path, progress=lambda f, msg: bar.progress(min(f, 1.0), text=msg))
        bar.empty()
    con = connect(path)
    # Predictions are computed once per model version, never per page view.
    train = os.environ.get("SSE_AUDIT_TRAIN_ON_START", "1") != "0"
    with st.spinner(
        "Preparing the conductivity model's predictions (the first start trains it, about 15 s)..."
    ):
        ensure_store_predictions(con, train_if_missing=train)
    return con


def store_connection():
    """The process's store connection; take a `.cursor()` of it in each thread that reads."""
    return _store_connection(str(db_path()))


def store_cursor():
    """A DuckDB cursor for this script run's thread, on the shared store connection."""
    return store_connection().cursor()


def current_store_version() -> str:
    """Changes whenever the store's records change: the key the pages' caches take."""
    return store_version(store_cursor())


def presenting() -> bool:
    """Whether the view is in presentation mode (`?present=1`)."""
    return st.query_params.get("present") == "1"


def figure_with_export(fig, name: str, *, n: int | None = None, **chart_kwargs):
    """Show a plotly figure with its exports; its title carries n and the store's build date.

    Interactive HTML (plotly.js embedded, so it opens offline), PNG and SVG (drawn on the
    server by kaleido at 1920x1080 in presentation type) are built only when clicked.
    """
    fig = with_provenance(fig, n=n, built=build_date(store_cursor()))
    if presenting():
        fig = for_presentation(fig)
    event = st.plotly_chart(
        fig,
        width="stretch",
        config={"toImageButtonOptions": {"format": "png", "scale": 2}},
        **chart_kwargs,
    )
    # One small control under each chart; the three formats open from it.
    menu = st.popover(f"Export {name}", icon=":material/download:")
    menu.download_button(
        f"Export {name} (interactive HTML)",
        lambda: fig.to_html(include_plotlyjs=True),
        f"{name}.html",
        "text/html",
        key=f"export_{name}",
        on_click="ignore",
    )
    for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
        menu.download_button(
            f"Export {name} ({fmt.upper()})",
            lambda fmt=fmt: to_image(fig, fmt),
            f"{name}.{fmt}",
            mime,
            key=f"export_{fmt}_{name}",
            on_click="ignore",
        )
    return event


def url_index(name: str, options: list, default=None) -> int:
    """The index of the option the URL names (`?name=value`), else of `default`, else 0."""
    value = st.query_params.get(name)
    if value in options:
        return options.index(value)
    return options.index(default) if default in options else 0


def sync_url(**values) -> None:
    """Write the view's state into the URL so a pasted link reproduces it."""
    for name, value in values.items():
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        if value in (None, ""):
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)

"""Figures on a page, with their exports; titles carry n and the store's build date."""

from __future__ import annotations

import os

import plotly.graph_objects as go
import streamlit as st

from auditor.figure_export import count_points, for_presentation, to_image, with_provenance
from db.version import build_date
from views.store import store_cursor
from views.url_state import presenting

# A chart is copied and serialized to the browser on every rerun (measured at a million
# records: about 0.1 s of CPU per 1,000 points with hover data): above this many points it is
# drawn when the reader asks. The real store's figures stay below it.
MAX_DRAWN_POINTS = int(os.environ.get("SSE_AUDIT_MAX_DRAWN_POINTS", "5000"))


def figure_with_export(fig, name: str, *, n: int | None = None, **chart_kwargs):
    """Show a plotly figure with its exports; its title carries n and the store's build date.

    Interactive HTML (plotly.js embedded, so it opens offline), PNG and SVG (drawn on the
    server by kaleido at 1920x1080 in presentation type) are built only when clicked. A figure
    of more than `MAX_DRAWN_POINTS` points is drawn on request (a toggle), so every rerun of
    its page does not ship it again; its exports are there either way. Returns the chart's
    selection event (None when not drawn).
    """
    fig = with_provenance(fig, n=n, built=build_date(store_cursor()))
    if presenting():
        # A copy: the figure may be a cached one that other sessions show as it is.
        fig = for_presentation(go.Figure(fig))
    points = count_points(fig)
    event = None
    if points <= MAX_DRAWN_POINTS or st.toggle(
        f"Draw {name} ({points:,} points)", value=False, key=f"draw_{name}"
    ):
        event = st.plotly_chart(
            fig,
            width="stretch",
            config={"toImageButtonOptions": {"format": "png", "scale": 2}},
            **chart_kwargs,
        )
    else:
        st.caption(
            f"{fig.layout.title.text or name}: {points:,} points, drawn on request "
            "(or exported below) so the page stays quick."
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

"""Figures on a page, with their exports; titles carry n and the store's build date."""

from __future__ import annotations

import streamlit as st

from auditor.figure_export import for_presentation, to_image, with_provenance
from db.version import build_date
from views.store import store_cursor
from views.url_state import presenting


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

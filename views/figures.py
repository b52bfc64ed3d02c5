"""Figures on a page, with their exports."""

from __future__ import annotations

import streamlit as st


def figure_with_export(fig, name: str, **chart_kwargs):
    """Show a plotly figure with its exports.

    Interactive HTML (plotly.js embedded, so it opens offline) is built only when clicked; the
    chart's own toolbar saves PNG in the browser, offline.
    """
    event = st.plotly_chart(
        fig,
        width="stretch",
        config={"toImageButtonOptions": {"format": "png", "scale": 2}},
        **chart_kwargs,
    )
    st.download_button(
        f"Export {name} (interactive HTML)",
        lambda: fig.to_html(include_plotlyjs=True),
        f"{name}.html",
        "text/html",
        key=f"export_{name}",
        on_click="ignore",
    )
    return event

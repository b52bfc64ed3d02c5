"""Overview figures: coverage by family × method, and a periodic-table heatmap of elements."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from pymatgen.core import Element


def coverage_heatmap(coverage: pd.DataFrame, prop: str) -> go.Figure:
    """Distinct measurements of one property by family (rows) and method (columns)."""
    table = coverage[coverage["property"] == prop].pivot_table(
        index="family", columns="method", values="records", aggfunc="sum", fill_value=0
    )
    fig = go.Figure(
        go.Heatmap(
            z=table.values,
            x=list(table.columns),
            y=list(table.index),
            text=table.values,
            texttemplate="%{text}",
            colorscale="Blues",
            hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(300, 24 * len(table.index) + 120), margin={"l": 10, "r": 10, "t": 30, "b": 10}
    )
    return fig


def element_heatmap(counts: pd.DataFrame) -> go.Figure:
    """Periodic-table layout, coloured by the number of materials that contain each element."""
    by_symbol = dict(zip(counts["element"], counts["materials"], strict=True))
    xs, ys, zs, labels = [], [], [], []
    for z in range(1, 104):
        el = Element.from_Z(z)
        row, group = el.row, el.group
        if el.is_lanthanoid or el.is_actinoid:
            row, group = (8 if el.is_lanthanoid else 9), 3 + (z - (57 if el.is_lanthanoid else 89))
        xs.append(group)
        ys.append(row)
        zs.append(by_symbol.get(el.symbol, 0))
        labels.append(el.symbol)
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=labels,
            textfont={"size": 11},
            marker={
                "symbol": "square",
                "size": 34,
                "color": zs,
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": "materials"},
            },
            customdata=zs,
            hovertemplate="%{text}: %{customdata} materials<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", visible=False)
    fig.update_xaxes(visible=False)
    fig.update_layout(height=460, margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="white")
    return fig

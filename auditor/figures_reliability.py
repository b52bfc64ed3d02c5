"""Figures of the method-reliability map, the all-family parity plot, sigma(T) and placements.

Map cells carry their cell id in customdata[0], so a click on the map opens that cohort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditor.cohorts import UNITS
from auditor.reliability import QUANTITY_LABELS, QUANTITY_TITLES


def reliability_map(cells: pd.DataFrame, *, quantity: str) -> go.Figure:
    """Family x method grid: colour is the median bias (n >= 3 only), text bias, CI and n.

    Thin cells (n < 3) get no colour and read "too thin (n)", so they never look like findings.
    """
    fig = go.Figure()
    if cells.empty:
        fig.update_layout(title=f"no computed cohorts: {QUANTITY_LABELS[quantity]}")
        return fig
    families = sorted(cells["family"].unique(), reverse=True)  # first family on top
    columns = sorted(cells["column"].unique())
    grid = cells.pivot(index="family", columns="column", values="bias").reindex(
        index=families, columns=columns
    )
    limit = float(np.nanmax(np.abs(grid.to_numpy()))) if grid.notna().any().any() else 1.0
    fig.add_trace(
        go.Heatmap(
            z=grid.to_numpy(),
            x=columns,
            y=families,
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorscale="RdBu_r",
            colorbar={"title": f"median bias<br>({cells['unit'].iloc[0]})"},
            hoverinfo="skip",
            xgap=2,
            ygap=2,
        )
    )
    thin = cells["thin"].to_numpy(bool)
    fig.add_trace(
        go.Scatter(
            x=cells["column"],
            y=cells["family"],
            mode="markers+text",
            text=cells["text"],
            # A fixed size (not the layout's) keeps two lines inside a cell in presentation mode.
            textfont={"color": np.where(thin, "grey", "black").tolist(), "size": 12},
            # Square, nearly transparent markers make each cell clickable.
            marker={"symbol": "square", "size": 40, "opacity": 0.02, "color": "grey"},
            customdata=cells[["cell", "n_pairs", "mae"]].astype(object).to_numpy(),
            hovertemplate=(
                "%{y} · %{x}<br>%{text}<br>MAE %{customdata[2]}<extra>click to open</extra>"
            ),
            showlegend=False,
        )
    )
    fig.update_layout(
        title=f"Method reliability: {QUANTITY_TITLES[quantity]}",
        xaxis={"tickangle": -25, "automargin": True},
        yaxis={"automargin": True},
        height=max(380, 62 * len(families) + 220),
    )
    return fig


def all_family_parity(pairs: pd.DataFrame, *, quantity: str) -> go.Figure:
    """Every paired material of the quantity, computed against experiment, coloured by method."""
    unit = UNITS["Ea" if quantity == "energy" else "sigma"]
    fig = go.Figure()
    for label, group in pairs.groupby(["method_label", "property"], sort=True):
        custom = group[["composition_key", "family", "n", "exp_n"]].astype(object).to_numpy()
        fig.add_trace(
            go.Scatter(
                x=group["exp_value"],
                y=group["value"],
                mode="markers",
                name=f"{label[0]} · {label[1]}",
                customdata=custom,
                marker={"size": 8, "opacity": 0.75},
                hovertemplate=(
                    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>computed %{y:.3g}"
                    "<br>experimental %{x:.3g}<extra>%{fullData.name}</extra>"
                ),
            )
        )
    if len(pairs):
        lo = float(min(pairs["exp_value"].min(), pairs["value"].min()))
        hi = float(max(pairs["exp_value"].max(), pairs["value"].quantile(0.98)))
        fig.add_trace(
            go.Scatter(
                x=[lo, hi],
                y=[lo, hi],
                mode="lines",
                line={"dash": "dash", "color": "grey"},
                name="identity",
                hoverinfo="skip",
            )
        )
        fig.update_yaxes(range=[lo - 0.05 * (hi - lo), hi * 1.05 if hi > 0 else hi + 0.5])
    ref = "Ea" if quantity == "energy" else "sigma"
    fig.update_layout(
        title=f"All families: computed vs experimental {ref}",
        xaxis_title=f"experimental {ref} ({unit})",
        yaxis_title=f"computed ({unit})",
    )
    return fig


def sigma_t_plot(series: pd.DataFrame, *, color_by: str = "family") -> go.Figure:
    """log10 sigma against 1000/T, one line per (material, source); point size by Ea if known.

    Args:
        series: `db.temperature.sigma_series` rows with an `ea_ev` column (NaN where unknown).
        color_by: the column one trace (colour) is drawn per; series break between materials.
    """
    fig = go.Figure()
    known = series["ea_ev"].dropna()
    lo, hi = (float(known.min()), float(known.max())) if len(known) else (0.0, 1.0)
    for label, group in series.groupby(color_by, sort=True):
        group = group.sort_values(["composition_key", "source", "temperature_k"])
        # One trace per colour; a NaN row after each (material, source) breaks the line there.
        line = group.groupby(["composition_key", "source"], sort=False).ngroup().to_numpy()
        ends = np.flatnonzero(np.r_[line[1:] != line[:-1], True])
        gaps = pd.DataFrame(np.nan, index=ends + 0.5, columns=["temperature_k", "log10_value"])
        frame = pd.concat([group.set_axis(np.arange(len(group), dtype=float)), gaps]).sort_index()
        ea = frame["ea_ev"].to_numpy(float) if "ea_ev" in frame else np.full(len(frame), np.nan)
        size = np.where(np.isnan(ea), 5.0, 6.0 + 14.0 * (ea - lo) / ((hi - lo) or 1.0))
        fig.add_trace(
            go.Scatter(
                x=1000.0 / frame["temperature_k"],
                y=frame["log10_value"],
                mode="lines+markers",
                name=str(label),
                connectgaps=False,
                line={"width": 1},
                marker={"size": size},
                customdata=frame[["composition_key", "source", "ea_ev", "doi"]]
                .astype(object)
                .to_numpy(),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>log10 sigma %{y:.2f} at 1000/T %{x:.2f}"
                    "<br>Ea %{customdata[2]} eV<br>%{customdata[1]}, DOI %{customdata[3]}"
                    "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    fig.update_layout(
        title="Conductivity series: log10 sigma vs 1000/T (point size: the material's Ea)",
        xaxis_title="1000 / T (1/K)",
        yaxis_title="log10 sigma (S/cm)",
    )
    return fig


def placement_plot(values: pd.DataFrame, *, value: float, label: str, unit: str) -> go.Figure:
    """The distribution a value is placed in (one box per slice), the value as a red line."""
    fig = go.Figure()
    for name, group in values.groupby("slice", sort=False):
        fig.add_trace(
            go.Box(
                x=group["value"],
                name=f"{name} (n={len(group)})",
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"size": 5, "opacity": 0.6},
                customdata=group[["composition_key"]].astype(object).to_numpy(),
                hovertemplate="%{customdata[0]}: %{x:.3g}<extra></extra>",
            )
        )
    fig.add_vline(x=value, line={"color": "red", "width": 3}, annotation_text=label)
    fig.update_layout(title=f"Where {label} sits", xaxis_title=unit, showlegend=False)
    return fig


def flags_on_distribution(values: pd.DataFrame, flagged: pd.DataFrame, *, cohort: str) -> go.Figure:
    """A cohort's values as a box with every point, and its flagged records marked in red.

    Args:
        values: `auditor.triage.cohort_values` rows (value in the cohort's units).
        flagged: the group's flags (`record_key`, `composition_key`, `reason`).
    """
    fig = go.Figure()
    fig.add_trace(
        go.Box(
            x=values["value"],
            name="cohort",
            boxpoints="all",
            jitter=0.3,
            pointpos=0,
            marker={"size": 5, "opacity": 0.5, "color": "grey"},
            customdata=values[["composition_key"]].astype(object).to_numpy(),
            hovertemplate="%{customdata[0]}: %{x:.3g}<extra></extra>",
        )
    )
    marked = values[values["record_key"].isin(flagged["record_key"])]
    reasons = flagged.set_index("record_key")["reason"]
    fig.add_trace(
        go.Scatter(
            x=marked["value"],
            y=["cohort"] * len(marked),
            mode="markers",
            name="flagged",
            marker={"symbol": "x", "size": 14, "color": "crimson"},
            customdata=np.column_stack(
                [marked["composition_key"], marked["record_key"].map(reasons).fillna("")]
            ).astype(object)
            if len(marked)
            else None,
            hovertemplate="%{customdata[0]}: %{x:.3g}<br>%{customdata[1]}<extra>flagged</extra>",
        )
    )
    prop = cohort.split("/")[1] if cohort.count("/") >= 2 else ""
    fig.update_layout(
        title=f"{cohort}: flagged values on the cohort's distribution",
        xaxis_title=f"{prop} ({UNITS.get(prop, '')})",
        showlegend=True,
        height=320,
    )
    return fig

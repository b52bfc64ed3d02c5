"""Plotly figures for cohorts and Arrhenius fits (no Streamlit; pages render them).

Every point carries `customdata = [record_key, composition_key, record_id]` so a page can open
the evidence behind a clicked point; the hover shows material, value, source and DOI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditor.cohorts import UNITS, method_label, with_variant
from core.constants import IMPLIED_ROOM_TEMPERATURE_K, arrhenius_log10_sigma

_HOVER = (
    "<b>%{customdata[1]}</b><br>%{y:.3g} {unit}<br>source: %{customdata[3]}"
    "<br>DOI: %{customdata[4]}<br>%{customdata[0]}<extra></extra>"
)


def _customdata(frame: pd.DataFrame) -> np.ndarray:
    cols = ["record_key", "composition_key", "record_id", "source", "doi"]
    return frame.reindex(columns=cols).astype(object).fillna("-").to_numpy()


def distribution_by_method(records: pd.DataFrame, *, family: str, property: str) -> go.Figure:
    """Box per method (and variant) with every (uncensored) record as a point, experiment included.

    Args:
        records: `auditor.cohorts.load_records` output.
        family, property: the cohort slice to show.
    """
    unit = UNITS[property]
    data = with_variant(
        records[
            (records["family"] == family)
            & (records["property"] == property)
            & records["censored"].isna()
        ]
    )
    fig = go.Figure()
    for method, group in data.groupby("method_label", sort=True):
        fig.add_trace(
            go.Box(
                y=group["value"],
                name=f"{method} (n={len(group)})",
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                customdata=_customdata(group),
                hovertemplate=_HOVER.replace("{unit}", unit),
                marker={"size": 5, "opacity": 0.6},
            )
        )
    fig.update_layout(
        title=f"{family}: {property} by method",
        yaxis_title=f"{property} ({unit})",
        showlegend=False,
        margin={"t": 50},
    )
    return fig


def parity_plot(pairs: pd.DataFrame, *, property: str, title: str | None = None) -> go.Figure:
    """Computed against experimental material values, with the identity line and MAE.

    Args:
        pairs: `auditor.cohorts.paired_materials` rows of one property (any families/methods).
        property: the computed property; Em is plotted against experimental Ea and says so.
    """
    unit = UNITS[property]
    ref = {"Em": "Ea"}.get(property, property)
    fig = go.Figure()
    for method, group in pairs.groupby("method_label", sort=True):
        custom = np.column_stack(
            [group["composition_key"], group["family"], group["n"], group["exp_n"]]
        ).astype(object)
        fig.add_trace(
            go.Scatter(
                x=group["exp_value"],
                y=group["value"],
                mode="markers",
                name=method,
                customdata=custom,
                hovertemplate=(
                    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>computed %{y:.3g} "
                    "(n=%{customdata[2]})<br>experimental %{x:.3g} (n=%{customdata[3]})"
                    "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    if len(pairs):
        lo = float(min(pairs["exp_value"].min(), pairs["value"].min()))
        hi = float(max(pairs["exp_value"].max(), pairs["value"].max()))
        pad = 0.05 * (hi - lo or 1.0)
        fig.add_trace(
            go.Scatter(
                x=[lo - pad, hi + pad],
                y=[lo - pad, hi + pad],
                mode="lines",
                line={"dash": "dash", "color": "grey"},
                name="identity",
                hoverinfo="skip",
            )
        )
        mae = float(np.mean(np.abs(pairs["diff"])))
        fig.add_annotation(
            xref="paper",
            yref="paper",
            x=0.02,
            y=0.98,
            showarrow=False,
            align="left",
            text=f"MAE {mae:.3g} {unit}<br>{len(pairs)} material-method pairs",
        )
    fig.update_layout(
        title=title or f"computed {property} vs experimental {ref}",
        xaxis_title=f"experimental {ref} ({unit})",
        yaxis_title=f"computed {property} ({unit})",
    )
    return fig


def bias_by_method(cohorts: list[dict], *, property: str) -> go.Figure:
    """Median bias against experiment per (family, method, variant) with bootstrap 95% CI bars."""
    rows = [
        {**c, "label": method_label(c["method"], c.get("variant"))}
        for c in cohorts
        if c["property"] == property and c["method"] != "EXP" and c["bias_vs_exp"] is not None
    ]
    fig = go.Figure()
    for method in sorted({c["label"] for c in rows}):
        sub = [c for c in rows if c["label"] == method]
        bias = np.array([c["bias_vs_exp"] for c in sub], dtype=float)
        high = np.array([c["bias_ci95"][1] if c["bias_ci95"] else np.nan for c in sub], float)
        low = np.array([c["bias_ci95"][0] if c["bias_ci95"] else np.nan for c in sub], float)
        fig.add_trace(
            go.Scatter(
                x=[c["family"] for c in sub],
                y=bias,
                mode="markers",
                name=method,
                error_y={"type": "data", "array": high - bias, "arrayminus": bias - low},
                customdata=[[c["paired_materials"], c["mae_vs_exp"]] for c in sub],
                hovertemplate=(
                    "%{x}: bias %{y:.3g}<br>paired materials %{customdata[0]}"
                    "<br>MAE %{customdata[1]}<extra>%{fullData.name}</extra>"
                ),
            )
        )
    fig.add_hline(y=0, line={"dash": "dot", "color": "grey"})
    ref = {"Em": "experimental Ea"}.get(property, f"experimental {property}")
    fig.update_layout(
        title=f"bias of computed {property} against {ref} (median, 95% CI; no bar: < 3 pairs)",
        yaxis_title=f"computed - experimental ({UNITS[property]})",
        scattermode="group",
    )
    return fig


def same_hop_parity(pairs: pd.DataFrame, *, reference: str = "NEB") -> go.Figure:
    """One hop's barrier from each method against the reference's, with the identity line.

    Args:
        pairs: `auditor.cohorts.same_hop_pairs` rows (any families, methods, variants).
        reference: the reference's method label, for the axis.
    """
    fig = go.Figure()
    unit = UNITS["Em"]
    notes = []
    for label, group in pairs.groupby("method_label", sort=True):
        custom = np.column_stack(
            [group["composition_key"], group["family"], group["path_id"], group["source"]]
        ).astype(object)
        fig.add_trace(
            go.Scatter(
                x=group["reference_value"],
                y=group["value"],
                mode="markers",
                name=label,
                marker={"size": 5, "opacity": 0.6},
                customdata=custom,
                hovertemplate=(
                    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>%{customdata[2]}<br>"
                    f"{reference} %{{x:.3g}}, this method %{{y:.3g}} {unit}"
                    "<br>source: %{customdata[3]}<extra>%{fullData.name}</extra>"
                ),
            )
        )
        notes.append(f"{label}: MAE {np.mean(np.abs(group['diff'])):.2f} {unit}, n={len(group)}")
    if len(pairs):
        lo = float(min(pairs["reference_value"].min(), pairs["value"].min(), 0.0))
        # Unrelaxed MLIP barriers reach tens of eV; a few of them would flatten every other point.
        hi = float(max(pairs["reference_value"].max(), pairs["value"].quantile(0.98)))
        above = int((pairs["value"] > hi).sum())
        if above:
            notes.append(f"{above} points above {hi:.1f} {unit} are off the plot")
        fig.update_yaxes(range=[lo, hi * 1.05])
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
        fig.add_annotation(
            xref="paper",
            yref="paper",
            x=0.02,
            y=0.98,
            showarrow=False,
            align="left",
            text="<br>".join(notes),
        )
    fig.update_layout(
        title=f"same hop: each method against {reference}",
        xaxis_title=f"{reference} barrier ({unit})",
        yaxis_title=f"other method's barrier ({unit})",
    )
    return fig


def arrhenius_plot(fit: pd.Series | dict, points: pd.DataFrame) -> go.Figure:
    """The measured log10 sigma against 1000/T with the fitted line extrapolated to 298 K.

    Args:
        fit: one row of `db.arrhenius_fits.arrhenius_fits`.
        points: its input conductivities (`db.arrhenius_fits.arrhenius_points`).
    """
    t_lo = min(float(fit["t_min_k"]), IMPLIED_ROOM_TEMPERATURE_K)
    temps = np.linspace(t_lo, float(fit["t_max_k"]), 50)
    line = arrhenius_log10_sigma(fit["ln_prefactor"], fit["ea_ev"], temps)
    inside = temps >= float(fit["t_min_k"])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=1000.0 / points["temperature_k"],
            y=np.log10(points["value"]),
            mode="markers",
            name="measured",
            customdata=_customdata(points),
            hovertemplate=_HOVER.replace("{unit}", "log10 S/cm"),
        )
    )
    fig.add_trace(go.Scatter(x=1000.0 / temps[inside], y=line[inside], mode="lines", name="fit"))
    if not inside.all():
        fig.add_trace(
            go.Scatter(
                x=1000.0 / temps[~inside | (np.arange(len(temps)) == np.argmax(inside))],
                y=line[~inside | (np.arange(len(temps)) == np.argmax(inside))],
                mode="lines",
                line={"dash": "dot"},
                name="extrapolation",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[1000.0 / IMPLIED_ROOM_TEMPERATURE_K],
            y=[fit["log10_sigma_298"]],
            mode="markers",
            marker={"symbol": "star", "size": 12},
            name="298 K",
            hovertemplate="298 K: %{y:.2f} log10 S/cm<extra></extra>",
        )
    )
    se = fit.get("ea_se_ev")
    se_text = "" if se is None or pd.isna(se) else f" ± {se:.3f}"
    r2 = fit.get("r2")
    r2_text = "" if r2 is None or pd.isna(r2) else f", R² {r2:.3f}"
    fig.update_layout(
        title=f"{fit['composition_key']}: Ea {fit['ea_ev']:.3f}{se_text} eV{r2_text}",
        xaxis_title="1000 / T (1/K)",
        yaxis_title="log10 sigma (S/cm)",
    )
    return fig

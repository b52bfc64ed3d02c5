"""What the Model page shows: the comparison table and figures from a saved report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from auditor.model.persist import load_model, models_dir


def latest_version(directory: str | os.PathLike | None = None) -> str | None:
    """Version named by `latest.json` in the models folder (None before the first save)."""
    pointer = Path(directory or models_dir()) / "latest.json"
    return json.loads(pointer.read_text())["version"] if pointer.is_file() else None


def latest_report() -> dict | None:
    """The comparison report saved with the latest model, or None before the first training."""
    model = load_model()
    return model.metrics if model is not None and "test" in model.metrics else None


def comparison_table(report: dict) -> pd.DataFrame:
    """One row per contender on the official test split: the model, baselines and the floor."""
    rows = [{"model": f"this model ({report['model']['kind']})", **report["test"]}]
    names = {
        "train_median": "train-median baseline",
        "plain_rf": "plain RF (fractions + space group + lattice)",
        "reproducibility_floor": "experimental reproducibility floor",
    }
    for key, label in names.items():
        if key in report["baselines"]:
            rows.append({"model": label, **report["baselines"][key]})
    table = pd.DataFrame(rows)
    cols = ["model", "mae", "rmse", "r2", "spearman", "coverage80", "n", "n_measurements"]
    return table[[c for c in cols if c in table.columns]]


def cv_table(report: dict) -> pd.DataFrame:
    """Grouped-CV metrics of every candidate (the selection criterion is MAE)."""
    return pd.DataFrame(report.get("cv", {})).T.rename_axis("candidate").reset_index()


def parity_figure(report: dict):
    """Predicted vs reported log10 sigma on the test split, 80% intervals as error bars."""
    import plotly.graph_objects as go  # lazy: plotly loads only when a figure is drawn

    rows = pd.DataFrame(report["test_rows"])
    lo, hi = float(rows[["log10_sigma", "lo80"]].min().min()), 0.0
    fig = go.Figure()
    for censored, name in ((False, "reported"), (True, "censored (< bound, imputed -15)")):
        part = rows[rows["censored"].astype(bool) == censored]
        fig.add_scatter(
            x=part["log10_sigma"],
            y=part["pred_log10_sigma"],
            mode="markers",
            name=name,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": part["hi80"] - part["pred_log10_sigma"],
                "arrayminus": part["pred_log10_sigma"] - part["lo80"],
                "thickness": 0.6,
            },
            customdata=part[["composition", "family"]],
            hovertemplate="%{customdata[0]} (%{customdata[1]})<br>reported %{x:.2f}"
            "<br>predicted %{y:.2f}<extra></extra>",
        )
    fig.add_scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="y = x", line={"dash": "dot"})
    fig.update_layout(xaxis_title="reported log10 σ (S/cm)", yaxis_title="predicted log10 σ (S/cm)")
    return fig


def family_mae_figure(report: dict):
    """Test MAE per harmonized family, with the number of test materials."""
    import plotly.express as px  # lazy: plotly loads only when a figure is drawn

    data = pd.DataFrame(report["by_family"])
    data["label"] = data["family"] + " (n=" + data["n"].astype(str) + ")"
    return px.bar(data, x="mae", y="label", orientation="h", labels={"mae": "MAE", "label": ""})


def importance_figure(report: dict):
    """Permutation importance per feature block (rise in test MAE when shuffled)."""
    import plotly.express as px  # lazy: plotly loads only when a figure is drawn

    data = pd.Series(report.get("importances", {}), name="rise in MAE").sort_values()
    return px.bar(
        data.rename_axis("feature block").reset_index(),
        x="rise in MAE",
        y="feature block",
        orientation="h",
    )

"""How experimental Ea relates to each simple descriptor: Spearman rank correlations with CIs.

Unit: the material. Each composition's experimental Ea records are reduced to their median, so
a material reported by ten papers counts once. Per family (from `MIN_MATERIALS` materials up)
and pooled, for each descriptor of `auditor.descriptors`: n materials, Spearman rho and its
seeded percentile-bootstrap 95% CI over materials (`auditor.cohorts.bootstrap_ci`, the one
bootstrap of the product).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from auditor.cohorts import bootstrap_ci
from auditor.descriptors import descriptor_frame, feature_columns
from db.ea_data import experimental_ea, structure_volumes

MIN_MATERIALS = 8
POOLED = "pooled"


def material_descriptors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per composition: median experimental Ea, its record count, family, descriptors.

    Keys pymatgen cannot read are skipped; their counts are in `attrs` (`descriptor_frame`).
    """
    frame = descriptor_frame(experimental_ea(con), structure_volumes(con))
    features = feature_columns(frame)
    grouped = frame.groupby("composition_key")
    out = grouped[features].first()
    out["ea_ev"] = grouped["ea_ev"].median()
    out["n_records"] = grouped.size()
    out["family"] = grouped["family"].agg(lambda s: s.mode().iloc[0])
    out = out.reset_index()
    out.attrs.update(frame.attrs)
    return out


def _rank_rows(a: np.ndarray) -> np.ndarray:
    # Average ranks along each row (ties share a rank), as scipy's spearmanr does.
    from scipy.stats import rankdata  # heavy import, only when correlations are computed

    return rankdata(a, axis=-1)


def _pearson_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(axis=-1) / np.sqrt((x * x).sum(axis=-1) * (y * y).sum(axis=-1))


def spearman_with_ci(x: np.ndarray, y: np.ndarray, *, seed: int | None = None) -> dict:
    """Spearman rho of x and y and its bootstrap 95% CI (resampling pairs)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    rho = float(_pearson_rows(_rank_rows(x), _rank_rows(y)))
    kwargs = {} if seed is None else {"seed": seed}
    ci = bootstrap_ci(
        len(x), lambda idx: _pearson_rows(_rank_rows(x[idx]), _rank_rows(y[idx])), **kwargs
    )
    return {"spearman": round(rho, 3) if np.isfinite(rho) else None,
            "ci_lo": round(ci[0], 3) if ci else None, "ci_hi": round(ci[1], 3) if ci else None}  # fmt: skip


def correlations(materials: pd.DataFrame, *, min_materials: int = MIN_MATERIALS) -> pd.DataFrame:
    """Per family (and pooled) x descriptor: n materials, Spearman rho with Ea, 95% CI."""
    descriptors = [c for c in feature_columns(materials) if c not in ("n_records",)]
    slices = [(POOLED, materials)] + [
        (fam, part) for fam, part in materials.groupby("family") if len(part) >= min_materials
    ]
    rows = []
    for family, part in slices:
        for name in descriptors:
            ok = part[[name, "ea_ev"]].dropna()
            if len(ok) < min_materials or ok[name].nunique() < 2:
                continue
            rows.append({"family": family, "descriptor": name, "n": len(ok),
                         **spearman_with_ci(ok[name].to_numpy(), ok["ea_ev"].to_numpy())})  # fmt: skip
    return pd.DataFrame(rows)


def correlation_heatmap(table: pd.DataFrame) -> go.Figure:
    """Spearman rho of Ea with each descriptor (columns) per family (rows); hover gives CI."""
    rho = table.pivot(index="family", columns="descriptor", values="spearman")
    fig = px.imshow(rho, color_continuous_scale="RdBu_r", zmin=-1, zmax=1, aspect="auto",
                    labels={"color": "Spearman ρ"}, text_auto=".2f")  # fmt: skip
    fig.update_layout(title="Rank correlation of experimental Ea with each descriptor")
    return fig


def descriptor_scatter(materials: pd.DataFrame, descriptor: str) -> go.Figure:
    """Median experimental Ea per material against one descriptor, coloured by family."""
    fig = px.scatter(materials.dropna(subset=[descriptor]), x=descriptor, y="ea_ev",
                     color="family", hover_name="composition_key", hover_data=["n_records"],
                     labels={"ea_ev": "median experimental Ea (eV)"})  # fmt: skip
    fig.update_layout(title=f"Experimental Ea against {descriptor} (one point per material)")
    return fig

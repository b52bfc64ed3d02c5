"""Grouped, repeated cross-validation, conformal intervals and regression metrics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.model_selection import GroupKFold

from auditor.model.estimators import make_estimator
from auditor.model.settings import COVERAGE, CV_REPEATS


def out_of_fold(
    kind: str,
    features: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    n_splits: int = 5,
    repeats: int = CV_REPEATS,
    quick: bool = False,
    n_jobs: int = 2,
) -> np.ndarray:
    """Out-of-fold predictions, shape (repeats, n_rows), one `GroupKFold` shuffle per repeat.

    Each repeat assigns whole groups to folds with a different seed, so no group is ever
    split, and a giant group meets different neighbours in each repeat.
    """
    oof = np.full((repeats, len(y)), np.nan)
    for r, fit_idx, val_idx in grouped_folds(groups, n_splits=n_splits, repeats=repeats):
        est = make_estimator(kind, list(features.columns), quick=quick, n_jobs=n_jobs)
        est.fit(features.iloc[fit_idx], y[fit_idx])
        oof[r, val_idx] = est.predict(features.iloc[val_idx])
    return oof


def grouped_folds(groups: np.ndarray, *, n_splits: int = 5, repeats: int = CV_REPEATS):
    """Yield (repeat, fit rows, held-out rows); whole groups move, seeded by the repeat."""
    groups = np.asarray(groups)
    for r in range(repeats):
        folds = GroupKFold(n_splits=n_splits, shuffle=True, random_state=r)
        for fit_idx, val_idx in folds.split(groups, groups=groups):
            yield r, fit_idx, val_idx


def cv_metrics(y: np.ndarray, oof: np.ndarray, scored: np.ndarray) -> dict[str, float]:
    """Metrics of each repeat on the `scored` rows, averaged; `mae_sd` is their spread."""
    per = [regression_metrics(y[scored], o[scored]) for o in oof]
    out = {k: float(np.mean([m[k] for m in per])) for k in ("mae", "rmse", "r2", "spearman")}
    out["mae_sd"] = float(np.std([m["mae"] for m in per]))
    out["n"] = int(scored.sum())
    out["repeats"] = len(per)
    return out


def conformal_halfwidth(residuals: np.ndarray, coverage: float = COVERAGE) -> float:
    """Split-conformal half-width: the ceil((n+1)c)/n quantile of |residual|."""
    r = np.sort(np.abs(residuals[np.isfinite(residuals)]))
    n = len(r)
    if n == 0:
        return float("nan")
    rank = min(n, math.ceil((n + 1) * coverage))
    return float(r[rank - 1])


def _spearman(y: np.ndarray, pred: np.ndarray) -> float:
    # A constant prediction (the median baseline) has no rank correlation: NaN, no warning.
    if len(y) < 3 or np.ptp(pred) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(y, pred).statistic)


def regression_metrics(
    y: np.ndarray, pred: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None
) -> dict[str, float]:
    """MAE, RMSE, R², Spearman, n and (with an interval) its coverage."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    err = pred - y
    ss_tot = float(((y - y.mean()) ** 2).sum())
    out = {
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "r2": float(1 - (err**2).sum() / ss_tot) if ss_tot > 0 else float("nan"),
        "spearman": _spearman(y, pred),
        "n": int(len(y)),
    }
    if lo is not None and hi is not None:
        out["coverage80"] = float(((y >= lo) & (y <= hi)).mean())
    return out

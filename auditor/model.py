"""The room-temperature conductivity model: training, selection, intervals, persistence, store.

Training sees OBELiX's official train split only (plus, optionally, other sources after
`exclude_compositions` has removed every test-split composition). Model selection is
cross-validation grouped by DOI *and* composition, so neither a paper nor a material is on both
sides of a fold. The 80% interval is split-conformal: the 80th percentile of the out-of-fold
absolute residuals of the selected model, added either side of a prediction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
    VotingRegressor,
)
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from auditor.features import CENSORED_LOG10, baseline_columns, feature_frame, parse_sigma
from db.composition import try_composition_key
from db.config import BUNDLED_DATA, REPO_ROOT

MODEL_CODE_VERSION = "1"  # bump when features or training change meaning
COVERAGE = 0.8
CANDIDATES: tuple[str, ...] = (
    "rf",
    "et",
    "hgb",
    "rf+et+hgb",
    "rf-median",
    "et-median",
    "rf+et-median",
)
OBELIX_DIR = BUNDLED_DATA / "obelix"


# ---- data ------------------------------------------------------------------------------


def load_obelix(split: str = "train", *, root: Path = OBELIX_DIR) -> pd.DataFrame:
    """One OBELiX split ('train', 'test' or 'all') as model inputs with targets.

    Columns: those of `auditor.features.INPUT_COLUMNS` plus obelix_id, doi, composition_key,
    log10_sigma and censored.
    """
    name = {"train": "train.csv", "test": "test.csv", "all": "all.csv"}[split]
    raw = pd.read_csv(root / "downloads" / name, dtype=str, keep_default_na=False)
    parsed = raw["Ionic conductivity (S cm-1)"].map(parse_sigma)
    cif_dir = root / "cifs" / "all_randomized_cifs"
    cif = raw["ID"].map(lambda i: str(cif_dir / f"{i}.cif"))
    frame = pd.DataFrame(
        {
            "obelix_id": raw["ID"],
            "composition": raw["Reduced Composition"],
            "cell_composition": raw["True Composition"].replace("", None),
            "z": pd.to_numeric(raw["Z"], errors="coerce"),
            "space_group": raw["Space group"].replace("", None),
            "sg_number": pd.to_numeric(raw["Space group #"], errors="coerce"),
            **{c: pd.to_numeric(raw[c], errors="coerce") for c in ("a", "b", "c")},
            **{c: pd.to_numeric(raw[c], errors="coerce") for c in ("alpha", "beta", "gamma")},
            "family_raw": raw["Family"],
            "doi": raw["DOI"].str.strip().str.lower(),
            "cif_path": cif.where(cif.map(lambda p: Path(p).is_file()), None),
            "log10_sigma": parsed.map(lambda t: t[0]).astype(float),
            "censored": parsed.map(lambda t: t[1]).astype(bool),
        }
    )
    frame["composition_key"] = frame["composition"].map(try_composition_key)
    return frame


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """A user table with `composition,log10_sigma` and optional structure columns.

    Optional: space_group, a, b, c, alpha, beta, gamma, density (and z, family, doi).
    Rows are kept as they are; `feature_frame` decides which compositions parse.
    """
    raw = pd.read_csv(path)
    missing = {"composition", "log10_sigma"} - set(raw.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    frame = pd.DataFrame({"composition": raw["composition"].astype("string").fillna("")})
    for col in ("space_group", "a", "b", "c", "alpha", "beta", "gamma", "density", "z"):
        frame[col] = raw[col] if col in raw.columns else np.nan
    frame["family_raw"] = raw["family"] if "family" in raw.columns else None
    frame["doi"] = raw["doi"] if "doi" in raw.columns else None
    frame["log10_sigma"] = pd.to_numeric(raw["log10_sigma"], errors="coerce")
    frame["censored"] = False
    frame["composition_key"] = frame["composition"].map(lambda s: try_composition_key(str(s)))
    return frame


def exclude_compositions(frame: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """Drop rows whose canonical composition is in `keys` (and rows with no key at all).

    This is the guard that keeps test-split materials out of any extra training source:
    a row we cannot key cannot be proven absent from the test split, so it goes too.
    """
    key = frame["composition_key"]
    return frame[key.notna() & ~key.isin(keys)].copy()


def training_groups(frame: pd.DataFrame) -> np.ndarray:
    """Group ids joining rows that share a DOI or a composition (connected components)."""
    parent = list(range(len(frame)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for col in ("doi", "composition_key"):
        if col not in frame.columns:
            continue
        first: dict[str, int] = {}
        for i, value in enumerate(frame[col].tolist()):
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                continue
            if value in first:
                parent[find(i)] = find(first[value])
            else:
                first[value] = i
    return np.array([find(i) for i in range(len(frame))])


def reproducibility_floor(frame: pd.DataFrame) -> dict[str, float]:
    """Mean absolute deviation of repeated measurements of one material (log10 S/cm).

    For every composition key with at least two uncensored measurements, each measurement's
    absolute deviation from that material's mean; the floor is the mean over measurements.
    """
    data = frame[~frame["censored"] & frame["composition_key"].notna()]
    data = data[np.isfinite(data["log10_sigma"])]
    grouped = data.groupby("composition_key")["log10_sigma"]
    size = grouped.transform("size")
    dev = (data["log10_sigma"] - grouped.transform("mean")).abs()[size >= 2]
    return {
        "mae": float(dev.mean()),
        "n_measurements": int((size >= 2).sum()),
        "n_materials": int((grouped.size() >= 2).sum()),
    }


# ---- estimators ------------------------------------------------------------------------


class TreeMedianRegressor(RegressorMixin, BaseEstimator):
    """Pools the trees of one or more forests and predicts their median.

    Test MAE is the target metric, and the median is the MAE-optimal summary of a skewed
    predictive distribution (a long low tail of insulating materials drags the mean down).
    """

    def __init__(self, forests: list[BaseEstimator] | None = None) -> None:
        self.forests = forests

    def fit(self, X: np.ndarray, y: np.ndarray) -> TreeMedianRegressor:
        self.forests_ = [clone(f).fit(X, y) for f in self.forests or []]
        return self

    def tree_predictions(self, X: np.ndarray) -> np.ndarray:
        """Predictions of every tree, shape (n_trees, n_rows)."""
        X = np.asarray(X, dtype=np.float32)
        return np.stack([t.predict(X) for f in self.forests_ for t in f.estimators_])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.median(self.tree_predictions(X), axis=0)


def make_estimator(
    kind: str, columns: list[str], *, quick: bool = False, seed: int = 0, n_jobs: int = 2
) -> Pipeline:
    """A pipeline for one candidate: one-hot family (when present) + a tree ensemble.

    Args:
        kind: one of `CANDIDATES`, or 'baseline-rf' (OBELiX's plain random forest).
            'a+b' averages models a and b; a '-median' suffix pools the forests' trees
            and predicts their median (see `TreeMedianRegressor`).
        columns: feature columns the pipeline reads.
        quick: fewer trees / iterations, for tests.
    """
    n_trees = 60 if quick else 300
    numeric = [c for c in columns if c != "family"]
    parts = [("num", "passthrough", numeric)]
    if "family" in columns:
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=3)
        parts.append(("family", encoder, ["family"]))
    prep = ColumnTransformer(parts, sparse_threshold=0.0, verbose_feature_names_out=False)
    makers = {
        "rf": lambda: RandomForestRegressor(
            n_estimators=n_trees, max_features=0.33, random_state=seed, n_jobs=n_jobs
        ),
        "et": lambda: ExtraTreesRegressor(
            n_estimators=n_trees, max_features=0.5, random_state=seed, n_jobs=n_jobs
        ),
        "hgb": lambda: HistGradientBoostingRegressor(
            max_iter=60 if quick else 250, learning_rate=0.05, max_leaf_nodes=15,
            min_samples_leaf=5, l2_regularization=1.0, random_state=seed,
        ),  # fmt: skip
    }
    median = kind.endswith("-median")
    names = kind.removesuffix("-median").split("+")
    if kind == "baseline-rf":
        # OBELiX's published baseline: a default random forest on fractions, sg and lattice.
        reg = RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=n_jobs)
    elif not all(n in makers for n in names) or (median and "hgb" in names):
        raise ValueError(f"unknown model kind {kind!r}")
    elif median:
        reg = TreeMedianRegressor([makers[n]() for n in names])
    elif len(names) == 1:
        reg = makers[names[0]]()
    else:
        reg = VotingRegressor([(n, makers[n]()) for n in names])
    return Pipeline([("prep", prep), ("reg", reg)])


def out_of_fold(
    kind: str,
    features: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    n_splits: int = 5,
    quick: bool = False,
    n_jobs: int = 2,
) -> np.ndarray:
    """Out-of-fold predictions under `GroupKFold` on the given groups."""
    oof = np.full(len(y), np.nan)
    for fit_idx, val_idx in GroupKFold(n_splits=n_splits).split(features, y, groups):
        est = make_estimator(kind, list(features.columns), quick=quick, n_jobs=n_jobs)
        est.fit(features.iloc[fit_idx], y[fit_idx])
        oof[val_idx] = est.predict(features.iloc[val_idx])
    return oof


def conformal_halfwidth(residuals: np.ndarray, coverage: float = COVERAGE) -> float:
    """Split-conformal half-width: the ceil((n+1)c)/n quantile of |residual|."""
    r = np.sort(np.abs(residuals[np.isfinite(residuals)]))
    n = len(r)
    if n == 0:
        return float("nan")
    rank = min(n, math.ceil((n + 1) * coverage))
    return float(r[rank - 1])


# ---- metrics ---------------------------------------------------------------------------


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


# ---- the model -------------------------------------------------------------------------


@dataclass
class ConductivityModel:
    """A trained model, its 80% conformal half-width and where it came from."""

    version: str
    kind: str
    pipeline: Pipeline
    columns: list[str]
    halfwidth80: float
    train_hash: str
    n_train: int
    created_at: str
    metrics: dict = field(default_factory=dict)

    def predict(self, inputs: pd.DataFrame) -> pd.DataFrame:
        """pred_log10_sigma, lo80, hi80 for rows whose composition parses (others dropped)."""
        feats, mask = feature_frame(inputs)
        if feats.empty:
            return pd.DataFrame(columns=["pred_log10_sigma", "lo80", "hi80"])
        pred = self.pipeline.predict(feats.reindex(columns=self.columns))
        return pd.DataFrame(
            {
                "pred_log10_sigma": pred,
                "lo80": pred - self.halfwidth80,
                "hi80": pred + self.halfwidth80,
            },
            index=feats.index,
        )


def data_hash(frame: pd.DataFrame) -> str:
    """sha256 of the training inputs and targets, independent of row order."""
    cols = [c for c in frame.columns if c not in ("cif_path",)]
    text = frame[cols].astype(str).apply("|".join, axis=1).sort_values().str.cat(sep="\n")
    return hashlib.sha256(text.encode()).hexdigest()


def select_kind(
    features: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    candidates: tuple[str, ...] = CANDIDATES,
    quick: bool = False,
    n_jobs: int = 2,
) -> tuple[str, dict[str, dict], dict[str, np.ndarray]]:
    """Grouped-CV MAE of each candidate; returns (best kind, CV metrics, OOF predictions)."""
    cv, oofs = {}, {}
    for kind in candidates:
        oofs[kind] = out_of_fold(kind, features, y, groups, quick=quick, n_jobs=n_jobs)
        cv[kind] = regression_metrics(y, oofs[kind])
    best = min(cv, key=lambda k: cv[k]["mae"])
    return best, cv, oofs


def train(
    frame: pd.DataFrame,
    *,
    kind: str | None = None,
    candidates: tuple[str, ...] = CANDIDATES,
    quick: bool = False,
    n_jobs: int = 2,
) -> ConductivityModel:
    """Fit on `frame` (rows with a finite log10_sigma); choose the kind by grouped CV if None.

    The conformal half-width always comes from out-of-fold residuals of the chosen kind,
    never from the rows the final model is fitted on.
    """
    data = frame[np.isfinite(frame["log10_sigma"].astype(float))]
    feats, mask = feature_frame(data)
    data = data[mask.to_numpy()]
    y = data["log10_sigma"].to_numpy(float)
    groups = training_groups(data)
    t0 = time.perf_counter()
    if kind is None:
        kind, cv, oofs = select_kind(
            feats, y, groups, candidates=candidates, quick=quick, n_jobs=n_jobs
        )
        oof = oofs[kind]
    else:
        oof = out_of_fold(kind, feats, y, groups, quick=quick, n_jobs=n_jobs)
        cv = {kind: regression_metrics(y, oof)}
    halfwidth = conformal_halfwidth(y - oof)
    columns = list(feats.columns)
    pipeline = make_estimator(kind, columns, quick=quick, n_jobs=n_jobs).fit(feats, y)
    train_hash = data_hash(data)
    version_src = f"{MODEL_CODE_VERSION}|{kind}|{quick}|{train_hash}"
    version = f"cond-{kind}-{hashlib.sha256(version_src.encode()).hexdigest()[:10]}"
    return ConductivityModel(
        version=version,
        kind=kind,
        pipeline=pipeline,
        columns=columns,
        halfwidth80=halfwidth,
        train_hash=train_hash,
        n_train=len(data),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        metrics={"cv": cv, "train_seconds": round(time.perf_counter() - t0, 1)},
    )


def evaluate(model: ConductivityModel, frame: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """Test metrics of `model` on `frame`, and the per-row predictions behind them."""
    data = frame[np.isfinite(frame["log10_sigma"].astype(float))]
    pred = model.predict(data)
    rows = data.loc[pred.index].assign(**{c: pred[c] for c in pred.columns})
    metrics = regression_metrics(
        rows["log10_sigma"], rows["pred_log10_sigma"], rows["lo80"], rows["hi80"]
    )
    metrics["n_skipped"] = int(len(frame) - len(rows))
    return metrics, rows

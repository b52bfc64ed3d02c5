"""The estimators a model kind names: median forests, composition kNN, means of models."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
    VotingRegressor,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from auditor.features import baseline_columns


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


class QuantileForestRegressor(RegressorMixin, BaseEstimator):
    """A quantile regression forest (Meinshausen 2006): quantiles of the pooled leaf targets.

    Each training row weighs 1 / (size of its leaf) in every tree whose leaf it shares with
    the query, averaged over trees (all training rows count, as in Meinshausen, not only a
    tree's bootstrap sample). `predict` returns the weighted `quantile` (the median by
    default) of the training targets under these weights: not the median of the trees'
    leaf means (`TreeMedianRegressor`), which differs once leaves hold several rows
    (`min_samples_leaf` > 1) and the target is bimodal (censored rows at -15).
    """

    def __init__(self, forest: BaseEstimator | None = None, quantile: float = 0.5) -> None:
        self.forest = forest
        self.quantile = quantile

    def fit(self, X: np.ndarray, y: np.ndarray) -> QuantileForestRegressor:
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, float)
        self.forest_ = clone(self.forest).fit(X, y)
        order = np.argsort(y, kind="stable")
        self.y_sorted_ = y[order]
        # Leaf ids of the training rows, rows in target order: (n_trees, n_train).
        self.train_leaves_ = self.forest_.apply(X)[order].T
        return self

    def leaf_weights(self, X: np.ndarray) -> np.ndarray:
        """Weights of the training rows (in sorted-target order) per query, rows sum to 1."""
        leaves = self.forest_.apply(np.asarray(X, dtype=np.float32)).T  # (n_trees, n_query)
        w = np.zeros((leaves.shape[1], self.train_leaves_.shape[1]))
        for query_leaf, train_leaf in zip(leaves, self.train_leaves_, strict=True):
            same = query_leaf[:, None] == train_leaf[None, :]
            w += same / same.sum(axis=1, keepdims=True)
        return w / len(leaves)

    def quantiles(self, X: np.ndarray, qs) -> np.ndarray:
        """Weighted quantiles `qs` of the training targets, shape (len(qs), n_rows)."""
        X = np.asarray(X, dtype=np.float32)
        qs = np.atleast_1d(np.asarray(qs, float))
        out = np.empty((len(qs), len(X)))
        for start in range(0, len(X), 1024):  # bounds the (query x train) weight matrix
            cum = np.cumsum(self.leaf_weights(X[start : start + 1024]), axis=1)
            for j, q in enumerate(qs):
                # The smallest target with weight whose cumulative weight reaches q.
                idx = ((cum < q * cum[:, -1:] - 1e-9) | (cum < 1e-9)).sum(axis=1)
                out[j, start : start + 1024] = self.y_sorted_[np.minimum(idx, cum.shape[1] - 1)]
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.quantiles(X, [self.quantile])[0]


class CompositionKNN(RegressorMixin, BaseEstimator):
    """Median log10 sigma of the k training materials nearest in composition.

    Distance is Euclidean on the element-fraction vector (`frac_*` columns), plus, scaled by
    `family_weight`, a one-hot of the harmonized family and, by `sg_weight`, a one-hot of
    the space-group number. A different inductive bias from the trees: doped variants of one
    parent (NASICON, garnet, argyrodite series) sit close together. With `weighted`, the
    neighbours' median is weighted by 1 / (distance + 0.01). Fractions enter raised to
    `power`.
    """

    def __init__(
        self,
        k: int = 5,
        weighted: bool = True,
        family_weight: float = 0.0,
        sg_weight: float = 0.0,
        power: float = 1.0,
    ) -> None:
        self.k = k
        self.power = power
        self.weighted = weighted
        self.family_weight = family_weight
        self.sg_weight = sg_weight

    def _vectors(self, X: pd.DataFrame) -> np.ndarray:
        fracs = X[self.frac_columns_].to_numpy(float)
        # power < 1 (e.g. 0.5) lifts dopant-level fractions against the host elements.
        parts = [np.nan_to_num(fracs) ** self.power]
        if self.family_weight and "family" in X.columns:
            fam = X["family"].astype(str).to_numpy()
            parts.append(self.family_weight * (fam[:, None] == self.families_[None, :]))
        if self.sg_weight and "sg_number" in X.columns:
            sg = X["sg_number"].to_numpy(float)
            parts.append(self.sg_weight * (sg[:, None] == self.space_groups_[None, :]))
        return np.hstack(parts).astype(float)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> CompositionKNN:
        self.frac_columns_ = [c for c in X.columns if c.startswith("frac_")]
        self.families_ = (
            np.unique(X["family"].astype(str)) if "family" in X.columns else np.array([])
        )
        sg = X["sg_number"].to_numpy(float) if "sg_number" in X.columns else np.array([])
        self.space_groups_ = np.unique(sg[np.isfinite(sg)])
        self.train_ = self._vectors(X)
        self.y_ = np.asarray(y, float)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        Q = self._vectors(X)
        d = np.sqrt(((Q[:, None, :] - self.train_[None, :, :]) ** 2).sum(axis=2))
        k = min(self.k, len(self.y_))
        idx = np.argpartition(d, k - 1, axis=1)[:, :k]
        out = np.empty(len(Q))
        for i, nb in enumerate(idx):
            vals = self.y_[nb]
            w = 1.0 / (d[i, nb] + 0.01) if self.weighted else np.ones(k)
            order = np.argsort(vals)
            cum = np.cumsum(w[order])
            out[i] = vals[order][np.searchsorted(cum, 0.5 * cum[-1])]
        return out


class MeanOf(RegressorMixin, BaseEstimator):
    """The mean of several regressors' predictions (each fitted on the same rows)."""

    def __init__(self, estimators: list[BaseEstimator] | None = None) -> None:
        self.estimators = estimators

    def fit(self, X, y) -> MeanOf:
        self.estimators_ = [clone(e).fit(X, y) for e in self.estimators or []]
        return self

    def predict(self, X) -> np.ndarray:
        return np.mean([e.predict(X) for e in self.estimators_], axis=0)


# 'knn-k{K}[-fam{W}][-sg{W}][-p{power}][-flat]' kinds; 'knn' alone is the CV-chosen setting.
KNN_DEFAULT = "knn-k5"


def _knn_from_kind(kind: str) -> CompositionKNN:
    m = re.fullmatch(
        r"knn(?:-k(\d+))?(?:-fam([\d.]+))?(?:-sg([\d.]+))?(?:-p([\d.]+))?(-flat)?", kind
    )
    if m is None:
        raise ValueError(f"unknown model kind {kind!r}")
    if kind == "knn":
        return _knn_from_kind(KNN_DEFAULT)
    return CompositionKNN(
        k=int(m.group(1) or 5),
        family_weight=float(m.group(2) or 0),
        sg_weight=float(m.group(3) or 0),
        power=float(m.group(4) or 1),
        weighted=not m.group(5),
    )


def _boosting(
    max_iter: int, seed: int, *, loss: str = "squared_error", leaves: int = 15, min_leaf: int = 5
) -> HistGradientBoostingRegressor:
    """The gradient-boosting candidates ('hgb', 'hgb-l1', 'hgb-l1s'): one recipe, two knobs."""
    return HistGradientBoostingRegressor(
        loss=loss,
        max_iter=max_iter,
        learning_rate=0.05,
        max_leaf_nodes=leaves,
        min_samples_leaf=min_leaf,
        l2_regularization=1.0,
        random_state=seed,
    )


def make_estimator(
    kind: str, columns: list[str], *, quick: bool = False, seed: int = 0, n_jobs: int = 2
) -> Pipeline:
    """A pipeline for one candidate: one-hot family (when present) + a tree ensemble.

    Args:
        kind: one of `CANDIDATES`, or 'baseline-rf' (OBELiX's plain random forest).
            'a+b' averages models a and b; a '-median' suffix pools the forests' trees
            and predicts their median (see `TreeMedianRegressor`); 'a-median+b' (e.g.
            'etw-median+hgb-l1') is the mean of that median model and model b; 'rf-qrf-l5',
            'etw-qrf-l3', ...: a quantile regression forest of that kind with that
            min_samples_leaf, predicting its pooled-leaf median (`QuantileForestRegressor`).
        columns: feature columns the pipeline reads.
        quick: fewer trees / iterations, for tests.
    """
    n_trees = 60 if quick else 300
    if kind.startswith("knn") and "+" not in kind:
        return Pipeline([("reg", _knn_from_kind(kind))])
    # The mean of two whole models, each reading its own inputs: 'a+knn...' (a composition
    # kNN, e.g. 'etw-median+knn-k5') and 'a-median+b' (e.g. 'etw-median+hgb-l1').
    for sep, left_end, right_start in (("+knn", "", "knn"), ("-median+", "-median", "")):
        if sep in kind:
            left, _, right = kind.partition(sep)
            parts_ = [
                make_estimator(k, columns, quick=quick, seed=seed, n_jobs=n_jobs)
                for k in (left + left_end, right_start + right)
            ]
            return Pipeline([("reg", MeanOf(parts_))])
    if kind.startswith("baseline-rf"):
        # OBELiX's plain inputs only: element fractions, space group number and lattice.
        columns = [c for c in baseline_columns(pd.DataFrame(columns=columns)) if c in columns]
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
        "etw": lambda: ExtraTreesRegressor(
            n_estimators=n_trees, max_features=0.8, random_state=seed, n_jobs=n_jobs
        ),
        "hgb": lambda: _boosting(250 if not quick else 60, seed),
        # Absolute-error loss: median regression, less pulled toward the censored -15 cluster.
        "hgb-l1": lambda: _boosting(300 if not quick else 60, seed, loss="absolute_error"),
        "hgb-l1s": lambda: _boosting(  # more regularized
            300 if not quick else 60, seed, loss="absolute_error", leaves=8, min_leaf=10
        ),
    }
    if qrf := re.fullmatch(r"(rf|etw|et)-qrf-l(\d+)", kind):
        # '{forest}-qrf-l{min_samples_leaf}': a quantile regression forest's median.
        forest = makers[qrf.group(1)]().set_params(min_samples_leaf=int(qrf.group(2)))
        return Pipeline([("prep", prep), ("reg", QuantileForestRegressor(forest))])
    median = kind.endswith("-median")
    names = kind.removesuffix("-median").split("+")
    if kind == "baseline-rf-median":  # the plain forest, predicting its trees' median
        reg = TreeMedianRegressor(
            [RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=n_jobs)]
        )
    elif kind == "baseline-rf":
        # OBELiX's published baseline: a default random forest on fractions, sg and lattice.
        reg = RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=n_jobs)
    elif not all(n in makers for n in names) or (
        median and any(n.startswith("hgb") for n in names)
    ):
        raise ValueError(f"unknown model kind {kind!r}")
    elif median:
        reg = TreeMedianRegressor([makers[n]() for n in names])
    elif len(names) == 1:
        reg = makers[names[0]]()
    else:
        reg = VotingRegressor([(n, makers[n]()) for n in names])
    return Pipeline([("prep", prep), ("reg", reg)])

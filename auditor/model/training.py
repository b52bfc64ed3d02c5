"""Training, selection and the official comparison report."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from auditor.features import DEFAULT_BLOCKS, baseline_columns, family_label, feature_frame
from auditor.model.data import obelix_split, reproducibility_floor, training_frame, training_groups
from auditor.model.estimators import make_estimator
from auditor.model.settings import (
    CANDIDATES,
    CV_REPEATS,
    DEFAULT_KIND,
    DEFAULT_KIND_CV,
    MODEL_CODE_VERSION,
)
from auditor.model.validation import (
    conformal_halfwidth,
    cv_metrics,
    out_of_fold,
    regression_metrics,
)


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
    # Out-of-fold prediction per training composition: for a material the model was fitted
    # on, "what a model trained on everything else expects" is the held-out-fold value.
    oof_by_key: dict[str, float] = field(default_factory=dict)
    # Optional descriptor blocks the model was trained with (`auditor.features.OPTIONAL_BLOCKS`).
    blocks: tuple[str, ...] = ()

    def predict(self, inputs: pd.DataFrame) -> pd.DataFrame:
        """pred_log10_sigma, lo80, hi80 for rows whose composition parses (others dropped)."""
        feats, mask = feature_frame(inputs, blocks=tuple(getattr(self, "blocks", ())))
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
    text = (
        frame[cols]
        .astype(str)
        .fillna("nan")
        .apply("|".join, axis=1)
        .sort_values()
        .str.cat(sep="\n")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def select_kind(
    features: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    scored: np.ndarray | None = None,
    candidates: tuple[str, ...] = CANDIDATES,
    quick: bool = False,
    n_jobs: int = 2,
) -> tuple[str, dict[str, dict], dict[str, np.ndarray]]:
    """Repeated grouped-CV MAE of each candidate on the `scored` rows (default: all).

    Returns:
        (best kind, CV metrics per kind, OOF predictions per kind, shape (repeats, n)).
    """
    scored = np.ones(len(y), bool) if scored is None else scored
    repeats = 1 if quick else CV_REPEATS
    cv, oofs = {}, {}
    for kind in candidates:
        oofs[kind] = out_of_fold(
            kind, features, y, groups, repeats=repeats, quick=quick, n_jobs=n_jobs
        )
        cv[kind] = cv_metrics(y, oofs[kind], scored)
    best = min(cv, key=lambda k: cv[k]["mae"])
    return best, cv, oofs


def train(
    frame: pd.DataFrame,
    *,
    kind: str | None = None,
    candidates: tuple[str, ...] = CANDIDATES,
    quick: bool = False,
    n_jobs: int = 2,
    blocks: tuple[str, ...] = DEFAULT_BLOCKS,
    cv_repeats: int | None = None,
) -> ConductivityModel:
    """Fit on `frame` (rows with a finite log10_sigma); choose the kind by grouped CV if None.

    With a given `kind`, `cv_repeats` (default `CV_REPEATS`, 1 when `quick`) sets how many
    shuffled grouped-CV passes produce the out-of-fold residuals behind the interval.

    CV is scored, and the conformal half-width calibrated, on OBELiX rows when the frame
    has any (`obelix_id`), else on all rows. The half-width always comes from out-of-fold
    residuals of the chosen kind, never from the rows the final model is fitted on.
    """
    data = frame[np.isfinite(frame["log10_sigma"].astype(float))]
    feats, mask = feature_frame(data, blocks=blocks)
    data = data[mask.to_numpy()]
    y = data["log10_sigma"].to_numpy(float)
    groups = training_groups(data)
    scored = (
        data["obelix_id"].notna().to_numpy()
        if "obelix_id" in data.columns and data["obelix_id"].notna().any()
        else np.ones(len(data), bool)
    )
    t0 = time.perf_counter()
    if kind is None:
        kind, cv, oofs = select_kind(
            feats, y, groups, scored=scored, candidates=candidates, quick=quick, n_jobs=n_jobs
        )
        oof = oofs[kind]
    else:
        repeats = cv_repeats or (1 if quick else CV_REPEATS)
        oof = out_of_fold(kind, feats, y, groups, repeats=repeats, quick=quick, n_jobs=n_jobs)
        cv = {kind: cv_metrics(y, oof, scored)}
    halfwidth = conformal_halfwidth((y - oof)[:, scored].ravel())
    columns = list(feats.columns)
    pipeline = make_estimator(kind, columns, quick=quick, n_jobs=n_jobs).fit(feats, y)
    train_hash = data_hash(data)
    version_src = f"{MODEL_CODE_VERSION}|{kind}|{quick}|{train_hash}"
    if blocks:  # default-block models keep the version they had before blocks existed
        version_src += "|" + "+".join(blocks)
    if cv_repeats and kind is not None and cv_repeats != (1 if quick else CV_REPEATS):
        # A different number of CV passes gives a different interval: a different version,
        # so the store is re-predicted when the full selection later replaces a fast model.
        version_src += f"|cv{cv_repeats}"
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
        oof_by_key=(
            pd.Series(oof.mean(axis=0), index=data["composition_key"].to_numpy())
            .loc[lambda s: s.index.notna()]
            .groupby(level=0)
            .mean()
            .to_dict()
        ),
        blocks=tuple(blocks),
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


FEATURE_BLOCKS: dict[str, str] = {
    "element fractions": r"^frac_",
    "element-property statistics": r"_(mean|std|min|max|range)$|^n_elements$",
    "Li and anion content": r"^(li_|anion_|n_anion)",
    "lattice": r"^(a|b|c|alpha|beta|gamma|cell_volume|volume_per_\w+|lattice_density|density)$",
    "symmetry": r"^(sg_number|crystal_system)$",
    "family": r"^family$",
    "CIF structure": r"^(has_cif|cif_\w+)$",
}


def block_importances(
    model: ConductivityModel, feats: pd.DataFrame, y: np.ndarray, *, repeats: int = 3
) -> dict[str, float]:
    """Permutation importance per feature block: mean rise in MAE when a block is shuffled.

    Blocks rather than single columns: 188 correlated columns make single-column scores
    unreadable and cost 188 re-predictions of a few hundred trees.
    """
    rng = np.random.default_rng(0)
    X = feats.reindex(columns=model.columns)
    base = float(np.abs(model.pipeline.predict(X) - y).mean())
    out = {}
    for block, pattern in FEATURE_BLOCKS.items():
        cols = [c for c in X.columns if re.search(pattern, c)]
        if not cols:
            continue
        rises = []
        for _ in range(repeats):
            shuffled = X.copy()
            order = rng.permutation(len(X))
            shuffled[cols] = X[cols].to_numpy()[order]
            rises.append(float(np.abs(model.pipeline.predict(shuffled) - y).mean()) - base)
        out[block] = float(np.mean(rises))
    return out


def comparison_report(
    model: ConductivityModel,
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame,
    *,
    floor_frame: pd.DataFrame | None = None,
    quick: bool = False,
    importances: bool = True,
) -> dict:
    """The model against the train-median baseline, a plain random forest and the floor.

    Returns a JSON-ready dict: test, baselines, cv, by_family, importances, test_rows.
    """
    test_metrics, rows = evaluate(model, test_frame)
    y = rows["log10_sigma"].to_numpy(float)
    train = train_frame[np.isfinite(train_frame["log10_sigma"].astype(float))]
    # Both baselines see only OBELiX train rows, as published, whatever `model` trained on.
    if "obelix_id" in train.columns:  # with extra sources mixed in, keep the OBELiX rows
        obelix_train = train[train["obelix_id"].notna()]
    else:
        obelix_train = train
    median = float(obelix_train["log10_sigma"].median())
    baselines = {"train_median": {**regression_metrics(y, np.full(len(y), median))}}
    baselines["train_median"]["value"] = median
    tr_feats, tr_mask = feature_frame(obelix_train)
    te_feats = feature_frame(rows, blocks=tuple(getattr(model, "blocks", ())))[0]
    cols = baseline_columns(tr_feats)
    plain = make_estimator("baseline-rf", cols, quick=quick).fit(
        tr_feats[cols], obelix_train[tr_mask.to_numpy()]["log10_sigma"].to_numpy(float)
    )
    baselines["plain_rf"] = regression_metrics(y, plain.predict(te_feats[cols]))
    if floor_frame is not None:
        baselines["reproducibility_floor"] = reproducibility_floor(floor_frame)
    uncensored = ~rows["censored"].astype(bool).to_numpy()
    test_metrics["mae_uncensored"] = float(
        np.abs(rows["pred_log10_sigma"].to_numpy() - y)[uncensored].mean()
    )
    test_metrics["n_censored"] = int((~uncensored).sum())
    fam = rows["family_label"].map(family_label)
    err = (rows["pred_log10_sigma"] - rows["log10_sigma"]).abs()
    by_family = (
        pd.DataFrame({"family": fam, "abs_error": err})
        .groupby("family")["abs_error"]
        .agg(mae="mean", n="size")
        .reset_index()
        .sort_values("n", ascending=False)
    )
    report = {
        "model": {"version": model.version, "kind": model.kind, "n_train": model.n_train},
        "test": test_metrics,
        "baselines": baselines,
        "cv": model.metrics.get("cv", {}),
        "by_family": by_family.to_dict("records"),
        "test_rows": rows.assign(family=fam)[
            [
                c
                for c in (
                    "obelix_id",
                    "composition",
                    "family",
                    "log10_sigma",
                    "censored",
                    "pred_log10_sigma",
                    "lo80",
                    "hi80",
                )
                if c in rows.columns or c == "family"
            ]
        ].to_dict("records"),  # fmt: skip
    }
    if importances:
        report["importances"] = block_importances(model, te_feats, y)
    return report


def train_official(
    con: duckdb.DuckDBPyConnection,
    *,
    quick: bool = False,
    extra: bool = True,
    n_jobs: int = 2,
    blocks: tuple[str, ...] = DEFAULT_BLOCKS,
):
    """Train on OBELiX's official train split in the store `con`; attach the comparison report.

    With `extra` (the default), near-RT Liverpool rows join training after the composition
    guard (`training_frame`); in grouped CV they lowered test MAE from 1.59 to 1.45.
    """
    t0 = time.perf_counter()
    train_frame = training_frame(con, extra=extra)
    candidates = ("rf", "et-median") if quick else CANDIDATES
    model = train(train_frame, candidates=candidates, quick=quick, n_jobs=n_jobs, blocks=blocks)
    train_seconds = time.perf_counter() - t0
    report = comparison_report(
        model,
        train_frame,
        obelix_split(con, "test"),
        floor_frame=obelix_split(con),
        quick=quick,
    )
    report["train_seconds"] = round(train_seconds, 1)
    report["extra_sources"] = extra
    model.metrics.update(report)
    return model


def train_default(
    con: duckdb.DuckDBPyConnection,
    *,
    extra: bool = True,
    n_jobs: int = 2,
    cv_repeats: int = 1,
    quick: bool = False,
):
    """The app's fast first start, from the store `con`: train `DEFAULT_KIND` only, without the candidate selection.

    One shuffled grouped-CV pass of that kind (5 folds, seed 0) gives the out-of-fold
    residuals for the conformal interval; the comparison report keeps the baselines but
    skips the permutation importances (`sse-audit model train` computes them, and
    runs the full selection). The final fit is the same as the full path's when the
    selection picks `DEFAULT_KIND`, so test predictions are identical; only the interval
    half-width (one CV pass instead of `CV_REPEATS`) can differ slightly.
    """
    t0 = time.perf_counter()
    train_frame = training_frame(con, extra=extra)
    model = train(train_frame, kind=DEFAULT_KIND, n_jobs=n_jobs, cv_repeats=cv_repeats, quick=quick)
    train_seconds = time.perf_counter() - t0
    report = comparison_report(
        model,
        train_frame,
        obelix_split(con, "test"),
        floor_frame=obelix_split(con),
        quick=quick,
        importances=False,
    )
    report["train_seconds"] = round(train_seconds, 1)
    report["extra_sources"] = extra
    report["fast_path"] = True
    report["selection_cv_documented"] = DEFAULT_KIND_CV
    model.metrics.update(report)
    return model

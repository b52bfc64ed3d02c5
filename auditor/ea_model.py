"""The trained light-descriptor Ea model: fitted once, saved, with an 80% split-conformal interval.

The estimator and descriptors are `auditor.descriptors` (HGB on composition/structure
descriptors). Training fits every uncensored primary experimental Ea record of the store.

Interval (split-conformal from the CV residuals): the repeated grouped CV of
`descriptors.out_of_fold` (5 folds x 5 repeats, groups = composition-DOI components) predicts
every record once per repeat from folds that hold neither its composition nor its DOI; the
half-width is the 80th percentile of all those out-of-fold absolute residuals, added either side
of a prediction. Its coverage is checked per family and per repeat (`coverage`).
A record whose composition was in training gets its mean out-of-fold prediction (as the
conductivity model does), so the value shown beside a record was not fitted on that record.

Saved with joblib under `<models dir>/ea/` with a `latest.json` pointer, like the sigma model.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import joblib
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from auditor.descriptors import (
    composition_descriptors,
    descriptor_frame,
    feature_columns,
    make_regressor,
    out_of_fold,
)
from auditor.model.persist import models_dir
from db.connection import transaction
from db.ea_data import experimental_ea, structure_volumes
from db.ea_predictions import ea_records_to_predict, write_ea_predictions

EA_MODEL_CODE_VERSION = "1"  # bump when descriptors, estimator or interval change meaning
COVERAGE = 0.8


@dataclass
class EaModel:
    """A fitted Ea model with its interval half-width and out-of-fold predictions per key."""

    version: str
    estimator: object
    features: list[str]
    halfwidth80: float
    oof_by_key: dict[str, float]
    metrics: dict = field(default_factory=dict)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """pred_ea_ev, lo80, hi80 for descriptor rows (columns as `descriptor_frame`)."""
        x = frame.reindex(columns=self.features).to_numpy(float)
        pred = self.estimator.predict(x) if len(x) else np.array([])
        return pd.DataFrame(
            {"pred_ea_ev": pred, "lo80": pred - self.halfwidth80, "hi80": pred + self.halfwidth80},
            index=frame.index,
        )


def candidate_descriptors(
    composition_key: str, carrier: str | None, volume_per_atom: float | None
) -> pd.DataFrame:
    """One descriptor row for a candidate (a formula, and a CIF's volume per atom if given)."""
    row = dict(composition_descriptors(composition_key, carrier))
    vpa = float(volume_per_atom) if volume_per_atom else np.nan
    row["volume_per_atom"] = vpa
    row["volume_per_carrier"] = vpa / row["carrier_fraction"] if row["carrier_fraction"] else np.nan
    return pd.DataFrame([row])


def _coverage(frame: pd.DataFrame, pred_all: np.ndarray, halfwidth: float) -> dict:
    inside = np.abs(pred_all - frame["ea_ev"].to_numpy(float)) <= halfwidth
    per_family = {
        fam: {"n": int(len(idx)), "coverage": round(float(inside[:, idx].mean()), 3)}
        for fam, idx in frame.groupby("family").indices.items()
        if len(idx) >= 10
    }
    return {
        "pooled": round(float(inside.mean()), 3),
        "per_repeat": [round(float(v), 3) for v in inside.mean(axis=1)],
        "by_family": per_family,
    }


def train_ea_model(con: duckdb.DuckDBPyConnection) -> EaModel:
    """Fit on every experimental Ea record of the store; interval from the grouped-CV residuals."""
    t0 = time.perf_counter()
    frame = descriptor_frame(experimental_ea(con), structure_volumes(con))
    features = feature_columns(frame)
    y = frame["ea_ev"].to_numpy(float)
    pred_all, base_all = out_of_fold(frame)
    halfwidth = float(np.quantile(np.abs(pred_all - y).ravel(), COVERAGE))
    estimator = make_regressor()
    # One OpenMP thread, as for the CV folds: spinning threads on a busy machine cost more than
    # they give (3x slower at load 11-14); the fit is bit-identical.
    with threadpool_limits(1):
        estimator.fit(frame[features].to_numpy(float), y)
    oof = pd.Series(pred_all.mean(axis=0), index=frame.index)
    oof_by_key = oof.groupby(frame["composition_key"]).mean().round(4).to_dict()
    # The version names the training data (order-independent) and the code version.
    table = frame[features + ["ea_ev"]].round(6)
    lines = sorted(table.to_csv(index=False, header=False).splitlines())
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    metrics = {
        "n_records": len(y),
        "cv_mae": round(float(np.abs(pred_all - y).mean()), 4),
        "baseline_mae": round(float(np.abs(base_all - y).mean()), 4),
        "halfwidth80": round(halfwidth, 4),
        "coverage80": _coverage(frame, pred_all, halfwidth),
        "interval": "split-conformal: 80th percentile of |out-of-fold residual| over the "
        "5x5 grouped CV (composition-DOI groups), added either side",
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    return EaModel(
        version=f"ea{EA_MODEL_CODE_VERSION}-{digest[:10]}",
        estimator=estimator,
        features=features,
        halfwidth80=round(halfwidth, 4),
        oof_by_key=oof_by_key,
        metrics=metrics,
    )


def ea_models_dir(directory: str | os.PathLike | None = None) -> Path:
    """Where the Ea model is saved: `ea/` under the models directory."""
    return Path(directory) if directory else models_dir() / "ea"


def save_ea_model(model: EaModel, directory: str | os.PathLike | None = None) -> Path:
    """Write the model with joblib and point `latest.json` at it."""
    folder = ea_models_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model.version}.joblib"
    joblib.dump(model, path, compress=3)
    (folder / "latest.json").write_text(json.dumps({"version": model.version}))
    return path


def load_ea_model(directory: str | os.PathLike | None = None) -> EaModel | None:
    """The latest saved Ea model, or None."""
    folder = ea_models_dir(directory)
    pointer = folder / "latest.json"
    if not pointer.is_file():
        return None
    path = folder / f"{json.loads(pointer.read_text())['version']}.joblib"
    return joblib.load(path) if path.is_file() else None


@dataclass
class EaInputs:
    """What the Ea model predicts from: the Ea records still without its predictions, and
    the median volume per atom of each composition's structures."""

    todo: pd.DataFrame
    volumes: pd.Series


def ea_prediction_inputs(con: duckdb.DuckDBPyConnection, model: EaModel) -> EaInputs | None:
    """The Ea records to predict with `model` (a read only), or None when none is left."""
    todo = ea_records_to_predict(con, model.version)
    if todo.empty:
        return None
    volumes = structure_volumes(con).groupby("composition_key")["volume_per_atom"].median()
    return EaInputs(todo, volumes)


def compute_ea_predictions(
    model: EaModel, inputs: EaInputs, *, artifact_path: str | None = None
) -> tuple[dict, pd.DataFrame]:
    """The model's row and its predictions of `inputs`, unwritten (no connection needed).

    A composition the model was trained on gets its mean out-of-fold prediction (`held_out`),
    so the value beside a record does not come from a fit that saw it.
    """
    todo = inputs.todo
    frames = [
        candidate_descriptors(k, c if isinstance(c, str) else None, inputs.volumes.get(k))
        for k, c in zip(todo["composition_key"], todo["carrier_ion"], strict=True)
    ]
    pred = model.predict(pd.concat(frames, ignore_index=True))
    held = todo["composition_key"].map(model.oof_by_key)
    out = pd.DataFrame({
        "model_version": model.version, "record_id": todo["record_id"],
        "composition_key": todo["composition_key"],
        "pred_ea_ev": held.where(held.notna(), pred["pred_ea_ev"]).round(4),
        "held_out": held.notna(),
    })  # fmt: skip
    out["lo80"] = (out["pred_ea_ev"] - model.halfwidth80).round(4)
    out["hi80"] = (out["pred_ea_ev"] + model.halfwidth80).round(4)
    model_row = {
        "version": model.version, "metrics": json.dumps(model.metrics), "artifact_path": artifact_path,
    }  # fmt: skip
    return model_row, out


def save_ea_predictions(
    con: duckdb.DuckDBPyConnection, model_row: dict, predictions: pd.DataFrame
) -> int:
    """Write computed Ea predictions in one transaction, leaving out records that got one of
    this version meanwhile (another process). Returns rows written."""
    with transaction(con):
        still = set(ea_records_to_predict(con, model_row["version"])["record_id"])
        fresh = predictions[predictions["record_id"].isin(still)]
        if fresh.empty:
            return 0
        write_ea_predictions(con, model_row, fresh)
    return len(fresh)


def predict_store_ea(
    con: duckdb.DuckDBPyConnection, model: EaModel, *, artifact_path: str | None = None
) -> int:
    """Predict every Ea record that has no prediction of this model version yet, on one
    connection (a process sharing the store reads, computes, then writes: `pipeline.predictions`).
    Returns rows written."""
    inputs = ea_prediction_inputs(con, model)
    if inputs is None:
        return 0
    model_row, out = compute_ea_predictions(model, inputs, artifact_path=artifact_path)
    return save_ea_predictions(con, model_row, out)


def ensure_ea_predictions(con: duckdb.DuckDBPyConnection, *, train_if_missing: bool = True) -> dict:
    """The saved Ea model's predictions in the store (training and saving it first if missing)."""
    model, trained = load_ea_model(), False
    if model is None:
        if not train_if_missing:
            return {"version": None, "trained": False, "written": 0}
        model, trained = train_ea_model(con), True
        save_ea_model(model)
    path = ea_models_dir() / f"{model.version}.joblib"
    written = predict_store_ea(con, model, artifact_path=str(path))
    return {"version": model.version, "trained": trained, "written": written}


def ea_beside_reported(ea_records: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Reported Ea next to the predicted Ea and its 80% interval, with where it falls."""
    table = ea_records[["record_id", "value", "censored", "method_tag", "source", "doi"]].merge(
        predictions[["record_id", "pred_ea_ev", "lo80", "hi80", "held_out"]], on="record_id"
    )
    y = table["value"]
    table["vs_interval"] = np.select(
        [y < table["lo80"], y > table["hi80"]], ["below", "above"], default="inside"
    )
    return table.rename(columns={"value": "ea_ev"}).round(
        {"ea_ev": 3, "pred_ea_ev": 3, "lo80": 3, "hi80": 3}
    )

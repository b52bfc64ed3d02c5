"""The model's predictions of the store's records: once per model version, beside reported values.

Reading them back per record is `db.predictions.predictions_for_records` (re-exported by
`auditor.model`).
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from auditor.model.data import cif_file_path
from auditor.model.persist import load_model, models_dir, save_model
from auditor.model.training import ConductivityModel, train_default
from db.connection import transaction
from db.model_inputs import sigma_model_inputs
from db.predictions import prediction_count, write_predictions


def store_inputs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every sigma record of the store as model inputs (lattice and CIF summary where known)."""
    raw = sigma_model_inputs(con)
    frame = raw.copy()
    # The canonical key is the most reliable formula we hold; the raw text is the fallback.
    frame["composition"] = raw["composition_key"].where(
        raw["composition_key"].notna(), raw["material_raw"]
    )
    # The harmonized family where the normalizer set one, else the source's own label.
    frame["family_label"] = raw["family"].where(raw["family"].notna(), raw["family_raw"])
    frame["cif_path"] = raw["cif_path"].map(cif_file_path)
    return frame


def prediction_inputs(
    con: duckdb.DuckDBPyConnection, model: ConductivityModel
) -> pd.DataFrame | None:
    """The sigma records to predict with `model`, or None when its predictions are stored.

    A read only: the prediction itself (`compute_predictions`) needs no connection.
    """
    if prediction_count(con, model.version):
        return None
    return store_inputs(con)


def compute_predictions(
    model: ConductivityModel, inputs: pd.DataFrame, *, artifact_path: str | None = None
) -> tuple[dict, pd.DataFrame]:
    """The model's row and its predictions of `inputs` (`prediction_inputs`), unwritten."""
    pred = model.predict(inputs) if len(inputs) else pd.DataFrame()
    out = pd.DataFrame(
        {
            "model_version": model.version,
            "record_id": inputs["record_id"],
            "composition_key": inputs["composition_key"],
        }
    )
    out = out.join(pred)  # unparseable formulas keep a row with NULL predictions
    held_out = out["composition_key"].map(model.oof_by_key)
    has_oof = held_out.notna()
    out.loc[has_oof, "pred_log10_sigma"] = held_out[has_oof]
    out.loc[has_oof, "lo80"] = held_out[has_oof] - model.halfwidth80
    out.loc[has_oof, "hi80"] = held_out[has_oof] + model.halfwidth80
    metrics = {k: model.metrics.get(k) for k in ("test", "baselines", "cv", "train_seconds")}
    model_row = {
        "version": model.version,
        "kind": model.kind,
        "train_hash": model.train_hash,
        "metrics": json.dumps(metrics),
        "artifact_path": artifact_path,
    }
    return model_row, out


def save_predictions(
    con: duckdb.DuckDBPyConnection, model_row: dict, predictions: pd.DataFrame
) -> int:
    """Write computed predictions in one transaction, unless their version is stored already
    (another process may have written it since they were computed). Returns rows written."""
    with transaction(con):
        if prediction_count(con, model_row["version"]):
            return 0
        write_predictions(con, model_row, predictions)
    return len(predictions)


def predict_store(
    con: duckdb.DuckDBPyConnection, model: ConductivityModel, *, artifact_path: str | None = None
) -> int:
    """Predict every sigma record once per model version; a no-op when already done.

    On one connection (inside a caller's write, e.g. a rebuild); a process sharing the
    store reads, computes and then writes in three steps (`pipeline.predictions`).

    Returns:
        The number of predictions written in this call (0 when the version was present).
    """
    inputs = prediction_inputs(con, model)
    if inputs is None:
        return 0
    model_row, out = compute_predictions(model, inputs, artifact_path=artifact_path)
    return save_predictions(con, model_row, out)


def interval_outliers(
    observed: pd.DataFrame, *, margin_decades: float | None = None, min_margin: float = 1.0
) -> list[dict]:
    """Candidate flags: a reported log10 sigma outside the 80% interval by a wide margin.

    Wide means beyond the interval by at least its own half-width (so at least twice the
    80% half-width from the prediction), and never less than `min_margin` decades.
    Censored values (upper bounds) are flagged only when the bound lies below the interval.

    Args:
        observed: rows with record_key (or record_id), log10_value, pred_log10_sigma, lo80,
            hi80, and optionally censored ('<' for an upper bound).
        margin_decades: a fixed margin instead of the half-width rule.

    Returns:
        Dicts shaped like the `flags` rows: record_key, rule, cohort, score, reason.
    """
    flags = []
    for row in observed.to_dict("records"):
        y, lo, hi = row.get("log10_value"), row.get("lo80"), row.get("hi80")
        if any(v is None or not np.isfinite(v) for v in (y, lo, hi)):
            continue
        margin = margin_decades if margin_decades is not None else max((hi - lo) / 2, min_margin)
        below, above = lo - y, y - hi
        if row.get("censored") == "<":
            above = -np.inf  # an upper bound above the interval says nothing
        beyond = max(below, above)
        if beyond < margin:
            continue
        flags.append(
            {
                "record_key": row.get("record_key", row.get("record_id")),
                "rule": "model-interval",
                "cohort": f"model {row.get('model_version', '')}".strip(),
                "score": round(float(beyond / margin), 3),
                "reason": (
                    f"log10 sigma {y:.2f} lies {beyond:.2f} decades outside the model's 80% "
                    f"interval [{lo:.2f}, {hi:.2f}] (margin {margin:.2f})"
                ),
            }
        )
    return flags


def ensure_store_predictions(
    con: duckdb.DuckDBPyConnection, *, train_if_missing: bool = True
) -> dict:
    """Put the latest saved model's predictions into the store, once per model version.

    Trains and saves the documented default kind first when none is saved and
    `train_if_missing` (`train_default` on this store's OBELiX train split, the fast path;
    the full candidate selection is `sse-audit model train`); otherwise leaves the
    store without predictions.
    """
    model, trained = load_model(), False
    if model is None:
        if not train_if_missing:
            return {"version": None, "trained": False, "written": 0}
        model, trained = train_default(con), True
        save_model(model)
    path = models_dir() / f"{model.version}.joblib"
    written = predict_store(con, model, artifact_path=str(path))
    return {"version": model.version, "trained": trained, "written": written}


def model_beside_reported(sigma_records: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Reported log10 sigma next to the prediction and its 80% interval, with where it falls."""
    table = sigma_records[
        ["record_id", "log10_value", "censored", "temperature_k", "source", "doi"]
    ].merge(predictions[["record_id", "pred_log10_sigma", "lo80", "hi80"]], on="record_id")
    y = table["log10_value"]
    table["vs_interval"] = np.select(
        [y < table["lo80"], y > table["hi80"]], ["below", "above"], default="inside"
    )
    # An upper bound below the interval is informative; one above it says nothing.
    table.loc[(table["censored"] == "<") & (table["vs_interval"] == "above"), "vs_interval"] = (
        "bound above"
    )
    return table.round({"log10_value": 2, "pred_log10_sigma": 2, "lo80": 2, "hi80": 2})

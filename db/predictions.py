"""SQL for the conductivity models and their predictions (tables `models`, `predictions`).

What the model reads to train and predict is in `db.model_inputs`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from db.connection import transaction
from db.engine import upsert_select
from db.version import bump_store_version

PREDICTION_COLUMNS = ["record_id", "model_version", "pred_log10_sigma", "lo80", "hi80"]


def prediction_count(con: duckdb.DuckDBPyConnection, version: str) -> int:
    """How many predictions a model version has in the store."""
    return con.execute(
        "SELECT count(*) FROM predictions WHERE model_version = ?", [version]
    ).fetchone()[0]


def write_predictions(
    con: duckdb.DuckDBPyConnection, model_row: dict, predictions: pd.DataFrame
) -> None:
    """Record a model and its predictions in one transaction.

    Args:
        model_row: version, kind, train_hash, metrics (JSON text), artifact_path.
        predictions: model_version, record_id, composition_key, pred_log10_sigma, lo80, hi80.
    """
    # The one transaction helper: inside a caller's transaction (the app's first start writes
    # predictions and the flags that use them together) this joins it.
    with transaction(con):
        upsert_select(
            con,
            "models",
            ("version",),
            "SELECT ? AS version, ? AS kind, ? AS train_hash, ? AS metrics, ? AS artifact_path, "
            "current_timestamp :: TIMESTAMP AS created_at",
            [model_row[k] for k in ("version", "kind", "train_hash", "metrics", "artifact_path")],
        )
        con.register("_new_predictions", predictions)
        try:
            con.execute(
                "INSERT INTO predictions (model_version, record_id, composition_key, "
                "pred_log10_sigma, lo80, hi80) SELECT model_version, record_id, composition_key, "
                "pred_log10_sigma, lo80, hi80 FROM _new_predictions"
            )
        finally:
            con.unregister("_new_predictions")
        bump_store_version(con)


def latest_model_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The version of the model most recently recorded in the store."""
    row = con.execute("SELECT version FROM models ORDER BY created_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def predictions_for_records(
    con: duckdb.DuckDBPyConnection, record_ids: list[int], version: str | None = None
) -> pd.DataFrame:
    """Predicted log10 sigma and 80% interval per record (latest model unless `version`)."""
    version = version or latest_model_version(con)
    if not record_ids or version is None:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    return con.execute(
        "SELECT record_id, model_version, pred_log10_sigma, lo80, hi80 FROM predictions "
        "WHERE model_version = ? AND list_contains(?, record_id) AND pred_log10_sigma IS NOT NULL",
        [version, [int(r) for r in record_ids]],
    ).df()


def observed_vs_predicted(
    con: duckdb.DuckDBPyConnection, t_window_k: tuple[float, float]
) -> pd.DataFrame:
    """Reported room-temperature log10 sigma beside the latest model's prediction and interval.

    Only records measured within `t_window_k`: the model predicts room-temperature values.
    """
    return con.execute(
        """
        WITH latest AS (SELECT version FROM models ORDER BY created_at DESC LIMIT 1)
        SELECT r.record_key, r.composition_key, r.log10_value AS observed, r.censored,
               p.pred_log10_sigma AS predicted, p.lo80, p.hi80, p.model_version
        FROM predictions p
        JOIN records r USING (record_id)
        WHERE p.model_version IN (SELECT version FROM latest)
          AND r.property = 'sigma' AND r.log10_value IS NOT NULL
          AND r.temperature_k BETWEEN ? AND ?
          AND p.pred_log10_sigma IS NOT NULL
        """,
        [t_window_k[0], t_window_k[1]],
    ).df()

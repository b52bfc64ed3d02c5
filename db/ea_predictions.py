"""SQL for the Ea descriptor models and their predictions (tables `ea_models`, `ea_predictions`)."""

from __future__ import annotations

import duckdb
import pandas as pd

from db.connection import transaction
from db.engine import upsert_select

EA_PREDICTION_COLUMNS = ["record_id", "model_version", "pred_ea_ev", "lo80", "hi80", "held_out"]


def ea_records_to_predict(con: duckdb.DuckDBPyConnection, version: str) -> pd.DataFrame:
    """Ea records with a composition key and no prediction of model `version` yet."""
    return con.execute(
        """
        SELECT r.record_id, r.composition_key, r.carrier_ion
        FROM records r
        WHERE r.property = 'Ea' AND r.composition_key IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ea_predictions p
                          WHERE p.model_version = ? AND p.record_id = r.record_id)
        ORDER BY r.record_id
        """,
        [version],
    ).df()


def write_ea_predictions(
    con: duckdb.DuckDBPyConnection, model_row: dict, predictions: pd.DataFrame
) -> None:
    """Record an Ea model (version, metrics JSON, artifact_path) and its predictions, atomically."""
    with transaction(con):
        upsert_select(
            con,
            "ea_models",
            ("version",),
            "SELECT ? AS version, ? AS metrics, ? AS artifact_path, "
            "current_timestamp :: TIMESTAMP AS created_at",
            [model_row["version"], model_row["metrics"], model_row["artifact_path"]],
        )
        con.register("_new_ea_predictions", predictions)
        try:
            con.execute(
                "INSERT INTO ea_predictions (model_version, record_id, composition_key, "
                "pred_ea_ev, lo80, hi80, held_out) SELECT model_version, record_id, "
                "composition_key, pred_ea_ev, lo80, hi80, held_out FROM _new_ea_predictions"
            )
        finally:
            con.unregister("_new_ea_predictions")


def latest_ea_model_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The Ea model most recently recorded in the store."""
    row = con.execute("SELECT version FROM ea_models ORDER BY created_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def ea_predictions_for_records(
    con: duckdb.DuckDBPyConnection, record_ids: list[int], version: str | None = None
) -> pd.DataFrame:
    """Predicted Ea (eV) and 80% interval per record (latest Ea model unless `version`)."""
    version = version or latest_ea_model_version(con)
    if not record_ids or version is None:
        return pd.DataFrame(columns=EA_PREDICTION_COLUMNS)
    return con.execute(
        "SELECT record_id, model_version, pred_ea_ev, lo80, hi80, held_out FROM ea_predictions "
        "WHERE model_version = ? AND list_contains(?, record_id) AND pred_ea_ev IS NOT NULL",
        [version, [int(r) for r in record_ids]],
    ).df()

"""Small reads for the placement view: one record by key, a material's stored model predictions."""

from __future__ import annotations

import duckdb
import pandas as pd


def record_by_key(con: duckdb.DuckDBPyConnection, record_key: str) -> dict | None:
    """One record's material, property, value as reported, unit, method and variant; or None."""
    row = con.execute(
        """
        SELECT record_key, material_raw, composition_key, property, value_raw, unit_raw, value,
               unit, method_tag, sub_method, temperature_k
        FROM records WHERE record_key = ?
        """,
        [record_key],
    ).fetchone()
    if row is None:
        return None
    cols = [
        "record_key", "material_raw", "composition_key", "property", "value_raw", "unit_raw",
        "value", "unit", "method_tag", "sub_method", "temperature_k",
    ]  # fmt: skip
    return dict(zip(cols, row, strict=True))


def material_predictions(con: duckdb.DuckDBPyConnection, composition_key: str) -> pd.DataFrame:
    """The latest model's room-temperature predictions for a material's records (may be empty).

    Columns: record_id, model_version, pred_log10_sigma, lo80, hi80.
    """
    return con.execute(
        """
        WITH latest AS (SELECT version FROM models ORDER BY created_at DESC LIMIT 1)
        SELECT p.record_id, p.model_version, p.pred_log10_sigma, p.lo80, p.hi80
        FROM predictions p
        WHERE p.model_version IN (SELECT version FROM latest)
          AND p.composition_key = ? AND p.pred_log10_sigma IS NOT NULL
        ORDER BY p.record_id
        """,
        [composition_key],
    ).df()

"""The app's first start: a store to open, the models' predictions in it, flags that use them."""

from __future__ import annotations

import os

import duckdb

from auditor.ea_model import ensure_ea_predictions
from auditor.model import ensure_store_predictions
from auditor.outliers import refresh_flags
from db.connection import connect
from pipeline.build import Progress, ensure_store


def open_app_store(
    path: str | os.PathLike, *, progress: Progress | None = None, train: bool = True
) -> duckdb.DuckDBPyConnection:
    """Build the store if missing, open it, and put the model's predictions in it.

    Predictions are written once per model version (the first start trains the default
    model when `train`); when new ones arrive, the flags that compare against them are
    refreshed in the same start, so no page has to compute them.
    """
    ensure_store(path, progress)
    con = connect(path)
    result = ensure_store_predictions(con, train_if_missing=train)
    # The Ea descriptor model likewise (about 20 s to train once); no flag rule reads it.
    ensure_ea_predictions(con, train_if_missing=train)
    if result["written"]:
        refresh_flags(con)
    return con

"""The app's first start: a store to open, the models' predictions in it, flags that use them."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.cohorts import cohort_tables_current, refresh_cohort_tables
from auditor.ea_model import ensure_ea_predictions
from auditor.model import ensure_store_predictions, load_model, save_model, train_default
from auditor.outliers import refresh_flags
from db.connection import Waiting, report_to_stderr, snapshot, writing
from pipeline.build import Progress, ensure_store


def prepare_app_store(
    path: str | os.PathLike,
    *,
    progress: Progress | None = None,
    train: bool = True,
    on_wait: Waiting | None = report_to_stderr,
) -> Path | str:
    """Build the store if missing and put the model's predictions in it; hold no connection.

    Predictions are written once per model version (the first start trains the default
    model when `train`); when new ones arrive, the flags that compare against them are
    refreshed in the same transaction, so no page has to compute them. Training reads an
    in-memory copy of its tables, so the other processes keep writing during its ~35 s;
    only the predictions take the write lock.

    Returns:
        The store file (or team store setting); open it per query batch (`db.connection.reading`).
    """
    target = ensure_store(path, progress)
    if train and load_model() is None:
        con = snapshot(target, on_wait=on_wait)
        try:
            model = train_default(con)
        finally:
            con.close()
        save_model(model)
    with writing(target, on_wait=on_wait) as con:
        if not cohort_tables_current(con):  # a store built before the tables existed
            refresh_cohort_tables(con)
        result = ensure_store_predictions(con, train_if_missing=False)
        # The Ea descriptor model likewise (about 20 s to train, once); no flag rule reads it.
        ensure_ea_predictions(con, train_if_missing=train)
        if result["written"]:
            refresh_flags(con)
    return target

"""The app's first start: a store to open, the models' predictions in it, flags that use them."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.ea_model import load_ea_model, save_ea_model, train_ea_model
from auditor.model import load_model, save_model, train_default
from db.connection import Waiting, report_to_stderr, snapshot
from pipeline.build import Progress, ensure_store
from pipeline.predictions import write_predictions_shared


def prepare_app_store(
    path: str | os.PathLike,
    *,
    progress: Progress | None = None,
    train: bool = True,
    on_wait: Waiting | None = report_to_stderr,
) -> Path | str:
    """Build the store if missing and put the models' predictions in it; hold no connection.

    Predictions are written once per model version (the first start trains the default
    conductivity model and the Ea descriptor model when `train` and none is saved); when
    new conductivity predictions arrive, the flags that compare against them are refreshed
    in the same transaction, so no page has to compute them. Training (~35 s) reads an
    in-memory copy of its tables and predicting reads a read-only connection, so other
    processes keep writing meanwhile; only the inserts take the write lock.

    Returns:
        The store file (or team store setting); open it per query batch (`db.connection.reading`).
    """
    target = ensure_store(path, progress)
    sigma, ea = load_model(), load_ea_model()
    if train and (sigma is None or ea is None):
        con = snapshot(target, on_wait=on_wait)
        try:
            if sigma is None:
                if progress:
                    progress(0.3, "training the conductivity model (once)")
                sigma = train_default(con)
                save_model(sigma)
            if ea is None:  # about 20 s, once; no flag rule reads its predictions
                if progress:
                    progress(0.7, "training the Ea descriptor model (once)")
                ea = train_ea_model(con)
                save_ea_model(ea)
        finally:
            con.close()
    if progress:
        progress(0.9, "writing the models' predictions")
    # A store built before the stored cohort tables existed gets them in the same short write.
    write_predictions_shared(target, sigma=sigma, ea=ea, refresh_cohorts=True, on_wait=on_wait)
    return target

"""The models' predictions into a store other processes share: read, compute, then write briefly.

Predicting every record takes seconds (the conductivity model featurizes each formula and
CIF); inside a write transaction it would keep every other process out that long. So the
inputs are read on a read-only connection (closed at once), the predictions computed with
no connection open, and only the insert takes the write lock. A rebuild in between (a
swapped file, or a team store's publish: its record ids may be new) is noticed by the build's
identity (`db.version.build_identity`, read in the same snapshot as the inputs and again inside
the write) and the round starts again; so is a team-store write that lost its race to one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from auditor.cohorts import cohort_tables_current, refresh_cohort_tables
from auditor.ea_model import (
    EaModel,
    compute_ea_predictions,
    ea_models_dir,
    ea_prediction_inputs,
    save_ea_predictions,
)
from auditor.model import (
    ConductivityModel,
    compute_predictions,
    models_dir,
    prediction_inputs,
    save_predictions,
)
from auditor.outliers import refresh_flags
from db.config import store_location
from db.connection import (
    StoreRaceLostError,
    Waiting,
    reading,
    report_to_stderr,
    writing,
)
from db.search import refresh_search_index, search_index_current
from db.version import build_identity

# How many rounds (read, compute, write) before giving up on a store that keeps moving.
_ROUNDS = 3


@dataclass
class PredictionsWritten:
    """What one `write_predictions_shared` call did."""

    sigma_written: int = 0
    ea_written: int = 0
    cohort_tables_refreshed: bool = False
    search_index_refreshed: bool = False
    flags_refreshed: bool = False
    # Rounds run: more than one when a rebuild (or, on a team store, a concurrent commit that
    # won the race) came between the read and the write.
    rounds: int = 0
    flags: dict = field(default_factory=dict)


def write_predictions_shared(
    path: str | os.PathLike,
    *,
    sigma: ConductivityModel | None = None,
    ea: EaModel | None = None,
    refresh_cohorts: bool = False,
    on_wait: Waiting | None = report_to_stderr,
) -> PredictionsWritten:
    """Put `sigma`'s and `ea`'s predictions into the store at `path`, holding the write lock
    only for the inserts (and, when new sigma predictions arrive, the flags that use them).

    With `refresh_cohorts`, stored cohort tables and the search index from an older build are
    refreshed in the same short write. Nothing is written when everything is current (no write lock taken at all).

    Raises:
        StoreBusyError: another process held the store for longer than the retries wait.
    """
    target = store_location(path)  # a file path or a lake setting (never a Path of a URL)
    done = PredictionsWritten()
    for done.rounds in range(1, _ROUNDS + 1):
        with reading(target, on_wait=on_wait) as con:
            identity = build_identity(con)
            stale = refresh_cohorts and not cohort_tables_current(con)
            stale_search = refresh_cohorts and not search_index_current(con)
            sigma_inputs = prediction_inputs(con, sigma) if sigma is not None else None
            ea_inputs = ea_prediction_inputs(con, ea) if ea is not None else None
        sigma_out = ea_out = None
        if sigma_inputs is not None:
            artifact = str(models_dir() / f"{sigma.version}.joblib")
            sigma_out = compute_predictions(sigma, sigma_inputs, artifact_path=artifact)
        if ea_inputs is not None:
            artifact = str(ea_models_dir() / f"{ea.version}.joblib")
            ea_out = compute_ea_predictions(ea, ea_inputs, artifact_path=artifact)
        if not (stale or stale_search or sigma_out or ea_out):
            return done
        try:
            with writing(target, on_wait=on_wait) as con:
                if build_identity(con) != identity:
                    continue  # a rebuild came in between: its record ids may be new; read again
                _write(con, done, stale, stale_search, sigma_out, ea_out)
        except StoreRaceLostError:
            # On a team store a commit that came first (a rebuild's publish among them) rolls
            # this one back whole; the next round reads what it wrote.
            if done.rounds == _ROUNDS:
                raise
            done = PredictionsWritten(rounds=done.rounds)
            continue
        return done
    return done


def _write(con, done: PredictionsWritten, stale, stale_search, sigma_out, ea_out) -> None:
    # Inside the caller's write transaction: everything or nothing.
    if stale and not cohort_tables_current(con):
        refresh_cohort_tables(con)
        done.cohort_tables_refreshed = True
    if stale_search and not search_index_current(con):
        refresh_search_index(con)
        done.search_index_refreshed = True
    if sigma_out is not None:
        done.sigma_written = save_predictions(con, *sigma_out)
    if ea_out is not None:
        done.ea_written = save_ea_predictions(con, *ea_out)
    if done.sigma_written:  # the model-residual flags compare against them
        done.flags = refresh_flags(con)
        done.flags_refreshed = True

"""Predictions written into a shared store notice a rebuild that lands while they are computed,
in both modes: a swapped file (embedded) and a publish into the team store (DuckLake)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from auditor.model import load_model
from db.config import is_lake
from db.connection import lake_store, reading
from db.version import build_identity, set_build_info
from pipeline.predictions import write_predictions_shared

STORE_MODES = ("embedded", "team")


def _rebuild_with_new_ids(built_file: Path, folder: Path) -> Path:
    """The session's build as a later rebuild makes it when a source gained rows up front:
    the same records under new ids, and a build id of its own (as `pipeline.build` writes)."""
    path = folder / "rebuilt.duckdb"
    shutil.copy(built_file, path)
    con = duckdb.connect(str(path))
    try:
        shift = con.execute("SELECT max(record_id) + 1000 FROM records").fetchone()[0]
        con.execute("UPDATE records SET record_id = record_id + ?", [shift])
        set_build_info(con, {"build_id": uuid.uuid4().hex})
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def _swap_in(store: Path | str, rebuilt: Path) -> None:
    # What a rebuild's last step does: a new file replaces the old, or one lake transaction.
    if is_lake(store):
        lake_store(str(store)).publish(rebuilt)
    else:
        os.replace(rebuilt, store)


def test_a_rebuild_between_the_read_and_the_write_is_noticed(
    store_copy, built_file, screen_models_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(screen_models_dir))
    sigma = load_model()
    assert sigma is not None
    with reading(store_copy, on_wait=None) as con:
        before = build_identity(con)
        old_ids = {r[0] for r in con.execute("SELECT record_id FROM records").fetchall()}
    assert before[0] is not None  # the build stamped its id
    rebuilt = _rebuild_with_new_ids(built_file, tmp_path)
    predict, swapped = sigma.predict, []

    def predict_then_rebuild(frame):  # the model runs: a rebuild lands meanwhile
        if not swapped:
            swapped.append(True)
            _swap_in(store_copy, rebuilt)
        return predict(frame)

    monkeypatch.setattr(sigma, "predict", predict_then_rebuild)
    done = write_predictions_shared(store_copy, sigma=sigma, on_wait=None)
    assert swapped and done.rounds == 2, "the rebuild went unnoticed"
    with reading(store_copy, on_wait=None) as con:
        assert build_identity(con) != before
        new_ids = {r[0] for r in con.execute("SELECT record_id FROM records").fetchall()}
        predicted = {
            r[0]
            for r in con.execute(
                "SELECT record_id FROM predictions WHERE model_version = ?", [sigma.version]
            ).fetchall()
        }
        sigma_ids = {
            r[0]
            for r in con.execute("SELECT record_id FROM records WHERE property = 'sigma'").fetchall()
        }
    assert new_ids.isdisjoint(old_ids)
    # Every prediction is of a record the rebuilt store holds, every sigma record has one.
    assert predicted == sigma_ids and done.sigma_written == len(sigma_ids) > 1000

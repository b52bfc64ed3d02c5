"""The saved Ea model: interval coverage, store predictions once per version, atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest

from auditor.ea_model import load_ea_model, predict_store_ea
from db.connection import connect, reading
from db.ea_data import experimental_ea, structure_volumes
from db.ea_predictions import ea_predictions_for_records

# The model is trained once, on the embedded file (`screen_models_dir`); writing its
# predictions into the store runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


@pytest.fixture(scope="module")
def ea_model(screen_models_dir):
    return load_ea_model(screen_models_dir / "ea")


def test_the_interval_covers_about_80_percent_out_of_fold(ea_model):
    cov = ea_model.metrics["coverage80"]
    assert 0.78 <= cov["pooled"] <= 0.82
    assert all(0.7 <= c <= 0.9 for c in cov["per_repeat"])
    assert ea_model.metrics["cv_mae"] < ea_model.metrics["baseline_mae"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_the_ea_training_rows_are_the_same_in_both_modes(built_store, built_file):
    # The model trains on the file once; what a team store could change is this read.
    with reading(built_file, on_wait=None) as con:
        expected = experimental_ea(con), structure_volumes(con)
    assert len(expected[0]) > 100 and len(expected[1]) > 100
    with reading(built_store, on_wait=None) as con:
        got = experimental_ea(con), structure_volumes(con)
    pd.testing.assert_frame_equal(got[0], expected[0])  # ordered by record id
    # the volumes come unordered (a median per key is what the model takes of them)
    pd.testing.assert_frame_equal(*(_sorted(v) for v in (got[1], expected[1])))


def test_store_predictions_are_written_once_per_version(ea_model, store_copy, built_file):
    con = connect(store_copy, on_wait=None)
    try:
        written = predict_store_ea(con, ea_model)
        n_ea = con.execute(
            "SELECT count(*) FROM records WHERE property = 'Ea' AND composition_key IS NOT NULL"
        ).fetchone()[0]
        assert written == n_ea > 800
        assert predict_store_ea(con, ea_model) == 0
        ids = [r[0] for r in con.execute(
            "SELECT record_id FROM records WHERE property = 'Ea' AND method_tag <> 'EXP' "
            "AND composition_key IS NOT NULL LIMIT 20").fetchall()]  # fmt: skip
        got = ea_predictions_for_records(con, ids)
        assert len(got) == len(ids)
        assert ((got["hi80"] - got["lo80"]) - 2 * ea_model.halfwidth80).abs().max() < 1e-3
    finally:
        con.close()
    # the build writes none (the session's stores train no model on start)
    with reading(built_file, on_wait=None) as ro:
        assert ro.execute("SELECT count(*) FROM ea_predictions").fetchone()[0] == 0

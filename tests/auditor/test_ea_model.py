"""The saved Ea model: interval coverage, store predictions once per version, atomic writes."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from auditor.ea_model import load_ea_model, predict_store_ea
from db.connection import connect
from db.ea_predictions import ea_predictions_for_records


@pytest.fixture(scope="module")
def ea_model(screen_models_dir):
    return load_ea_model(screen_models_dir / "ea")


def test_the_interval_covers_about_80_percent_out_of_fold(ea_model):
    cov = ea_model.metrics["coverage80"]
    assert 0.78 <= cov["pooled"] <= 0.82
    assert all(0.7 <= c <= 0.9 for c in cov["per_repeat"])
    assert ea_model.metrics["cv_mae"] < ea_model.metrics["baseline_mae"]


def test_store_predictions_are_written_once_per_version(ea_model, built_store, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(built_store, path)
    con = connect(path)
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
    with duckdb.connect(str(built_store), read_only=True) as ro:
        assert ro.execute("SELECT count(*) FROM ea_predictions").fetchone()[0] == 0

"""The app's first start writes predictions in one short write transaction and keeps no
connection: another process can write the store as soon as it returns. Both modes (on a team
store the first start of a replica predicts into the shared store the same way)."""

from __future__ import annotations

from auditor.model import save_model, train_default
from db.connection import reading, snapshot, store_version
from pipeline.startup import prepare_app_store
from tests.sharing import cli, lab_csv

STORE_MODES = ("embedded", "team")


def test_first_start_writes_predictions_and_leaves_the_store_free(
    store_copy, tmp_path, monkeypatch
):
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(tmp_path / "models"))
    con = snapshot(store_copy)  # the model trains on a copy; the file is not held
    try:
        model = train_default(con, quick=True)
    finally:
        con.close()
    save_model(model)
    assert prepare_app_store(store_copy, train=False) == store_copy
    with reading(store_copy, on_wait=None) as con:
        written = con.execute(
            "SELECT count(*) FROM predictions WHERE model_version = ?", [model.version]
        ).fetchone()[0]
    assert written > 1000
    # Nothing of it is left open: another process writes at once, without waiting.
    result = cli(
        "ingest",
        str(lab_csv(tmp_path / "x.csv", "10.1000/startup")),
        "--source",
        "after-start",
        "--path",
        str(store_copy),
    )
    assert result.returncode == 0, result.stderr
    assert "store busy" not in result.stderr
    # A second start finds the predictions written and writes nothing.
    version = store_version(store_copy)
    assert prepare_app_store(store_copy, train=False) == store_copy
    assert store_version(store_copy) == version

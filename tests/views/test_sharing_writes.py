"""Work that takes seconds (predicting the store, asking the LLM) holds no write lock meanwhile:
another process writes the store while it runs, and only the final insert is a short write.

Both modes: on a team store there is no lock, but a write transaction held through the work
would lose its race to the other process's commit; here both commit."""

from __future__ import annotations

import shutil

from auditor.ea_model import load_ea_model
from auditor.model import load_model
from auditor.normalize.apply import BufferedLLMCache
from auditor.normalize.llm import PROMPT_VERSION, LLMConfig, run_llm
from db.connection import reading, writing
from pipeline.predictions import write_predictions_shared
from tests.auditor.normalize.test_llm_faults import (
    GOOD,
    SLOW,
    faulty_server,  # noqa: F401 - the fixture
)
from tests.sharing import cli, lab_csv

STORE_MODES = ("embedded", "team")


def _ingest_now(store, tmp_path, name: str):
    # Another process writes while the work runs; with LOCK_ATTEMPTS=2 it gives up at once
    # (exit code 75) if the store is held for writing.
    csv = lab_csv(tmp_path / f"{name}.csv", f"10.1000/{name}")
    return cli(
        "ingest", str(csv), "--source", name, "--path", str(store),
        env={"SSE_AUDIT_LOCK_ATTEMPTS": "2"},
    )  # fmt: skip


def test_predictions_are_computed_while_another_process_writes(
    store_copy, screen_models_dir, tmp_path, monkeypatch
):
    models = tmp_path / "models"
    shutil.copytree(screen_models_dir, models)
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(models))
    sigma, ea = load_model(), load_ea_model()
    assert sigma is not None and ea is not None
    during: dict = {}
    predict, predict_ea = sigma.predict, ea.predict

    def sigma_predict(frame):  # the model runs: another process writes meanwhile
        during["sigma"] = _ingest_now(store_copy, tmp_path, "during-sigma")
        return predict(frame)

    def ea_predict(frame):
        during["ea"] = _ingest_now(store_copy, tmp_path, "during-ea")
        return predict_ea(frame)

    monkeypatch.setattr(sigma, "predict", sigma_predict)
    monkeypatch.setattr(ea, "predict", ea_predict)
    done = write_predictions_shared(store_copy, sigma=sigma, ea=ea, on_wait=None)
    for name, result in during.items():
        assert result.returncode == 0, (name, result.stderr)
        assert "store busy" not in result.stderr, name
    assert set(during) == {"sigma", "ea"}
    assert done.sigma_written > 1000 and done.ea_written > 100 and done.flags_refreshed
    with reading(store_copy, on_wait=None) as con:
        stored = con.execute(
            "SELECT count(*) FROM predictions WHERE model_version = ?", [sigma.version]
        ).fetchone()[0]
        sources = {r[0] for r in con.execute("SELECT name FROM sources").fetchall()}
    assert stored == done.sigma_written
    assert {"during-sigma", "during-ea"} <= sources
    # The ingest during the Ea prediction re-derived the Arrhenius Ea records (new ids): the
    # next call predicts those only; after it, a call computes nothing and writes nothing.
    again = write_predictions_shared(store_copy, sigma=sigma, ea=ea, on_wait=None)
    assert again.sigma_written == 0 and not again.flags_refreshed
    last = write_predictions_shared(store_copy, sigma=sigma, ea=ea, on_wait=None)
    assert (last.sigma_written, last.ea_written, last.flags_refreshed) == (0, 0, False)


def test_the_llm_is_asked_with_no_write_lock_and_its_answers_kept(
    store_copy, tmp_path, faulty_server  # noqa: F811
):
    config = LLMConfig(base_url=faulty_server, model="faulty", api_key="sk-x", timeout=5)
    inputs = [SLOW, GOOD]
    with reading(store_copy, on_wait=None) as con:
        cache = BufferedLLMCache(
            con, "entity", inputs, model=config.model, backend=config.backend,
            prompt_version=PROMPT_VERSION,
        )  # fmt: skip
    during = []

    def progress(done: int, total: int) -> None:  # between answers: the store is free
        during.append(_ingest_now(store_copy, tmp_path, f"during-llm-{done}"))

    run = run_llm("entity", inputs, cache=cache, config=config, progress=progress)
    assert run.accepted == 2 and len(during) == 2
    for result in during:
        assert result.returncode == 0 and "store busy" not in result.stderr, result.stderr
    with reading(store_copy, on_wait=None) as con:  # nothing written before the flush
        assert con.execute("SELECT count(*) FROM llm_cache").fetchone()[0] == 0
    with writing(store_copy, on_wait=None) as con:
        cache.flush(con)
    with reading(store_copy, on_wait=None) as con:
        assert con.execute("SELECT count(*) FROM llm_cache").fetchone()[0] == 2
        logged = con.execute(
            "SELECT count(*) FROM normalization_decisions WHERE backend = ?", [config.backend]
        ).fetchone()[0]
        assert logged == 2
        again = BufferedLLMCache(
            con, "entity", inputs, model=config.model, backend=config.backend,
            prompt_version=PROMPT_VERSION,
        )  # fmt: skip
    # The next batch finds both answers in the cache and asks nothing.
    rerun = run_llm("entity", inputs, cache=again, config=config)
    assert rerun.calls == 0 and rerun.cache_hits == 2

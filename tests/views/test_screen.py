"""The Screen page over a copy of the real store, with saved models (a quick sigma model, the Ea model)."""

from __future__ import annotations

import pytest

from db.connection import connect
from tests.views.conftest import open_page, start_app

# The page (its predictions written at the first start, its one write: a committed BVSE
# barrier) on a DuckDB file and a team store. Inputs refused before any store read: file only.
STORE_MODES = ("embedded", "team")


@pytest.fixture
def screen_at(screen_models_dir, store_copy, monkeypatch):
    """The app with saved models from its first start, so the store gets their predictions."""
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(screen_models_dir))
    return start_app(monkeypatch, store_copy)


@pytest.fixture
def screen_file(screen_models_dir, file_copy, monkeypatch):
    """`screen_at` over a copy of the embedded build only."""
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(screen_models_dir))
    return start_app(monkeypatch, file_copy)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_formula_gets_both_predictions_and_two_positions(screen_at):
    at = open_page(screen_at, "views/screen.py", formula="Li6PS5Cl")
    metrics = _metrics(at)
    assert "predicted log10 σ (S/cm)" in metrics and "predicted Ea (eV)" in metrics
    assert "BVSE 3D barrier (eV)" not in metrics
    ea = float(metrics["predicted Ea (eV)"])
    assert 0.05 < ea < 1.5
    table = at.dataframe[0].value
    assert list(table["quantity"]) == ["predicted log10 sigma", "predicted Ea"]
    assert (table["cohort"].str.startswith("argyrodite")).all()
    assert table["cohort_percentile"].between(0, 100).all()
    assert any("80% interval" in c.value for c in at.caption)


def test_a_cif_adds_the_bvse_barrier_and_its_position_and_commits_it(screen_at, store_copy):
    at = open_page(screen_at, "views/screen.py", cif="019")
    metrics = _metrics(at)
    barrier = float(metrics["BVSE 3D barrier (eV)"])
    assert 0 < barrier < 5
    table = at.dataframe[0].value
    assert list(table["quantity"]) == ["predicted log10 sigma", "predicted Ea", "BVSE 3D barrier"]
    assert table["cohort"].iloc[2] == "NASICON · Em · BVSE"
    at.text_input[-1].set_value("my-bvse-019")
    at.button[0].click().run()
    assert not at.exception
    assert any("Committed 1 record" in s.value for s in at.success), [e.value for e in at.error]
    con = connect(store_copy, read_only=True, on_wait=None)  # the write, read back
    try:
        row = con.execute(
            "SELECT property, method_tag, value, composition_key, notes FROM records "
            "WHERE source = 'my-bvse-019'"
        ).fetchall()
    finally:
        con.close()
    assert len(row) == 1
    prop, method, value, key, notes = row[0]
    assert (prop, method, key) == ("Em", "BVSE", "LiTi2P3O12")
    assert value == pytest.approx(barrier, abs=1e-3)
    assert "sha256" in notes and "bvlain" in notes


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"formula": "Xx9Qq"}, "is not a formula"),
        ({"cif": "nope"}, "no bundled OBELiX CIF"),
    ],
)
def test_bad_input_is_a_readable_error(screen_file, params, reason):
    at = open_page(screen_file, "views/screen.py", **params)
    assert any(reason in e.value for e in at.error)
    assert not at.metric


def test_an_uploaded_file_that_is_not_a_cif_is_refused(screen_file):
    at = open_page(screen_file, "views/screen.py")
    at.file_uploader[0].upload("notes.cif", b"just some text\n", "chemical/x-cif").run()
    assert not at.exception
    assert any("not a CIF" in e.value for e in at.error)
    assert not at.metric


def test_the_evidence_card_shows_the_predicted_ea_beside_each_ea_record(screen_at):
    at = open_page(screen_at, "views/evidence.py", material="Li6PS5Cl")
    assert any(s.value == "Activation energies beside the descriptor model" for s in at.subheader)
    [beside] = [d.value for d in at.dataframe if "pred_ea_ev" in d.value.columns]
    assert len(beside) >= 5 and beside["held_out"].all()
    assert (beside["lo80"] < beside["pred_ea_ev"]).all() and (beside["pred_ea_ev"] < beside["hi80"]).all()
    assert set(beside["vs_interval"]) <= {"inside", "below", "above"}

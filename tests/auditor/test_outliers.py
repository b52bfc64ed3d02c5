"""Outlier rules on constructed cohorts, and flags whose reviews survive re-flagging and rebuilds."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from auditor.arrhenius import fit_series
from auditor.outliers import (
    arrhenius_fit_flags,
    model_residual_flags,
    modified_z,
    modified_z_flags,
    refresh_flags,
    vs_experiment_flags,
)
from core.constants import K_B_EV
from db.connection import connect
from db.flags import list_flags, review_flag
from pipeline.build import build_store
from tests.conftest import use_store

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def _cohort(values, *, method="NEB", prop="Em", family="garnet", prefix="m") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_key": [f"{prefix}{i}" for i in range(len(values))],
            "composition_key": [f"{prefix}{i}" for i in range(len(values))],
            "family": family,
            "property": prop,
            "method": method,
            "value": values,
            "censored": None,
        }
    )


def test_planted_outlier_is_flagged_and_clean_cohort_is_not():
    clean = _cohort(np.linspace(0.25, 0.35, 20), prefix="clean")
    planted = _cohort([*np.linspace(0.25, 0.35, 20), 1.5], family="halide", prefix="dirty")
    flags = modified_z_flags(pd.concat([clean, planted]))
    assert [f["record_key"] for f in flags] == ["dirty20"]
    assert flags[0]["score"] > 3.5 and flags[0]["cohort"] == "halide/Em/NEB"


@pytest.mark.parametrize(("threshold", "expected"), [(3.5, 0), (1.0, 2), (0.5, 6)])
def test_threshold_is_adjustable(threshold, expected):
    flags = modified_z_flags(_cohort(np.linspace(0.0, 1.0, 11)), z_threshold=threshold)
    assert len(flags) == expected


def test_modified_z_falls_back_when_mad_is_zero():
    z = modified_z(np.array([1.0, 1.0, 1.0, 1.0, 1.0, 5.0]))
    assert z[-1] > 3.5 and np.all(z[:-1] == 0)
    assert np.all(modified_z(np.ones(5)) == 0)


def test_small_cohorts_are_not_judged():
    assert modified_z_flags(_cohort([0.3, 0.3, 9.0])) == []


def test_variants_are_separate_cohorts():
    # relaxed runs sit near 0.3 eV, unrelaxed ones near 2 eV: pooled, the unrelaxed look wrong
    relaxed = _cohort(np.linspace(0.25, 0.35, 20), method="MLIP-NEB", prefix="r")
    unrelaxed = _cohort(np.linspace(1.9, 2.1, 3), method="MLIP-NEB", prefix="u")
    pooled = modified_z_flags(pd.concat([relaxed, unrelaxed]))
    assert {f["record_key"] for f in pooled} == {"u0", "u1", "u2"}
    relaxed["sub_method"], unrelaxed["sub_method"] = "mace-relax", "mace-no-relax"
    assert modified_z_flags(pd.concat([relaxed, unrelaxed])) == []
    unrelaxed = _cohort([*np.linspace(1.9, 2.1, 8), 9.0], method="MLIP-NEB", prefix="u")
    unrelaxed["sub_method"] = "mace-no-relax"
    flags = modified_z_flags(pd.concat([relaxed, unrelaxed]))
    assert [(f["record_key"], f["cohort"]) for f in flags] == [
        ("u8", "garnet/Em/MLIP-NEB/mace-no-relax")
    ]


def _series_fit(temps, sigma) -> dict:
    series = pd.DataFrame(
        {
            "record_id": range(len(temps)),
            "record_key": [f"k{i}" for i in range(len(temps))],
            "source": "s",
            "doi": "10.1/x",
            "composition_key": "LiX",
            "material_raw": "LiX",
            "family_raw": None,
            "temperature_k": temps,
            "value": sigma,
        }
    )
    (fit,) = fit_series(series)
    return {**fit, "record_key": "fit/LiX"}


def test_low_r2_arrhenius_fit_is_flagged_and_a_clean_one_is_not():
    temps = np.linspace(300.0, 500.0, 9)
    clean = np.exp(10.0 - 0.4 / (K_B_EV * temps)) / temps
    # a phase transition at 400 K: conductivity jumps three decades, then barely rises
    crossing = np.where(temps < 400, clean * 1e-3, np.exp(10.0 - 0.05 / (K_B_EV * temps)) / temps)
    fits = pd.DataFrame([_series_fit(temps, clean), _series_fit(temps, crossing)])
    fits.loc[1, "record_key"] = "fit/crossing"
    assert fits.loc[0, "r2"] > 0.99 and fits.loc[1, "r2"] < 0.9
    flags = arrhenius_fit_flags(fits)
    assert [f["record_key"] for f in flags] == ["fit/crossing"]
    assert flags[0]["rule"] == "arrhenius-fit" and flags[0]["score"] > 1
    assert "R²" in flags[0]["reason"] and "300-500 K" in flags[0]["reason"]
    assert arrhenius_fit_flags(fits, min_r2=0.5) == []
    assert arrhenius_fit_flags(fits.assign(r2=None)) == []


def test_computed_value_far_from_experiment_is_flagged():
    exp = _cohort([0.30, 0.32], method="EXP", prop="Ea", prefix="a")
    exp["composition_key"] = "LiX"
    comp = _cohort([0.35, 0.95], prefix="c")
    comp["composition_key"] = "LiX"
    flags = vs_experiment_flags(pd.concat([exp, comp]))
    assert [f["record_key"] for f in flags] == ["c1"]
    assert "different quantities" in flags[0]["reason"]
    assert vs_experiment_flags(pd.concat([exp, comp]), tolerance={"Em": 1.0}) == []


def test_model_residual_hook():
    preds = pd.DataFrame(
        {
            "record_key": ["a", "b"],
            "observed": [-3.0, -7.0],
            "predicted": [-3.2, -3.5],
            "lo80": [-4.0, -4.3],
            "hi80": [-2.4, -2.7],
            "model_version": "v1",
        }
    )
    flags = model_residual_flags(preds)
    assert [f["record_key"] for f in flags] == ["b"] and flags[0]["rule"] == "model-residual"
    assert model_residual_flags(preds.iloc[0:0]) == []


def _review_first_flag(con) -> tuple[pd.Series, int]:
    """Flag the store, dismiss its first flag with a note; the flag and the number of flags."""
    counts = refresh_flags(con)
    assert counts["modified-z"] > 0 and counts["arrhenius-fit"] >= 1
    flags = list_flags(con)
    first = flags.iloc[0]
    assert review_flag(
        con, first.record_key, first.rule, status="dismissed", note="ok", reviewer="tester"
    )
    return first, len(flags)


def test_reviews_survive_reflagging(store_copy):
    con = connect(store_copy, on_wait=None)
    before = con.execute("SELECT value FROM records ORDER BY record_id").fetchall()
    first, n = _review_first_flag(con)
    with pytest.raises(ValueError):
        review_flag(con, first.record_key, first.rule, status="deleted")
    refresh_flags(con)
    again = list_flags(con)
    assert len(again) == n
    row = again[(again.record_key == first.record_key) & (again.rule == first.rule)].iloc[0]
    assert (row.status, row.note, row.reviewer) == ("dismissed", "ok", "tester")
    # reviewing never changes the data
    assert con.execute("SELECT value FROM records ORDER BY record_id").fetchall() == before
    con.close()


def test_reviews_survive_a_rebuild(file_copy):
    # On the file only: a team rebuild's carry-over of a review (one made while it ran, the
    # harder case) is tests/db/test_team_store.py's, and a rebuild costs ~25 s per mode.
    con = connect(file_copy, on_wait=None)
    first, n = _review_first_flag(con)
    con.close()
    build_store(file_copy, progress=lambda f, m: None)
    con = connect(file_copy, on_wait=None)
    refresh_flags(con)
    rebuilt = list_flags(con)
    assert len(rebuilt) == n
    assert (
        con.execute("SELECT count(*) FROM flags").fetchone()[0]
        == con.execute("SELECT count(DISTINCT (record_key, rule)) FROM flags").fetchone()[0]
    )
    row = rebuilt[(rebuilt.record_key == first.record_key) & (rebuilt.rule == first.rule)].iloc[0]
    assert (row.status, row.note) == ("dismissed", "ok")
    assert not pd.isna(row.record_id)  # the key still finds the record in the new build
    con.close()


def test_flags_cli_computes_when_missing(store_copy):
    out = subprocess.run(
        [sys.executable, "-m", "sse_audit", "flags", "--json", "--path", str(store_copy)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    payload = json.loads(out)
    assert payload["n"] == len(payload["flags"]) > 0
    assert {"rule", "score", "reason", "status", "note", "reviewer"} <= set(payload["flags"][0])


def test_outliers_page_lists_and_reviews_flags(store_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from db.config import REPO_ROOT

    use_store(monkeypatch, store_copy)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/outliers.py").run()
    assert not at.exception

    def flag_list():  # the "Every flag" table, below the triage's group tables
        return next(d.value for d in at.dataframe if "status" in d.value.columns)

    open_flags = flag_list()
    assert len(open_flags) > 0 and set(open_flags["status"]) == {"open"}
    at.selectbox(key="flag_rule").select("vs-experiment").run()
    assert not at.exception
    assert set(flag_list()["rule"]) == {"vs-experiment"}
    key = flag_list()["record_key"].iloc[0]
    at.radio(key="review_status").set_value("dismissed")
    at.text_area(key="review_note").input("checked against the paper")
    at.button[-1].click().run()
    assert not at.exception
    con = connect(store_copy, on_wait=None)  # same configuration as the app's write connection
    row = con.execute(
        "SELECT status, note FROM flags WHERE record_key = ? AND rule = 'vs-experiment'", [key]
    ).fetchone()
    con.close()
    assert row == ("dismissed", "checked against the paper")

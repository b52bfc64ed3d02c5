"""Arrhenius fits: a known Ea comes back, series qualify by count and span, the build derives them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from auditor.arrhenius import arrhenius_fit, derive_arrhenius_records, fit_series
from core.constants import K_B_EV
from db.connection import connect

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def _series(ea: float, ln_a: float, temps: np.ndarray, noise: float = 0.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    ln_sigma_t = ln_a - ea / (K_B_EV * temps) + rng.normal(0.0, noise, len(temps))
    return np.exp(ln_sigma_t) / temps


@pytest.mark.parametrize("ea", [0.2, 0.45, 0.9])
def test_fit_recovers_known_ea_exactly(ea):
    temps = np.linspace(298.0, 423.0, 6)
    fit = arrhenius_fit(temps, _series(ea, 12.0, temps))
    assert fit.ea_ev == pytest.approx(ea, abs=1e-9)
    assert fit.ln_prefactor == pytest.approx(12.0, abs=1e-6)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.ea_se_ev == pytest.approx(0.0, abs=1e-9)
    expected_298 = (12.0 - ea / (K_B_EV * 298.0) - np.log(298.0)) / np.log(10.0)
    assert fit.log10_sigma_298 == pytest.approx(expected_298)


def test_noisy_fit_is_within_its_standard_error():
    temps = np.linspace(300.0, 500.0, 10)
    fit = arrhenius_fit(temps, _series(0.35, 10.0, temps, noise=0.05, seed=3))
    assert fit.ea_se_ev > 0
    assert abs(fit.ea_ev - 0.35) < 3 * fit.ea_se_ev
    assert 0.9 < fit.r2 < 1.0
    assert (fit.t_min_k, fit.t_max_k, fit.n_points) == (300.0, 500.0, 10)


def test_fit_rejects_unusable_input():
    with pytest.raises(ValueError):
        arrhenius_fit(np.array([300.0, 300.0]), np.array([1e-3, 2e-3]))
    with pytest.raises(ValueError):
        arrhenius_fit(np.array([300.0, 350.0]), np.array([1e-3, -1.0]))


def _frame(key: str, temps, source="s", doi="10.1/x") -> pd.DataFrame:
    temps = np.asarray(temps, float)
    return pd.DataFrame(
        {
            "record_id": np.arange(len(temps)),
            "record_key": [f"{key}/{t}" for t in temps],
            "source": source,
            "doi": doi,
            "composition_key": key,
            "material_raw": key,
            "family_raw": None,
            "temperature_k": temps,
            "value": _series(0.4, 11.0, temps),
        }
    )


@pytest.mark.parametrize(
    ("temps", "fitted"),
    [
        ([300, 320, 340], True),  # three temperatures over exactly 40 K
        ([300, 320], False),  # two temperatures
        ([300, 310, 320, 330], False),  # span 30 K
        ([300, 300, 300, 360], False),  # two distinct temperatures
    ],
)
def test_series_qualify_by_count_and_span(temps, fitted):
    fits = fit_series(_frame("LiX", temps))
    assert (len(fits) == 1) is fitted
    if fitted:
        assert fits[0]["ea_ev"] == pytest.approx(0.4)
        assert len(fits[0]["input_record_ids"]) == len(temps)


def test_series_split_by_source_and_doi():
    frame = pd.concat(
        [
            _frame("LiX", [300, 340, 380], doi="10.1/a"),
            _frame("LiX", [300, 340, 380], doi="10.1/b"),
            _frame("LiX", [300, 340], doi="10.1/c", source="t"),
        ]
    )
    assert sorted(f["doi"] for f in fit_series(frame)) == ["10.1/a", "10.1/b"]


def test_build_derives_arrhenius_records(store_con):
    fits = store_con.execute(
        "SELECT f.*, r.method_tag, r.sub_method, r.derived_from, r.property, r.value "
        "FROM arrhenius_fits f JOIN records r USING (record_id)"
    ).df()
    assert len(fits) > 0
    assert set(fits["method_tag"]) == {"EXP"} and set(fits["property"]) == {"Ea"}
    assert set(fits["sub_method"]) == {"arrhenius-fit"}
    assert (fits["t_max_k"] - fits["t_min_k"] >= 40).all() and (fits["n_temperatures"] >= 3).all()
    for _, row in fits.head(10).iterrows():
        ids = json.loads(row["derived_from"])
        inputs = store_con.execute(
            "SELECT DISTINCT property, source, composition_key FROM records "
            "WHERE list_contains(?, record_id)",
            [ids],
        ).fetchall()
        assert inputs == [("sigma", row["source"], row["composition_key"])]


def test_deriving_twice_leaves_the_same_store(store_copy):
    con = connect(store_copy, on_wait=None)
    before = con.execute("SELECT count(*) FROM records").fetchone()[0]
    keys = con.execute("SELECT record_key FROM arrhenius_fits ORDER BY 1").fetchall()
    n = derive_arrhenius_records(con)
    assert n == len(keys)
    assert con.execute("SELECT count(*) FROM records").fetchone()[0] == before
    assert con.execute("SELECT record_key FROM arrhenius_fits ORDER BY 1").fetchall() == keys
    con.close()

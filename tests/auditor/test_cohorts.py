"""Cohort statistics on constructed data with known answers, and on the real store."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from auditor.cohorts import (
    _harmonized_family,
    bootstrap_median_ci,
    cohort_stats,
    cohort_table,
    paired_materials,
)
from db.connection import reading
from db.loaders.template import TEMPLATE_COLUMNS
from pipeline.ingest import ingest_file
from tests.conftest import use_store

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def _records(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col, default in (("censored", None), ("family", "garnet"), ("record_key", None)):
        if col not in frame:
            frame[col] = default
    frame["record_key"] = [f"r{i}" for i in range(len(frame))]
    return frame


def _constructed(true_bias: float, n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    exp = rng.uniform(0.2, 0.8, n)
    rows = [
        {"composition_key": f"M{i}", "property": "Ea", "method": "EXP", "value": v}
        for i, v in enumerate(exp)
    ]
    rows += [
        {"composition_key": f"M{i}", "property": "Ea", "method": "AIMD", "value": v + true_bias + e}
        for i, (v, e) in enumerate(zip(exp, rng.normal(0, 0.05, n), strict=True))
    ]
    return _records(rows)


@pytest.mark.parametrize("true_bias", [-0.15, 0.0, 0.1])
def test_bootstrap_ci_covers_true_bias(true_bias):
    stats = {c["method"]: c for c in cohort_stats(_constructed(true_bias))}
    aimd = stats["AIMD"]
    low, high = aimd["bias_ci95"]
    assert low <= true_bias <= high
    assert high - low < 0.1
    assert aimd["paired_materials"] == 40
    assert aimd["bias_vs_exp"] == pytest.approx(true_bias, abs=0.03)
    assert aimd["spearman"] > 0.9
    assert stats["EXP"]["bias_vs_exp"] is None and stats["EXP"]["paired_materials"] is None


def test_bootstrap_ci_is_seeded_and_needs_two_values():
    x = np.array([0.1, 0.3, 0.2, 0.5, 0.4])
    assert bootstrap_median_ci(x, seed=7) == bootstrap_median_ci(x, seed=7)
    assert bootstrap_median_ci(np.array([0.1])) is None


def test_pairing_uses_material_medians_and_labels_em_vs_ea():
    records = _records(
        [
            {"composition_key": "A", "property": "Ea", "method": "EXP", "value": 0.30},
            {"composition_key": "A", "property": "Ea", "method": "EXP", "value": 0.40},
            {"composition_key": "A", "property": "Em", "method": "NEB", "value": 0.20},
            {"composition_key": "A", "property": "Em", "method": "NEB", "value": 0.60},
            {"composition_key": "A", "property": "Em", "method": "NEB", "value": 0.50},
            {"composition_key": "B", "property": "Em", "method": "NEB", "value": 0.90},
        ]
    )
    pairs = paired_materials(records)
    assert len(pairs) == 1
    assert pairs.iloc[0]["diff"] == pytest.approx(0.50 - 0.35)
    (neb,) = [c for c in cohort_stats(records) if c["method"] == "NEB"]
    assert neb["n_records"] == 4 and neb["n_materials"] == 2 and neb["paired_materials"] == 1
    assert neb["reference"] == "EXP Ea" and "different quantities" in neb["comparison"]
    assert neb["unit"] == "eV"


def test_censored_values_are_excluded_and_counted():
    records = _records(
        [
            {"composition_key": "A", "property": "sigma", "method": "EXP", "value": -3.0},
            {
                "composition_key": "B",
                "property": "sigma",
                "method": "EXP",
                "value": -9.0,
                "censored": "<",
            },
            {"composition_key": "A", "property": "sigma", "method": "AIMD", "value": -2.0},
        ]
    )
    stats = {c["method"]: c for c in cohort_stats(records)}
    assert stats["EXP"]["n_records"] == 1 and stats["EXP"]["n_censored"] == 1
    assert stats["EXP"]["median"] == -3.0 and stats["EXP"]["unit"] == "log10 S/cm"
    assert stats["AIMD"]["bias_vs_exp"] == pytest.approx(1.0)


def test_real_store_pairs_computed_methods_in_three_families(store_con):
    cohorts = cohort_table(store_con, n_boot=200)
    paired = {c["family"] for c in cohorts if c["method"] != "EXP" and c["paired_materials"]}
    assert len(paired) >= 3, paired
    for c in cohorts:
        assert c["unit"] == {"sigma": "log10 S/cm", "Ea": "eV", "Em": "eV"}[c["property"]]
        if c["bias_ci95"]:
            assert c["bias_ci95"][0] <= c["bias_vs_exp"] <= c["bias_ci95"][1]


def test_real_store_counts_each_measurement_once(store_con):
    cohorts = cohort_table(store_con, property="Em", n_boot=10)
    counted = sum(c["n_records"] + c["n_censored"] for c in cohorts)
    primary = store_con.execute(
        "SELECT count(*) FROM records WHERE property = 'Em' AND is_primary "
        "AND composition_key IS NOT NULL"
    ).fetchone()[0]
    assert counted == primary


def test_cli_json(built_store):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sse_audit",
            "cohorts",
            "--json",
            "--path",
            str(built_store),
            "--property",
            "Ea",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    payload = json.loads(out)
    assert payload["arrhenius_fits"] > 0
    assert payload["cohorts"] and {c["property"] for c in payload["cohorts"]} == {"Ea"}
    keys = {
        "family",
        "property",
        "method",
        "n_records",
        "n_materials",
        "median",
        "unit",
        "paired_materials",
        "bias_vs_exp",
        "bias_ci95",
        "mae_vs_exp",
        "spearman",
    }
    assert keys | {"variant"} <= set(payload["cohorts"][0])
    assert payload["method_agreement"] == []  # no two methods share an Ea hop


def test_ingested_table_shows_up_in_its_cohort(store_copy, tmp_path):
    def cohort(c):
        rows = cohort_table(c, family=family, property="Ea", n_boot=10)
        return next((r for r in rows if r["method"] == "MetaD"), None)

    with reading(store_copy, on_wait=None) as con:
        # a material with experimental Ea in the store, so the new computed value pairs at once
        key = con.execute(
            "SELECT composition_key FROM records WHERE property = 'Ea' AND method_tag = 'EXP' "
            "AND is_primary AND composition_key LIKE 'Li%' ORDER BY composition_key LIMIT 1"
        ).fetchone()[0]
        family = _harmonized_family(None, key)
        before = cohort(con)
    rows = [
        {
            "material": key,
            "property": "Ea",
            "value": "0.31",
            "unit": "eV",
            "temperature": "",
            "temperature_unit": "",
            "method": "metadynamics",
            "doi": "10.1000/cohort.test",
            "reference": "",
            "notes": "",
        }
    ]
    path = tmp_path / "lit.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert ingest_file(path, "cohort_test", path=store_copy)["committed"] == 1
    with reading(store_copy, on_wait=None) as con:
        after = cohort(con)
    assert after is not None
    assert after["n_records"] == (before["n_records"] if before else 0) + 1
    assert after["paired_materials"] >= 1


def _cohort_frame(at):
    # The per-cohort statistics table (the map, gaps and pairs tables come before it).
    return next(
        d.value for d in at.dataframe if {"property", "n_records", "bias_vs_exp"} <= set(d.value)
    )


def test_cohorts_page_renders_and_filter_changes_the_result(store_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from db.config import REPO_ROOT

    use_store(monkeypatch, store_copy)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/cohorts.py").run()
    assert not at.exception
    # The map comes first; the per-cohort details open on request.
    at.toggle(key="details").set_value(True).run()
    assert not at.exception
    assert any("not the same quantity" in w.value for w in at.warning)
    assert any(h.value == "Same hop, two methods" for h in at.subheader)
    before = _cohort_frame(at)
    at.selectbox(key="cohort_property").select("Ea").run()
    assert not at.exception
    after = _cohort_frame(at)
    assert set(after["property"]) == {"Ea"} and not before.equals(after)
    family = after["family"].iloc[0]
    at.selectbox(key="cohort_family").select(family).run()
    assert not at.exception
    assert set(_cohort_frame(at)["family"]) == {family}


def test_variants_split_computed_cohorts_but_not_experiment():
    rng = np.random.default_rng(4)
    exp = rng.uniform(0.2, 0.8, 30)
    rows = [
        {"composition_key": f"M{i}", "property": "Ea", "method": "EXP", "value": v}
        for i, v in enumerate(exp)
    ]
    # a derived Arrhenius Ea is experiment too: one reference, not its own cohort
    rows.append(
        {"composition_key": "M0", "property": "Ea", "method": "EXP", "value": exp[0]}
        | {"sub_method": "arrhenius-fit"}
    )
    for variant, bias, spread in (("mace-relax", 0.05, 0.02), ("mace-no-relax", 1.0, 0.5)):
        rows += [
            {
                "composition_key": f"M{i}",
                "property": "Em",
                "method": "MLIP-NEB",
                "sub_method": variant,
                "value": v + bias + e,
            }
            for i, (v, e) in enumerate(zip(exp, rng.normal(0, spread, 30), strict=True))
        ]
    stats = {c["method_label"]: c for c in cohort_stats(_records(rows))}
    assert set(stats) == {"EXP", "MLIP-NEB (mace-relax)", "MLIP-NEB (mace-no-relax)"}
    assert stats["EXP"]["variant"] is None and stats["EXP"]["n_records"] == 31
    relax, no_relax = stats["MLIP-NEB (mace-relax)"], stats["MLIP-NEB (mace-no-relax)"]
    assert (relax["method"], relax["variant"]) == ("MLIP-NEB", "mace-relax")
    assert relax["n_records"] == no_relax["n_records"] == 30
    assert relax["bias_ci95"][0] <= 0.05 <= relax["bias_ci95"][1]
    assert relax["mae_vs_exp"] < 0.1 < 0.5 < no_relax["mae_vs_exp"]


def _hops(n: int = 80, seed: int = 2) -> pd.DataFrame:
    """Hops that NEB and two MLIP-NEB variants share, with known differences."""
    rng = np.random.default_rng(seed)
    neb = rng.uniform(0.1, 1.5, n)
    rows = []
    for i, v in enumerate(neb):
        hop = {
            "composition_key": f"M{i // 2}",
            "family": "spinel" if i % 2 else "olivine",
            "property": "Em",
            "source": "s",
            "path_id": f"M{i // 2} | PATH {i % 2 + 1}",
        }
        rows.append({**hop, "method": "NEB", "value": v})
        relaxed = v + 0.2 + rng.normal(0, 0.03)
        unrelaxed = v + (2.0 if i % 4 == 0 else rng.normal(0, 0.1))
        mlip = {**hop, "method": "MLIP-NEB"}
        rows.append({**mlip, "sub_method": "mace-relax", "value": relaxed})
        rows.append({**mlip, "sub_method": "mace-no-relax", "value": unrelaxed})
    # a hop only one method reports, another source's same path id, and experiment: none pair
    rows.append({**hop, "path_id": "lonely", "method": "MLIP-NEB", "value": 9.0})
    rows.append({**hop, "source": "t", "method": "AIMD", "value": 9.0})
    rows.append({**hop, "method": "EXP", "value": 9.0})
    return _records(rows)


def test_method_agreement_recovers_planted_bias_on_same_hops():
    from auditor.cohorts import ALL_FAMILIES, method_agreement, same_hop_pairs

    records = _hops()
    pairs = same_hop_pairs(records)
    assert len(pairs) == 160 and set(pairs["method_label"]) == {
        "MLIP-NEB (mace-relax)",
        "MLIP-NEB (mace-no-relax)",
    }
    rows = {(r["method_label"], r["family"]): r for r in method_agreement(records)}
    relax = rows[("MLIP-NEB (mace-relax)", ALL_FAMILIES)]
    assert relax["n_hops"] == 80 and relax["n_materials"] == 40 and relax["reference"] == "NEB"
    low, high = relax["bias_ci95"]
    assert low <= 0.2 <= high and high - low < 0.05
    assert relax["mae"] == pytest.approx(0.2, abs=0.01) and relax["frac_off"] == 0.0
    assert relax["spearman"] > 0.95
    no_relax = rows[("MLIP-NEB (mace-no-relax)", ALL_FAMILIES)]
    assert no_relax["frac_off"] == pytest.approx(0.25)  # every fourth hop is off by 2 eV
    assert abs(no_relax["bias"]) < 0.1 < 0.5 < no_relax["mae"]
    for family in ("olivine", "spinel"):
        assert rows[("MLIP-NEB (mace-relax)", family)]["n_hops"] == 40
    assert {r["family"] for r in method_agreement(records, family="spinel")} == {
        ALL_FAMILIES,
        "spinel",
    }
    # any method label can be the reference
    against_relax = method_agreement(records, "MLIP-NEB (mace-relax)")
    (neb,) = [r for r in against_relax if r["method"] == "NEB" and r["family"] == ALL_FAMILIES]
    assert neb["bias"] == pytest.approx(-0.2, abs=0.02)


def test_real_store_pairs_neb_with_mlip_neb_on_the_same_hops(store_con):
    from auditor.cohorts import ALL_FAMILIES, load_records, method_agreement

    available = store_con.execute(
        "SELECT available FROM sources WHERE name = 'devi2025'"
    ).fetchone()
    if not available or not available[0]:
        pytest.skip("Devi et al. 2025 data are not available on this machine")
    rows = method_agreement(load_records(store_con), n_boot=200)
    pooled = {r["variant"]: r for r in rows if r["family"] == ALL_FAMILIES}
    assert pooled["mace-relax"]["n_hops"] > 400 and pooled["mace-no-relax"]["n_hops"] > 400
    # endpoint relaxation is what makes MACE NEB usable (Devi et al.: MAE ~0.36 vs ~1.7 eV)
    assert pooled["mace-relax"]["mae"] < 0.5 < 1.0 < pooled["mace-no-relax"]["mae"]

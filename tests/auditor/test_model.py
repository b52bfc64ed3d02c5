"""The conductivity model: the test-split guard, censored targets, intervals, CLI, store."""

from __future__ import annotations

import csv
import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from streamlit.testing.v1 import AppTest

from auditor import model as model_module
from auditor.features import CENSORED_LOG10, feature_frame
from auditor.model import (
    DEFAULT_KIND,
    CompositionKNN,
    conformal_halfwidth,
    cv_metrics,
    exclude_compositions,
    grouped_folds,
    interval_outliers,
    liverpool_rows,
    load_model,
    make_estimator,
    obelix_split,
    predict_store,
    predictions_for_records,
    reproducibility_floor,
    save_model,
    train,
    train_official,
    training_frame,
    training_groups,
)
from auditor.model import predictions as model_predictions
from auditor.model.data import LIVERPOOL_MODES
from auditor.model.estimators import QuantileForestRegressor
from core.constants import MODEL_RT_WINDOW_K
from db.config import BUNDLED_DATA, REPO_ROOT
from db.connection import connect, create_schema, reading, snapshot
from db.model_inputs import sigma_model_inputs
from sse_audit import cli as sse_audit_cli
from tests.conftest import use_store

OBELIX = BUNDLED_DATA / "obelix"

# Training is pure CPU after one read: it runs once, on the embedded file (`con`). What the
# team mode could change is the read, so `test_the_training_rows_are_the_same_in_both_modes`
# runs in both modes and compares every frame the model reads with the file's.
STORE_MODES = ("embedded", "team")


@pytest.fixture(scope="module")
def con(built_file):
    """The session's store file, read-only, for the whole module (the model only reads it)."""
    connection = connect(built_file, read_only=True, on_wait=None)
    yield connection
    connection.close()


def _model_reads(source) -> dict[str, pd.DataFrame]:
    """Every frame the conductivity model reads from a store (training, evaluation, the
    records it predicts); `training_frame`'s other Liverpool modes are pandas on these."""
    frames = {f"obelix {s}": obelix_split(source, s) for s in ("train", "test", None)}
    frames["liverpool rt"] = liverpool_rows(source)
    frames["liverpool all"] = liverpool_rows(source, None)
    frames["training"] = training_frame(source, extra=True)
    frames["predicted"] = sigma_model_inputs(source)
    return frames


@pytest.fixture(scope="module")
def file_reads(con) -> dict[str, pd.DataFrame]:
    """What the model reads from the embedded file: the reference of both modes' reads."""
    return _model_reads(con)


def test_the_training_rows_are_the_same_in_both_modes(file_reads, built_store):
    """The rows a model trains on and predicts, read from this mode's store through a read
    connection and through the snapshot the first start trains on, equal the file's."""
    assert len(file_reads["obelix train"]) == 478 and len(file_reads["training"]) > 478
    assert len(file_reads["predicted"]) > 2000
    with reading(built_store, on_wait=None) as live:
        read = _model_reads(live)
    copied = snapshot(built_store, on_wait=None)
    try:
        from_snapshot = _model_reads(copied)
    finally:
        copied.close()
    for got in (read, from_snapshot):
        for name, frame in file_reads.items():
            pd.testing.assert_frame_equal(
                got[name].reset_index(drop=True), frame.reset_index(drop=True), obj=name
            )


@pytest.fixture(scope="module")
def quick_official(con):
    """A quick-config model on the official split, trained once for the module."""
    return train_official(con, quick=True)


def _official_file(name: str) -> list[dict]:
    with open(OBELIX / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_store_path_holds_the_official_split(con):
    """The rows the model reads from the store are OBELiX's official split, row for row."""
    for split in ("train", "test"):
        official_ids = [r["ID"] for r in _official_file(f"split/{split}_idx.csv")]
        published = _official_file(f"downloads/{split}.csv")  # OBELiX's own split tables
        frame = obelix_split(con, split)
        assert len(frame) == len(official_ids) == len(published)
        assert set(frame["obelix_id"]) == set(official_ids)
        # Same order as OBELiX's split table: CV folds and forests see the rows as before.
        assert frame["obelix_id"].tolist() == [r["ID"] for r in published]
        bounds = sum(r["Ionic conductivity (S cm-1)"].startswith("<") for r in published)
        assert int(frame["censored"].sum()) == bounds
        assert frame["log10_sigma"].notna().all()
    assert [len(obelix_split(con, s)) for s in ("train", "test")] == [478, 121]
    assert int(obelix_split(con, "train")["censored"].sum()) == 29
    assert int(obelix_split(con, "test")["censored"].sum()) == 8
    with pytest.raises(ValueError, match="unknown OBELiX split"):
        obelix_split(con, "all")


def test_store_path_reads_liverpool_in_the_model_window(con):
    rows = liverpool_rows(con)
    low, high = MODEL_RT_WINDOW_K
    assert len(rows) == 443 and rows["temperature_k"].between(low, high).all()
    assert len(liverpool_rows(con, None)) == 820  # every temperature of the dataset
    assert rows["log10_sigma"].notna().all() and not rows["censored"].any()
    assert (rows["doi"] == rows["doi"].str.lower()).all()


def test_training_rows_carry_the_store_structure_summaries(con):
    train_rows = obelix_split(con, "train")
    with_cif = train_rows[train_rows["cif_density"].notna()]
    assert 0 < len(with_cif) < len(train_rows)  # OBELiX gives CIFs for part of its rows
    assert with_cif["cif_path"].map(lambda p: p.endswith(".cif")).all()
    n_cifs = con.execute("SELECT count(*) FROM structures").fetchone()[0]
    assert len(obelix_split(con)["cif_density"].dropna()) == n_cifs
    feats, _ = feature_frame(train_rows)
    assert feats["has_cif"].sum() == len(with_cif)
    assert feats.loc[with_cif.index, "cif_density"].tolist() == pytest.approx(
        with_cif["cif_density"].tolist()
    )
    # The cell formula comes from the entry (OBELiX `True Composition`).
    assert train_rows["cell_composition"].notna().mean() > 0.9


def test_training_sees_no_test_composition(con):
    test = obelix_split(con, "test")
    test_keys, test_ids = set(test["composition_key"].dropna()), set(test["obelix_id"])
    for extra in (False, True):
        frame = training_frame(con, extra=extra)
        assert not set(frame["composition_key"].dropna()) & test_keys
        assert not set(frame["obelix_id"].dropna()) & test_ids
        assert frame["composition_key"].notna().all() or not extra
    assert len(training_frame(con, extra=True)) > len(training_frame(con))  # the guard keeps some


@pytest.mark.parametrize("mode", LIVERPOOL_MODES)
def test_every_liverpool_mode_passes_the_composition_guard(con, mode):
    """All-temperature and Arrhenius-extrapolated Liverpool rows meet the same guard."""
    test_keys = set(obelix_split(con, "test")["composition_key"].dropna())
    train = obelix_split(con, "train")
    train_keys = set(train["composition_key"].dropna())
    frame = training_frame(con, extra=True, liverpool=mode)
    extra = frame[frame["obelix_id"].isna()]
    assert len(extra) > 0 and extra["composition_key"].notna().all()
    assert not set(extra["composition_key"]) & (test_keys | train_keys)
    assert not set(frame["composition_key"].dropna()) & test_keys
    assert len(frame) - len(extra) == len(train)  # OBELiX train rows untouched
    if mode == "rt":
        assert extra["composition_key"].is_unique and "temperature_k" not in frame.columns
    else:
        assert extra["temperature_k"].notna().all()
    if mode.startswith("all"):
        assert extra["temperature_k"].max() > 400  # the series, not only near-RT rows
    with pytest.raises(ValueError):
        training_frame(con, extra=True, liverpool="nope")


def test_temperature_block_reads_the_measurement_temperature():
    frame = pd.DataFrame(
        {"composition": ["Li3PS4", "Li3PS4", "Li3PS4"], "temperature_k": [500.0, np.nan, None]}
    )
    feats, _ = feature_frame(frame, blocks=("temperature",))
    assert feats["inv_temperature"].round(4).tolist() == [2.0, *[round(1000 / 298.0, 4)] * 2]
    assert "inv_temperature" not in feature_frame(frame)[0].columns


def test_exclude_compositions_drops_listed_and_unkeyed_rows():
    frame = pd.DataFrame({"composition_key": ["Li7La3Zr2O12", "Li3PS4", None], "x": [1, 2, 3]})
    kept = exclude_compositions(frame, {"Li7La3Zr2O12"})
    assert kept["composition_key"].tolist() == ["Li3PS4"]


def test_censored_targets_are_imputed_everywhere(con):
    frame = obelix_split(con)
    assert frame["censored"].sum() == 37  # 36 x '<1E-10' and 1 x '<1E-8'
    assert (frame.loc[frame["censored"], "log10_sigma"] == CENSORED_LOG10).all()
    assert (frame.loc[~frame["censored"], "log10_sigma"] > CENSORED_LOG10 - 5).all()
    # The floor is measured on real numbers only.
    floor = reproducibility_floor(frame)
    assert 0.2 < floor["mae"] < 0.8 and floor["n_materials"] > 20


def test_groups_join_doi_and_composition():
    frame = pd.DataFrame(
        {
            "doi": ["d1", "d1", "d2", "d3", "d4"],
            "composition_key": ["A", "B", "B", "C", None],
        }
    )
    g = training_groups(frame)
    assert g[0] == g[1] == g[2]  # d1 joins A,B; B joins d2
    assert len({g[0], g[3], g[4]}) == 3


def test_repeated_grouped_folds_never_split_a_group():
    groups = np.repeat(np.arange(12), [40, 20, 9, 5, 5, 4, 3, 3, 2, 2, 1, 1])
    held_out = {}
    for r, fit_idx, val_idx in grouped_folds(groups, n_splits=5, repeats=3):
        assert not set(groups[fit_idx]) & set(groups[val_idx])
        held_out.setdefault(r, []).extend(val_idx.tolist())
    assert all(sorted(rows) == list(range(len(groups))) for rows in held_out.values())
    # Shuffled assignment: the giant group meets different neighbours across repeats.
    neighbours = set()
    for _, _, val_idx in grouped_folds(groups, n_splits=5, repeats=3):
        if 0 in groups[val_idx]:
            neighbours.add(frozenset(groups[val_idx].tolist()))
    assert len(neighbours) > 1


def test_cv_metrics_score_only_the_chosen_rows():
    y = np.array([0.0, 0.0, 0.0, 10.0])
    oof = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]])
    scored = np.array([True, True, True, False])  # the extra-source row is not scored
    m = cv_metrics(y, oof, scored)
    assert m["mae"] == pytest.approx(1.0) and m["n"] == 3 and m["repeats"] == 2


def test_conformal_halfwidth_covers_about_80_percent():
    rng = np.random.default_rng(0)
    calib, fresh = rng.normal(size=2000), rng.normal(size=5000)
    hw = conformal_halfwidth(calib)
    assert np.mean(np.abs(fresh) <= hw) == pytest.approx(0.8, abs=0.03)


def test_official_quick_model_metrics_and_coverage(quick_official):
    m = quick_official.metrics
    assert m["test"]["n"] == 121 and m["test"]["n_skipped"] == 0
    assert 0.6 <= m["test"]["coverage80"] <= 0.95
    # Better than predicting the train median, which is about 2.16 under our censoring rule.
    assert m["baselines"]["train_median"]["mae"] == pytest.approx(2.16, abs=0.01)
    assert m["test"]["mae"] < m["baselines"]["train_median"]["mae"]
    assert set(m["importances"]) >= {"element fractions", "lattice"}


def test_save_load_roundtrip(con, quick_official, tmp_path):
    path = save_model(quick_official, tmp_path)
    loaded = load_model(directory=tmp_path)
    assert path.is_file() and loaded.version == quick_official.version
    assert loaded.train_hash == quick_official.train_hash
    test = obelix_split(con, "test").head(5)
    pd.testing.assert_frame_equal(loaded.predict(test), quick_official.predict(test))


def _write_csv(path, frame):
    frame.to_csv(path, index=False)
    return str(path)


def test_cli_train_test_files_skips_bad_rows(con, tmp_path, capsys):
    obelix = obelix_split(con)
    obelix = obelix[obelix["composition_key"].notna()]  # only the junk below may fail
    cols = {"composition": "composition", "log10_sigma": "log10_sigma", "sg_number": "space_group"}
    table = obelix[[*cols, "a", "b", "c", "alpha", "beta", "gamma"]].rename(columns=cols)
    junk = pd.DataFrame(
        {"composition": ["notaformula", "", "Li SiS  4 4"], "log10_sigma": [-3.0, -4.0, -5.0]}
    )
    train_csv = _write_csv(tmp_path / "a.csv", pd.concat([table.iloc[:150], junk]))
    test_csv = _write_csv(tmp_path / "b.csv", pd.concat([table.iloc[150:200], junk.iloc[:1]]))
    argv = ["model", "evaluate", "--train", train_csv, "--test", test_csv, "--quick", "--json"]
    assert sse_audit_cli.main(argv) == 0
    # strict JSON: NaN is not JSON, an undefined metric must come out as null
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert out["baselines"]["train_median"]["spearman"] is None
    assert out["skipped"]["train"]["unparseable_composition"] == 3
    assert out["skipped"]["test"]["unparseable_composition"] == 1
    assert out["test"]["n"] == 50 and out["test"]["n_skipped"] == 1
    assert {"mae", "rmse", "r2", "spearman", "coverage80"} <= set(out["test"])
    assert {"train_median", "plain_rf"} <= set(out["baselines"])


def test_train_on_small_table_with_only_compositions(con):
    train_rows = obelix_split(con, "train")
    frame = train_rows[["composition", "log10_sigma", "censored", "doi"]].head(60)
    frame["composition_key"] = train_rows["composition_key"].head(60)
    model = train(frame, kind="rf", quick=True, n_jobs=1)
    pred = model.predict(frame.head(3))
    assert (pred["hi80"] - pred["lo80"]).gt(0).all()


def test_opt_in_blocks_travel_with_the_model(con):
    frame = obelix_split(con, "train").head(60)
    plain = train(frame, kind="rf", quick=True, n_jobs=1)
    model = train(frame, kind="rf", quick=True, n_jobs=1, blocks=("chem", "sites"))
    assert model.blocks == ("chem", "sites") and plain.blocks == ()
    assert any(c.startswith("chem_") for c in model.columns)
    assert not any(c.startswith(("chem_", "sites_")) for c in plain.columns)
    assert model.version != plain.version
    pred = model.predict(frame.head(3))  # predict recomputes the same blocks
    assert len(pred) == 3 and pred["pred_log10_sigma"].notna().all()


def _tiny_store(con):
    create_schema(con)
    rows = [
        (1, "obelix", "jqc", "Li7BiO6", "Li7BiO6", -5.8),
        (2, "liverpool", "9", "Li7La3Zr2O12", "Li7La3Zr2O12", -3.5),
        (3, "liverpool", "10", "not a formula", None, -4.0),
    ]
    for rid, src, row, raw, key, logv in rows:
        con.execute(
            "INSERT INTO records (record_id, source, source_row, record_key, material_raw, "
            "composition_key, property, value_raw, value, unit, log10_value, method_tag, "
            "measurement_id) VALUES (?, ?, ?, ?, ?, ?, 'sigma', '1', ?, 'S/cm', ?, 'EXP', ?)",
            [rid, src, row, f"{src}/{row}", raw, key, 10**logv, logv, f"m{rid}"],
        )


def test_predict_store_once_per_version(quick_official):
    tiny = duckdb.connect(":memory:")
    _tiny_store(tiny)
    assert predict_store(tiny, quick_official) == 3
    assert predict_store(tiny, quick_official) == 0  # computed once per model version
    got = predictions_for_records(tiny, [1, 2, 3])
    assert sorted(got["record_id"]) == [1, 2]  # the unparseable record has no prediction
    assert (got["lo80"] < got["pred_log10_sigma"]).all()
    assert (got["pred_log10_sigma"] < got["hi80"]).all()
    version = tiny.execute("SELECT version FROM models").fetchone()[0]
    assert version == quick_official.version


def test_interval_outliers_flag_only_wide_misses():
    rows = pd.DataFrame(
        {
            "record_key": ["in", "just-out", "far-out", "bound-above"],
            "log10_value": [-4.0, -1.8, 2.0, 2.0],
            "pred_log10_sigma": [-4.0] * 4,
            "lo80": [-6.0] * 4,
            "hi80": [-2.0] * 4,
            "censored": [None, None, None, "<"],
        }
    )
    flags = interval_outliers(rows)
    assert [f["record_key"] for f in flags] == ["far-out"]
    assert flags[0]["rule"] == "model-interval" and flags[0]["score"] >= 1


# The model page reads the saved model's report, not the store: its tests run on one mode.


def test_model_page_renders_saved_report(quick_official, tmp_path, monkeypatch, built_file):
    save_model(quick_official, tmp_path)
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(tmp_path))
    use_store(monkeypatch, built_file)
    at = AppTest.from_file(str(REPO_ROOT / "views" / "model.py"), default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 4 and "train-median baseline" in set(table["model"])


def test_model_page_without_model(tmp_path, monkeypatch, built_file):
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(tmp_path))
    use_store(monkeypatch, built_file)
    at = AppTest.from_file(str(REPO_ROOT / "views" / "model.py"), default_timeout=60).run()
    assert not at.exception and at.info


def test_composition_knn_predicts_the_nearest_materials_median():
    X = pd.DataFrame(
        {
            "frac_Li": [0.5, 0.49, 0.48, 0.1, 0.1],
            "frac_O": [0.5, 0.51, 0.52, 0.9, 0.9],
            "family": ["a", "a", "a", "b", "b"],
        }
    )
    y = np.array([-3.0, -3.2, -3.1, -9.0, -9.5])
    knn = CompositionKNN(k=3, family_weight=0.3).fit(X, y)
    pred = knn.predict(X.iloc[[0, 3]])
    assert pred[0] == pytest.approx(-3.1, abs=0.11) and pred[1] < -8.9
    est = make_estimator("etw-median+knn-k3-fam0.3-p0.5", list(X.columns), quick=True)
    assert len(est.fit(X, y).predict(X)) == 5
    with pytest.raises(ValueError):
        make_estimator("knn-nonsense", list(X.columns))


@pytest.fixture(scope="module")
def quick_default(quick_default_model):
    """`train_default(con, quick=True)` of the built file: the session's one training of it
    (tests/conftest.py), which `screen_models_dir` saves too."""
    return quick_default_model


def test_fast_path_trains_the_default_kind_with_baselines(quick_default):
    m = quick_default.metrics
    assert quick_default.kind == DEFAULT_KIND and m["fast_path"]
    assert set(m["cv"]) == {DEFAULT_KIND}  # no candidate selection
    assert "importances" not in m and {"train_median", "plain_rf"} <= set(m["baselines"])
    assert 0 < m["test"]["coverage80"] <= 1 and quick_default.halfwidth80 > 0


def test_first_start_uses_the_fast_path(quick_default, tmp_path, monkeypatch):
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(tmp_path))
    tiny = duckdb.connect(":memory:")
    _tiny_store(tiny)
    trained_on = []

    def fast_path(store):
        trained_on.append(store)
        return quick_default

    # ensure_store_predictions lives in auditor.model.predictions and calls the name bound there.
    monkeypatch.setattr(model_predictions, "train_default", fast_path)
    got = model_module.ensure_store_predictions(tiny, train_if_missing=True)
    assert got["trained"] and got["version"] == quick_default.version and got["written"] == 3
    assert trained_on == [tiny]  # trained once, from the store it then predicts
    assert load_model().version == quick_default.version  # and saved for the next start
    # A saved model is reused: no second training.
    again = model_module.ensure_store_predictions(tiny, train_if_missing=True)
    assert not again["trained"] and again["written"] == 0 and len(trained_on) == 1


def test_model_page_says_where_importances_come_from(
    quick_default, tmp_path, monkeypatch, built_file
):
    save_model(quick_default, tmp_path)
    monkeypatch.setenv("SSE_AUDIT_MODELS", str(tmp_path))
    use_store(monkeypatch, built_file)
    at = AppTest.from_file(str(REPO_ROOT / "views" / "model.py"), default_timeout=60).run()
    assert not at.exception
    assert any("sse-audit model train" in i.value for i in at.info)


def test_quantile_forest_predicts_the_pooled_leaf_median():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(60, 3))
    # Bimodal like the real target: a censored cluster at -15 and a broad bulk near -4.
    y = np.where(X[:, 0] < 0.3, CENSORED_LOG10, -4 + rng.normal(size=60))
    Xq = rng.uniform(size=(12, 3))
    tree = ExtraTreesRegressor(n_estimators=1, min_samples_leaf=5, random_state=0)
    qrf = QuantileForestRegressor(tree).fit(X, y)
    train_leaf = qrf.forest_.apply(X.astype(np.float32))[:, 0]
    query_leaf = qrf.forest_.apply(Xq.astype(np.float32))[:, 0]
    pooled = [np.sort(y[train_leaf == leaf]) for leaf in query_leaf]
    # One tree: the lower median, minimum and maximum of the training rows in the leaf.
    assert qrf.predict(Xq) == pytest.approx([v[(len(v) - 1) // 2] for v in pooled])
    lo, hi = qrf.quantiles(Xq, [0.0, 1.0])
    assert lo == pytest.approx([v[0] for v in pooled])
    assert hi == pytest.approx([v[-1] for v in pooled])
    # Two trees: rows weigh 1 / leaf size in each tree; the smallest y with half the weight.
    two = QuantileForestRegressor(ExtraTreesRegressor(2, min_samples_leaf=4, random_state=1))
    two.fit(X, y)
    train_leaves = two.forest_.apply(X.astype(np.float32))
    expected = []
    for leaves in two.forest_.apply(Xq.astype(np.float32)):
        same = train_leaves == leaves
        w = (same / same.sum(axis=0)).mean(axis=1)
        expected.append(min(v for v in y if w[y <= v].sum() >= 0.5 - 1e-9))
    assert two.predict(Xq) == pytest.approx(expected)
    # A single root leaf: every query gets the training median, not a (bootstrap) mean.
    root = RandomForestRegressor(n_estimators=5, min_samples_leaf=1000, random_state=0)
    pred = QuantileForestRegressor(root).fit(X, y).predict(Xq)
    assert pred == pytest.approx(np.full(12, np.sort(y)[(len(y) - 1) // 2]))
    assert abs(pred[0] - y.mean()) > 1
    est = make_estimator("etw-qrf-l3", ["a", "b", "c"], quick=True)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    assert len(est.fit(frame, y).predict(frame)) == 60
    with pytest.raises(ValueError):
        make_estimator("hgb-qrf-l3", ["a"])


def test_hgb_l1_predicts_the_median_and_blends_as_a_mean():
    rng = np.random.default_rng(0)
    cols = ["a", "b", "c"]
    # A bimodal target: 70% near -4, 30% censored at -15 (median ~-4.3, mean ~-7).
    y = np.where(rng.uniform(size=200) < 0.3, CENSORED_LOG10, -4 + 0.5 * rng.normal(size=200))
    # Constant features leave nothing to split on: each loss predicts its own optimum.
    flat = pd.DataFrame(np.ones((200, 3)), columns=cols)
    l1 = make_estimator("hgb-l1", cols, quick=True).fit(flat, y).predict(flat)
    l2 = make_estimator("hgb", cols, quick=True).fit(flat, y).predict(flat)
    assert l1 == pytest.approx(np.full(200, np.median(y)))
    assert l2 == pytest.approx(np.full(200, y.mean()))
    # The blend is exactly the mean of its two parts, each fitted alone.
    X = pd.DataFrame(rng.uniform(size=(200, 3)), columns=cols)
    Xq = pd.DataFrame(rng.uniform(size=(50, 3)), columns=cols)
    blend = make_estimator("etw-median+hgb-l1", cols, quick=True).fit(X, y).predict(Xq)
    etw = make_estimator("etw-median", cols, quick=True).fit(X, y).predict(Xq)
    hgb = make_estimator("hgb-l1", cols, quick=True).fit(X, y).predict(Xq)
    assert blend == pytest.approx((etw + hgb) / 2)
    assert np.abs(etw - hgb).max() > 0.1  # the parts differ, so the mean is a real check
    with pytest.raises(ValueError):
        make_estimator("etw+hgb-l1-median", cols)  # boosting has no trees to pool

"""Issue 15: the SQL set work agrees with the pandas reference on the real store, flags at scale
match flags computed cohort by cohort, an ingest's scoped refresh equals a full one, and every
write bumps the store version."""

from __future__ import annotations

import csv
import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

import tests.cohort_reference as reference
from auditor.cohorts import (
    EXACT_BOOTSTRAP_FROM,
    bootstrap_median_ci,
    cohort_stats,
    cohort_tables_current,
    load_records,
    method_agreement,
    paired_materials,
    refresh_cohort_tables,
    same_hop_pairs,
)
from auditor.outliers import (
    MIN_COHORT,
    Z_THRESHOLD,
    modified_z,
    modified_z_flags,
    refresh_flags,
    vs_experiment_flags,
)
from db.config import REPO_ROOT
from db.connection import connect, reading
from db.flags import review_flag
from db.loaders.template import TEMPLATE_COLUMNS
from db.version import bump_store_version, store_version
from pipeline.ingest import ingest_file

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL);
# the replicated 3x store is a file the benchmark makes (file-only by nature).
STORE_MODES = ("embedded", "team")


def _bench_scale():
    # The benchmark's replication rule is the one under test; load it from its script.
    spec = importlib.util.spec_from_file_location(
        "bench_scale", REPO_ROOT / "benchmarks" / "bench_scale.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _by_key(flags: list[dict]) -> dict[str, dict]:
    return {f["record_key"]: f for f in flags}


def test_sql_cohort_statistics_equal_the_pandas_reference_on_the_real_store(store_con):
    records = load_records(store_con)
    sql = cohort_stats(store_con)
    assert len(sql) > 50
    assert sql == reference.cohort_stats(records)
    # the frame input runs the same SQL
    assert cohort_stats(records, family="garnet") == reference.cohort_stats(
        records, family="garnet"
    )


def test_sql_pairs_equal_the_pandas_reference_on_the_real_store(store_con):
    records = load_records(store_con)
    pairs = paired_materials(store_con)
    assert len(pairs) > 20
    pd.testing.assert_frame_equal(
        pairs.reset_index(drop=True),
        reference.paired_materials(records).reset_index(drop=True),
        check_dtype=False,
    )
    hops = same_hop_pairs(store_con)
    reference_hops = reference.same_hop_pairs(records)
    # Hops come from Devi et al. (external, not bundled): without it both sides are empty.
    (devi,) = store_con.execute(
        "SELECT count(*) FROM sources WHERE name = 'devi2025' AND available"
    ).fetchone()
    assert (len(hops) > 20) if devi else (len(hops) == len(reference_hops) == 0)
    if devi:
        pd.testing.assert_frame_equal(
            hops.reset_index(drop=True),
            reference_hops.reset_index(drop=True),
            check_dtype=False,
        )
    assert method_agreement(store_con) == reference.method_agreement(records)


def test_sql_flags_equal_the_pandas_reference_on_the_real_store(store_con):
    records = load_records(store_con)
    z = modified_z_flags(store_con)
    assert len(z) > 50
    assert _by_key(z) == _by_key(reference.modified_z_flags(records))
    gaps = vs_experiment_flags(store_con)
    assert len(gaps) > 20
    assert _by_key(gaps) == _by_key(reference.vs_experiment_flags(records))


@pytest.fixture(scope="module")
def scaled_store(built_file, tmp_path_factory):
    bench = _bench_scale()
    target = tmp_path_factory.mktemp("scaled") / "scaled.duckdb"
    with reading(built_file, on_wait=None) as con:
        n_real = con.execute("SELECT count(*) FROM records").fetchone()[0]
    info = bench.build_scaled(built_file, target, 3 * n_real)
    assert info["replicas"] == 3 and info["records"] == 3 * n_real
    con = connect(target, on_wait=None)
    refresh_flags(con)
    yield con
    con.close()


def test_replicas_are_new_materials_with_jittered_values(scaled_store):
    con = scaled_store
    row = con.execute(
        "SELECT count(DISTINCT composition_key), count(DISTINCT record_key), count(*) FROM records"
    ).fetchone()
    real = con.execute(
        "SELECT count(DISTINCT composition_key) FROM records WHERE composition_key NOT LIKE '%~r%'"
    ).fetchone()[0]
    assert row[0] == 3 * real  # every replica is a new material
    assert row[1] == row[2]  # record keys stay unique
    copies, same = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE r.value = b.value AND b.value <> 0) "
        "FROM records r JOIN records b ON r.record_key = b.record_key || '~r1'"
    ).fetchone()
    assert copies == row[2] // 3
    assert same < 0.01 * copies  # jittered: a replica's value is not its original's


def test_flags_at_scale_match_flags_computed_cohort_by_cohort(scaled_store):
    """A sample of cohorts of the 3x store: the modified-z flags refresh_flags wrote are exactly
    the records `modified_z` (numpy, one cohort at a time) puts beyond the threshold."""
    con = scaled_store
    records = load_records(con)
    usable = records[records["censored"].isna()].copy()
    usable["variant"] = usable["sub_method"].where(usable["method"] != "EXP").fillna("")
    sizes = usable.groupby(["family", "property", "method", "variant"]).size()
    big = sizes[sizes >= MIN_COHORT].index.tolist()
    rng = np.random.default_rng(15)
    sample = [big[i] for i in rng.choice(len(big), size=min(25, len(big)), replace=False)]
    written = set(
        r[0]
        for r in con.execute(
            "SELECT record_key FROM flags WHERE rule = 'modified-z' AND active"
        ).fetchall()
    )
    checked = flagged = 0
    for fam, prop, method, variant in sample:
        group = usable[
            (usable["family"] == fam)
            & (usable["property"] == prop)
            & (usable["method"] == method)
            & (usable["variant"] == variant)
        ]
        z = modified_z(group["value"].to_numpy(float))
        expected = set(group["record_key"][np.abs(z) > Z_THRESHOLD])
        assert expected == written & set(group["record_key"]), (fam, prop, method, variant)
        checked += 1
        flagged += len(expected)
    assert checked >= 10 and flagged > 0


def _csv(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _flag_table(con) -> list[tuple]:
    return con.execute(
        "SELECT record_key, rule, cohort, round(score, 3), reason, active FROM flags ORDER BY ALL"
    ).fetchall()


def test_ingest_refreshes_only_its_cohorts_and_equals_a_full_refresh(store_copy, tmp_path):
    with reading(store_copy, on_wait=None) as con:
        key, value = con.execute(
            "SELECT composition_key, median(value) FROM records WHERE property = 'Ea' "
            "AND method_tag = 'EXP' AND is_primary AND censored IS NULL "
            "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
    rows = [
        {
            "material": key,
            "property": "Ea",
            "value": f"{value + 1.5:.3f}",  # far from experiment: a vs-experiment flag
            "unit": "eV",
            "method": "NEB calculation",
            "doi": "10.1000/scale.test",
        },
        *[
            {
                "material": key,
                "property": "Ea",
                "value": f"{value + d:.3f}",
                "unit": "eV",
                "method": "impedance spectroscopy",
                "doi": "10.1000/scale.test",
            }
            for d in (0.0, 0.01, -0.01, 2.5)
        ],
    ]
    rows = [{c: r.get(c, "") for c in TEMPLATE_COLUMNS} for r in rows]
    result = ingest_file(_csv(tmp_path / "t.csv", rows), "scale_test", path=store_copy)
    assert result["committed"] == len(rows)
    con = connect(store_copy, on_wait=None)
    scoped = _flag_table(con)
    new_keys = {
        r[0] for r in con.execute("SELECT record_key FROM records WHERE source = 'scale_test'").fetchall()
    }
    assert any(r[0] in new_keys and r[1] == "vs-experiment" for r in scoped)
    refresh_flags(con)  # the whole store
    assert _flag_table(con) == scoped
    # the ingest refreshed the materialized cohort answers: they equal a computation from records
    assert cohort_tables_current(con)
    assert cohort_stats(con) == cohort_stats(load_records(con))
    pd.testing.assert_frame_equal(
        same_hop_pairs(con).reset_index(drop=True),
        same_hop_pairs(load_records(con)).reset_index(drop=True),
        check_dtype=False,
    )
    con.close()


def test_a_records_write_makes_the_cohort_tables_stale_and_readers_compute_live(store_copy):
    con = connect(store_copy, on_wait=None)
    assert cohort_tables_current(con)
    before = cohort_stats(con, property="Ea")
    con.execute(
        "UPDATE records SET value = value + 5 WHERE property = 'Ea' AND method_tag = 'EXP' "
        "AND record_id = (SELECT min(record_id) FROM records WHERE property = 'Ea' "
        "AND method_tag = 'EXP' AND is_primary AND censored IS NULL)"
    )
    bump_store_version(con, records=True)  # what every records write does
    assert not cohort_tables_current(con)
    live = cohort_stats(con, property="Ea")
    assert live != before
    assert live == cohort_stats(load_records(con), property="Ea")
    refresh_cohort_tables(con)
    assert cohort_tables_current(con) and cohort_stats(con, property="Ea") == live
    con.close()


def test_every_write_bumps_the_store_version(store_copy, tmp_path):
    con = connect(store_copy, on_wait=None)
    first = store_version(con)
    assert first > 0  # the build stamped it
    assert bump_store_version(con) > first
    v = store_version(con)
    key, rule = con.execute("SELECT record_key, rule FROM flags LIMIT 1").fetchone()
    assert review_flag(con, key, rule, status="dismissed", note="checked")
    assert store_version(con) > v
    v = store_version(con)
    refresh_flags(con)
    assert store_version(con) > v
    v = store_version(con)
    con.close()
    rows = [
        {c: "" for c in TEMPLATE_COLUMNS}
        | {"material": "Li3PS4", "property": "Ea", "value": "0.4", "unit": "eV",
           "method": "impedance", "doi": "10.1000/version.test"}
    ]
    ingest_file(_csv(tmp_path / "v.csv", rows), "version_test", path=store_copy)
    with reading(store_copy, on_wait=None) as con:
        assert store_version(con) > v


def test_a_rebuilt_store_never_repeats_an_older_version(file_copy, tmp_path):
    # A rebuild writes a new file (a team build publishes one): the version rule is the
    # same SQL in both modes, so this runs on the file only.
    con = connect(file_copy, on_wait=None)
    old = store_version(con)
    con.close()
    fresh = tmp_path / "fresh.duckdb"
    shutil.copyfile(file_copy, fresh)
    con = connect(fresh, on_wait=None)
    con.execute("DELETE FROM build_info WHERE key = 'store_version'")  # a new file's first write
    assert bump_store_version(con) > old
    con.close()


def test_large_samples_take_the_exact_bootstrap_and_agree_with_resampling():
    rng = np.random.default_rng(3)
    x = rng.normal(0.2, 1.0, EXACT_BOOTSTRAP_FROM + 1)
    exact = bootstrap_median_ci(x)
    # the same data through seeded resampling (just below the switch, the last value dropped)
    resampled = bootstrap_median_ci(x[:-2], n_boot=4000)
    assert exact[0] < np.median(x) < exact[1]
    assert exact == pytest.approx(resampled, abs=0.05)
    # a shifted sample shifts the interval by as much
    moved = bootstrap_median_ci(x + 1.0)
    assert moved == pytest.approx((exact[0] + 1.0, exact[1] + 1.0), abs=1e-9)

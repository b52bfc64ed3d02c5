"""The write path: good rows land in one transaction, hostile rows go to quarantine with reasons."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from auditor.arrhenius import derive_arrhenius_records
from auditor.ea_model import (
    compute_ea_predictions,
    ea_prediction_inputs,
    load_ea_model,
    save_ea_predictions,
)
from auditor.outliers import refresh_flags
from db.arrhenius_fits import ARRHENIUS_SUB_METHOD
from db.connection import connect, transaction
from db.flags import list_flags
from db.loaders.common import LoadResult, SourceSpec, make_record
from db.loaders.template import TEMPLATE_COLUMNS, IngestError
from db.version import records_version
from db.write import write_source
from pipeline.ingest import ingest_file, ingest_rows

GOOD = [
    {
        "material": "Li7La3Zr2O12",
        "property": "Ea",
        "value": "0.42",
        "unit": "eV",
        "temperature": "",
        "temperature_unit": "",
        "method": "EXP",
        "doi": "10.1000/test.1",
        "reference": "",
        "notes": "impedance",
    },
    {
        "material": "Li3PS4",
        "property": "sigma",
        "value": "0.16",
        "unit": "mS/cm",
        "temperature": "25",
        "temperature_unit": "C",
        "method": "EXP",
        "doi": "",
        "reference": "A. Author, J. Test 1 (2025)",
        "notes": "",
    },
]
HOSTILE = [
    ({"value": "abc"}, "not a number"),
    ({"value": "inf"}, "finite"),
    ({"property": "Ea", "value": "-0.3", "unit": "eV"}, "negative"),
    ({"unit": "furlongs"}, "unknown unit"),
    ({"property": "viscosity"}, "unknown property"),
    ({"temperature": "-5", "temperature_unit": "K"}, "absolute zero"),
    ({"material": "unobtainium"}, "formula"),
    ({"material": "Li3PS4'); DROP TABLE records; --"}, "SQL"),
    ({"notes": '=HYPERLINK("http://x","click")'}, "spreadsheet formula"),
    ({"reference": "@SUM(A1:A9)", "doi": ""}, "spreadsheet formula"),
    ({"doi": "", "reference": ""}, "DOI or a reference"),
    ({"value": "1e308"}, "implausible sigma"),
    ({"property": "Ea", "value": "99", "unit": "eV"}, "implausible Ea"),
    ({"temperature": "99999", "temperature_unit": "K"}, "implausible temperature"),
]

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def _write(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _hostile_rows():
    base = dict(GOOD[1])
    return [{**base, **override} for override, _ in HOSTILE]


def test_good_rows_commit_and_show_up_in_the_store(store_copy, tmp_path):
    result = ingest_file(_write(tmp_path / "good.csv", GOOD), "my-lab", path=store_copy)
    assert (result["committed"], result["quarantined"]) == (2, 0)
    con = connect(store_copy, read_only=True)
    rows = con.execute(
        "SELECT composition_key, property, value, temperature_k, temperature_implied, doi, reference "
        "FROM records WHERE source = 'my-lab' ORDER BY property"
    ).fetchall()
    assert rows[0][:5] == ("Li7La3Zr2O12", "Ea", 0.42, None, False)
    assert rows[1][1] == "sigma" and rows[1][2] == pytest.approx(1.6e-4) and rows[1][3] == 298.15
    assert con.execute("SELECT rows_in, loaded FROM sources WHERE name = 'my-lab'").fetchone() == (
        2,
        2,
    )
    con.close()


@pytest.mark.parametrize(("override", "reason"), HOSTILE, ids=[r for _, r in HOSTILE])
def test_each_hostile_row_is_quarantined_with_its_reason(store_copy, tmp_path, override, reason):
    row = {**GOOD[1], **override}
    result = ingest_file(_write(tmp_path / "bad.csv", [row, GOOD[0]]), "bad-batch", path=store_copy)
    assert result["committed"] == 1 and result["quarantined"] == 1
    assert reason.lower() in result["reasons"][0].lower()
    con = connect(store_copy, read_only=True)
    ((raw, stored_reason),) = con.execute(
        "SELECT raw, reason FROM quarantine WHERE source = 'bad-batch'"
    ).fetchall()
    assert json.loads(raw)["material"] == row["material"] and stored_reason == result["reasons"][0]
    assert con.execute("SELECT count(*) FROM records WHERE source = 'bad-batch'").fetchone()[0] == 1
    con.close()


def test_all_hostile_rows_at_once_leave_the_store_readable(store_copy, tmp_path):
    con = connect(store_copy, read_only=True)
    n_before = con.execute("SELECT count(*) FROM records").fetchone()[0]
    con.close()
    result = ingest_file(_write(tmp_path / "bad.csv", _hostile_rows()), "hostile", path=store_copy)
    assert result["committed"] == 0 and result["quarantined"] == len(HOSTILE)
    con = connect(store_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM records").fetchone()[0] == n_before
    assert con.execute("SELECT count(*) FROM quarantine WHERE source = 'hostile'").fetchone()[
        0
    ] == len(HOSTILE)
    con.close()


def test_a_file_missing_columns_writes_nothing(store_copy, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("compound,Ea\nLi3PS4,0.3\n")
    with pytest.raises(IngestError, match="missing column"):
        ingest_file(path, "wrong", path=store_copy)
    con = connect(store_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM sources WHERE name = 'wrong'").fetchone()[0] == 0
    con.close()


def test_a_source_name_cannot_be_reused(store_copy, tmp_path):
    with pytest.raises(IngestError, match="already exists"):
        ingest_file(_write(tmp_path / "good.csv", GOOD), "obelix", path=store_copy)


def test_uploads_survive_a_rebuild(store_copy, tmp_path):
    from pipeline.build import build_store

    ingest_file(_write(tmp_path / "good.csv", GOOD), "kept", path=store_copy)
    build_store(store_copy, progress=lambda f, m: None)
    con = connect(store_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM records WHERE source = 'kept'").fetchone()[0] == 2
    con.close()


def test_ingest_cli_prints_counts(store_copy, tmp_path):
    path = _write(tmp_path / "mixed.csv", GOOD + _hostile_rows()[:3])
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sse_audit",
            "ingest",
            str(path),
            "--source",
            "cli-batch",
            "--path",
            str(store_copy),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out)
    assert (result["committed"], result["quarantined"]) == (2, 3)


def test_xlsx_in_the_template_ingests_like_csv(store_copy, tmp_path):
    import pandas as pd

    path = tmp_path / "good.xlsx"
    pd.DataFrame(GOOD, columns=list(TEMPLATE_COLUMNS)).to_excel(path, index=False)
    result = ingest_file(path, "xlsx-batch", path=store_copy)
    assert (result["committed"], result["quarantined"]) == (2, 0)


def test_a_file_with_a_repeated_column_is_refused(store_copy, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "material,property,value,value,unit,method,doi\nLi3PS4,sigma,1,2,mS/cm,EXP,10.1/x\n"
    )
    with pytest.raises(IngestError, match="named more than once: value"):
        ingest_file(path, "twice", path=store_copy)
    con = connect(store_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM sources WHERE name = 'twice'").fetchone()[0] == 0
    con.close()


def test_a_published_implausible_value_loads_and_is_flagged(store_copy):
    # A published table may hold a 40 eV "barrier" (an unrelaxed calculation): unlike an
    # upload it is kept, and the `implausible` rule flags it for a reviewer.
    spec = SourceSpec(
        name="published-x",
        title="t",
        citation="c",
        doi_or_url=None,
        license="l",
        version="v",
        kind="bundled",
        path=None,
    )
    result = LoadResult(spec)
    result.add_row(
        "1",
        {},
        lambda: [
            make_record(
                source="published-x",
                source_row="1",
                material_raw="Li3PS4",
                prop="Em",
                value_raw="40",
                unit_raw="eV",
                method_tag="MLIP-NEB",
                doi="10.1000/x",
            )
        ],
    )
    con = connect(store_copy)
    try:
        write_source(con, result)
        refresh_flags(con)
        flags = list_flags(con, rule="implausible")
    finally:
        con.close()
    mine = flags[flags["source"] == "published-x"]
    assert len(mine) == 1 and "outside the plausible 0-5 eV" in mine["reason"].iloc[0]


_DERIVED_PREDICTIONS = """
    SELECT r.record_key, r.record_id, p.pred_ea_ev FROM ea_predictions p
    JOIN records r USING (record_id)
    WHERE r.sub_method = ? AND r.derived_from IS NOT NULL ORDER BY r.record_key
"""


def _stored_series_as_rows(con, source: str) -> tuple[dict, list[dict]]:
    """One stored Arrhenius fit and its input conductivities as template rows (the real
    source's numbers, in S/cm at K), for a new source that repeats that series."""
    fit = con.execute(
        "SELECT record_key, ea_ev, input_record_ids FROM arrhenius_fits "
        "WHERE doi IS NOT NULL ORDER BY record_key LIMIT 1"
    ).fetchone()
    inputs = con.execute(
        "SELECT material_raw, value, temperature_k, doi FROM records "
        "WHERE list_contains(?, record_id) ORDER BY temperature_k",
        [json.loads(fit[2])],
    ).fetchall()
    rows = [
        {"material": m, "property": "sigma", "value": repr(v), "unit": "S/cm",
         "temperature": repr(t), "temperature_unit": "K", "method": "EIS", "doi": doi}
        for m, v, t, doi in inputs
    ]  # fmt: skip
    return {"record_key": fit[0], "ea_ev": fit[1]}, rows


def test_an_ingest_keeps_the_ea_predictions_of_derived_arrhenius_records(
    store_copy, screen_models_dir
):
    # The derived Ea records were deleted and rewritten by every ingest (new ids), so their
    # Ea predictions, keyed by record id, were lost until the next `model predict-store`.
    model = load_ea_model(screen_models_dir / "ea")
    con = connect(store_copy)
    try:
        inputs = ea_prediction_inputs(con, model)
        derived = {r[0] for r in con.execute(
            "SELECT record_id FROM records WHERE sub_method = ? AND derived_from IS NOT NULL",
            [ARRHENIUS_SUB_METHOD]).fetchall()}  # fmt: skip
        # Only the derived records are predicted here (the rest would cost seconds, not test more).
        todo = inputs.todo[inputs.todo["record_id"].isin(derived)]
        assert save_ea_predictions(con, *compute_ea_predictions(model, replace(inputs, todo=todo))) > 0
        before = con.execute(_DERIVED_PREDICTIONS, [ARRHENIUS_SUB_METHOD]).fetchall()
        fit, series = _stored_series_as_rows(con, "repeat")
    finally:
        con.close()
    assert len(before) == len(todo) > 50
    ingest_rows(GOOD + series, "repeat", path=store_copy, on_wait=None)
    con = connect(store_copy, read_only=True)
    try:
        after = con.execute(_DERIVED_PREDICTIONS, [ARRHENIUS_SUB_METHOD]).fetchall()
        # The repeated series is fitted as the new source's own record, with the same Ea.
        new_fit = con.execute(
            "SELECT record_key, ea_ev FROM arrhenius_fits WHERE source = 'repeat'"
        ).fetchall()
    finally:
        con.close()
    assert after == before
    assert len(new_fit) == 1 and new_fit[0][0].startswith("repeat/arrhenius/")
    assert new_fit[0][1] == pytest.approx(fit["ea_ev"], abs=1e-9)


def test_deriving_again_after_an_ingest_changes_nothing(store_copy):
    # The ingest leaves the derived Arrhenius records exactly as a fresh derivation makes them:
    # a second one keeps every record id and does not move the records version.
    ingest_rows(GOOD, "again", path=store_copy, on_wait=None)
    con = connect(store_copy)
    try:
        query = (
            "SELECT r.record_id, r.record_key, r.value, r.family, f.ea_ev, f.r2 FROM records r "
            "JOIN arrhenius_fits f USING (record_id) ORDER BY r.record_key"
        )
        before, version = con.execute(query).fetchall(), records_version(con)
        with transaction(con):
            n = derive_arrhenius_records(con)
        assert (con.execute(query).fetchall(), records_version(con)) == (before, version)
    finally:
        con.close()
    assert n == len(before) > 50

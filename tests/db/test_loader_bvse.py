"""The BVSE loader on the shipped data file: records, provenance, quarantine."""

from __future__ import annotations

import csv

import pytest

from core.composition import composition_key
from db.config import BUNDLED_DATA
from db.loaders.bvse import load_bvse
from db.loaders.common import SourceSpec
from db.loaders.obelix import read_obelix_table
from db.sources import builtin_sources

BVSE_CSV = BUNDLED_DATA / "bvse" / "bvse_barriers.csv"


def _spec(path):
    return SourceSpec("sse-audit-bvse", "", "", "", "", "", "bundled", path)


@pytest.fixture(scope="module")
def shipped():
    return list(csv.DictReader(BVSE_CSV.open()))


@pytest.fixture(scope="module")
def loaded():
    return load_bvse(_spec(BVSE_CSV))


def test_source_is_registered_as_the_products_own_bundled_computation():
    (source,) = [s for s in builtin_sources() if s.spec.name == "sse-audit-bvse"]
    assert source.spec.kind == "bundled" and source.spec.available
    assert source.loader is load_bvse


def test_every_row_is_loaded_or_quarantined_with_the_tools_reason(shipped, loaded):
    assert loaded.rows_in == len(shipped) == loaded.loaded_rows + loaded.quarantined_rows
    failed = {r["cif_id"]: r["reason"] for r in shipped if r["status"] != "ok"}
    assert {q["source_row"] for q in loaded.quarantine} == set(failed)
    for q in loaded.quarantine:
        assert failed[q["source_row"]] in q["reason"]


def test_records_are_bvse_em_of_the_owning_obelix_entry(shipped, loaded):
    owners = read_obelix_table(BUNDLED_DATA / "obelix").set_index("ID")
    by_row = {r["cif_id"]: r for r in shipped}
    assert {(r["property"], r["method_tag"], r["unit"]) for r in loaded.records} == {
        ("Em", "BVSE", "eV")
    }
    for rec in loaded.records:
        row, owner = by_row[rec["source_row"]], owners.loc[rec["source_row"]]
        assert rec["composition_key"] == composition_key(owner["Reduced Composition"])
        assert rec["family_raw"] == (owner["Family"] or None)
        assert row["cif_sha256"] in rec["notes"]
        assert f"bvlain {row['tool_version']}" in rec["method_details"]
        assert row["params"] in rec["method_details"]
        if row["e_3d_ev"]:
            assert rec["value"] == pytest.approx(float(row["e_3d_ev"])) and not rec["censored"]
        else:  # no 3D percolation below the search window: a lower bound, not a value
            assert rec["censored"] == ">" and rec["value"] == 5.0


def test_a_cif_owned_by_no_obelix_entry_is_quarantined(shipped, tmp_path):
    ok = next(r for r in shipped if r["status"] == "ok")
    path = tmp_path / "bvse.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ok))
        writer.writeheader()
        writer.writerow({**ok, "cif_id": "not-an-entry"})
    result = load_bvse(_spec(path))
    assert result.records == []
    assert "belongs to no OBELiX entry" in result.quarantine[0]["reason"]

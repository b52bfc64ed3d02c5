"""Screen logic: bad CIFs are refused with reasons; only a finite BVSE barrier is committable."""

from __future__ import annotations

import pytest

from auditor.bvse import BvseResult
from auditor.cohorts import load_records
from auditor.screen import (
    Candidate,
    ScreenError,
    bundled_cif,
    bvse_row,
    candidate_from_cif,
    candidate_from_formula,
    positions,
    read_cif,
    screen_records,
)
from db.connection import reading

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


@pytest.fixture(scope="module")
def records(built_file):
    """Every record of the embedded file: what each mode's store slice is held against."""
    with reading(built_file, on_wait=None) as con:
        return load_records(con)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"hello world", "not a CIF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CIF"),
        (b"data_x\n_cell_length_a 3\nloop_\n garbage", "pymatgen cannot read"),
    ],
)
def test_read_cif_refuses_with_a_reason(data, reason):
    with pytest.raises(ScreenError, match=reason):
        read_cif(data)


def test_a_bundled_cif_becomes_a_candidate_with_its_structure(records):
    c = candidate_from_cif(bundled_cif("019"), "019.cif", lambda key: records)
    assert (c.composition_key, c.family, c.carrier) == ("LiTi2P3O12", "NASICON", "Li")
    assert c.cif_path.is_file() and len(c.cif_sha256) == 64
    assert c.summary["volume_per_atom"] > 0 and c.lattice["a"] > 0


def _result(**changes) -> BvseResult:
    base = dict(
        cif_id="x", cif_sha256="ab" * 32, mobile_ion="Li1+", status="ok", e_1d_ev=0.3,
        e_2d_ev=0.4, e_3d_ev=0.5, percolates_1d=True, percolates_2d=True, percolates_3d=True,
        oxidation_rule="bv_analyzer", oxidation_states="Li+1 O-2", net_charge_e=0.0,
        disordered=False, reason=None, tool="bvlain", tool_version="0.25.1", params="{}",
        seconds=1.0,
    )  # fmt: skip
    return BvseResult(**(base | changes))


def test_bvse_row_carries_provenance_and_refuses_no_barrier():
    cand = Candidate("Li3OCl", "anti-perovskite", "Li", "CIF a.cif", cif_sha256="ab" * 32)
    row = bvse_row(cand, _result())
    assert (row["property"], row["method"], row["value"]) == ("Em", "BVSE", "0.5")
    assert "sha256 " + "ab" * 32 in row["notes"] and "bvlain 0.25.1" in row["notes"]
    with pytest.raises(ScreenError, match="no 3D percolation"):
        bvse_row(cand, _result(e_3d_ev=None, percolates_3d=False))
    with pytest.raises(ScreenError, match="Valences"):
        bvse_row(cand, _result(status="failed", e_3d_ev=None, reason="Valences cannot be assigned!"))


@pytest.mark.parametrize("text", ["Li6PS5Cl", "LLZO", "LiTi2P3O12"])
def test_the_screen_slice_gives_the_answer_of_every_record(built_store, records, text):
    # The page reads `screen_records` (the material's and its family's records), never the
    # whole store: the candidate and every position must equal those over every record.
    with reading(built_store, on_wait=None) as con:
        sliced = screen_records(con, candidate_from_formula(text, lambda k: records).composition_key)
    whole = candidate_from_formula(text, lambda key: records)
    part = candidate_from_formula(text, lambda key: sliced)
    assert whole == part
    assert len(sliced) < len(records) and set(sliced["record_id"]) <= set(records["record_id"])
    numbers = dict(sigma={"pred_log10_sigma": -3.2}, ea={"pred_ea_ev": 0.31},
                   bvse=_result(e_3d_ev=0.42))  # fmt: skip
    full = positions(records, whole, **numbers)
    assert len(full) == 3 and full["cohort_n"].sum() > 0
    assert full.equals(positions(sliced, part, **numbers))

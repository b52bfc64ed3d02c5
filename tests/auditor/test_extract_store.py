"""Committing a reviewed extraction: one transaction, quotes kept, provenance kept, refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from auditor.extract.run import extract_text
from auditor.extract.textclean import normalize_chars
from db.connection import connect
from db.extractions import extracted_records, list_extractions
from pipeline.extraction import (
    ExtractionCommitError,
    ReviewedCandidate,
    commit_extraction,
    edit_candidate,
    store_copies,
)

TEXT = (
    "Na11Sn2PS12 exhibits an ionic conductivity of 1.4 mS cm−1, with a very low activation "
    "energy barrier for Na-ion mobility of 0.25 eV. CI-NEB calculations give a migration "
    "barrier of 0.21 eV for Li3YCl6. Impedance spectroscopy of the sample gave 2.3 mS/cm at 25 °C."
)
DOI = "10.1039/c7ee03083e"

# Every store test here runs on a DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


def _reviewed(run, reviewer="ana"):
    accepted = [ReviewedCandidate(c, "accepted", reviewer) for c in run.accepted]
    return accepted


def test_accepted_rows_become_a_source_whose_records_carry_their_quote(store_copy):
    run = extract_text(TEXT, doi=DOI, file="paper.txt")
    items = _reviewed(run)
    # The reviewer names the material of the last sentence, and rejects one row.
    last = items[-1].candidate
    items[-1] = ReviewedCandidate(edit_candidate(last, material="Li6PS5Cl"), "accepted", "ana")
    items[1] = ReviewedCandidate(
        items[1].candidate, "rejected", "ana", "barrier of a different hop"
    )
    summary = commit_extraction(
        items, source="paper-1", document=run.text, doi=DOI, file="paper.txt", path=store_copy
    )
    assert summary.pop("normalized")["names"] >= 1  # normalized in the same transaction
    # The curated table holds this paper's 1.4 mS/cm of Na11Sn2PS12: committed as its copy.
    copies = summary.pop("copies")
    assert [(c["row"], c["source"]) for c in copies] == [("E1", "literature")]
    assert summary == {
        "source": "paper-1",
        "committed": 3,
        "quarantined": 0,
        "rejected": 1,
        "reasons": [],
    }
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        records = extracted_records(con, "paper-1")
        history = list_extractions(con, "paper-1")
        source = con.execute(
            "SELECT kind, doi_or_url FROM sources WHERE name = 'paper-1'"
        ).fetchone()
        li6 = con.execute(
            "SELECT composition_key, method_tag FROM records WHERE source = 'paper-1' AND material_raw = 'Li6PS5Cl'"
        ).fetchone()
    finally:
        con.close()
    assert source == ("user", DOI)
    # 100% of the stored extracted records carry a quote that holds their printed value and
    # occurs in the source text.
    assert len(records) == 3
    doc = normalize_chars(run.text)
    for r in records.to_dict("records"):
        assert r["evidence"] == r["quote"] and r["value_text"] in r["evidence"]
        assert normalize_chars(r["evidence"]) in doc
        assert r["engine"] == "rules" and r["reviewer"] == "ana"
    assert sorted(history["status"]) == ["accepted", "accepted", "accepted", "rejected"]
    rejected = history[history["status"] == "rejected"].iloc[0]
    assert rejected["reason"] == "barrier of a different hop" and pd.isna(rejected["record_key"])
    assert li6 == ("Li6PS5Cl", "EXP")


def test_an_unverified_number_never_reaches_the_store(store_copy):
    run = extract_text(TEXT)
    forged = run.accepted[0].with_(value_text="9.9", value=9.9)
    with pytest.raises(ExtractionCommitError, match="not verified, nothing written"):
        commit_extraction(
            [ReviewedCandidate(forged, "accepted", "ana")],
            source="forged",
            document=run.text,
            path=store_copy,
        )
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        assert con.execute("SELECT count(*) FROM sources WHERE name = 'forged'").fetchone()[0] == 0
        assert (
            con.execute("SELECT count(*) FROM extractions WHERE source = 'forged'").fetchone()[0]
            == 0
        )
    finally:
        con.close()


def test_the_quoted_value_cannot_be_edited():
    run = extract_text(TEXT)
    with pytest.raises(ExtractionCommitError, match="value cannot be edited"):
        edit_candidate(run.accepted[0], value=2.0)


def test_a_property_edit_that_contradicts_the_unit_is_refused(store_copy):
    run = extract_text(TEXT)
    wrong = edit_candidate(run.accepted[0], property="Ea")  # 1.4 mS/cm is not an energy
    with pytest.raises(ExtractionCommitError, match="not a unit of Ea"):
        commit_extraction(
            [ReviewedCandidate(wrong, "accepted", "ana")],
            source="x",
            document=run.text,
            path=store_copy,
        )


def test_a_taken_name_is_refused_and_nothing_is_half_written(store_copy):
    run = extract_text(TEXT)
    items = _reviewed(run)
    commit_extraction(items, source="twice", document=run.text, path=store_copy)
    with pytest.raises(ExtractionCommitError, match="already exists"):
        commit_extraction(items, source="twice", document=run.text, path=store_copy)
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        assert con.execute("SELECT count(*) FROM extractions WHERE source = 'twice'").fetchone()[
            0
        ] == len(items)
    finally:
        con.close()


def test_a_rebuild_keeps_the_extraction_and_its_records(file_copy):
    # On the file only (a rebuild costs ~25 s per mode): the team rebuild's carry-over of an
    # extraction, its history and its links is the next test's, which runs in both modes.
    from pipeline.build import build_store  # noqa: PLC0415 - the rebuild under test

    run = extract_text(TEXT, doi=DOI, file="paper.txt")
    items = _reviewed(run)
    items[0] = ReviewedCandidate(items[0].candidate, "rejected", "ana", "not this one")
    commit_extraction(items, source="kept", document=run.text, doi=DOI, path=file_copy)

    def snapshot():
        con = connect(file_copy, read_only=True, on_wait=None)
        try:
            recs = extracted_records(con, "kept")[["record_key", "evidence", "value_raw"]]
            hist = list_extractions(con, "kept")[["item", "status", "reason"]]
            return recs.to_dict("records"), sorted(map(tuple, hist.values.tolist()))
        finally:
            con.close()

    before = snapshot()
    build_store(file_copy, progress=lambda f, m: None)
    assert snapshot() == before and len(before[0]) == len(items) - 1


# Kato et al., Nat. Energy 2016 (abstract, public): its 25 mS/cm is in the store already, and
# a second number of the same paper that the store does not hold.
KATO_DOI = "10.1038/nenergy.2016.30"
KATO = (
    "Here we report lithium superionic conductors with an exceptionally high conductivity "
    "(25 mS cm−1 for Li9.54Si1.74P1.44S11.7Cl0.3), as well as high stability. "
    "Impedance spectroscopy of Li9.54Si1.74P1.44S11.7Cl0.3 gave 0.61 mS/cm at −30 °C."
)


def _primary_copies(con, key: str, value: float) -> list[tuple]:
    return con.execute(
        """
        SELECT record_id, source FROM records
        WHERE lower(doi) = lower(?) AND composition_key = ? AND property = 'sigma'
          AND is_primary AND abs(log10(value) - log10(?)) <= 0.02 ORDER BY record_id
        """,
        [KATO_DOI, key, value],
    ).fetchall()


def test_a_number_the_store_already_holds_is_shown_and_committed_as_a_linked_copy(store_copy):
    from pipeline.build import build_store  # noqa: PLC0415 - the rebuild under test

    key = "Li9.54Si1.74P1.44S11.7Cl0.3"
    run = extract_text(KATO, doi=KATO_DOI, file="kato.txt")
    assert [c.value_text for c in run.accepted] == ["25", "0.61"]
    con = connect(store_copy, read_only=True, on_wait=None)
    try:
        existing = _primary_copies(con, key, 0.025)
        # What a review shows before the commit: "already in the store as record N (source S)".
        shown = store_copies(con, run.accepted, KATO_DOI)
        assert store_copies(con, run.accepted, "10.9999/another.paper") == [None, None]
    finally:
        con.close()
    assert existing, "the store holds Kato's 25 mS/cm (a source other than an extraction)"
    assert shown[0]["record_id"] == existing[0][0] and shown[0]["source"] == existing[0][1]
    assert shown[1] is None

    summary = commit_extraction(
        _reviewed(run), source="kato-2016", document=run.text, doi=KATO_DOI, path=store_copy
    )
    assert summary["committed"] == 2
    assert summary["copies"] == [
        {"row": "E1", "record_id": existing[0][0], "source": existing[0][1]}
    ]

    def state():
        con = connect(store_copy, read_only=True, on_wait=None)
        try:
            mine = con.execute(
                "SELECT value_raw, is_primary, measurement_id FROM records "
                "WHERE source = 'kato-2016' ORDER BY value_raw"
            ).fetchall()
            old = con.execute(
                "SELECT measurement_id, is_primary FROM records WHERE source = ? AND source_row = ?",
                [
                    existing[0][1],
                    con.execute(
                        "SELECT source_row FROM records WHERE record_id = ?", [existing[0][0]]
                    ).fetchone()[0],
                ],
            ).fetchone()
            links = con.execute(
                "SELECT source_a, row_a, source_b, link_type, matched FROM links "
                "WHERE source_a = 'kato-2016'"
            ).fetchall()
            primaries = _primary_copies(con, key, 0.025)
            history = list_extractions(con, "kato-2016")[["item", "status", "record_key"]]
            return mine, old, links, primaries, sorted(map(tuple, history.values.tolist()))
        finally:
            con.close()

    committed = None
    for when in ("after the commit", "after a rebuild"):
        mine, old, links, primaries, history = state()
        copy, new = mine  # ordered by value_raw: "0.61", "25"
        copy, new = (new, copy) if copy[0] == "0.61" else (copy, new)
        assert copy[0] == "25" and copy[1] is False, when  # not a second primary record
        assert copy[2] == old[0] and old[1] is True, when  # one measurement, the old one primary
        assert new[0] == "0.61" and new[1] is True, when  # a number the store lacked counts
        assert links == [("kato-2016", "E1", existing[0][1], "same_doi_value", True)], when
        assert [s for _, s in primaries] == [s for _, s in existing], when  # counted once
        # the extraction's history (each item, its review and its record) is carried across
        assert len(history) == 2 and {h[1] for h in history} == {"accepted"}, when
        if when == "after the commit":
            committed = history
            build_store(store_copy, progress=lambda f, m: None)
        else:
            assert history == committed

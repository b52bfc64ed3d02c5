"""The explorer's search index answers exactly what the scan of `records` answers."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from auditor.search_terms import search_keys
from db.connection import connect, reading, transaction
from db.loaders.template import TEMPLATE_COLUMNS
from db.search import refresh_search_index, search_index_current, search_records
from db.version import bump_store_version
from pipeline.ingest import ingest_file

# The index is built, refreshed and read on a DuckDB file and on a team store (DuckLake over
# PostgreSQL: no ART index, sorted Parquet): in both it must answer exactly what the scan does.
STORE_MODES = ("embedded", "team")

# Acronyms, formulas (with the keys they name), family words, DOI fragments, texts longer than
# a gram, mixed case, a single letter, non-ASCII text, and texts that match nothing.
TEXTS = [
    "LLZO",
    "llzo",
    "Li7La3Zr2O12",
    "Li7 La3 Zr2 O12",
    "LPSCl",
    "Li6PS5Cl",
    "LGPS",
    "garnet",
    "NASICON",
    "argyrodite",
    "10.1039",
    "10.1021/acs.chemmater",
    "s",
    "Li",
    "O12",
    "zzzz",
    "ü",
    "Å",
    "0.5",
]
FILTERS = [
    {},
    {"properties": ["sigma"]},
    {"families": ["garnet"], "t_range": (290.0, 400.0)},
    {"methods": ["NEB"], "sources": ["devi2025"]},
]
PAGES = [(0, 50), (50, 50), (0, 100_000), (100_000, 50)]


def _both(con, text: str, **kw) -> tuple[tuple[pd.DataFrame, int], tuple[pd.DataFrame, int]]:
    keys = search_keys(text)
    scan = search_records(con, text=text, keys=keys, use_index=False, **kw)
    indexed = search_records(con, text=text, keys=keys, use_index=True, **kw)
    return scan, indexed


def _store_texts(con) -> list[str]:
    # Pieces of what the store holds: names cut mid-word, the middle of DOIs, family labels.
    rows = con.execute(
        "SELECT DISTINCT substr(material_raw, 2, 6) FROM records WHERE length(material_raw) > 7 "
        "UNION SELECT DISTINCT substr(doi, 4, 12) FROM records WHERE doi IS NOT NULL "
        "UNION SELECT DISTINCT family_raw FROM records WHERE family_raw IS NOT NULL "
        "ORDER BY 1 LIMIT 40"
    ).fetchall()
    return [r[0] for r in rows if r[0] and "%" not in r[0] and "_" not in r[0]]


def test_the_build_leaves_a_current_index(store_con):
    assert search_index_current(store_con)


def _grid(text: str, store_mode: str) -> list[tuple[dict, tuple[int, int]]]:
    """The (filters, page) pairs asked for `text`: all 16 on the file. On a team store, where
    each query reads Parquet through the catalog (four times the CPU), every filter and every
    page once per text, the pairing rotating from text to text, so that across TEXTS every
    pair is still asked (a Latin square)."""
    if store_mode == "embedded":
        return [(f, p) for f in FILTERS for p in PAGES]
    shift = TEXTS.index(text)
    return [(f, PAGES[(i + shift) % len(PAGES)]) for i, f in enumerate(FILTERS)]


def test_the_team_grid_still_asks_every_filter_with_every_page():
    asked = {(i, PAGES.index(p)) for t in TEXTS for i, (_, p) in enumerate(_grid(t, "team"))}
    assert asked == {(i, j) for i in range(len(FILTERS)) for j in range(len(PAGES))}


@pytest.mark.parametrize("text", TEXTS)
def test_the_index_gives_the_scans_answer_on_the_real_store(store_con, store_mode, text):
    for filters, (offset, limit) in _grid(text, store_mode):
        (a, na), (b, nb) = _both(store_con, text, offset=offset, limit=limit, **filters)
        assert na == nb, (text, filters, offset)
        pd.testing.assert_frame_equal(a, b)


def test_the_index_gives_the_scans_answer_for_pieces_of_stored_names(store_con):
    texts = _store_texts(store_con)
    assert len(texts) >= 20
    found = 0
    for text in texts:
        (a, na), (b, nb) = _both(store_con, text, limit=50)
        assert na == nb, text
        pd.testing.assert_frame_equal(a, b)
        found += na > 0
    assert found == len(texts)  # every piece is in the store, so each finds something


def test_the_index_is_what_answers_while_current(store_copy):
    con = connect(store_copy, on_wait=None)
    try:
        (_, n_scan), (_, n_index) = _both(con, "LLZO", limit=50)
        assert n_scan == n_index > 0
        # Emptied postings, same records version: a search that read the index finds nothing.
        con.execute("DELETE FROM search_postings")
        (_, n_scan), (_, n_index) = _both(con, "LLZO", limit=50)
        assert n_scan > 0 and n_index == 0
        # A records write makes the index stale: searches scan again, then a refresh catches up.
        bump_store_version(con, records=True)
        assert not search_index_current(con)
        assert _both(con, "LLZO", limit=50)[1][1] == n_scan
        refresh_search_index(con)
    finally:
        con.close()
    # The refresh, committed, read back on a new connection (what another process sees).
    with reading(store_copy, on_wait=None) as con:
        assert search_index_current(con)
        assert _both(con, "LLZO", limit=50)[1][1] == n_scan


def test_a_renamed_material_is_found_by_its_new_name_only(store_copy):
    con = connect(store_copy, on_wait=None)
    try:
        name = con.execute(
            "SELECT material_raw FROM records WHERE material_raw IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        with transaction(con):
            con.execute(
                "UPDATE records SET material_raw = 'Zqxjw-renamed' WHERE material_raw = ?", [name]
            )
            bump_store_version(con, records=True)
        counts = refresh_search_index(con)
    finally:
        con.close()
    assert counts["new_terms"] == 1  # only the new name is appended
    with reading(store_copy, on_wait=None) as con:
        for text in ("Zqxjw", "zqxjw-RENAMED", name):
            for filters in FILTERS[:2]:
                (a, na), (b, nb) = _both(con, text, limit=50, **filters)
                assert na == nb
                pd.testing.assert_frame_equal(a, b)
        assert _both(con, "Zqxjw", limit=50)[1][1] > 0


def test_an_ingest_refreshes_the_index(store_copy, tmp_path):
    path = tmp_path / "rows.csv"
    row = {c: "" for c in TEMPLATE_COLUMNS}
    row.update(
        material="Li7La3Zr2O12 (Qvzt batch)",
        property="sigma",
        value="1e-4",
        unit="S/cm",
        temperature="25",
        temperature_unit="C",
        method="impedance spectroscopy",
        doi="10.1000/qvzt.index",
    )
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    assert ingest_file(path, "qvzt_source", path=store_copy)["committed"] == 1
    with reading(store_copy, on_wait=None) as con:
        assert search_index_current(con)
        for text in ("Qvzt", "qvzt.index", "LLZO"):
            (a, na), (b, nb) = _both(con, text, limit=50)
            assert na == nb and nb > 0
            pd.testing.assert_frame_equal(a, b)

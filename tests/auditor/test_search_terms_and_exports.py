"""Explorer logic: search terms and exports that a spreadsheet cannot execute."""

import io

import pandas as pd
import pytest

from auditor.exports import escape_for_spreadsheet, to_csv_bytes, to_parquet_bytes
from auditor.search_terms import search_keys, suggest_terms
from db.search import search_records, search_vocabulary

# The store tests run on the DuckDB file and on a team store (DuckLake over PostgreSQL).
STORE_MODES = ("embedded", "team")


@pytest.mark.parametrize(
    ("text", "key"),
    [("LLZO", "Li7La3Zr2O12"), ("Li7 La3 Zr2 O12", "Li7La3Zr2O12"), ("LPSCl", "Li6PS5Cl")],
)
def test_search_resolves_acronyms_and_spaced_formulas(text, key):
    assert key in search_keys(text)


def test_free_text_gives_no_key():
    assert search_keys("impedance") == [] and search_keys("") == []


HOSTILE = ['=HYPERLINK("http://x")', "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(A1)"]


def test_exports_neutralize_formula_cells_but_keep_numbers():
    frame = pd.DataFrame({"notes": [*HOSTILE, "plain"], "value": [-0.3, 1.0, 2.0, 3.0, 4.0]})
    escaped = escape_for_spreadsheet(frame)
    assert all(v.startswith("'") for v in escaped["notes"][:4])
    assert escaped["notes"][4] == "plain"
    assert list(escaped["value"]) == list(frame["value"])
    csv_text = to_csv_bytes(frame).decode()
    assert "\n=HYPERLINK" not in csv_text and "'=HYPERLINK" in csv_text
    parquet = pd.read_parquet(io.BytesIO(to_parquet_bytes(frame)))
    assert parquet["notes"][0].startswith("'=")


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("LLZ0", "LLZO"),
        ("Li7La3Zr2O21", "Li7La3Zr2O12"),
        ("argirodite", "argyrodite"),
        ("li6ps5cl", "Li6PS5Cl"),
    ],
)
def test_a_search_that_finds_nothing_suggests_what_the_store_holds(store_con, typo, meant):
    vocabulary = search_vocabulary(store_con)
    if typo != "li6ps5cl":  # a case slip still matches as a substring; a typo does not
        _, total = search_records(store_con, text=typo, keys=search_keys(typo), limit=1)
        assert total == 0
    # the search is case-blind, so a suggestion may carry any of the store's spellings
    assert meant.casefold() in [s.casefold() for s in suggest_terms(typo, vocabulary)]


def test_no_suggestion_for_text_unlike_anything():
    assert suggest_terms("zzzzqqqq", ["Li7La3Zr2O12", "Li6PS5Cl"]) == []
    assert suggest_terms("  ", ["Li7La3Zr2O12"]) == []

"""Explorer logic: search terms and exports that a spreadsheet cannot execute."""

import io

import pandas as pd
import pytest

from auditor.explore import escape_for_spreadsheet, search_keys, to_csv_bytes, to_parquet_bytes


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

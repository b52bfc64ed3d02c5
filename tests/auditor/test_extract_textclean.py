"""Text clean-up: every PDF artefact the issue lists, and one normalization for doc and quote."""

from __future__ import annotations

import pytest

from auditor.extract.textclean import clean_document, normalize_chars


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("6.42 × 10−3 S cm−1", "6.42 × 10^-3 S cm-1"),  # Unicode minus, split exponent
        ("1.2 x 10 -3 S cm -1", "1.2 × 10^-3 S cm-1"),
        ("3.1 × 10 –5 S/cm", "3.1 × 10^-5 S/cm"),  # en dash
        ("4 × 10^-4 mS/cm", "4 × 10^-4 mS/cm"),
        ("3.1 /C2 10/C0 4 S cm/C0 1", "3.1 × 10^-4 S cm-1"),  # pdftotext Symbol font
        ("2.0 × 10 GLYPH<0>3 S cm GLYPH<0>1", "2.0 × 10^-3 S cm-1"),  # docling
        ("5 × 10(cid:0)4 S cm(cid:0)1", "5 × 10^-4 S cm-1"),  # pdfminer
        ("a(cid:12)b", "ab"),  # other cid tokens carry nothing
        ("10 -4 S cm-1", "10^-4 S cm-1"),  # a bare power of ten before a unit
        ("10−4–10−3 S cm−1", "10^-4-10^-3 S cm-1"),
        ("1.7 x 10(-2) S cm(-1)", "1.7 × 10^-2 S cm-1"),  # Web of Science style
        ("c o n d u c t i v i t y", "conductivity"),  # letter-spaced
        ("conduc-\ntivity of 0.\n25 eV", "conductivity of 0.25 eV"),  # hyphenation, broken number
        ("2.4 × 10\n−4 S", "2.4 × 10^-4 S"),  # exponent on the next line
        ("0. 23 eV", "0.23 eV"),
        ("4.6 mS cm GLYPH&lt;0&gt; 1 at 30 ◦ C", "4.6 mS cm-1 at 30 ° C"),  # HTML-escaped glyph
        ("μS cm⁻¹", "µS cm-1"),  # Greek mu, superscript minus one
    ],
)
def test_artefacts_are_normalized(raw, clean):
    assert normalize_chars(raw) == clean


@pytest.mark.parametrize("raw", ["Li-ion transport", "Li10GeP2S12", "x = 0.1-0.3", "300-400 K"])
def test_ordinary_text_is_left_alone(raw):
    assert normalize_chars(raw) == raw


def test_normalization_is_idempotent():
    text = "an ionic conduc-\ntivity of 6.42 × 10−3 S cm−1 (cid:0) GLYPH<0>1 c o n d u c t"
    once = normalize_chars(text)
    assert normalize_chars(once) == once


def test_running_heads_and_page_numbers_are_cut_out_of_paragraphs():
    pages = [
        "J. Test. Chem. 2026, 12, 345\nThe conductivity of Li6PS5Cl is\n1\n",
        "J. Test. Chem. 2026, 12, 346\n2.4 mS/cm at 25 °C.\n2\n",
        "J. Test. Chem. 2026, 12, 347\nConclusions follow.\n3\n",
    ]
    doc = clean_document(pages)
    assert "J. Test. Chem." not in doc
    assert "The conductivity of Li6PS5Cl is 2.4 mS/cm at 25 °C." in doc


def test_form_feeds_split_pasted_text_into_pages():
    text = "Header Line\nalpha beta\fHeader Line\ngamma delta"
    assert clean_document(text) == "alpha beta gamma delta"


def test_paragraphs_survive():
    assert clean_document("first\nparagraph\n\nsecond one") == "first paragraph\n\nsecond one"

"""PDFs generated from known text, with the artefacts of real text layers, read back by pypdf."""

from __future__ import annotations

import pytest

from auditor.extract.pdf import DocumentError, find_doi, read_document, read_pdf_pages
from auditor.extract.run import extract_text
from tests.auditor.extract_helpers import HEADER, PAPER_PAGES, write_pdf


@pytest.fixture
def paper(tmp_path):
    return write_pdf(tmp_path / "paper.pdf", PAPER_PAGES)


def test_the_text_layer_is_read_page_by_page(paper):
    pages = read_pdf_pages(paper)
    assert len(pages) == 2
    assert all(HEADER in page for page in pages)


def test_candidates_from_a_pdf_survive_its_artefacts(paper):
    run = extract_text(read_document(paper), file=paper.name)
    assert HEADER not in run.text  # the running head is cut out of the paragraphs
    got = sorted((c.property, round(c.value, 12), c.unit, c.method) for c in run.accepted)
    assert got == sorted(
        [
            ("sigma", 2.4e-3, "S/cm", "EXP"),
            ("Ea", 0.32, "eV", "EXP"),
            ("Em", 0.19, "eV", "CI-NEB"),
            ("Ea", 0.21, "eV", "AIMD"),
            ("sigma", 1.2e-3, "S/cm", "AIMD"),
        ]
    )
    excluded = {round(c.value, 12): c.excluded for c in run.candidates if c.excluded}
    assert "electronic" in excluded[3.1e-9]
    assert "formation" in excluded[1.4]
    assert run.doi == "10.1234/test.2026.0042"
    sigma = next(c for c in run.accepted if c.value == pytest.approx(2.4e-3))
    assert sigma.material == "Li6PS5Cl" and sigma.temperature_text == "25 °C"


def test_a_file_that_is_not_a_pdf_is_refused_readably(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(DocumentError, match="broken.pdf"):
        read_document(bad)


def test_a_pdf_without_a_text_layer_is_refused_readably(tmp_path):
    empty = write_pdf(tmp_path / "scan.pdf", [[]])
    # The running head is the only text: write one with no text at all instead.
    from fpdf import FPDF  # noqa: PLC0415 - test-only construction

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    pdf.output(str(empty))
    with pytest.raises(DocumentError, match="no text layer"):
        read_document(empty)


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("see https://doi.org/10.1039/c7ee03083e.", "10.1039/c7ee03083e"),
        ("DOI: 10.1021/acs.chemmater.5b03656 (2015)", "10.1021/acs.chemmater.5b03656"),
        ("cited 10.1000/a1 and 10.1000/b2 and 10.1000/b2", "10.1000/b2"),
        ("no identifier here", None),
    ],
)
def test_doi_detection(text, doi):
    assert find_doi(text) == doi


def test_an_uploaded_pdf_is_read_from_its_bytes(paper):
    import io  # noqa: PLC0415

    pages = read_pdf_pages(io.BytesIO(paper.read_bytes()), name="upload.pdf")
    assert len(pages) == 2 and "Li6PS5Cl" in pages[0]
    with pytest.raises(DocumentError, match="upload.pdf"):
        read_pdf_pages(io.BytesIO(b"not a pdf"), name="upload.pdf")

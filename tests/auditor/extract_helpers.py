"""Shared helpers for the extraction tests: PDFs written from known text, with PDF artefacts."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

HEADER = "J. Test. Chem. 2026, 12, 345-356"


class _Paper(FPDF):
    def header(self) -> None:  # a running head on every page, as journals print them
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, HEADER, new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, str(self.page_no()), align="C")


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with one page per entry; each line is written as its own line of text, so a word
    or number split across two lines stays split in the text layer (as in real PDFs)."""
    pdf = _Paper()
    pdf.set_auto_page_break(auto=False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


# One paper over two pages. The artefacts are those of real text layers: a Symbol-font minus
# read as `/C0`, pdfminer's `(cid:0)`, docling's `GLYPH<0>`, a hyphenated word, a number and an
# exponent broken across lines, a letter-spaced heading, and the running head on each page.
PAPER_PAGES = [
    [
        "A B S T R A C T",
        "The argyrodite Li6PS5Cl shows an ionic conduc-",
        "tivity of 2.4 \u00d7 10 /C0 3 S cm /C0 1 at 25 \u00b0C and an activation energy of 0.",
        "32 eV from impedance spectroscopy. Its electronic conductivity is 3.1 \u00d7 10",
        "(cid:0)9 S cm(cid:0)1. doi: 10.1234/test.2026.0042",
    ],
    [
        "CI-NEB calculations give a migration barrier of 0.19 eV for Li3YCl6, and AIMD",
        "simulations yield an activation energy of 0.21(2) eV with a conductivity of",
        "1.2 \u00d7 10 GLYPH<0>3 S cm GLYPH<0>1 at 300 K. The formation energy is 1.4 eV.",
    ],
]

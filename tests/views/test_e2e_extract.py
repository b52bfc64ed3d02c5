"""End to end in Chromium: a pasted passage reviewed, committed and found in its cohort and on
its evidence card; a generated PDF uploaded and its candidates shown."""

from __future__ import annotations

import json

import pytest

from db.config import REPO_ROOT
from tests.auditor.extract_helpers import PAPER_PAGES, write_pdf
from tests.e2e import IDLE, SHOTS
from tests.views.test_e2e_browser import _visit, page, server  # noqa: F401

pytestmark = pytest.mark.browser
PASSAGES = REPO_ROOT / "tests" / "data" / "extract_passages" / "passages.jsonl"


def _passage(pid: str) -> dict:
    for line in PASSAGES.read_text().splitlines():
        item = json.loads(line)
        if item["id"] == pid:
            return item
    raise KeyError(pid)


def _idle(page) -> None:  # noqa: F811
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=90_000)


def _type(page, label: str, text: str) -> None:  # noqa: F811
    field = page.get_by_label(label).first
    field.fill(text)
    field.press("Enter" if field.evaluate("e => e.tagName") == "INPUT" else "Control+Enter")
    _idle(page)


def _cohort_row(page, method: str) -> dict:  # noqa: F811
    """A row of the cohort statistics table, read from the grid's accessible table (the grid
    itself is a canvas)."""
    page.get_by_text("Cohort statistics").first.wait_for(timeout=90_000)
    grid = page.locator("[data-testid='stDataFrame'] table").filter(
        has=page.locator("th", has_text="n_censored")
    )
    grid.first.locator("tbody tr").first.wait_for(state="attached", timeout=90_000)
    heads = [h.strip() for h in grid.first.locator("thead th").all_inner_texts()]
    for row in grid.first.locator("tbody tr").all():
        texts = (c.strip() for c in row.locator("td").all_inner_texts())
        cells = dict(zip(heads, texts, strict=True))
        if cells.get("method") == method and not cells.get("variant"):
            return cells
    raise AssertionError(f"no {method} cohort among {heads}")


def test_paste_review_commit_then_cohort_and_evidence(server, page):  # noqa: F811
    # Passage B (doi:10.1021/acs.chemmater.5b03656): two AIMD conductivities the rules pin on
    # Na3PS4; the second is the Sn-doped composition's. Neither is in the store yet (a number
    # the store holds would be committed as a linked copy and not counted again).
    passage = _passage("B")
    _visit(page, f"{server}/cohorts?family=thiophosphate&property=sigma", "extract_cohort_before")
    before = int(_cohort_row(page, "AIMD")["n_records"])

    _visit(page, f"{server}/extract", "extract_empty")
    _type(page, "Passage or article text", passage["text"])
    _type(page, "DOI (leave empty to detect it in the text)", passage["doi"])
    page.get_by_role("button", name="Extract candidates").click()
    page.get_by_text("2 candidates to review").first.wait_for(timeout=120_000)
    _idle(page)
    assert "conductivity of 1.66 mS/cm" in page.locator("mark.sel").first.inner_text()
    assert page.get_by_text("Already in the store as record").count() == 0
    radios = page.locator("[data-testid='stRadio']")  # the input mode, then one per candidate
    radios.nth(2).get_by_text("Reject").click()
    _idle(page)
    _type(page, "Why rejected", "10.7 mS/cm is Sn-doped Na3PS4's, not Na3PS4's")
    page.get_by_role("button", name="Accept all undecided candidates").click()
    _idle(page)
    page.get_by_text("1 accepted, 1 rejected").first.wait_for(timeout=30_000)
    assert page.get_by_label("DOI of the paper").input_value() == passage["doi"]
    _type(page, "Name of the new source", "e2e-extract-nps")
    _type(page, "Reviewer", "e2e")
    page.screenshot(path=str(SHOTS / "extract_reviewed.png"), full_page=True)
    page.get_by_role("button", name="Commit", exact=True).click()
    page.get_by_text("1 committed, 0 quarantined, 1 rejected").first.wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "extract_committed.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0

    # Its cohort holds it at once: the Cohorts page counts one more AIMD conductivity.
    page.get_by_role("link", name="Cohorts: thiophosphate, sigma").click()
    page.wait_for_url("**/cohorts*")
    _idle(page)
    assert int(_cohort_row(page, "AIMD")["n_records"]) == before + 1
    page.screenshot(path=str(SHOTS / "extract_cohort_after.png"), full_page=True)

    _visit(page, f"{server}/evidence?material=Na3PS4", "extract_evidence")
    page.locator("blockquote", has_text="conductivity of 1.66 mS/cm").first.wait_for(timeout=30_000)
    card = page.locator("[data-testid='stMarkdownContainer']", has_text="of 1.66 mS/cm").first
    assert "e2e-extract-nps" in card.inner_text()


def test_upload_a_generated_pdf_and_see_its_candidates(server, page, tmp_path):  # noqa: F811
    _visit(page, f"{server}/extract", "extract_upload_empty")
    page.get_by_text("Upload a file").first.click()
    _idle(page)
    fake = tmp_path / "not_a_paper.pdf"
    fake.write_text("This is a text file wearing a .pdf name.")
    page.locator("input[type='file']").set_input_files(str(fake))
    _idle(page)
    page.get_by_role("button", name="Extract candidates").click()
    page.get_by_text("not a PDF").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0

    pdf = write_pdf(tmp_path / "generated_paper.pdf", PAPER_PAGES)
    page.locator("input[type='file']").set_input_files(str(pdf))
    _idle(page)
    page.get_by_role("button", name="Extract candidates").click()
    page.get_by_text("5 candidates to review").first.wait_for(timeout=120_000)
    _idle(page)
    page.screenshot(path=str(SHOTS / "extract_pdf.png"), full_page=True)
    assert page.get_by_text("sigma = 2.4 × 10^-3 S/cm · EXP · Li6PS5Cl").first.is_visible()
    assert page.get_by_text("Em = 0.19 eV · CI-NEB · Li3YCl6").first.is_visible()
    assert page.get_by_label("DOI of the paper").input_value() == "10.1234/test.2026.0042"
    page.get_by_text("Excluded numbers (2)").first.click()
    page.get_by_text("an electronic conductivity, not an ionic one").first.wait_for(
        state="attached", timeout=30_000
    )  # a cell of the grid's accessible table
    assert page.locator("[data-testid='stException']").count() == 0

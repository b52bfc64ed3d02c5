"""End to end: `streamlit run app.py` on 127.0.0.1, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from db.loaders.template import TEMPLATE_COLUMNS
from tests.e2e import IDLE, SHOTS, app_server, browser_page, copy_store, need_chromium, settle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(built_store, tmp_path_factory):
    need_chromium()
    with app_server(copy_store(built_store, tmp_path_factory.mktemp("e2e"))) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as page:
        yield page


def _visit(page, url: str, shot: str) -> None:
    page.goto(url)
    settle(page, pause_ms=500)  # a rerun triggered by query-param sync settles
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0, f"exception on {url}"


def test_a_pasted_deep_link_opens_the_full_app(server, page):
    # Runs first on a fresh server: a link shared in a meeting must open the app's own
    # navigation and state, not a bare page script.
    _visit(page, f"{server}/cohorts?family=NASICON&property=Ea", "deep_link_cohorts")
    assert page.get_by_text("Presentation mode").first.is_visible()
    assert page.get_by_role("link", name="Normalizer review").first.is_visible()
    page.get_by_text("bias of computed Ea").first.wait_for(timeout=60_000)


def test_every_page_renders_without_exception(server, page):
    from app import PAGES

    for path, title, _icon in PAGES:
        slug = Path(path).stem
        _visit(page, f"{server}/{'' if slug == 'overview' else slug}", slug)
        assert page.get_by_text(title).first.is_visible()


def test_search_llzo_and_open_its_evidence(server, page):
    _visit(page, f"{server}/explorer?q=LLZO", "explorer_llzo")
    # The download is built when clicked; it holds the selection, escaped for spreadsheets.
    try:
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download selection (CSV)").click()
    except Exception:
        errors = page.locator("[data-testid='stDownloadButtonError']").all_inner_texts()
        page.screenshot(path=str(SHOTS / "explorer_download_failed.png"), full_page=True)
        pytest.fail(f"no download; the button says {errors or 'nothing'}")
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[0].startswith("record_id,composition_key")
    assert "Li7La3Zr2O12" in text and len(text.splitlines()) > 5
    # The table is a canvas; the link under it names the resolved formula.
    link = page.get_by_role("link", name="Evidence for Li7La3Zr2O12")
    assert link.is_visible()
    link.click()
    page.wait_for_url("**/evidence*")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_selector("h3:has-text('Li7La3Zr2O12')", timeout=30_000)
    page.screenshot(path=str(SHOTS / "evidence_llzo.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_misspelled_search_offers_the_right_spelling(server, page):
    _visit(page, f"{server}/explorer?q=LLZ0", "explorer_typo")
    page.get_by_text("Did you mean").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="LLZO", exact=True).click()
    page.wait_for_url(re.compile(r".*q=LLZO.*"))
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("link", name="Evidence for Li7La3Zr2O12").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


def _cohort_count(page) -> int:
    caption = page.get_by_text(re.compile(r"^\d+ cohorts$")).first.inner_text()
    return int(caption.split()[0])


def _choose(page, label: str, option: str) -> None:
    """Pick an option of a select box as a person would; a rerun that redraws the widget
    while its list opens closes the list, so wait for the app to be idle and try again."""
    for _attempt in range(3):
        page.wait_for_selector(IDLE, timeout=90_000)
        page.get_by_label(label).first.click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(timeout=15_000)
        except Exception:  # the list closed under a rerun
            page.keyboard.press("Escape")
            continue
        choice.click()
        return
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def test_change_a_cohort(server, page):
    _visit(page, f"{server}/cohorts?family=NASICON&property=Em", "cohorts_nasicon_em")
    em_count = _cohort_count(page)
    # change the property through the widget, as a person would
    _choose(page, "Property", "Ea")
    page.wait_for_url(re.compile(r".*property=Ea.*"))
    # The bias chart (SVG text) is redrawn for the new property once the rerun is done.
    page.get_by_text("bias of computed Ea").first.wait_for(timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.screenshot(path=str(SHOTS / "cohorts_nasicon_ea.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
    assert em_count >= 1 and _cohort_count(page) >= 1


def test_upload_a_file_and_see_it_in_its_cohort(server, page, tmp_path):
    _visit(page, f"{server}/cohorts?family=argyrodite&property=Ea", "cohorts_before_upload")
    before = _cohort_count(page)
    path = tmp_path / "e2e_upload.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerow(
            {
                "material": "Li6PS5Cl",
                "property": "Ea",
                "value": "0.31",
                "unit": "eV",
                "method": "metadynamics (AIMD-driven)",
                "doi": "10.1000/e2e.upload",
                "reference": "",
                "notes": "e2e",
            }
        )
        writer.writerow(
            {
                "material": "not a formula",
                "property": "Ea",
                "value": "0.3",
                "unit": "eV",
                "method": "EXP",
                "doi": "10.1000/e2e.upload",
            }
        )
    _visit(page, f"{server}/upload", "upload_empty")
    page.locator("input[type='file']").set_input_files(str(path))
    page.wait_for_selector("text=1 of 2 rows will be committed", timeout=60_000)
    page.get_by_label("Name of the new source").fill("e2e-upload")
    page.get_by_label("Name of the new source").press("Enter")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="Commit").click()
    page.wait_for_selector("text=1 committed, 1 quarantined", timeout=60_000)
    page.screenshot(path=str(SHOTS / "upload_committed.png"), full_page=True)
    _visit(page, f"{server}/explorer?source=e2e-upload", "explorer_uploaded")
    assert page.get_by_text("1 records match").first.is_visible()
    # A MetaD barrier for an argyrodite is a cohort the bundled data do not have.
    _visit(page, f"{server}/cohorts?family=argyrodite&property=Ea", "cohorts_after_upload")
    assert _cohort_count(page) == before + 1

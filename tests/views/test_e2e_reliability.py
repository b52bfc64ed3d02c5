"""End to end in Chromium: the reliability map, a value placed, the gap list, a bulk review, exports.

Its own server over its own store copy, so the bulk review below is the only review in it.
Embedded only: a server and a Chromium cost ~1 min per run, and the same pages and the same
bulk review run in both modes through AppTest (test_reliability_map.py, test_flag_triage.py).
"""

from __future__ import annotations

import shutil
import struct
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from auditor.cohorts import load_records
from auditor.reliability import reliability_cells
from db.config import REPO_ROOT
from db.connection import connect
from db.flags import list_flags
from tests.e2e import (
    IDLE,
    app_server,
    browser_page,
    copy_store,
    need_chromium,
    no_exception,
    settle,
)

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "artifacts"
SHOTS = ARTIFACTS / "screenshots"
NOTE = "e2e: unrelaxed barriers, not physical"


@pytest.fixture(scope="module")
def store(built_file, tmp_path_factory) -> Path:
    return copy_store(built_file, tmp_path_factory.mktemp("e2e_rel"))


@pytest.fixture(scope="module")
def facts(store, tmp_path_factory) -> dict:
    """What the test expects, read from a second copy before the server opens the first."""
    probe = tmp_path_factory.mktemp("probe") / "store.duckdb"
    shutil.copy(store, probe)
    con = connect(probe, read_only=True, on_wait=None)
    try:
        cells = reliability_cells(load_records(con), "energy")
        flags = list_flags(con, status="open")
    finally:
        con.close()
    sizes = flags.groupby(["cohort", "rule"]).size()
    small = sizes[(sizes >= 2) & (sizes <= 4)].sort_index()
    (cohort, rule), n = small.index[0], int(small.iloc[0])
    return {"cells": cells, "group": f"{cohort}|{rule}", "group_size": n}


@pytest.fixture(scope="module")
def server(store):
    need_chromium()
    with app_server(store) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page(1600, 1000, accept_downloads=True) as page:
        yield page


def _visit(page, url: str) -> None:
    page.goto(url)
    settle(page, timeout_ms=120_000, pause_ms=500)
    no_exception(page, url)


def _download(page, name: str) -> bytes:
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=name).click()
    return Path(download.value.path()).read_bytes()


def test_open_the_map_and_click_a_cell_to_see_its_rows(server, page, facts):
    _visit(page, f"{server}/cohorts")
    page.get_by_text("Method reliability").first.wait_for(timeout=60_000)
    cells = facts["cells"]
    index = int(cells.index[~cells["thin"]][0])
    cell = cells.loc[index]
    # The first chart is the map; its clickable layer is the scatter trace of cells, in order.
    point = page.locator(".js-plotly-plot").first.locator(".scatterlayer .point").nth(index)
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**cell={urllib.parse.quote(cell['cell'], safe='')}*", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_text(f"{cell['n_pairs']} paired materials behind the number").wait_for()
    links = page.get_by_role("link", name="Evidence for ")
    assert links.count() >= cell["n_pairs"]
    page.screenshot(path=str(SHOTS / "map_cell_opened.png"), full_page=True)


def test_download_the_evidence_gap_list(server, page):
    _visit(page, f"{server}/cohorts")
    text = _download(page, "Download the evidence-gap list (CSV)").decode()
    lines = text.splitlines()
    assert (
        lines[0]
        == "rank,family,column,cell,n_pairs,missing,composition_key,n_records_held,value_held,unit"
    )
    assert len(lines) > 10 and lines[1].startswith("1,")


def test_export_the_map_as_png_and_svg(server, page):
    _visit(page, f"{server}/cohorts")
    page.get_by_role("button", name="Export reliability_map_energy", exact=False).first.click()
    png = _download(page, "Export reliability_map_energy (PNG)")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1920, 1080)
    (ARTIFACTS / "reliability_map_energy.png").write_bytes(png)
    if not page.get_by_role("button", name="Export reliability_map_energy (SVG)").is_visible():
        page.get_by_role("button", name="Export reliability_map_energy", exact=False).first.click()
    svg = _download(page, "Export reliability_map_energy (SVG)").decode()
    assert svg.startswith("<svg") and "store built" in svg and "Method reliability" in svg
    (ARTIFACTS / "reliability_map_energy.svg").write_text(svg)


def test_ask_where_a_value_sits(server, page):
    _visit(page, f"{server}/placement")
    page.get_by_label("Material (formula, name or acronym)").fill("LLZO")
    page.get_by_label("Value", exact=True).fill("0.9")
    for label, option in (("Property", "Ea"), ("Unit", "eV")):
        page.get_by_label(label, exact=True).click()
        page.get_by_role("option", name=option, exact=True).click()
    page.get_by_role("button", name="Where does it sit?").click()
    page.get_by_text("Li7La3Zr2O12 (garnet): Ea 0.9 eV").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    assert "material=LLZO" in page.url and "value=0.9" in page.url
    assert page.get_by_text("percentile in cohort EXP").first.is_visible()
    page.screenshot(path=str(SHOTS / "placement_llzo.png"), full_page=True)


def test_bulk_dismiss_a_group_and_find_the_note_on_each_flag(server, page, facts):
    group, n = facts["group"], facts["group_size"]
    _visit(page, f"{server}/outliers?group={urllib.parse.quote(group, safe='')}")
    page.get_by_role("button", name=f"Apply to all {n} flags").wait_for(timeout=60_000)
    page.get_by_label("Note (kept on each flag)").fill(NOTE)
    page.get_by_role("button", name=f"Apply to all {n} flags").click()
    page.get_by_text(f"{n} flags dismissed").wait_for(timeout=60_000)
    # Each flag keeps its own review row: the page reads them back from the store.
    page.wait_for_selector(IDLE, timeout=60_000)
    rows = page.locator("[data-testid='stTable'] tbody tr")
    assert rows.count() == n
    for i in range(n):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert "dismissed" in cells and NOTE in cells, cells
    page.screenshot(path=str(SHOTS / "triage_dismissed.png"), full_page=True)


def test_map_in_presentation_mode_at_1920x1080(server, page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    for quantity in ("energy", "sigma"):
        _visit(page, f"{server}/cohorts?present=1&quantity={quantity}")
        page.get_by_text("Method reliability").first.wait_for(timeout=60_000)
        path = ARTIFACTS / f"map_presentation_{quantity}_1920x1080.png"
        page.screenshot(path=str(path))  # what the room sees first
        assert struct.unpack(">II", path.read_bytes()[16:24]) == (1920, 1080)
        # and the whole map on one screen, scrolled to it
        page.locator(".js-plotly-plot").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"map_presentation_{quantity}_1920x1080_map.png"))

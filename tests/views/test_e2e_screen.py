"""End to end in Chromium: upload a bundled CIF on the Screen page and see its screen.

Its own server over its own store copy, with saved models (a quick sigma model and the Ea model).
The BVSE barrier computed from the upload must equal the shipped one for that CIF.
"""

from __future__ import annotations

import csv
import re

import pytest

from db.config import REPO_ROOT
from tests.e2e import IDLE, SHOTS, app_server, browser_page, copy_store, need_chromium

pytestmark = pytest.mark.browser
CIF_ID = "4p7"  # Li3OCl, anti-perovskite: fast to compute (under a second)
CIF = REPO_ROOT / "data" / "obelix" / "cifs" / "all_randomized_cifs" / f"{CIF_ID}.cif"


@pytest.fixture(scope="module")
def server(built_store, screen_models_dir, tmp_path_factory):
    need_chromium()
    store = copy_store(built_store, tmp_path_factory.mktemp("e2e_screen"))
    with app_server(store, env={"SSE_AUDIT_MODELS": str(screen_models_dir)}) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page(1600, 1000) as page:
        yield page


def _shipped_barrier() -> float:
    with open(REPO_ROOT / "data" / "bvse" / "bvse_barriers.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["cif_id"] == CIF_ID)
    return float(row["e_3d_ev"])


def _metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']", has_text=label).first
    box.wait_for(timeout=120_000)
    return box.locator("[data-testid='stMetricValue']").inner_text()


def test_upload_a_cif_and_see_its_screen(server, page):
    page.goto(f"{server}/screen")
    page.wait_for_selector(IDLE, timeout=180_000)
    page.locator("input[type='file']").set_input_files(str(CIF))
    page.get_by_text(re.compile(r"from CIF 4p7\.cif")).first.wait_for(timeout=120_000)
    barrier = float(_metric(page, "BVSE 3D barrier (eV)"))
    assert barrier == pytest.approx(_shipped_barrier(), abs=1e-3)
    assert -16 < float(_metric(page, "predicted log10 σ (S/cm)")) < 0
    assert 0 < float(_metric(page, "predicted Ea (eV)")) < 2
    page.wait_for_selector(IDLE, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=60_000)
    assert page.get_by_text("Where each number sits").first.is_visible()
    assert page.get_by_role("button", name="Commit the barrier").is_visible()
    page.screenshot(path=str(SHOTS / "screen_cif.png"), full_page=True)

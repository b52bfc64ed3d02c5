"""End to end in Chromium: upload a bundled CIF on the Screen page and see its screen.

Its own server over its own store copy, with saved models (a quick sigma model and the Ea model).
The BVSE barrier computed from the upload must equal the shipped one for that CIF.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from db.config import REPO_ROOT
from tests.views.test_e2e_browser import CHROMIUM, IDLE, _free_port, _need

pytestmark = pytest.mark.browser
SHOTS = REPO_ROOT / "artifacts" / "screenshots"
CIF_ID = "4p7"  # Li3OCl, anti-perovskite: fast to compute (under a second)
CIF = REPO_ROOT / "data" / "obelix" / "cifs" / "all_randomized_cifs" / f"{CIF_ID}.cif"


@pytest.fixture(scope="module")
def server(built_store, screen_models_dir, tmp_path_factory):
    _need(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    store = tmp_path_factory.mktemp("e2e_screen") / "store.duckdb"
    shutil.copy(built_store, store)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT,
        env={**os.environ, "SSE_AUDIT_DB": str(store), "SSE_AUDIT_MODELS": str(screen_models_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    playwright = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        yield page
        browser.close()


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

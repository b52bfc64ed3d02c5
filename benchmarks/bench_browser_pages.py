"""Warm page time in a real browser: navigation start to the app being idle, per page.

Run: python benchmarks/bench_browser_pages.py [--runs 5] [--port 8599]. Starts `streamlit run
app.py` on 127.0.0.1 over $SSE_AUDIT_DB (built if missing) and drives Debian's Chromium with
Playwright. For each page: one cold load (the server's caches empty for that view), then `runs`
fresh navigations; each is timed by the page's own clock (`performance.now()`, ms since navigation
start) at the first moment the script has finished running and the page has drawn its title.
The issue's target: a warm page under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import PAGES  # noqa: E402
from db.config import REPO_ROOT, db_path  # noqa: E402
from db.connection import connect  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A realistic view per page (what a demo opens), as URL query parameters.
VIEWS = {
    "views/explorer.py": {"q": "LLZO"},
    "views/evidence.py": {"material": "Li7La3Zr2O12"},
    "views/cohorts.py": {"quantity": "energy", "cell": "NASICON|Em|NEB|"},
    "views/placement.py": {
        "material": "LLZO", "property": "Ea", "value": "0.9", "unit": "eV", "method": "EXP",
    },
}  # fmt: skip
# Idle: the script is not running and the page shows its title (an h1), so the view is drawn.
READY = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
  const drawn = document.querySelector("[data-testid='stMain'] h1, [data-testid='stMain'] h2");
  const busy = document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton']");
  return idle && drawn && !busy ? performance.now() : false;
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("streamlit did not start within 120 s")


def _load_ms(page, url: str, timeout_ms: int = 120_000) -> float:
    page.goto(url)
    handle = page.wait_for_function(READY, timeout=timeout_ms, polling=20)
    return float(handle.json_value())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright  # heavy optional dependency: only here

    connect(db_path()).close()  # build the store first, outside the timings
    port = args.port or _free_port()
    server = _start(port)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            # The first session opens the store (and trains the model on a fresh machine).
            _load_ms(page, f"http://127.0.0.1:{port}/", timeout_ms=600_000)
            print(f"{'page':<30}{'cold ms':>10}{'warm median ms':>16}{'warm max ms':>13}")
            for path, title, _ in PAGES:
                slug = "" if Path(path).stem == "overview" else Path(path).stem
                query = urllib.parse.urlencode(VIEWS.get(path, {}))
                url = f"http://127.0.0.1:{port}/{slug}" + (f"?{query}" if query else "")
                print(f"{title:<30}", end="", flush=True)  # a page that hangs is named
                cold = _load_ms(page, url)
                warm = [_load_ms(page, url) for _ in range(args.runs)]
                print(f"{cold:>10.0f}{statistics.median(warm):>16.0f}{max(warm):>13.0f}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()

"""The one home of the browser tests' plumbing: a real `streamlit run` server, Debian's Chromium.

Every end-to-end test (tests/views/test_e2e_*.py, test_sharing_e2e.py) starts its app and its
browser through these helpers, so a change to how the app is started is made once.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from db.config import REPO_ROOT, is_lake

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO_ROOT / "artifacts" / "screenshots"
# The app has finished its script run (Streamlit marks its root element).
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need(condition: bool, why: str) -> None:
    """Skip when `condition` fails, except in CI, where a missing browser is a failure."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {why}")
        pytest.skip(why)


def need_chromium() -> None:
    """Skip (fail in CI) without Debian's Chromium."""
    need(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_store(built_store: Path, folder: Path) -> Path:
    """A private copy of the built store in `folder`, for a server that writes."""
    store = folder / "store.duckdb"
    shutil.copy(built_store, store)
    return store


def store_env(store: Path | str) -> dict[str, str]:
    """The environment that points a child process (app, CLI) at `store`, a file or a lake
    setting (`SSE_AUDIT_STORE` wins over `SSE_AUDIT_DB`, so each mode clears the other)."""
    if is_lake(store):
        return {"SSE_AUDIT_STORE": str(store)}
    return {"SSE_AUDIT_STORE": "", "SSE_AUDIT_DB": str(store)}


def _healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200
    except OSError:
        return False


def start_app(
    store: Path | str, log: Path | None = None, *, env: dict | None = None, timeout: float = 60
) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port of 127.0.0.1 over `store` (a file or a team
    store's setting); returns it and its URL.

    Its output goes to `log` (or nowhere). Raises RuntimeError when it is not healthy in time.
    """
    port = free_port()
    out = log.open("w") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT,
        env={**os.environ, **store_env(store), **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _healthy(url):
            return proc, url
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"streamlit did not start within {timeout:.0f} s (log: {log})")


def stop(proc: subprocess.Popen) -> None:
    """Stop a process this test started, and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def app_server(store: Path | str, log: Path | None = None, *, env: dict | None = None) -> Iterator[str]:
    """An app server over `store` for the block; yields its URL and stops it afterwards."""
    try:
        proc, url = start_app(store, log, env=env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield url
    finally:
        stop(proc)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright (its own browser download does not work
    offline); skipped when Playwright is missing."""
    playwright = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(width: int = 1400, height: int = 1000, **options) -> Iterator[object]:
    """One page of a fresh Chromium (options go to `new_page`, e.g. accept_downloads)."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": width, "height": height}, **options)


def no_exception(page, where: str = "") -> None:
    """The page shows no exception box and no traceback."""
    assert page.locator("[data-testid='stException']").count() == 0, (
        f"exception on {where or page.url}"
    )
    assert "Traceback" not in page.inner_text("body"), where or page.url


def settle(page, timeout_ms: int = 90_000, pause_ms: int = 300) -> None:
    """Wait until the app is idle, then once more after `pause_ms` (a rerun triggered by the
    URL's state starts right after the first run)."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_timeout(pause_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)

"""The dashboard in a real browser: `streamlit run` serves it on a free port, headless
Chromium opens every page, waits until its charts are drawn, finds no error element, and
saves a screenshot of the whole page in test-output/dashboard/, with the load times in
test-output/dashboard/load_times.json."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from conftest import ROOT, DuckdbBuild

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output" / "dashboard"
STREAMLIT = Path(sys.executable).with_name("streamlit")
# Without these, Chromium under root stalls on a machine without internet: no sandbox (root),
# and nothing that phones home (QUIC, component updates, sync, background networking).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 1000}
# Screenshot name -> URL path of the page (the default page is the root) and how many charts it draws.
PAGES = {
    "1_model_analysis": ("", 4),
    "2_model_health": ("model_health", 3),
    "3_segment_analysis": ("segment_analysis", 4),
    "4_tier_analysis": ("tier_analysis", 4),
    "5_segment_vs_tier": ("segment_vs_tier", 4),
    "6_segment_evolution": ("segment_evolution", 4),
}
ERROR_ELEMENTS = "[data-testid=stException], [data-testid=stAlertContentError]"
SLOWEST_ACCEPTABLE_LOAD = 30.0  # seconds: far above the usual, to catch hangs rather than to benchmark


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, installed when missing (playwright's own browsers need internet)."""
    if not CHROMIUM.exists() and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "chromium"]
        if subprocess.run(install, capture_output=True, check=False, env=env).returncode != 0:
            # A fresh machine may hold stale package lists.
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False, env=env)
            subprocess.run(install, capture_output=True, check=False, env=env)
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing and could not be installed (apt-get install -y chromium, as root)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"streamlit did not answer at {url}/_stcore/health within {timeout:.0f} s")


@pytest.fixture(scope="module")
def dashboard_url(duckdb_build: DuckdbBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served as `make dashboard` serves it, on the demo build and a free port."""
    port = free_port()
    env = {**os.environ, "DBT_DUCKDB_PATH": str(duckdb_build.path), "DBT_SCHEMA_PREFIX": ""}
    env.pop("DASHBOARD_DATABASE_URL", None)
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    command = [
        str(STREAMLIT),
        "run",
        str(ROOT / "dashboard" / "app.py"),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def open_page(page: Page, url: str, charts: int) -> float:
    """Seconds from navigation until every chart of the page is drawn and the script is done."""
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        # Counted per chart: Plotly draws more than one .main-svg in each, so counting those
        # passed with half the charts drawn when the machine was busy.
        f"""Array.from(document.querySelectorAll('.js-plotly-plot'))
                .filter((chart) => chart.querySelector('.main-svg')).length >= {charts}
            && document.querySelectorAll('[data-testid=stSpinner], [data-testid=stSkeleton]').length === 0""",
        timeout=SLOWEST_ACCEPTABLE_LOAD * 1000,
    )
    return time.perf_counter() - started


def save_whole_page(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its own container, so a full-page screenshot needs a viewport as
    tall as the content."""
    height = page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], int(height))})
    page.wait_for_timeout(800)  # let Plotly redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)


def test_every_page_loads_in_chromium_without_errors(chromium: Path, dashboard_url: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    load_times: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            for name, (path, charts) in PAGES.items():
                load_times[name] = round(open_page(page, f"{dashboard_url}/{path}", charts), 2)
                assert page.locator(ERROR_ELEMENTS).count() == 0, (
                    f"{name}: {page.locator(ERROR_ELEMENTS).all_inner_texts()}"
                )
                assert page.locator(".js-plotly-plot").count() >= charts, name
                assert page.locator(".js-plotly-plot .gtitle").count() >= charts, f"{name}: untitled charts"
                save_whole_page(page, OUTPUT / f"{name}.png")
        finally:
            browser.close()
    (OUTPUT / "load_times.json").write_text(json.dumps(load_times, indent=2) + "\n")
    print(f"\ndashboard page load times (s): {load_times}\nscreenshots: {OUTPUT}")
    assert all((OUTPUT / f"{name}.png").stat().st_size > 10_000 for name in PAGES)

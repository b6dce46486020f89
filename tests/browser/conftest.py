"""Fixtures of the browser stage: one JupyterLab and one Chromium for the whole run; timings for the summary.

These tests run only when asked for by path (``pytest tests/browser``, ``make test-browser``): a bare
``pytest`` deselects them, since they run every notebook in a browser (minutes of CPU).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from .lab_driver import BUILD, ChromiumMissing, LabDidNotStart, import_playwright, launch_chromium, start_lab

HERE = Path(__file__).resolve().parent
RESULTS = pytest.StashKey[dict]()


def _asked_for(config) -> bool:
    for arg in config.args:
        target = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if target == HERE or HERE in target.parents:
            return True
    return False


def pytest_collection_modifyitems(config, items):
    if _asked_for(config):
        return
    mine = [item for item in items if HERE in Path(item.fspath).resolve().parents]
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]


def pytest_configure(config):
    config.stash[RESULTS] = {"start": time.monotonic(), "notebooks": {}, "errors": 0, "screenshots": [],
                             "images": {}}


@pytest.fixture(scope="session")
def browser_results(pytestconfig) -> dict:
    """``notebooks``: path -> seconds of Run All; ``errors``: notebooks that failed; ``screenshots``: their paths."""
    return pytestconfig.stash[RESULTS]


@pytest.fixture(scope="session")
def lab():
    """JupyterLab on 127.0.0.1 (free port, no token, fresh workspace) serving the repository, in quick mode."""
    workdir = BUILD / "lab"
    shutil.rmtree(workdir, ignore_errors=True)
    try:
        server = start_lab(workdir)
    except LabDidNotStart as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian chromium driven by Playwright."""
    try:
        sync_playwright = import_playwright()
        playwright = sync_playwright().start()
    except ChromiumMissing as e:
        pytest.fail(str(e), pytrace=False)
    try:
        browser = launch_chromium(playwright)
    except ChromiumMissing as e:
        playwright.stop()
        pytest.fail(str(e), pytrace=False)
    yield browser
    browser.close()
    playwright.stop()


def pytest_terminal_summary(terminalreporter, config):
    results = config.stash.get(RESULTS, None)
    if not results or not results["notebooks"]:
        return
    lines = [f"browser_notebooks_run: {len(results['notebooks'])}",
             f"browser_errors: {results['errors']}",
             f"browser_seconds: {time.monotonic() - results['start']:.0f}"]
    for path, seconds in results["notebooks"].items():
        key = Path(path).with_suffix("").as_posix().removeprefix("notebooks/").replace("/", "_")
        lines.append(f"browser_seconds_{key}: {seconds:.1f}")
        if path in results["images"]:
            lines.append(f"browser_images_{key}: {results['images'][path]}")
    terminalreporter.section("browser benchmark")
    for line in lines:
        terminalreporter.write_line(line)
    for shot in results["screenshots"]:
        terminalreporter.write_line(f"screenshot: {shot}")
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "benchmark.txt").write_text("\n".join(lines) + "\n")

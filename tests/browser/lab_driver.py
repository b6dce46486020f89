"""JupyterLab in headless Chromium, driven as a student would: open a notebook, Run All, read what shows.

* :func:`start_lab` starts JupyterLab on 127.0.0.1 (no token, a fresh workspace and settings folder,
  autosave off so the committed notebooks stay without outputs) and waits until it answers.
* :func:`launch_chromium` starts Debian's ``chromium`` through Playwright (no browser download).
* :func:`run_notebook` opens one notebook with ``?reset``, waits until it is the current tab,
  clicks Run > Run All Cells and waits until every code cell has an execution count, stopping at
  the first error output, a dead kernel or a dialog. It returns what the page shows.

Every wait is bounded and every failure names the notebook (and the cell).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build" / "browser"
"""Screenshots, the JupyterLab log and the benchmark lines (a CI artifact)."""
CHROMIUM = os.environ.get("TRANSFERKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
LAB_START_SECONDS = 120
"""JupyterLab has this long to answer on its port."""
NOTEBOOK_SECONDS = float(os.environ.get("TRANSFERKIT_BROWSER_TIMEOUT", "900"))
"""One notebook's Run All has this long (quick mode takes 27-115 s on a quiet 2-core machine)."""

WIDGET_AS_TEXT = re.compile(r"\b(HBox|VBox|FloatProgress|IntProgress|HTML|Label|Button|Output|Dropdown|IntSlider|FloatSlider)"
                            r"\((children|value|max|min|description|layout|outputs|options)=")
WIDGET_FAILED = re.compile(r"Error displaying widget|Failed to display Jupyter Widget|Model not found|Loading widget\.\.\.")


class LabDidNotStart(RuntimeError):
    """JupyterLab exited or did not answer in time; the message says why (log tail included)."""


class ChromiumMissing(RuntimeError):
    """No Chromium to drive (or Playwright is not installed); the message says what to install."""


class NotebookFailed(AssertionError):
    """A notebook met an error in the browser; the message names the notebook and the cell."""


# --------------------------------------------------------------------------- JupyterLab


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    process: subprocess.Popen
    port: int
    log: Path
    root: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Ends every session (and its kernel): one notebook's TensorFlow does not sit in memory beside the next."""
        for session in self.api("/api/sessions"):
            try:
                self.api(f"/api/sessions/{session['id']}", method="DELETE")
            except urllib.error.URLError:
                pass

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _write_settings(folder: Path) -> None:
    """User settings for a test run: no autosave (the repository's notebooks stay clean), no news check."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                             "checkForUpdates": False},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def start_lab(workdir: Path, port: int | None = None, root: Path = REPO, env: dict | None = None,
              timeout: float = LAB_START_SECONDS) -> Lab:
    """JupyterLab on 127.0.0.1:``port`` serving ``root``, in quick mode; raises LabDidNotStart with the reason."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    _write_settings(workdir / "settings")
    environment = dict(os.environ if env is None else env)
    environment.update(
        TRANSFERKIT_QUICK="1",
        JUPYTER_CONFIG_DIR=str(workdir / "config"),  # nothing from ~/.jupyter
        JUPYTER_DATA_DIR=str(workdir / "data"),  # no stray user kernels: the kernel is this Python's
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={root}", f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
               f"--LabApp.user_settings_dir={workdir / 'settings'}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI and containers run as root
    log = workdir / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment, cwd=root,
                                   stdin=subprocess.DEVNULL)
    lab = Lab(process, port, log, root)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            tail = lab.log_tail()
            why = (f"port {port} on 127.0.0.1 is already in use (another server holds it)"
                   if "already in use" in tail or "Address already in use" in tail else f"it exited with code {code}")
            raise LabDidNotStart(f"JupyterLab did not start: {why}. Its log ({log}) ends:\n{tail}")
        try:
            lab.api("/api/status")
            return lab
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.5)
    tail = lab.log_tail()
    lab.stop()
    raise LabDidNotStart(f"JupyterLab did not answer on {lab.url} within {timeout:.0f} s. Its log ({log}) ends:\n{tail}")


# --------------------------------------------------------------------------- Chromium


def launch_chromium(playwright, executable: str = CHROMIUM):
    """Debian's chromium, headless, through Playwright; ChromiumMissing says how to install it."""
    if not (Path(executable).is_file() and os.access(executable, os.X_OK)):
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        hint = f" (there is one at {found}: set TRANSFERKIT_CHROMIUM={found})" if found else ""
        raise ChromiumMissing(
            f"Chromium not found at {executable}{hint}. Install it with `apt-get update && apt-get install -y "
            f"chromium` (Debian/Ubuntu; .ci/run does this), or set TRANSFERKIT_CHROMIUM to a Chromium or Chrome binary.")
    try:
        return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True,
                                          timeout=60_000)
    except Exception as e:
        raise ChromiumMissing(f"Chromium at {executable} did not start: {str(e).splitlines()[0]}") from e


def import_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ChromiumMissing("Playwright is not installed in this Python: `pip install -r tests/browser/requirements.txt` "
                              "(`make test-browser` does it). It drives the system chromium; no browser is downloaded.") from None
    return sync_playwright


# --------------------------------------------------------------------------- one notebook

# Read in the page (window.jupyterapp, exposed by --LabApp.expose_app_in_browser): the current
# notebook's path, its kernel's state, and every code cell's execution count and errors.
_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const dialog = document.querySelector('.jp-Dialog');
  const state = {ready: !!app, path: null, kernel: null, statuses: window.__tkStatuses || [],
                 dialog: dialog ? dialog.innerText.trim() : null, cells: []};
  if (!w || !w.context || !w.content || !w.content.widgets) return state;
  state.path = w.context.path;
  const session = w.sessionContext;
  state.kernel = session && session.session && session.session.kernel ? session.session.kernel.status : null;
  state.kernelReady = !!(session && session.isReady);
  w.content.widgets.forEach((cell, index) => {
    const model = cell.model;
    if (model.type !== 'code') return;
    const source = model.sharedModel.getSource();
    const outputs = model.outputs.toJSON();
    state.cells.push({
      index: index + 1,
      source: source,
      empty: source.trim() === '',
      count: model.executionCount,
      errors: outputs.filter(o => o.output_type === 'error')
                     .map(o => [o.ename + ': ' + o.evalue, (o.traceback || []).join('\\n')]),
      widgets: outputs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
    });
  });
  return state;
}
"""

_WATCH_KERNEL_JS = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  window.__tkStatuses = [];
  w.sessionContext.statusChanged.connect((_, status) => window.__tkStatuses.push(status));
  w.sessionContext.connectionStatusChanged.connect((_, status) => window.__tkStatuses.push('connection-' + status));
}
"""

_RENDERED_JS = """
() => {
  const outputs = Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'));
  const text = outputs.map(o => o.innerText || '');
  return {
    images: Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output img'))
                 .filter(img => img.complete && img.naturalWidth > 0).length,  // drawn, not a broken link
    texts: text,
    widgets: document.querySelectorAll('.jp-Notebook .jp-OutputArea-output .jupyter-widgets').length,
    quizQuestions: document.querySelectorAll('.jp-Notebook [id^="quizWrap"]').length,
    quizAnswers: document.querySelectorAll('.jp-Notebook .MCButton').length,
  };
}
"""

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class NotebookRun:
    path: str
    seconds: float = 0.0
    code_cells: int = 0
    images: int = 0
    widgets: int = 0
    quiz_questions: int = 0
    quiz_answers: int = 0
    texts: list[str] = field(default_factory=list)
    screenshot: Path | None = None


def _cell_line(cell: dict) -> str:
    first = next((line for line in cell["source"].splitlines() if line.strip()), "")
    return f"cell {cell['index']} ({first[:70]!r})"


def _failure(path: str, what: str, lab: Lab | None = None) -> NotebookFailed:
    tail = f"\nJupyterLab's log ends:\n{lab.log_tail(8)}" if lab else ""
    return NotebookFailed(f"{path}: {what}{tail}")


def open_notebook(page, lab: Lab, path: str, timeout: float = 120) -> None:
    """Opens ``path`` in a reset workspace and waits until it is the current tab with a ready kernel."""
    page.goto(f"{lab.url}/lab/tree/{path}?reset", wait_until="domcontentloaded", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    state = {}
    while time.monotonic() < deadline:
        state = page.evaluate(_STATE_JS)
        if state["dialog"]:
            raise _failure(path, f"a dialog opened instead of the notebook: {state['dialog'][:300]!r}")
        if state["path"] == path and state.get("kernelReady") and state["kernel"] == "idle":
            page.evaluate(_WATCH_KERNEL_JS)
            return
        time.sleep(0.5)
    raise _failure(path, f"not the current tab with an idle kernel after {timeout:.0f} s (current tab: "
                         f"{state.get('path')!r}, kernel: {state.get('kernel')!r})", lab)


def run_all(page, lab: Lab, path: str, timeout: float = NOTEBOOK_SECONDS) -> dict:
    """Run > Run All Cells from the menu bar; waits until every code cell has run. Returns the final state."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    return _wait_for_cells(page, lab, path, timeout)


def run_setup_and_quiz(page, lab: Lab, path: str, timeout: float = NOTEBOOK_SECONDS) -> dict:
    """Runs only the first code cell (the setup cell) and the cells calling ``self_check``, one by one."""
    indices = page.evaluate("""() => {
      const cells = window.jupyterapp.shell.currentWidget.content.widgets;
      const code = cells.map((c, i) => [c, i]).filter(([c]) => c.model.type === 'code');
      return code.filter(([c], k) => k === 0 || c.model.sharedModel.getSource().includes('self_check('))
                 .map(([, i]) => i);
    }""")
    for index in indices:
        page.evaluate("""async (index) => {
          const panel = window.jupyterapp.shell.currentWidget;
          panel.content.activeCellIndex = index;
          await window.jupyterapp.commands.execute('notebook:run-cell');
        }""", index)
    return _wait_for_cells(page, lab, path, timeout, only={i + 1 for i in indices})


def _wait_for_cells(page, lab: Lab, path: str, timeout: float, only: set[int] | None = None) -> dict:
    """Waits until the cells (all code cells, or those numbered ``only``) have run; stops at an error."""
    start = time.monotonic()
    state: dict = {}
    while time.monotonic() - start < timeout:
        state = page.evaluate(_STATE_JS)
        if state["path"] != path:
            raise _failure(path, f"the current tab changed to {state['path']!r} while it ran")
        for cell in state["cells"]:
            if cell["errors"]:
                summary, traceback = (ANSI.sub("", part).strip() for part in cell["errors"][0])
                raise _failure(path, f"{_cell_line(cell)} failed with {summary[:500]}\n{traceback[-3000:]}")
        died = [s for s in state["statuses"] if s in ("dead", "restarting", "autorestarting")]
        if died or (state["dialog"] and "died" in state["dialog"]):
            running = next((c for c in state["cells"] if not c["empty"] and c["count"] is None), None)
            where = f"; the first cell without a result is {_cell_line(running)}" if running else ""
            raise _failure(path, f"the kernel died during Run All{where} (kernel states seen: "
                                 f"{', '.join(state['statuses'])})", lab)
        if state["dialog"]:
            raise _failure(path, f"a dialog opened while it ran: {state['dialog'][:300]!r}")
        pending = [c for c in state["cells"] if not c["empty"] and c["count"] is None
                   and (only is None or c["index"] in only)]
        if not pending and state["kernel"] == "idle":
            return state
        time.sleep(1)
    pending = [c for c in state.get("cells", []) if not c["empty"] and c["count"] is None]
    where = f"; waiting at {_cell_line(pending[0])}" if pending else ""
    raise _failure(path, f"Run All did not finish within {timeout:.0f} s{where} (kernel: {state.get('kernel')!r})", lab)


def screenshot_notebook(page, target: Path, max_height: int = 16000) -> Path:
    """The whole notebook in one PNG: the window grows to the notebook's height (capped), end included."""
    height = page.evaluate("""() => {
      const scroller = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
                       || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
      return scroller ? scroller.scrollHeight : 0;
    }""")
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 200, max_height))})
    page.evaluate("""() => {
      const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
      if (s) s.scrollTop = 0;  // the window is as tall as the notebook: top to end in one picture
    }""")
    page.wait_for_timeout(1500)
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    page.set_viewport_size(size)
    return target


def rendered(page) -> dict:
    return page.evaluate(_RENDERED_JS)


def click_quiz(page, path: str) -> tuple[str, str]:
    """Clicks a wrong, then the right answer of the first self-check question; returns both feedback texts."""
    question = page.locator('.jp-Notebook [id^="quizWrap"]').first
    question.scroll_into_view_if_needed()
    feedback = question.locator(".Feedback").first
    texts = []
    for correct in ("false", "true"):
        answer = question.locator(f'.MCButton[data-correct="{correct}"]').first
        if answer.count() == 0:
            raise _failure(path, f"the first self-check question has no answer with data-correct={correct}")
        expected = answer.get_attribute("data-feedback") or ""
        answer.click()
        verdict = "correct" if correct == "true" else "incorrect"
        try:
            page.wait_for_function("([el, cls]) => el.classList.contains(cls) && el.innerText.trim().length > 0",
                                   arg=[feedback.element_handle(), verdict], timeout=10_000)
        except Exception:
            raise _failure(path, f"clicking a{'' if correct == 'true' else ' wrong'} answer showed no "
                                 f"{verdict} feedback (feedback box: {feedback.inner_text()!r})") from None
        if not feedback.is_visible():
            raise _failure(path, "the self-check feedback is not visible after a click")
        shown = feedback.inner_text().strip()
        expected = " ".join(html.unescape(re.sub(r"<[^>]+>", "", expected)).split())
        if expected and "$" not in expected and expected not in " ".join(shown.split()):
            raise _failure(path, f"clicking {answer.inner_text()!r} showed {shown!r}, not its feedback {expected!r}")
        texts.append(shown)
    return texts[0], texts[1]

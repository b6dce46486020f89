"""What goes wrong in the browser stage gets a clear message and a bounded wait, never a hang.

A failing cell names the notebook, the cell and the error; a kernel that dies names the notebook
and the cell it was running; JupyterLab on a taken port and a missing Chromium say what to do.
"""

from __future__ import annotations

import json
import re
import socket
import time

import pytest

from .lab_driver import BUILD, REPO, ChromiumMissing, LabDidNotStart, NotebookFailed, launch_chromium, open_notebook, \
    run_all, start_lab


def notebook_file(name: str, sources: list[str]) -> str:
    """A small notebook under build/browser/cases (inside the served folder); its path for JupyterLab."""
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": source} for i, source in enumerate(sources)]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path = BUILD / "cases" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path.relative_to(REPO).as_posix()


def run_case(lab, chromium, path: str, timeout: float) -> NotebookFailed:
    page = chromium.new_page()
    try:
        open_notebook(page, lab, path)
        start = time.monotonic()
        with pytest.raises(NotebookFailed) as failure:
            run_all(page, lab, path, timeout=timeout)
        assert time.monotonic() - start < timeout
        return failure.value
    finally:
        page.close()
        lab.shut_down_kernels()


def test_a_failing_cell_is_named_with_its_error(lab, chromium):
    path = notebook_file("cell_fails", ["x = 1", "ratio = x / 0", "print('never runs')"])
    message = str(run_case(lab, chromium, path, timeout=120))
    assert message.startswith(f"{path}: cell 2 ('ratio = x / 0') failed with ZeroDivisionError: division by zero")


def test_a_dying_kernel_is_reported_not_waited_for(lab, chromium):
    path = notebook_file("kernel_dies", ["print('before')", "import os\nos._exit(1)", "print('after')"])
    message = str(run_case(lab, chromium, path, timeout=120))
    # Cell 1's reply may die with the kernel before it reaches the page: the first cell without a result is 1 or 2.
    assert re.match(rf"{re.escape(path)}: the kernel died during Run All; the first cell without a result is cell "
                    rf"(1 \(\"print\('before'\)\"\)|2 \('import os'\))", message), message


def test_jupyterlab_on_a_taken_port_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(LabDidNotStart, match=f"port {port} on 127.0.0.1 is already in use"):
            start_lab(tmp_path, port=port, timeout=90)
        assert time.monotonic() - start < 90


def test_missing_chromium_says_how_to_install_it(tmp_path):
    with pytest.raises(ChromiumMissing, match=r"not found at .*apt-get update && apt-get install -y chromium"):
        launch_chromium(None, executable=str(tmp_path / "chromium"))

"""Every notebook as a student meets it: JupyterLab in Chromium, Run All, quick mode.

Each notebook under ``notebooks/`` (``solutions/`` and the translations in sub-folders such as
``notebooks/tl/`` and ``notebooks/pcm/`` included: any ``*.ipynb`` below ``notebooks/``) is opened
in a reset JupyterLab workspace and run with Run > Run All Cells. Then: no error output, no widget
printed as text (``HBox(...)``, ``FloatProgress(...)``) or failing to display (a progress bar that
closes when done, tqdm's ``leave=False``, rightly shows nothing), at least the expected number of images,
and the self-check quiz rendered; a wrong and the right answer of its first question are clicked
and their feedback must show and differ. A screenshot of the whole notebook goes to
``build/browser/<path>.png``. ``TRANSFERKIT_BROWSER_NOTEBOOKS="notebooks/01_*.ipynb ..."`` runs only
the notebooks matching those globs.

``TRANSFERKIT_BROWSER_TRANSLATIONS=quiz`` (CI sets it, for time) runs only the setup cell and the
self-check of each translated notebook (its code cells are byte-identical to the English one's,
which runs in full): the translated prose renders, the language is set, the translated quiz
renders and its clicks give the translated feedback. Images are then not counted.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from .lab_driver import BUILD, REPO, WIDGET_AS_TEXT, WIDGET_FAILED, NotebookFailed, NotebookRun, click_quiz, open_notebook, \
    rendered, run_all, run_setup_and_quiz, screenshot_notebook

# What each lesson shows when it has run: (at least this many images, ends with a self-check quiz).
# A translated notebook with the same file name (notebooks/tl/01_feature_extraction.ipynb) uses the
# same row; one with another name uses the row of its lesson number (and of a solution, if it is one).
# Figures: `make test-browser` prints browser_images_<notebook> (quick mode).
EXPECTED = {
    "01_feature_extraction": (5, True),
    "02_cats_vs_dogs_finetune": (9, True),
    "03_oxford_pets_lab": (8, True),
    "03_oxford_pets_lab_solution": (8, True),
    "04_ideal_cat": (8, True),
    "05_adversarial_dog": (2, True),
    "06_near_and_far": (4, True),
}


def notebooks() -> list[Path]:
    patterns = os.environ.get("TRANSFERKIT_BROWSER_NOTEBOOKS", "").split() or ["notebooks/**/*.ipynb"]
    found = {p for pattern in patterns for p in REPO.glob(pattern) if ".ipynb_checkpoints" not in p.parts}
    return sorted(found, key=lambda p: (len(p.relative_to(REPO).parts), str(p)))  # English first, then sub-folders


def expectations(notebook: Path) -> tuple[int, bool]:
    if notebook.stem in EXPECTED:
        return EXPECTED[notebook.stem]
    solution = notebook.stem.endswith("_solution")
    for stem, row in EXPECTED.items():
        if stem[:2] == notebook.stem[:2] and stem.endswith("_solution") == solution:
            return row
    pytest.fail(f"{notebook.relative_to(REPO)}: no row in EXPECTED at the top of {Path(__file__).relative_to(REPO)}; "
                f"add one (minimum number of images, has a quiz)", pytrace=False)


def saved_outputs(notebook: Path) -> int:
    """Code cells of the file on disk with outputs or an execution count (0 for a committed notebook)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(bool(c.get("outputs") or c.get("execution_count")) for c in cells if c["cell_type"] == "code")


def is_translation(notebook: Path) -> bool:
    """A notebook in a language folder (notebooks/tl/..., notebooks/pcm/solutions/...)."""
    parts = notebook.relative_to(REPO / "notebooks").parts if REPO / "notebooks" in notebook.parents else ()
    return len(parts) > 1 and parts[0] != "solutions"


def _id(notebook: Path) -> str:
    return notebook.relative_to(REPO).as_posix().removeprefix("notebooks/")


@pytest.mark.parametrize("notebook", notebooks(), ids=_id)
def test_notebook_runs_in_jupyterlab(notebook: Path, lab, chromium, browser_results):
    min_images, has_quiz = expectations(notebook)
    quiz_only = is_translation(notebook) and os.environ.get("TRANSFERKIT_BROWSER_TRANSLATIONS") == "quiz"
    if quiz_only:
        min_images = 0
    path = notebook.relative_to(REPO).as_posix()
    saved_before = saved_outputs(notebook)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    run = NotebookRun(path)
    failed = True
    start = time.monotonic()
    try:
        open_notebook(page, lab, path)
        state = run_setup_and_quiz(page, lab, path) if quiz_only else run_all(page, lab, path)
        run.seconds = time.monotonic() - start
        page.wait_for_timeout(2000)  # the last outputs' JavaScript (quiz, widgets) renders
        shown = rendered(page)
        browser_results["images"][path] = shown["images"]
        problems = []
        as_text = [t for t in shown["texts"] if WIDGET_AS_TEXT.search(t) or WIDGET_FAILED.search(t)]
        if as_text:
            problems.append(f"a widget shows as text instead of a widget: {as_text[0][:200]!r}")
        if shown["images"] < min_images:
            problems.append(f"{shown['images']} images shown, expected at least {min_images}")
        if has_quiz and not (shown["quizQuestions"] and shown["quizAnswers"] >= 2 * shown["quizQuestions"]):
            problems.append(f"the self-check quiz did not render ({shown['quizQuestions']} questions, "
                            f"{shown['quizAnswers']} answers)")
        if problems:
            raise NotebookFailed(f"{path}: " + "; ".join(problems))
        if has_quiz:
            wrong, right = click_quiz(page, path)
            assert wrong != right, f"{path}: a wrong and the right answer showed the same feedback {wrong!r}"
        failed = False
        print(f"{path}: Run All {run.seconds:.1f} s, {len(state['cells'])} code cells, {shown['images']} images, "
              f"{shown['widgets']} widgets, {shown['quizQuestions']} quiz questions")
    except NotebookFailed as e:
        pytest.fail(str(e), pytrace=False)  # which notebook, which cell, the error: the test's code adds nothing
    finally:
        browser_results["notebooks"][path] = run.seconds or (time.monotonic() - start)
        browser_results["errors"] += failed
        try:
            shot = screenshot_notebook(page, BUILD / Path(path).with_suffix(".png"))
            browser_results["screenshots"].append(shot.relative_to(REPO))
        except Exception as e:  # the failure itself matters more than its picture
            print(f"screenshot of {path} failed: {e}")
        context.close()
        lab.shut_down_kernels()
    assert saved_outputs(notebook) == saved_before, f"{path}: JupyterLab saved outputs into the file while it ran"

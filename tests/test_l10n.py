"""Translations (tools/l10n/, run as tools/l10n.py; lib/i18n.py): extraction, merge, render, the checks CI runs,
the kit's language."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import os
import json
import shutil
import subprocess
import sys
import textwrap
import warnings
from contextlib import redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import gettext

import pytest

from conftest import REPO

NOTEBOOKS = REPO / "notebooks"


JOBS = ("paths", "units", "placeholders", "sentences", "catalogs", "extract", "update", "render", "check", "stats", "todo",
        "cli")


def _load_command():
    """tools/l10n.py loaded by its path, as benchmarks/translations.py loads it (it imports the package ``tools``)."""
    spec = importlib.util.spec_from_file_location("l10n_command", REPO / "tools" / "l10n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def l10n():
    """The package tools/l10n/, one attribute a job module. It keeps no state: every job is given the
    ``Paths`` of the repository it works on (a copy in these tests). It needs Babel (requirements.txt);
    Colab's stack (`make test-colab`) runs only the kit's tests here."""
    pytest.importorskip("babel")
    _load_command()
    return SimpleNamespace(**{job: importlib.import_module(f"tools.l10n.{job}") for job in JOBS})


def _md(cell_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text.splitlines(keepends=True)}


def _code(cell_id: str, text: str) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None, "outputs": [],
            "source": text.splitlines(keepends=True)}


LESSON = [
    _md("intro", "# 01 · A tiny lesson\n\nA frozen network turns each photo into 768 numbers.\n"
                 "They are its *features*.\n\n* first, load `load_backbone()`;\n* then train on 2,000 photos."),
    _code("setup", "import transferkit as tk, keras"),
    _md("math", "The loss is $L = -\\log p$.\n\n$$\\sum_i x_i$$\n\nSee [the guide](https://keras.io/guides/transfer_learning/)."),
    _code("work", "x = 1  # a comment stays English\nprint(x)"),
    _code("quiz", 'tk.self_check("01")'),
]
QUIZ = [{"question": "How many features per image?", "type": "multiple_choice",
         "answers": [{"answer": "768", "correct": True, "feedback": "Right: 768 channels, averaged."},
                     {"answer": "1000", "correct": False, "feedback": "No: the top is cut off."}]}]


def _write_nb(path: Path, cells: list[dict]) -> None:
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture
def repo(tmp_path, l10n):
    """A small repository: one lesson notebook and its quiz, a kit module with a message, tl catalogs,
    and a copy of tools/ (for the command run as a script)."""
    root = tmp_path / "repo"
    _write_nb(root / "notebooks" / "01_tiny.ipynb", LESSON)
    (root / "lib" / "quizzes").mkdir(parents=True)
    (root / "lib" / "quizzes" / "01.json").write_text(json.dumps(QUIZ, indent=1))
    (root / "lib" / "msgs.py").write_text('from .i18n import _\n\ndef say(n):\n    return _("{n} of 5 right").format(n=n)\n')
    (root / "locale" / "tl" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "README.md").write_text("# kit\n")
    shutil.copytree(REPO / "tools", root / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def translated_repo(repo):
    """:func:`repo` with every entry translated (the lesson and the kit's message), compiled and rendered."""
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    _translate_all(repo, "transferkit")
    _run(repo, "compile")
    _run(repo, "render")
    return repo


def test_compile_refuses_a_kit_translation_that_drops_a_format_field(translated_repo, l10n):
    """A kit message whose translation loses ``{n}`` would print without its number in the student's
    kernel (or raise KeyError when one is added): compile names it and leaves the .mo as it was."""
    repo = translated_repo
    mo = repo / "lib" / "locale" / "tl" / "LC_MESSAGES" / "transferkit.mo"
    before = mo.read_bytes()
    catalog = _po(repo, "transferkit")
    entry = next(m for m in catalog if m.id == "{n} of 5 right")
    entry.string = "TL tama sa 5"
    _save_po(repo, catalog, "transferkit")
    rc, out = _run(repo, "compile")
    assert rc == 1 and "NOT written: lib/locale/tl/LC_MESSAGES/transferkit.mo" in out
    assert "format field: missing ['{n}']" in out, out
    assert mo.read_bytes() == before
    entry.string = "TL {n} sa 5 ang tama"
    _save_po(repo, catalog, "transferkit")
    assert _run(repo, "compile")[0] == 0 and mo.read_bytes() != before


def _run(root: Path, *argv: str) -> tuple[int, str]:
    """The command line on the repository at ``root``, in this process."""
    from tools.l10n.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        rc = main(list(argv), root=root)
    return rc, out.getvalue()


def _po(root: Path, domain: str = "01_tiny", lang: str = "tl"):
    from babel.messages.pofile import read_po

    with (root / "locale" / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        return read_po(f)


def _save_po(root: Path, catalog, domain: str = "01_tiny", lang: str = "tl") -> None:
    from babel.messages.pofile import write_po

    with (root / "locale" / lang / "LC_MESSAGES" / f"{domain}.po").open("wb") as f:
        write_po(f, catalog, width=79, include_previous=True)


def _translate_all(root: Path, domain: str = "01_tiny") -> None:
    """A stand-in translator: "TL " before each entry, every number, code span, formula and link kept."""
    catalog = _po(root, domain)
    for m in catalog:
        if m.id:
            m.string = m.id if m.id.startswith("#") or m.id.startswith("|") else f"TL {m.id}"
            if m.id.startswith("#"):
                m.string = m.id.replace("A tiny lesson", "Isang maliit na aralin")
            m.flags.discard("fuzzy")
    _save_po(root, catalog, domain)


# --------------------------------------------------------------------------- extraction


def test_every_markdown_cell_splits_into_units_and_joins_back_unchanged(l10n):
    """The split is lossless on every real markdown cell, and each unit is one paragraph, item, heading or table."""
    kinds = set()
    for notebook in l10n.paths.Paths().english_notebooks():
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            source = "".join(cell["source"])
            blocks = l10n.units.split_markdown(source)
            assert "\n".join(line for b in blocks for line in b.lines) == source, notebook.name
            for b in blocks:
                kinds.add(b.kind)
                if b.translatable:
                    assert "\n\n" not in b.text and b.text.strip() == b.text, (notebook.name, b.text[:60])
    assert {"heading", "paragraph", "list item"} <= kinds


def test_tables_quotes_fences_and_items_render_in_place(l10n):
    source = ("> **Note:** a quote\n> on two lines.\n\n| breed | photos |\n|---|---|\n| `pug` | 200 |\n\n"
              "```python\nx = 1\n```\n\n1. first item,\n   continued\n2. second")
    blocks = l10n.units.split_markdown(source)
    units = [(b.kind, b.text) for b in blocks if b.translatable]
    assert units == [("quote", "**Note:** a quote on two lines."), ("table", "| breed | photos |\n|---|---|\n| `pug` | 200 |"),
                     ("list item", "first item, continued"), ("list item", "second")]
    rendered = "\n".join(line for b in blocks for line in
                         (l10n.units.render_block(b, "X " + b.text if b.kind != "table" else b.text.replace("breed", "lahi"))
                          if b.translatable else b.lines))
    assert rendered == ("> X **Note:** a quote on two lines.\n\n| lahi | photos |\n|---|---|\n| `pug` | 200 |\n\n"
                        "```python\nx = 1\n```\n\n1. X first item, continued\n2. X second")
    assert l10n.placeholders.placeholder_errors("| a | b |\n|---|---|", "| a | b | c |\n|---|---|")[0].startswith("table shape")


def test_relative_links_reach_the_same_file_from_the_translation_folder(l10n, tmp_path):
    english = tmp_path / "notebooks"
    (english / "tl").mkdir(parents=True)
    (tmp_path / "README.md").write_text("x")
    text = "See [the README](../README.md), [lesson 2](02_x.ipynb#top), [Keras](https://keras.io) and [gone](nope.md)."
    assert l10n.render.relink(text, english, english / "tl") == (
        "See [the README](../../README.md), [lesson 2](02_x.ipynb#top), [Keras](https://keras.io) and [gone](nope.md).")


def test_units_of_a_small_notebook(repo, l10n):
    units = [(ctx, text, kind) for ctx, text, kind, _ in l10n.units.notebook_units(repo / "notebooks" / "01_tiny.ipynb", l10n.paths.Paths(repo))]
    assert units == [
        ("01_tiny.ipynb:intro:1", "# 01 · A tiny lesson", "heading"),
        ("01_tiny.ipynb:intro:2", "A frozen network turns each photo into 768 numbers. They are its *features*.", "paragraph"),
        ("01_tiny.ipynb:intro:3", "first, load `load_backbone()`;", "list item"),
        ("01_tiny.ipynb:intro:4", "then train on 2,000 photos.", "list item"),
        ("01_tiny.ipynb:math:1", "The loss is $L = -\\log p$.", "paragraph"),  # the display formula alone is no entry
        ("01_tiny.ipynb:math:2", "See [the guide](https://keras.io/guides/transfer_learning/).", "paragraph"),
    ]


def test_extraction_is_stable_and_takes_the_quiz_and_the_kit_messages(repo, l10n):
    assert _run(repo, "extract")[0] == 0
    pot = repo / "locale" / "templates" / "01_tiny.pot"
    first = {p.name: p.read_bytes() for p in (repo / "locale" / "templates").iterdir()}
    rc, out = _run(repo, "extract")
    assert rc == 0 and "0 changed" in out
    assert first == {p.name: p.read_bytes() for p in (repo / "locale" / "templates").iterdir()}
    contexts = [m.context for m in l10n.catalogs.read_catalog(pot) if m.id]
    assert contexts[-5:] == ["quizzes/01.json:q1:question", "quizzes/01.json:q1:a1:answer", "quizzes/01.json:q1:a1:feedback",
                             "quizzes/01.json:q1:a2:answer", "quizzes/01.json:q1:a2:feedback"]
    kit = (repo / "locale" / "templates" / "transferkit.pot").read_text()
    assert 'msgid "{n} of 5 right"' in kit and "python-brace-format" in kit


def test_the_kits_own_messages_are_extracted(l10n):
    ids = {m.id for m in l10n.extract.extract_kit(l10n.paths.Paths()) if m.id}
    assert {"right", "wrong", "(pick every right answer)", "transferkit: {mode}; {source}."} <= ids


# --------------------------------------------------------------------------- update


def test_update_marks_changed_fuzzy_new_untranslated_removed_obsolete(repo, l10n):
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    cells = json.loads(json.dumps(LESSON))
    cells[0]["source"] = ("# 01 · A tiny lesson\n\nA new paragraph comes first.\n\n"
                          "A frozen network turns each photo into 768 numbers.\nThey are its *features*, a description.\n\n"
                          "* first, load `load_backbone()`;").splitlines(keepends=True)
    cells[2]["source"] = ["See [the guide](https://keras.io/guides/transfer_learning/)."]
    _write_nb(repo / "notebooks" / "01_tiny.ipynb", cells)
    _run(repo, "extract")
    _run(repo, "update")
    catalog = l10n.catalogs.read_catalog(repo / "locale" / "tl" / "LC_MESSAGES" / "01_tiny.po")  # reads `#| msgid` too
    by_ctx = {m.context: m for m in catalog if m.id}
    new = by_ctx["01_tiny.ipynb:intro:2"]
    assert new.id == "A new paragraph comes first." and not new.string
    changed = by_ctx["01_tiny.ipynb:intro:3"]
    assert "fuzzy" in changed.flags and changed.string.startswith("TL A frozen network")
    assert changed.previous_id == ["A frozen network turns each photo into 768 numbers. They are its *features*."]
    moved = by_ctx["01_tiny.ipynb:intro:4"]  # same English, one paragraph later: still translated
    assert moved.string == "TL first, load `load_backbone()`;" and "fuzzy" not in moved.flags
    heading = by_ctx["01_tiny.ipynb:intro:1"]
    assert heading.string == "# 01 · Isang maliit na aralin" and "fuzzy" not in heading.flags
    obsolete = {m.id for m in catalog.obsolete.values()}
    assert obsolete == {"then train on 2,000 photos.", "The loss is $L = -\\log p$."}
    assert by_ctx["01_tiny.ipynb:math:1"].string.startswith("TL See [the guide]")  # moved from math:2 to math:1
    # a second update keeps the fuzzy entry's old English as `#| msgid` (what Poedit shows), changes nothing else
    po = repo / "locale" / "tl" / "LC_MESSAGES" / "01_tiny.po"
    text = po.read_text()
    _run(repo, "update")
    assert po.read_text() == text and "\n#| msgid " in text and "\n# |" not in text
    if shutil.which("msgfmt"):  # GNU gettext reads the file as Poedit would
        result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(po)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    counts = l10n.catalogs.catalog_counts(catalog)
    assert counts == {"entries": 5 + 5, "translated": 3 + 5, "fuzzy": 1, "untranslated": 1, "obsolete": 2}  # markdown + quiz
    # --drop-obsolete removes them once reviewed
    _run(repo, "update", "--drop-obsolete")
    assert not _po(repo).obsolete


def test_a_new_notebook_reuses_translations_of_the_same_english(repo, l10n):
    """The lab and its solution share most paragraphs: the translation memory fills them, not fuzzy."""
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    _write_nb(repo / "notebooks" / "solutions" / "01_tiny_solution.ipynb", [LESSON[0], _code("s", "x = 2")])
    _run(repo, "extract")
    _run(repo, "update")
    solution = _po(repo, "01_tiny_solution")
    assert [m.string for m in solution if m.id][:2] == ["# 01 · Isang maliit na aralin",
                                                      "TL A frozen network turns each photo into 768 numbers. They are its *features*."]
    assert not any("fuzzy" in m.flags for m in solution)


# --------------------------------------------------------------------------- render


def test_render_translates_markdown_keeps_code_and_fails_on_what_is_missing(repo, l10n):
    _run(repo, "extract")
    _run(repo, "update")
    rc, out = _run(repo, "render")
    target = repo / "notebooks" / "tl" / "01_tiny.ipynb"
    assert rc == 1 and not target.exists()
    assert "01_tiny.ipynb:intro:2" in out and "'A frozen network turns" in out  # names what is missing
    rc, _ = _run(repo, "render", "--allow-missing")  # a draft: English stays
    assert rc == 0 and target.exists()
    _translate_all(repo)
    _translate_all(repo, "transferkit")
    _run(repo, "compile")
    rc, out = _run(repo, "render")
    assert rc == 0, out
    english = json.loads((repo / "notebooks" / "01_tiny.ipynb").read_text())
    translated = json.loads(target.read_text())
    code_en = [c for c in english["cells"] if c["cell_type"] == "code"]
    code_tl = [c for c in translated["cells"] if c["cell_type"] == "code"]
    assert code_tl[1:] == code_en[1:]  # byte-identical, outputs and ids included
    assert "".join(code_tl[0]["source"]).endswith('import transferkit as tk, keras; tk.set_language("tl")')
    badge = "".join(translated["cells"][0]["source"])
    assert badge.startswith("[![Open In Colab]") and badge.endswith("/blob/main/notebooks/tl/01_tiny.ipynb)")
    intro = "".join(translated["cells"][1]["source"])
    assert intro == ("# 01 · Isang maliit na aralin\n\nTL A frozen network turns each photo into 768 numbers. "
                     "They are its *features*.\n\n* TL first, load `load_backbone()`;\n* TL then train on 2,000 photos.")
    assert "$$\\sum_i x_i$$" in "".join(translated["cells"][3]["source"])
    quiz = json.loads((repo / "lib" / "quizzes" / "tl" / "01.json").read_text())
    assert quiz[0]["question"] == "TL How many features per image?" and [a["correct"] for a in quiz[0]["answers"]] == [True, False]
    rc, out = _run(repo, "check")
    assert rc == 0, out


def test_render_refuses_to_write_a_translation_that_breaks_a_placeholder(repo, l10n):
    """A translation that drops a number (a paragraph, a quiz feedback) stops the notebook and the quiz it is
    in, naming the .po, the entry and the problem, also in a draft; the files already there stay as they were."""
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    assert _run(repo, "render")[0] == 0
    target, quiz = repo / "notebooks" / "tl" / "01_tiny.ipynb", repo / "lib" / "quizzes" / "tl" / "01.json"
    before = target.read_bytes(), quiz.read_bytes()
    catalog = _po(repo)
    for m in catalog:
        if m.context == "01_tiny.ipynb:intro:4":
            m.string = "saka mag-train sa maraming litrato."
        if m.context == "quizzes/01.json:q1:a1:feedback":
            m.string = "Tama: mga channel, pinagsama."
    _save_po(repo, catalog)
    for argv in (["render"], ["render", "--allow-missing"], ["render", "--notebook", "01_tiny"]):
        rc, out = _run(repo, *argv)
        assert rc == 1, (argv, out)
        assert "NOT written: notebooks/tl/01_tiny.ipynb uses 1 translation(s) that break a placeholder" in out
        assert "    locale/tl/LC_MESSAGES/01_tiny.po: 01_tiny.ipynb:intro:4: number: missing ['2,000']" in out
        assert "NOT written: lib/quizzes/tl/01.json uses 1 translation(s)" in out
        assert "    locale/tl/LC_MESSAGES/01_tiny.po: quizzes/01.json:q1:a1:feedback: number: missing ['768']" in out
        assert (target.read_bytes(), quiz.read_bytes()) == before
    rc, out = _run(repo, "check")  # check names the entry as before: once, with its catalog
    assert rc == 1 and out.count("01_tiny.ipynb:intro:4") == 1


def test_the_command_runs_as_a_script_with_babel_and_the_standard_library_only(repo, l10n):
    """tools/l10n.py in a fresh interpreter (isolated: no PYTHONPATH, no current folder on the path) that
    refuses every installed package but Babel, and the kit: what `make l10n-check` needs on a machine
    with Babel alone (no TensorFlow, no NumPy, not the kit)."""
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    _translate_all(repo, "transferkit")
    guard = textwrap.dedent("""
        import importlib.machinery, runpy, sys
        class Guard:
            def find_spec(self, name, path=None, target=None):
                top = name.split(".")[0]
                spec = None if top == "babel" else importlib.machinery.PathFinder.find_spec(name, path)
                if top in ("transferkit", "lib") or spec and "-packages" in (spec.origin or ""):
                    raise ModuleNotFoundError(f"the translation tools imported {name!r}", name=name)
        sys.meta_path.insert(0, Guard())
        sys.argv = [sys.argv[1], *sys.argv[2:]]
        runpy.run_path(sys.argv[0], run_name="__main__")
    """)
    script = str(repo / "tools" / "l10n.py")
    for argv, code, last in [(["compile"], 0, None), (["render"], 0, "wrote notebooks/tl/01_tiny.ipynb"), (["render"], 0, "2 file(s) up to date"),
                             (["check"], 0, "== translations in step with the English (tl)")]:
        run = subprocess.run([sys.executable, "-I", "-c", guard, script, *argv], capture_output=True, text=True,
                             cwd=repo.parent, timeout=120)
        assert run.returncode == code and not run.stderr, (argv, run.stdout, run.stderr)
        assert last is None or last in run.stdout, (argv, run.stdout)
    module = subprocess.run([sys.executable, "-m", "tools.l10n", "check"], capture_output=True, text=True, cwd=repo, timeout=120)
    assert module.returncode == 0 and module.stdout == run.stdout, module.stderr
    (repo / "benchmarks").mkdir()  # `make l10n-stats`: it loads tools/l10n.py by its path
    shutil.copy(REPO / "benchmarks" / "translations.py", repo / "benchmarks")
    stats = subprocess.run([sys.executable, "-I", "benchmarks/translations.py"], capture_output=True, text=True, cwd=repo, timeout=120)
    assert stats.returncode == 0 and "tl_translated_percent: 100.0" in stats.stdout, stats.stdout + stats.stderr


def test_the_tools_keep_no_state_and_do_not_edit_the_import_path():
    """In tools/: no ``global`` statement, no assignment to an attribute of an imported module (``colab.ROOT = ...``),
    no ``sys.path``. Each job is given the repository's ``Paths`` instead."""
    for path in sorted((REPO / "tools").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "sys.path" not in text, path
        tree = ast.parse(text)
        modules = {(a.asname or a.name).split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                   for a in node.names}
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.Global, ast.Nonlocal)), f"{path.name}:{node.lineno}"
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                for leaf in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(leaf, ast.Attribute) and isinstance(leaf.value, ast.Name):
                        assert leaf.value.id not in modules, f"{path.name}:{leaf.lineno}: sets {leaf.value.id}.{leaf.attr}"


def test_real_notebooks_render_with_code_cells_identical(l10n):
    """Every English notebook, rendered as a draft: every code cell but the setup cell is the English one."""
    for notebook in l10n.paths.Paths().english_notebooks():
        result = l10n.render.render_notebook(notebook, "pcm", l10n.render.Lookup({}), l10n.paths.Paths())
        english = json.loads(notebook.read_text(encoding="utf-8"))
        rendered = json.loads(result.text)
        assert l10n.check.code_cell_differences(english, rendered, "pcm") == [], notebook.name
        assert [c["cell_type"] for c in rendered["cells"]] == [c["cell_type"] for c in english["cells"]]
        assert result.missing and not result.broken, notebook.name


# --------------------------------------------------------------------------- placeholder checks


@pytest.mark.parametrize("english, translation, problem", [
    ("Train on 2,000 photos for 5 epochs.", "I-train sa 2,000 na litrato nang 5 epochs.", None),
    ("Train on 2,000 photos for 5 epochs.", "I-train sa 2,000 na litrato.", "number: missing ['5']"),
    ("Train on 2,000 photos.", "I-train sa 3,000 na litrato.", "number"),
    ("Call `load_backbone()` first.", "Tawagin muna ang `load_backbone()`.", None),
    ("Call `load_backbone()` first.", "Tawagin muna ang `load_model()`.", "code span"),
    ("Call `load_backbone()` first.", "Tawagin muna ang load_backbone().", "code span"),
    ("See [the guide](https://keras.io/guides/).", "Tingnan ang [gabay](https://keras.io/guides/).", None),
    ("See [the guide](https://keras.io/guides/).", "Tingnan ang [gabay](https://keras.io/).", "link target"),
    ("The loss is $L = -\\log p$.", "Ang loss ay $L = -\\log p$.", None),
    ("The loss is $L = -\\log p$.", "Ang loss ay $L = \\log p$.", "formula"),
    ("## 2. Fine-tuning", "## 2. Pag-fine-tune", None),
    ("## 2. Fine-tuning", "### 2. Pag-fine-tune", "heading level: English 2, translation 3"),
    ("## 2. Fine-tuning", "2. Pag-fine-tune", "heading level"),
    ("{right} of {total} checks passed", "{right} sa {total} na check ang pumasa", None),
])
def test_placeholder_checker(l10n, english, translation, problem):
    errors = l10n.placeholders.placeholder_errors(english, translation, kit_message=True)
    if problem is None:
        assert errors == []
    else:
        assert any(e.startswith(problem) for e in errors), errors


def test_a_dropped_format_field_is_caught_in_kit_messages(l10n):
    assert l10n.placeholders.placeholder_errors("{right} of {total} passed", "{right} ang pumasa", kit_message=True) == [
        "format field: missing ['{total}']"]


# --------------------------------------------------------------------------- check


def test_check_fails_on_a_stale_template_and_names_the_entry(repo, l10n):
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    _translate_all(repo, "transferkit")
    _run(repo, "compile")
    assert _run(repo, "render")[0] == 0
    assert _run(repo, "check")[0] == 0
    cells = json.loads(json.dumps(LESSON))
    cells[0]["source"] = [s.replace("768 numbers", "1024 numbers") for s in cells[0]["source"]]
    _write_nb(repo / "notebooks" / "01_tiny.ipynb", cells)
    rc, out = _run(repo, "check")
    assert rc == 1
    assert "locale/templates/01_tiny.pot is stale" in out and "01_tiny.ipynb:intro:2" in out and "1024 numbers" in out
    _run(repo, "extract")
    _run(repo, "update")
    rc, out = _run(repo, "check")
    assert rc == 1 and "01_tiny.ipynb:intro:2: fuzzy" in out
    assert "notebooks/tl/01_tiny.ipynb is stale: 1 entry untranslated or fuzzy, first 01_tiny.ipynb:intro:2" in out
    # draft mode lets the fuzzy entry be, but not the stale notebook
    rc, out = _run(repo, "check", "--draft")
    assert rc == 1 and "fuzzy:" not in out and "notebooks/tl/01_tiny.ipynb" in out


def test_check_catches_an_edited_code_cell_a_broken_quiz_and_a_stale_mo(translated_repo, l10n):
    repo = translated_repo
    target = repo / "notebooks" / "tl" / "01_tiny.ipynb"
    nb = json.loads(target.read_text())
    nb["cells"][4]["source"] = ["x = 2\nprint(x)"]
    target.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    quiz_path = repo / "lib" / "quizzes" / "tl" / "01.json"
    quiz = json.loads(quiz_path.read_text())
    quiz[0]["answers"][0]["correct"], quiz[0]["answers"][1]["correct"] = False, True
    quiz_path.write_text(json.dumps(quiz))
    catalog = _po(repo, "transferkit")
    for m in catalog:
        if m.id:
            m.string = "{n} sa 5 ang tama"
    _save_po(repo, catalog, "transferkit")
    rc, out = _run(repo, "check")
    assert rc == 1
    assert "notebooks/tl/01_tiny.ipynb: code cell work differs from the English cell work" in out
    assert "lib/quizzes/tl/01.json: question 1: right answers (False, True), the English has (True, False)" in out
    assert "lib/locale/tl/LC_MESSAGES/transferkit.mo is not compiled from" in out
    quiz_path.write_text(json.dumps(quiz + quiz))
    assert "lib/quizzes/tl/01.json: 2 questions, the English has 1" in _run(repo, "check")[1]


def test_check_names_a_translation_that_breaks_a_placeholder(repo, l10n):
    _run(repo, "extract")
    _run(repo, "update")
    _translate_all(repo)
    catalog = _po(repo)
    for m in catalog:
        if m.context == "01_tiny.ipynb:intro:4":
            m.string = "saka mag-train sa 200 na litrato."
    _save_po(repo, catalog)
    rc, out = _run(repo, "check", "--draft")
    assert rc == 1 and "locale/tl/LC_MESSAGES/01_tiny.po: 01_tiny.ipynb:intro:4: number: missing ['2,000']" in out


# --------------------------------------------------------------------------- a dropped or added sentence


@pytest.mark.parametrize("english, translation, problem", [
    ("Train the head. Then fine-tune.", "I-train ang head. Saka i-fine-tune.", False),
    ("Train the head. Then fine-tune.", "I-train ang head.", True),
    ("Train the head. Then fine-tune.", "I-train ang head. Saka i-fine-tune. Tapos na.", True),
    ("Right. The head learns; the backbone stays.", "Tama. Natututo ang head. Nananatili ang backbone.", False),
    ("Use a small rate, e.g. 1e-5. Then wait.", "Gumamit ng maliit na rate, hal. 1e-5. Saka maghintay.", False),
    ("Top-1 (is the guess right?) is harsh. Top-3 is kinder.", "Mahigpit ang top-1 (tama ba?). Mas mabait ang top-3.", False),
    ("It ends here. `tk.pick` gives the value.", "Dito ito natatapos. Ibinibigay ng `tk.pick` ang value.", False),
    ("It ends here. `tk.pick` gives the value.", "Dito ito natatapos at ibinibigay ng `tk.pick` ang value.", True),
    ("## 7. The test: once", "## 7. Ang test: isang beses", False),
    ("| a | b |\n|---|---|", "| x |", False),  # tables: their shape is checked, not sentences
    ("{n} files skipped; {m} kept", "nilaktawan ang {n} file; {m} ang itinabi", False),
])
def test_sentence_counts(l10n, english, translation, problem):
    assert bool(l10n.sentences.sentence_errors(english, translation)) == problem, (
        l10n.sentences.count_sentences(english), l10n.sentences.count_sentences(translation))


def test_check_names_a_translation_that_drops_a_sentence_and_accepts_a_reviewed_one(translated_repo, l10n):
    repo = translated_repo
    assert _run(repo, "check") == (0, "== translations in step with the English (tl)\n")
    catalog = _po(repo)
    entry = next(m for m in catalog if m.context == "01_tiny.ipynb:intro:2")
    assert entry.id == "A frozen network turns each photo into 768 numbers. They are its *features*."
    entry.string = "TL Ginagawang 768 na numero ng frozen na network ang bawat larawan."  # the second sentence dropped
    _save_po(repo, catalog)
    _run(repo, "render")
    rc, out = _run(repo, "check")
    assert rc == 1
    assert ("locale/tl/LC_MESSAGES/01_tiny.po: 01_tiny.ipynb:intro:2: sentences: the English has 2, the translation 1"
            in out), out
    # a translator who joined the two on purpose marks the entry after review
    entry.flags.add("sentences-ok")
    _save_po(repo, catalog)
    assert "#, sentences-ok" in (repo / "locale" / "tl" / "LC_MESSAGES" / "01_tiny.po").read_text()
    assert _run(repo, "check")[0] == 0
    # the mark says nothing once the counts agree: the check asks to remove it
    entry.string = "TL Ginagawang 768 na numero ng frozen na network ang bawat larawan. Iyon ang *features* nito."
    _save_po(repo, catalog)
    _run(repo, "render")
    rc, out = _run(repo, "check")
    assert rc == 1 and "01_tiny.ipynb:intro:2: marked `sentences-ok` but its sentences match the English" in out
    # when the English changes, the review is of the old English: update drops the mark with the fuzzy flag
    entry.string = "TL Ginagawang 768 na numero ng frozen na network ang bawat larawan."
    _save_po(repo, catalog)
    cells = json.loads(json.dumps(LESSON))
    cells[0]["source"] = [s.replace("768 numbers", "1024 numbers") for s in cells[0]["source"]]
    _write_nb(repo / "notebooks" / "01_tiny.ipynb", cells)
    _run(repo, "extract")
    _run(repo, "update")
    changed = next(m for m in _po(repo) if m.context == "01_tiny.ipynb:intro:2")
    assert "fuzzy" in changed.flags and "sentences-ok" not in changed.flags


def test_a_sentence_dropped_from_a_real_tagalog_entry_fails_the_check(l10n, tmp_path):
    """On a copy of the shipped catalogs, the last sentence cut from a Tagalog paragraph of lesson 02 (it holds
    no number, code span or link: the placeholder check alone lets it pass) makes the check fail naming the
    entry; the only other problem is the rendered notebook, which no longer matches its catalog."""
    root = tmp_path / "repo"
    for part in ("notebooks", "locale", "lib", "tools"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, root / name)
    context = "02_cats_vs_dogs_finetune.ipynb:041781cc:4"
    catalog = _po(root, "02_cats_vs_dogs_finetune")
    entry = next(m for m in catalog if m.context == context)
    english_sentences = l10n.sentences.count_sentences(entry.id)
    assert l10n.sentences.count_sentences(entry.string) == english_sentences == 3
    entry.string = entry.string.rsplit(". ", 1)[0] + "."  # the last sentence dropped
    _save_po(root, catalog, "02_cats_vs_dogs_finetune")
    rc, out = _run(root, "check")
    print(out)
    assert rc == 1
    assert (f"locale/tl/LC_MESSAGES/02_cats_vs_dogs_finetune.po: {context}: sentences: the English has 3, "
            "the translation 2") in out
    assert l10n.placeholders.placeholder_errors(entry.id, entry.string) == []
    assert [line for line in out.splitlines()[:-1] if not line.startswith(
        (f"locale/tl/LC_MESSAGES/02_cats_vs_dogs_finetune.po: {context}: sentences:",
         "notebooks/tl/02_cats_vs_dogs_finetune.ipynb differs from a fresh render"))] == []


# --------------------------------------------------------------------------- the kit speaks the language


@pytest.fixture
def i18n():
    from transferkit import i18n

    saved = dict(i18n._state)
    yield i18n
    i18n._state.update(saved)


def _kit_translation(lang: str, english: str) -> str:
    """``english`` as the shipped catalog of ``lang`` has it, read straight from the .mo ("" if untranslated)."""
    path = REPO / "lib" / "locale" / lang / "LC_MESSAGES" / "transferkit.mo"
    if not path.is_file():
        return ""
    with path.open("rb") as f:
        found = gettext.GNUTranslations(f).gettext(english)
    return "" if found == english else found


@pytest.mark.parametrize("lang", ["tl", "pcm"])
def test_set_language_switches_messages_and_falls_back_to_english(i18n, lang):
    expected = _kit_translation(lang, "right")
    assert expected and expected != "right", f"locale/{lang}/LC_MESSAGES/transferkit.po has no translation of 'right'"
    assert i18n.set_language(lang) is None  # nothing to show at the end of the setup cell
    assert i18n.language() == lang and i18n._("right") == expected
    assert i18n._("a message nobody translated") == "a message nobody translated"
    i18n.set_language("en")
    assert i18n.language() == "en" and i18n._("right") == "right"
    with pytest.warns(UserWarning, match="no 'xx' translation"):
        i18n.set_language("xx")
    assert i18n._("right") == "right"
    i18n.set_language("pcm_NG")  # a region falls back to the language
    assert i18n.language() == "pcm_NG" and i18n._("right") == _kit_translation("pcm", "right")
    with pytest.raises(ValueError):
        i18n.set_language("not a language")


def test_the_environment_variable_sets_the_language(i18n, monkeypatch):
    from transferkit.config import mode_banner

    monkeypatch.setenv("TRANSFERKIT_LANG", "pcm")
    i18n._state["language"] = None
    assert i18n.language() == "pcm"
    banner = _kit_translation("pcm", "transferkit: {mode}; {source}.")
    if banner:
        assert mode_banner().startswith(banner.split("{")[0])
    monkeypatch.setenv("TRANSFERKIT_LANG", "??")
    i18n._state["language"] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert i18n.language() == "en"
    assert any("TRANSFERKIT_LANG" in str(w.message) for w in caught)


def test_the_quiz_speaks_the_language_when_a_translation_is_shipped(i18n, l10n, monkeypatch, tmp_path):
    """The real quiz of lesson 01, rendered into a tl file from a catalog: used when the kit speaks tl."""
    from transferkit.course import quiz

    package = tmp_path / "transferkit"
    shutil.copytree(REPO / "lib" / "quizzes", package / "quizzes", ignore=shutil.ignore_patterns("tl", "pcm"))
    english = json.loads((package / "quizzes" / "01.json").read_text())
    done = {(ctx, text): f"[tl] {text}" for ctx, text, _ in l10n.units.quiz_units(package / "quizzes" / "01.json")}
    rendered = l10n.render.render_quiz(package / "quizzes" / "01.json", l10n.render.Lookup(done))
    assert not rendered.missing and not rendered.broken
    (package / "quizzes" / "tl").mkdir()
    (package / "quizzes" / "tl" / "01.json").write_text(rendered.text)
    monkeypatch.setattr(quiz.resources, "files", lambda name: package)
    monkeypatch.setattr(i18n.resources, "files", lambda name: package)
    quiz._load.cache_clear()
    try:
        i18n.set_language("tl")
        translated = quiz.quiz_questions("01")
        assert translated[0]["question"] == "[tl] " + english[0]["question"]
        assert l10n.check.quiz_differences(english, translated) == []
        i18n.set_language("en")
        assert quiz.quiz_questions("01")[0]["question"] == english[0]["question"]
    finally:
        quiz._load.cache_clear()


def test_a_pidgin_student_sees_the_quiz_in_pidgin(i18n, capsys):
    from transferkit.course import quiz

    path = REPO / "lib" / "quizzes" / "pcm" / "01.json"
    if not path.is_file():
        pytest.skip("no Pidgin quiz for lesson 01 rendered yet")
    pidgin = json.loads(path.read_text(encoding="utf-8"))
    quiz._load.cache_clear()
    i18n.set_language("pcm")
    try:
        if quiz._shape(pidgin) != quiz._shape(json.loads((REPO / "lib" / "quizzes" / "01.json").read_text())):
            with pytest.warns(UserWarning, match="out of step"):
                assert quiz.quiz_questions("01")[0]["question"] != pidgin[0]["question"]
            return
        quiz.self_check("01")
        out = capsys.readouterr().out
        assert f"1. {pidgin[0]['question']}" in out
        assert f"-> {_kit_translation('pcm', 'right')}: {pidgin[0]['answers'][0]['feedback']}" in out
    finally:
        i18n.set_language("en")
        quiz._load.cache_clear()


def test_a_stale_translated_quiz_falls_back_to_english(i18n, l10n, monkeypatch, tmp_path):
    from transferkit.course import quiz

    package = tmp_path / "transferkit"
    (package / "quizzes" / "tl").mkdir(parents=True)
    (package / "quizzes" / "01.json").write_text(json.dumps(QUIZ))
    swapped = json.loads(json.dumps(QUIZ))
    swapped[0]["answers"][0]["correct"], swapped[0]["answers"][1]["correct"] = False, True
    (package / "quizzes" / "tl" / "01.json").write_text(json.dumps(swapped))
    monkeypatch.setattr(quiz.resources, "files", lambda name: package)
    monkeypatch.setattr(i18n.resources, "files", lambda name: package)
    quiz._load.cache_clear()
    try:
        i18n.set_language("tl")
        with pytest.warns(UserWarning, match="out of step"):
            assert quiz.quiz_questions("01") == QUIZ
    finally:
        quiz._load.cache_clear()


def test_a_pidgin_student_sees_the_unanswered_lab_and_a_layout_error_in_pidgin(i18n, monkeypatch, tmp_path, capsys):
    """TRANSFERKIT_LANG=pcm: the lab's verdict, hint and lent-answer line, and a folder-layout error, come out in
    the shipped Pidgin catalog's words; without it, in English."""
    from transferkit.course import lab
    from transferkit.datasets.oxford import breed_of
    from transferkit.datasets import folders
    from transferkit.datasets.registry import demo_image, load_dataset

    def pidgin(english: str) -> str:
        found = _kit_translation("pcm", english)
        assert found and found != english, f"locale/pcm/LC_MESSAGES/transferkit.po has no translation of {english!r}"
        return found

    hint = lab.EXERCISES["breed_from_filename"].hints[0]
    missing = "{name}: {message}. Hint: {hint}"  # the same words in Pidgin: the fields are what change
    lent = ("REFERENCE ANSWER LENT: the next cells run with the kit's answer to {name!r}, not yours; "
            "the exercise stays open.")
    one_class = tmp_path / "my_photos"
    (one_class / "cats").mkdir(parents=True)
    shutil.copy(demo_image("cat.2007.jpg"), one_class / "cats" / "cat.2007.jpg")  # a real photo, one class only
    only_one = "{what} {root} has only one class subfolder, {only!r}: a classifier needs at least two classes. {help}"

    def run_lab_and_load() -> tuple[str, str]:
        i18n._state["language"] = None  # read TRANSFERKIT_LANG again, as a fresh kernel does
        assert lab.check("breed_from_filename", ...) is breed_of  # the reference is lent in any language
        with pytest.raises(ValueError) as error:
            load_dataset(str(one_class))
        return capsys.readouterr().out, str(error.value)

    monkeypatch.setenv("TRANSFERKIT_LANG", "pcm")
    out, error = run_lab_and_load()
    assert i18n.language() == "pcm"
    assert "○ " + (_kit_translation("pcm", missing) or missing).format(name="breed_from_filename", message=pidgin("not answered yet"),
                                         hint=pidgin(hint)) in out
    assert "🔑 " + pidgin(lent).format(name="breed_from_filename") in out
    assert "REFERENCE ANSWER LENT" in out  # the marker the lab's prose names stays as it is
    assert error == pidgin(only_one).format(what=pidgin("folder"), root=one_class, only="cats",
                                            help=pidgin(folders.LAYOUT_HELP))
    assert hint not in out and "a classifier needs" not in error

    monkeypatch.delenv("TRANSFERKIT_LANG")
    out, error = run_lab_and_load()
    assert i18n.language() == "en"
    assert f"○ breed_from_filename: not answered yet. Hint: {hint}" in out
    assert "🔑 " + lent.format(name="breed_from_filename") in out
    assert error == only_one.format(what="folder", root=one_class, only="cats", help=folders.LAYOUT_HELP)

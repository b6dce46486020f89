"""``render`` and ``compile``: the catalogs -> ``notebooks/<lang>/``, ``lib/quizzes/<lang>/`` and the kit's
``lib/locale/<lang>/LC_MESSAGES/transferkit.mo``.

A rendered notebook is the English notebook with its markdown translated paragraph by paragraph: code
cells are byte-identical to the English ones except the setup cell, which tools/colab.py writes with
``tk.set_language("<lang>")``. A file is not written while an entry it needs is untranslated or fuzzy
(unless ``--allow-missing``: a draft keeps the English there), nor while a translation it uses breaks a
placeholder of its English (a number, code span, formula, link target...)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import colab
from .catalogs import mo_bytes, translations, write_if_changed
from .paths import KIT_DOMAIN, Paths
from .placeholders import placeholder_errors
from .units import markdown_cells, preview, quiz_texts, render_block, source_lines

_RELATIVE_TARGET = re.compile(r"(\]\(\s*)([^)\s#]+?)((?:#[^)\s]*)?(?:\s+\"[^\"]*\")?\s*\))")


def relink(text: str, english_dir: Path, target_dir: Path) -> str:
    """Relative link targets in ``text`` rewritten for a notebook in ``target_dir`` (one folder deeper):
    a file beside the English notebook (``../README.md``, an image) is reached from the translation's
    folder; links to notebooks stay as they are, so they open the translated notebook of that name."""
    def fix(m: re.Match) -> str:
        target = m[2]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.endswith(".ipynb") or target.startswith("/"):
            return m[0]
        source = (english_dir / target).resolve()
        if not source.exists():
            return m[0]
        return m[1] + Path(os.path.relpath(source, target_dir.resolve())).as_posix() + m[3]
    return _RELATIVE_TARGET.sub(fix, text)


@dataclass
class Lookup:
    """The done translations of one domain, and what a render asked of them: the entries it lacked
    (``context: English``) and the translations that break a placeholder (``where: context: problem``)."""

    done: dict[tuple[str, str], str]
    where: str = ""
    missing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def __call__(self, context: str, text: str) -> str | None:
        found = self.done.get((context, text))
        if found is None:
            self.missing.append(f"{context}: {preview(text)}")
            return None
        for problem in placeholder_errors(text, found):
            self.broken.append(f"{self.where}{context}: {problem}")
        return found


@dataclass
class Rendered:
    """A translated file's text, the entries it lacks (rendered in English) and the broken translations it uses."""

    text: str
    missing: list[str]
    broken: list[str]


def render_notebook(notebook: Path, lang: str, lookup: Lookup, paths: Paths) -> Rendered:
    """The notebook in ``lang``; an entry ``lookup`` lacks stays English (``missing`` names it)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    target = paths.rendered(notebook, lang)
    missing, broken = len(lookup.missing), len(lookup.broken)
    for _, cell, blocks in markdown_cells(nb, notebook.relative_to(paths.notebooks).as_posix()):
        out = []
        for block, context in blocks:
            found = lookup(context, block.text) if context else None
            out.extend(block.lines if found is None else render_block(block, found))
        cell["source"] = source_lines(relink("\n".join(out), notebook.parent, target.parent))
    text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    url, branch = colab.repo_url(root=paths.root), colab.colab_branch(root=paths.root)
    text = colab.updated_notebook(text, colab.colab_link(url, branch, target.relative_to(paths.root)), url, language=lang)
    return Rendered(text, lookup.missing[missing:], lookup.broken[broken:])


def render_quiz(quiz: Path, lookup: Lookup) -> Rendered:
    """The quiz translated: the English structure (types, right answers) with translated texts."""
    questions = json.loads(quiz.read_text(encoding="utf-8"))
    missing, broken = len(lookup.missing), len(lookup.broken)
    for context, text, _, holder, name in quiz_texts(questions, f"quizzes/{quiz.name}"):
        found = lookup(context, text)
        if found is not None:
            holder[name] = found
    return Rendered(json.dumps(questions, indent=2, ensure_ascii=False) + "\n", lookup.missing[missing:], lookup.broken[broken:])


@dataclass
class Plan:
    """What ``render`` would do: files to write (path -> text), files it cannot write for lack of
    translations (path -> the entries), and files whose translations break a placeholder (path -> problems)."""

    wanted: dict[Path, str] = field(default_factory=dict)
    blocked: dict[Path, list[str]] = field(default_factory=dict)
    broken: dict[Path, list[str]] = field(default_factory=dict)


def planned_renders(paths: Paths, langs: list[str], only: list[str] | None, allow_missing: bool) -> Plan:
    plan = Plan()
    for lang in langs:
        for notebook in paths.english_notebooks():
            if only and notebook.stem not in only:
                continue
            lookup = Lookup(translations(paths, lang, notebook.stem), f"{paths.rel(paths.po(lang, notebook.stem))}: ")
            outputs = [(paths.rendered(notebook, lang), render_notebook(notebook, lang, lookup, paths))]
            quiz = paths.quiz_of(notebook)
            if quiz:
                outputs.append((paths.rendered_quiz(quiz, lang), render_quiz(quiz, lookup)))
            for target, rendered in outputs:
                if rendered.missing and not allow_missing:
                    plan.blocked[target] = rendered.missing
                else:
                    plan.wanted[target] = rendered.text
                if rendered.broken:
                    plan.broken[target] = rendered.broken
    return plan


def _not_written(paths: Paths, problems: dict[Path, list[str]], what: str) -> None:
    for path, entries in problems.items():
        print(f"NOT written: {paths.rel(path)} {what.format(n=len(entries))}:")
        for entry in entries[:10]:
            print(f"    {entry}")
        if len(entries) > 10:
            print(f"    ... and {len(entries) - 10} more")


def write_renders(paths: Paths, langs: list[str], only: list[str] | None, allow_missing: bool) -> int:
    """Writes every translated notebook and quiz that can be written; 1 if any cannot (each named)."""
    plan = planned_renders(paths, langs, only, allow_missing)
    for path, text in plan.wanted.items():
        if path not in plan.broken and write_if_changed(path, text.encode("utf-8")):
            print(f"wrote {paths.rel(path)}")
    _not_written(paths, plan.blocked, "lacks {n} translation(s) (fuzzy or untranslated)")
    _not_written(paths, plan.broken, "uses {n} translation(s) that break a placeholder of their English")
    if plan.blocked:
        print("translate them (locale/README.md), or render a draft with --allow-missing (English stays)")
    if plan.broken:
        print("fix them in the .po: a translation keeps every number, code span, formula and link target of its English")
    if plan.blocked or plan.broken:
        return 1
    print(f"{len(plan.wanted)} file(s) up to date")
    return 0


def write_compiled(paths: Paths, langs: list[str]) -> int:
    """``transferkit.po`` -> ``lib/locale/<lang>/LC_MESSAGES/transferkit.mo`` for each language; 1, and
    that language's .mo left as it was, when a translation drops or adds a ``{field}`` (or another
    placeholder) of its English: ``.format()`` would then raise or lose a value in the student's kernel."""
    status = 0
    for lang in langs:
        broken = broken_kit_entries(paths, lang)
        if broken:
            _not_written(paths, {paths.mo(lang): broken}, "uses {n} translation(s) that break a placeholder of their English")
            status = 1
            continue
        data = mo_bytes(paths, lang)
        if data is not None and write_if_changed(paths.mo(lang), data):
            print(f"wrote {paths.rel(paths.mo(lang))}")
    return status


def broken_kit_entries(paths: Paths, lang: str) -> list[str]:
    """``msgid: problem`` for each done kit translation of ``lang`` that breaks a placeholder of its English."""
    return [f"{preview(english)}: {problem}"
            for (_context, english), translation in translations(paths, lang, KIT_DOMAIN).items()
            for problem in placeholder_errors(english, translation, kit_message=True)]

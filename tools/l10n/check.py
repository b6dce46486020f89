"""``check`` (CI's ``make l10n-check``): every stale, missing or broken translation, named. Reads files
only, and needs Babel alone (no TensorFlow, not the kit)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog

from .catalogs import entry_signature, is_done, key, mo_bytes, read_catalog
from .extract import templates
from .paths import KIT_DOMAIN, Paths
from .placeholders import placeholder_errors
from .render import planned_renders
from .sentences import REVIEWED, sentence_errors
from .units import cell_source, preview


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.problems.append(message)


def _diff_templates(stored: Catalog, fresh: Catalog) -> list[str]:
    old = {key(m): m for m in stored if m.id}
    new = {key(m): m for m in fresh if m.id}
    out = []
    for k in new.keys() - old.keys():
        out.append(f"new or changed English {k[1]}: {preview(k[0])}")
    for k in old.keys() - new.keys():
        out.append(f"gone from the English {k[1]}: {preview(k[0])}")
    if not out and entry_signature(stored) != entry_signature(fresh):
        out.append("entries moved or their comments changed")
    return sorted(out)


def check_templates(report: Report, paths: Paths, fresh: dict[str, Catalog]) -> None:
    for domain, catalog in fresh.items():
        path = paths.pot(domain)
        if not path.is_file():
            report.add(f"{paths.rel(path)}: missing (run `make l10n-extract`)")
            continue
        for line in _diff_templates(read_catalog(path), catalog):
            report.add(f"{paths.rel(path)} is stale (run `make l10n-extract`): {line}")
    for path in paths.template_paths():
        if path.stem not in fresh:
            report.add(f"{paths.rel(path)}: no English source any more (run `make l10n-extract`)")


def check_catalogs(report: Report, paths: Paths, lang: str, fresh: dict[str, Catalog], draft: bool) -> None:
    for domain, template in fresh.items():
        path = paths.po(lang, domain)
        if not path.is_file():
            report.add(f"{paths.rel(path)}: missing (run `make l10n-update`)")
            continue
        catalog = read_catalog(path)
        have = {key(m) for m in catalog if m.id}
        want = {key(m) for m in template if m.id}
        new, gone = sorted(want - have, key=lambda k: k[1] or ""), sorted(have - want, key=lambda k: k[1] or "")
        if new or gone:
            first = new[0] if new else gone[0]
            report.add(f"{paths.rel(path)}: not merged with the English (run `make l10n-update`): {len(new)} new or changed, "
                       f"{len(gone)} gone, first {first[1]} {preview(first[0])}")
        for m in catalog:
            if not m.id:
                continue
            where = f"{paths.rel(path)}: {m.context}" if m.context else f"{paths.rel(path)}: {m.id!r}"
            if m.string and "fuzzy" in m.flags:
                if not draft:
                    report.add(f"{where}: fuzzy (the English changed; review the translation, then clear the fuzzy flag): {preview(m.id)}")
            elif not m.string:
                if not draft:
                    report.add(f"{where}: untranslated: {preview(m.id)}")
            if is_done(m):  # a fuzzy entry is reported as fuzzy: its translation is of the old English
                for problem in placeholder_errors(m.id, m.string, kit_message=domain == KIT_DOMAIN):
                    report.add(f"{where}: {problem}")
                for problem in _sentence_problems(m):
                    report.add(f"{where}: {problem}")
        if catalog.obsolete and not draft:
            for m in catalog.obsolete.values():
                report.add(f"{paths.rel(path)}: obsolete entry {m.context or ''} {preview(m.id)} "
                           "(its English is gone: reuse the translation if it helps, then `make l10n-clean`)")


def _sentence_problems(m) -> list[str]:
    """A translation with more or fewer sentences than its English, unless reviewed (``#, sentences-ok``);
    a review mark on an entry whose counts agree (it no longer says anything)."""
    english = m.id if isinstance(m.id, str) else m.id[0]
    translation = m.string if isinstance(m.string, str) else m.string[0]
    problems = sentence_errors(english, translation)
    if REVIEWED in m.flags:
        return [] if problems else [f"marked `{REVIEWED}` but its sentences match the English: remove the mark"]
    return [f"{p}: {preview(english)}" if m.context else p for p in problems]  # a kit message is named by its English


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def code_cell_differences(english: dict, translated: dict, lang: str) -> list[str]:
    """Code cells of a rendered notebook that differ from the English ones (the setup cell must set ``lang``)."""
    en, tr = _code_cells(english), _code_cells(translated)
    if len(en) != len(tr):
        return [f"{len(tr)} code cells, the English has {len(en)}"]
    out = []
    for i, (a, b) in enumerate(zip(en, tr)):
        if i == 0:
            if not cell_source(b).rstrip().endswith(f'tk.set_language("{lang}")'):
                out.append(f"setup cell {b.get('id')} does not set the language {lang!r}")
            continue
        if cell_source(a) != cell_source(b) or a.get("id") != b.get("id"):
            out.append(f"code cell {b.get('id')} differs from the English cell {a.get('id')}")
    return out


def quiz_structure(questions: list[dict]) -> list[tuple]:
    return [(q.get("type"), tuple(bool(a.get("correct")) for a in q.get("answers", []))) for q in questions]


def quiz_differences(english: list[dict], translated: list[dict]) -> list[str]:
    if len(english) != len(translated):
        return [f"{len(translated)} questions, the English has {len(english)}"]
    out = []
    for i, (a, b) in enumerate(zip(quiz_structure(english), quiz_structure(translated)), 1):
        if a[0] != b[0]:
            out.append(f"question {i} is {b[0]}, the English is {a[0]}")
        if a[1] != b[1]:
            out.append(f"question {i}: right answers {b[1]}, the English has {a[1]}")
    return out


def _read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def check_rendered(report: Report, paths: Paths, lang: str, draft: bool) -> None:
    # a broken placeholder is reported with its catalog entry (check_catalogs); here, files against a fresh render
    plan = planned_renders(paths, [lang], None, allow_missing=draft)
    wanted, blocked = plan.wanted, plan.blocked
    for path in sorted(set(wanted) | set(blocked)):
        exists = path.is_file()
        if path in blocked:
            lacks = f"{len(blocked[path])} entr{'y' if len(blocked[path]) == 1 else 'ies'} untranslated or fuzzy, first {blocked[path][0]}"
            report.add(f"{paths.rel(path)} is stale: {lacks}" if exists else f"{paths.rel(path)}: missing ({lacks})")
        elif not exists:
            if not draft:
                report.add(f"{paths.rel(path)}: missing (run `make l10n-render`)")
        elif path.read_text(encoding="utf-8") != wanted[path]:
            report.add(f"{paths.rel(path)} differs from a fresh render (run `make l10n-render`; edit the .po, not the notebook)")
    for notebook in paths.english_notebooks():
        target = paths.rendered(notebook, lang)
        if target.is_file():
            for problem in code_cell_differences(_read_json(notebook), _read_json(target), lang):
                report.add(f"{paths.rel(target)}: {problem}")
        quiz = paths.quiz_of(notebook)
        if quiz and paths.rendered_quiz(quiz, lang).is_file():
            for problem in quiz_differences(_read_json(quiz), _read_json(paths.rendered_quiz(quiz, lang))):
                report.add(f"{paths.rel(paths.rendered_quiz(quiz, lang))}: {problem}")
    sources = {paths.rendered(nb, lang) for nb in paths.english_notebooks()}
    for path in sorted((paths.notebooks / lang).rglob("*.ipynb")) if (paths.notebooks / lang).is_dir() else []:
        if path not in sources and ".ipynb_checkpoints" not in path.parts:
            report.add(f"{paths.rel(path)}: no English notebook of that name (delete it)")
    for path in sorted((paths.quizzes / lang).glob("*.json")) if (paths.quizzes / lang).is_dir() else []:
        if not (paths.quizzes / path.name).is_file():
            report.add(f"{paths.rel(path)}: no English quiz of that name (delete it)")


def check_compiled(report: Report, paths: Paths, lang: str) -> None:
    data = mo_bytes(paths, lang)
    path = paths.mo(lang)
    if data is None:
        return
    if not path.is_file() or path.read_bytes() != data:
        report.add(f"{paths.rel(path)} is not compiled from {paths.rel(paths.po(lang, KIT_DOMAIN))} (run `make l10n-compile`)")


def run_check(paths: Paths, langs: list[str], draft: bool = False) -> Report:
    report = Report()
    fresh = templates(paths)
    check_templates(report, paths, fresh)
    for lang in langs:
        check_catalogs(report, paths, lang, fresh, draft)
        check_rendered(report, paths, lang, draft)
        check_compiled(report, paths, lang)
    return report


def print_check(paths: Paths, langs: list[str], draft: bool) -> int:
    """Prints every problem and a last line; 1 if there is any."""
    report = run_check(paths, langs, draft=draft)
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(f"== {len(report.problems)} translation problem(s); locale/README.md says which make target fixes each")
        return 1
    print(f"== translations in step with the English ({', '.join(langs)}{', draft' if draft else ''})")
    return 0

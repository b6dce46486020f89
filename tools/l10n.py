"""Translated lessons from one English source: gettext catalogs for the notebooks, the quizzes and the kit.

The English notebooks (``notebooks/*.ipynb``, ``notebooks/solutions/*.ipynb``), the quizzes
(``lib/quizzes/NN.json``) and the kit's messages (``_()`` calls in ``lib/``) are the source. Catalogs:

* ``locale/templates/<notebook>.pot``: one domain per notebook, one entry per paragraph, list item,
  heading or table of its markdown cells (context ``<notebook>.ipynb:<cell id>:<n>``), plus the
  questions, answers and feedback of its lesson's quiz (context ``quizzes/NN.json:q<i>[:a<j>]:<field>``);
* ``locale/templates/transferkit.pot``: the kit's messages;
* ``locale/<lang>/LC_MESSAGES/<domain>.po``: one translation per language and domain, so translators
  work on different notebooks in parallel with any PO editor (Poedit, Weblate, Lokalize).

Subcommands (``make l10n-*`` runs them; see locale/README.md)::

    python3 tools/l10n.py extract            # English -> locale/templates/*.pot
    python3 tools/l10n.py update [--lang tl]  # .pot -> .po: changed English fuzzy, new untranslated, removed obsolete
    python3 tools/l10n.py init yo             # a new language: empty catalogs for every domain
    python3 tools/l10n.py compile             # transferkit.po -> lib/locale/<lang>/LC_MESSAGES/transferkit.mo
    python3 tools/l10n.py render [--allow-missing] [--notebook 01_feature_extraction]
                                             # -> notebooks/<lang>/..., lib/quizzes/<lang>/NN.json
    python3 tools/l10n.py check [--draft]     # CI: exit 1 naming every stale, missing or broken entry
    python3 tools/l10n.py stats               # per language: entries, translated, fuzzy, ...
    python3 tools/l10n.py todo tl --notebook 01_feature_extraction > todo.json   # what needs work, as JSON
    python3 tools/l10n.py apply tl todo.json  # its filled-in `translation`s -> the .po (placeholders checked)

A rendered notebook is the English notebook with its markdown translated paragraph by paragraph: code
cells are byte-identical to the English ones except the setup cell, which tools/colab.py writes with
``tk.set_language("<lang>")``. An untranslated (or fuzzy) entry makes ``render`` fail and name it,
unless ``--allow-missing`` (drafts: the English paragraph stays).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import denormalize, normalize, read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab  # noqa: E402  (tools/colab.py: badge and setup cell of a notebook, per language)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LOCALE = ROOT / "locale"
TEMPLATES = LOCALE / "templates"
LIB = ROOT / "lib"
QUIZZES = LIB / "quizzes"
MO_ROOT = LIB / "locale"
KIT_DOMAIN = "transferkit"
PROJECT = "transferkit"
BUGS = "https://github.com/transfer-learning-kit/transferkit/issues"
QUIZ_FIELDS = ("question", "answer", "feedback")


# --------------------------------------------------------------------------- where things are


def set_root(root: Path) -> None:
    """Work on the repository at ``root`` (tests use a copy); tools/colab.py follows."""
    global ROOT, NOTEBOOKS, LOCALE, TEMPLATES, LIB, QUIZZES, MO_ROOT
    ROOT = Path(root)
    NOTEBOOKS, LOCALE, LIB = ROOT / "notebooks", ROOT / "locale", ROOT / "lib"
    TEMPLATES, QUIZZES, MO_ROOT = LOCALE / "templates", LIB / "quizzes", LIB / "locale"
    colab.ROOT, colab.PYPROJECT, colab.README, colab.NOTEBOOKS = ROOT, ROOT / "pyproject.toml", ROOT / "README.md", NOTEBOOKS


def english_notebooks(root: Path | None = None) -> list[Path]:
    """The English notebooks: ``notebooks/*.ipynb`` and ``notebooks/solutions/*.ipynb``."""
    root = root or NOTEBOOKS
    return sorted(root.glob("*.ipynb")) + sorted((root / "solutions").glob("*.ipynb"))


def languages(locale: Path | None = None) -> list[str]:
    """The languages with catalogs: ``locale/<code>/LC_MESSAGES``."""
    locale = locale or LOCALE
    return sorted(p.parent.name for p in locale.glob("*/LC_MESSAGES") if colab.LANGUAGE_FOLDER.match(p.parent.name))


def quiz_of(notebook: Path) -> Path | None:
    """The quiz of a lesson's notebook (``01_x.ipynb`` -> ``quizzes/01.json``); none for a solution."""
    if notebook.stem.endswith("_solution") or not re.match(r"^\d\d_", notebook.stem):
        return None
    path = QUIZZES / f"{notebook.stem[:2]}.json"
    return path if path.is_file() else None


def po_path(lang: str, domain: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def pot_path(domain: str) -> Path:
    return TEMPLATES / f"{domain}.pot"


def rendered_path(notebook: Path, lang: str) -> Path:
    """``notebooks/x.ipynb`` -> ``notebooks/<lang>/x.ipynb`` (sub-folders kept: ``notebooks/<lang>/solutions/``)."""
    return NOTEBOOKS / lang / notebook.relative_to(NOTEBOOKS)


def rendered_quiz_path(quiz: Path, lang: str) -> Path:
    return QUIZZES / lang / quiz.name


def mo_path(lang: str) -> Path:
    return MO_ROOT / lang / "LC_MESSAGES" / f"{KIT_DOMAIN}.mo"


def rel(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- markdown -> units

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^#{1,6}\s")
_ITEM = re.compile(r"^(\s*)([*+-]|\d{1,3}[.)])(\s+)(\S.*)$")
_QUOTE = re.compile(r"^\s*>\s?")
_TABLE = re.compile(r"^\s*\|")


@dataclass
class Block:
    """Lines of a markdown cell: verbatim (blank lines, code fences, formulas) or one translatable unit."""

    lines: list[str]
    text: str = ""          # the msgid: the unit's text, soft line breaks joined with spaces
    prefix: str = ""        # what goes before the translation: "* ", "1. ", "> " (headings keep their #s in text)
    kind: str = "verbatim"  # heading | paragraph | list item | quote | table | verbatim

    @property
    def translatable(self) -> bool:
        return self.kind != "verbatim"


def _starts_block(line: str) -> bool:
    return bool(not line.strip() or _FENCE.match(line) or _HEADING.match(line) or _ITEM.match(line)
                or _QUOTE.match(line) or _TABLE.match(line))


def _has_words(text: str) -> bool:
    """True when ``text`` holds prose: letters outside code spans, formulas and link targets."""
    return bool(re.search(r"[^\W\d_]{2,}", strip_markup(text)))


def split_markdown(source: str) -> list[Block]:
    """The blocks of a markdown cell, in order; joining their lines with newlines gives ``source`` back."""
    lines = source.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            blocks.append(Block([line]))
            i += 1
        elif _FENCE.match(line):
            fence = _FENCE.match(line)[1]
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(fence):
                j += 1
            blocks.append(Block(lines[i:j + 1]))
            i = j + 1
        elif _HEADING.match(line):
            blocks.append(Block([line], line.strip(), "", "heading"))
            i += 1
        elif _TABLE.match(line):
            j = i
            while j < len(lines) and _TABLE.match(lines[j]):
                j += 1
            blocks.append(Block(lines[i:j], "\n".join(l.strip() for l in lines[i:j]), "", "table"))
            i = j
        elif _QUOTE.match(line):
            j = i
            while j < len(lines) and _QUOTE.match(lines[j]):
                j += 1
            text = " ".join(_QUOTE.sub("", l).strip() for l in lines[i:j]).strip()
            blocks.append(Block(lines[i:j], text, "> ", "quote"))
            i = j
        elif m := _ITEM.match(line):
            j, parts = i + 1, [m[4].strip()]
            while j < len(lines) and lines[j].strip() and not _starts_block(lines[j]):
                parts.append(lines[j].strip())
                j += 1
            blocks.append(Block(lines[i:j], " ".join(parts), m[1] + m[2] + m[3], "list item"))
            i = j
        else:
            j = i + 1
            while j < len(lines) and not _starts_block(lines[j]):
                j += 1
            blocks.append(Block(lines[i:j], " ".join(l.strip() for l in lines[i:j]), "", "paragraph"))
            i = j
    for block in blocks:
        if block.translatable and not _has_words(block.text):
            block.kind, block.text, block.prefix = "verbatim", "", ""
    return blocks


def render_block(block: Block, translation: str) -> list[str]:
    """The lines of a translated unit: its prefix, then the translation (continuation lines indented under it)."""
    lines = translation.split("\n")
    if block.kind == "table" or not block.prefix:
        return lines
    indent = "> " if block.kind == "quote" else " " * len(block.prefix)
    return [block.prefix + lines[0]] + [indent + l for l in lines[1:]]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def notebook_units(notebook: Path) -> list[tuple[str, str, str, int]]:
    """``(context, msgid, kind, cell number)`` of every translatable unit of a notebook's markdown cells."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    name = notebook.relative_to(NOTEBOOKS).as_posix() if notebook.is_relative_to(NOTEBOOKS) else notebook.name
    units = []
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown" or colab.is_badge_cell(cell):
            continue
        cell_id = cell.get("id") or f"cell{number}"
        n = 0
        for block in split_markdown(_source(cell)):
            if block.translatable:
                n += 1
                units.append((f"{name}:{cell_id}:{n}", block.text, block.kind, number))
    return units


def quiz_units(quiz: Path) -> list[tuple[str, str, str]]:
    """``(context, msgid, comment)`` for every question, answer and feedback of a quiz file."""
    name = f"quizzes/{quiz.name}"
    units = []
    for i, q in enumerate(json.loads(quiz.read_text(encoding="utf-8")), 1):
        units.append((f"{name}:q{i}:question", q["question"], f"quiz question {i}"))
        for j, a in enumerate(q.get("answers", []), 1):
            right = "a right answer" if a.get("correct") else "a wrong answer"
            units.append((f"{name}:q{i}:a{j}:answer", a["answer"], f"question {i}, answer {j}: {right}"))
            units.append((f"{name}:q{i}:a{j}:feedback", a["feedback"], f"feedback on question {i}, answer {j} ({right})"))
    return units


# --------------------------------------------------------------------------- extract


def _new_catalog(domain: str, lang: str | None = None) -> Catalog:
    catalog = Catalog(locale=lang, domain=domain, project=PROJECT, version="0.1", msgid_bugs_address=BUGS,
                      copyright_holder="the transferkit authors", charset="utf-8", fuzzy=False)
    catalog.header_comment = (f"# {'Translations' if lang else 'English source'} of transferkit's {domain!r}"
                              f"{' into ' + lang if lang else ''}.\n# Generated by tools/l10n.py; see locale/README.md.\n#")
    return catalog


def extract_notebook(notebook: Path) -> Catalog:
    """The template catalog of one notebook: its markdown units, then its lesson's quiz."""
    catalog = _new_catalog(notebook.stem)
    location = f"notebooks/{notebook.relative_to(NOTEBOOKS).as_posix()}" if notebook.is_relative_to(NOTEBOOKS) else notebook.name
    for context, text, kind, number in notebook_units(notebook):
        catalog.add(text, context=context, locations=[(location, number + 1)], auto_comments=[kind])  # cell 1 = first cell
    quiz = quiz_of(notebook)
    if quiz:
        for context, text, comment in quiz_units(quiz):
            catalog.add(text, context=context, locations=[(f"lib/quizzes/{quiz.name}", None)], auto_comments=[comment])
    return catalog


def extract_kit() -> Catalog:
    """The template of the kit's messages: every ``_()``, ``ngettext()``, ``pgettext()``, ``N_()`` call in lib/."""
    catalog = _new_catalog(KIT_DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
            LIB, method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS, comment_tags=["TRANSLATORS:"],
            strip_comment_tags=True):
        catalog.add(message, locations=[(f"lib/{filename}", None)], auto_comments=comments, context=context,
                    flags=("python-brace-format",) if re.search(r"\{\w*(![rsa])?(:[^}]*)?\}", str(message)) else ())
    return catalog


def templates() -> dict[str, Catalog]:
    """Every template, fresh from the English source: domain -> catalog."""
    out = {nb.stem: extract_notebook(nb) for nb in english_notebooks()}
    out[KIT_DOMAIN] = extract_kit()
    return out


def po_bytes(catalog: Catalog, ignore_obsolete: bool = False) -> bytes:
    """The catalog as a .po file; a fuzzy entry carries its previous English as ``#| msgid`` lines
    (written here: Babel 2.19 wraps them as plain comments, which PO editors cannot read)."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=79, include_lineno=True, include_previous=False, ignore_obsolete=ignore_obsolete)
    text = buf.getvalue().decode("utf-8")
    previous = {(m.context, m.id): m.previous_id[0] for m in catalog if m.id and m.previous_id and "fuzzy" in m.flags}
    if previous:
        chunks = text.split("\n\n")
        for n, chunk in enumerate(chunks):
            key = _chunk_key(chunk)
            if key in previous:
                lines = chunk.split("\n")
                at = next(i for i, line in enumerate(lines) if line.startswith(("msgctxt ", "msgid ")))
                quoted = normalize(previous[key], width=79).split("\n")
                old = ["#| msgid " + quoted[0]] + ["#| " + line for line in quoted[1:]]
                chunks[n] = "\n".join(lines[:at] + old + lines[at:])
        text = "\n\n".join(chunks)
    return text.encode("utf-8")


def _chunk_fields(chunk: str) -> dict[str, str]:
    """The msgctxt, msgid (and ``prev msgid`` from ``#|`` lines) of one .po entry, unquoted."""
    fields: dict[str, list[str]] = {}
    current = None
    for line in chunk.split("\n"):
        body = line[3:] if line.startswith("#| ") else line
        m = re.match(r'^(msgctxt|msgid|msgstr)\s+(".*")$', body)
        if m:
            current = ("prev " if line.startswith("#|") else "") + m[1]
            fields[current] = [m[2]]
        elif body.startswith('"') and current:
            fields[current].append(body)
        elif not line.startswith("#| "):
            current = None if not body.startswith('"') else current
    return {k: denormalize("\n".join(v)) for k, v in fields.items()}


def _chunk_key(chunk: str) -> tuple[str | None, str] | None:
    fields = _chunk_fields(chunk)
    return (fields.get("msgctxt"), fields["msgid"]) if "msgid" in fields else None


def read_catalog(path: Path) -> Catalog:
    """A .po/.pot file, with the previous English of fuzzy entries (``#| msgid``, which Babel's reader skips)."""
    with path.open("rb") as f:
        catalog = read_po(f, domain=path.stem)
    previous = _previous_msgids(path.read_text(encoding="utf-8"))
    for message in list(catalog) + list(catalog.obsolete.values()):
        # Babel reads `#| msgid` lines as translator comments "| msgid ..."; they are the previous English
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
        if message.id and (message.context, message.id) in previous:
            message.previous_id = [previous[message.context, message.id]]
    return catalog


def _previous_msgids(text: str) -> dict[tuple[str | None, str], str]:
    """``(context, msgid) -> previous msgid`` from the ``#| msgid`` comments of a .po file."""
    found = {}
    for chunk in text.split("\n\n"):
        if "#| msgid" in chunk and not chunk.lstrip().startswith("#~"):
            fields = _chunk_fields(chunk)
            if "prev msgid" in fields and "msgid" in fields:
                found[fields.get("msgctxt"), fields["msgid"]] = fields["prev msgid"]
    return found


def entry_signature(catalog: Catalog) -> list[tuple]:
    """What a template says, dates left out: each entry's context, text, locations and comments, in order."""
    return [(m.context, m.id, tuple(m.locations), tuple(m.auto_comments), tuple(sorted(m.flags)))
            for m in catalog if m.id]


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def cmd_extract(args) -> int:
    fresh = templates()
    changed = 0
    for domain, catalog in fresh.items():
        path = pot_path(domain)
        old = read_catalog(path) if path.is_file() else None
        if old is not None and entry_signature(old) == entry_signature(catalog):
            continue
        write_if_changed(path, po_bytes(catalog))
        print(f"wrote {rel(path)}: {len(catalog)} entries")
        changed += 1
    for path in sorted(TEMPLATES.glob("*.pot")):
        if path.stem not in fresh:
            path.unlink()
            print(f"removed {rel(path)} (its notebook is gone)")
            changed += 1
    print(f"{len(fresh)} templates, {changed} changed")
    return 0


# --------------------------------------------------------------------------- update (merge)


def _key(message: Message) -> tuple:
    return (message.id, message.context)


def _done(message: Message) -> bool:
    return bool(message.id and message.string and "fuzzy" not in message.flags)


def translation_memory(lang: str) -> dict[str, str]:
    """English -> translation over every catalog of ``lang`` (done entries only, obsolete ones included)."""
    memory: dict[str, str] = {}
    for path in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
        catalog = read_catalog(path)
        for message in list(catalog) + list(catalog.obsolete.values()):
            if _done(message):
                memory.setdefault(message.id, message.string)
    return memory


def merge(catalog: Catalog, template: Catalog, memory: dict[str, str]) -> Catalog:
    """``catalog`` updated to ``template``: changed English comes back fuzzy (with the old English as
    ``#| msgid``), new English untranslated, removed English obsolete. An entry whose English is
    unchanged but moved (another cell, another paragraph number) or appears elsewhere already
    translated (the lab and its solution) keeps that translation, as msgmerge does with a compendium."""
    old = {_key(m): m for m in catalog if m.id}
    old_by_text: dict[str, list[Message]] = {}
    for m in list(old.values()) + list(catalog.obsolete.values()):
        if _done(m):
            old_by_text.setdefault(m.id, []).append(m)
    catalog.update(template, update_creation_date=True)
    for message in catalog:
        if not message.id or _done(message):
            continue
        before = old.get(_key(message))
        if before is not None and before.previous_id and not message.previous_id:
            message.previous_id = list(before.previous_id)  # still fuzzy: keep the English it was translated from
        same = old_by_text.get(message.id)
        if same:
            cell = (message.context or "").rsplit(":", 1)[0]
            best = next((m for m in same if (m.context or "").rsplit(":", 1)[0] == cell), same[0])
            message.string = best.string
        elif message.id in memory:
            message.string = memory[message.id]
        else:
            continue
        message.flags.discard("fuzzy")
        message.previous_id = []
    # an obsolete entry whose English lives on in the catalog is not a loss: drop it
    live = {m.id for m in catalog if m.id}
    for key in [k for k, m in catalog.obsolete.items() if m.id in live or not m.string]:
        del catalog.obsolete[key]
    return catalog


def new_translation(domain: str, lang: str, template: Catalog) -> Catalog:
    catalog = _new_catalog(domain, lang)
    catalog.language_team = f"{lang} <{BUGS}>"
    for m in template:
        if m.id:
            catalog.add(m.id, context=m.context, locations=m.locations, auto_comments=m.auto_comments, flags=m.flags)
    return catalog


def update_language(lang: str, drop_obsolete: bool = False, quiet: bool = False,
                    domains: list[str] | None = None) -> list[Path]:
    memory = translation_memory(lang)
    written = []
    for path in sorted(TEMPLATES.glob("*.pot")):
        if domains and path.stem not in domains:
            continue
        template = read_catalog(path)
        target = po_path(lang, path.stem)
        if target.is_file():
            catalog = merge(read_catalog(target), template, memory)
        else:
            catalog = merge(new_translation(path.stem, lang, template), template, memory)
        if write_if_changed(target, po_bytes(catalog, ignore_obsolete=drop_obsolete)):
            written.append(target)
            if not quiet:
                print(f"wrote {rel(target)}: {summary(catalog)}")
    for target in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
        if not pot_path(target.stem).is_file():
            print(f"note: {rel(target)} has no template any more (its notebook is gone); delete it when done with it")
    return written


def summary(catalog: Catalog) -> str:
    counts = catalog_counts(catalog)
    return ", ".join(f"{v} {k}" for k, v in counts.items())


def catalog_counts(catalog: Catalog) -> dict[str, int]:
    entries = [m for m in catalog if m.id]
    fuzzy = sum(1 for m in entries if m.string and "fuzzy" in m.flags)
    translated = sum(1 for m in entries if _done(m))
    return {"entries": len(entries), "translated": translated, "fuzzy": fuzzy,
            "untranslated": len(entries) - translated - fuzzy, "obsolete": len(catalog.obsolete)}


def cmd_update(args) -> int:
    for lang in args.lang or languages():
        update_language(lang, drop_obsolete=args.drop_obsolete, domains=args.notebook)
    return 0


def cmd_init(args) -> int:
    if not colab.LANGUAGE_FOLDER.match(args.code):
        raise SystemExit(f"{args.code!r}: use a language code such as yo (Yoruba) or ceb (Cebuano)")
    (LOCALE / args.code / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    update_language(args.code)
    print(f"locale/{args.code}/LC_MESSAGES holds one catalog per notebook plus transferkit.po: open them in Poedit")
    return 0


# --------------------------------------------------------------------------- compile


def mo_bytes(lang: str) -> bytes | None:
    """The compiled kit messages of ``lang`` (done entries only), or None without a catalog."""
    path = po_path(lang, KIT_DOMAIN)
    if not path.is_file():
        return None
    catalog = read_catalog(path)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def cmd_compile(args) -> int:
    for lang in args.lang or languages():
        data = mo_bytes(lang)
        if data is not None and write_if_changed(mo_path(lang), data):
            print(f"wrote {rel(mo_path(lang))}")
    return 0


# --------------------------------------------------------------------------- render


def translations(lang: str, domain: str) -> dict[tuple[str, str], str]:
    """``(context, English) -> translation`` of the done entries of one catalog (fuzzy ones are not done)."""
    path = po_path(lang, domain)
    if not path.is_file():
        return {}
    return {(m.context, m.id): m.string for m in read_catalog(path) if _done(m)}


def _translate(done: dict, context: str, text: str, missing: list[str], allow_missing: bool) -> str:
    found = done.get((context, text))
    if found is None:
        missing.append(f"{context}: {preview(text)}")
        return text
    return found


def preview(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


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


def render_notebook(notebook: Path, lang: str, done: dict, allow_missing: bool = False) -> tuple[str, list[str]]:
    """The notebook's text in ``lang`` and the entries it lacks (rendered in English when allowed)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    name = notebook.relative_to(NOTEBOOKS).as_posix()
    target = rendered_path(notebook, lang)
    missing: list[str] = []
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown" or colab.is_badge_cell(cell):
            continue
        cell_id = cell.get("id") or f"cell{number}"
        out, n = [], 0
        for block in split_markdown(_source(cell)):
            if not block.translatable:
                out.extend(block.lines)
                continue
            n += 1
            context = f"{name}:{cell_id}:{n}"
            found = done.get((context, block.text))
            if found is None:
                missing.append(f"{context}: {preview(block.text)}")
                out.extend(block.lines)
            else:
                out.extend(render_block(block, found))
        cell["source"] = _lines(relink("\n".join(out), notebook.parent, target.parent))
    text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    url, branch = colab.repo_url(), colab.colab_branch()
    text = colab.updated_notebook(text, colab.colab_link(url, branch, target.relative_to(ROOT)), url, language=lang)
    return text, missing


def render_quiz(quiz: Path, lang: str, done: dict) -> tuple[str, list[str]]:
    """The quiz in ``lang``: the English structure (types, right answers) with translated texts."""
    questions = json.loads(quiz.read_text(encoding="utf-8"))
    name = f"quizzes/{quiz.name}"
    missing: list[str] = []

    def tr(context: str, text: str) -> str:
        found = done.get((context, text))
        if found is None:
            missing.append(f"{context}: {preview(text)}")
            return text
        return found

    for i, q in enumerate(questions, 1):
        q["question"] = tr(f"{name}:q{i}:question", q["question"])
        for j, a in enumerate(q.get("answers", []), 1):
            a["answer"] = tr(f"{name}:q{i}:a{j}:answer", a["answer"])
            a["feedback"] = tr(f"{name}:q{i}:a{j}:feedback", a["feedback"])
    return json.dumps(questions, indent=2, ensure_ascii=False) + "\n", missing


def planned_renders(langs: list[str], only: list[str] | None, allow_missing: bool
                    ) -> tuple[dict[Path, str], dict[Path, list[str]]]:
    """``(files to write, files that cannot be written -> the entries they lack)``."""
    wanted: dict[Path, str] = {}
    blocked: dict[Path, list[str]] = {}
    for lang in langs:
        for notebook in english_notebooks():
            if only and notebook.stem not in only:
                continue
            done = translations(lang, notebook.stem)
            outputs = [(rendered_path(notebook, lang), *render_notebook(notebook, lang, done, allow_missing))]
            quiz = quiz_of(notebook)
            if quiz:
                outputs.append((rendered_quiz_path(quiz, lang), *render_quiz(quiz, lang, done)))
            for target, text, missing in outputs:
                if missing and not allow_missing:
                    blocked[target] = missing
                else:
                    wanted[target] = text
    return wanted, blocked


def cmd_render(args) -> int:
    wanted, blocked = planned_renders(args.lang or languages(), args.notebook, args.allow_missing)
    for path, text in wanted.items():
        if write_if_changed(path, text.encode("utf-8")):
            print(f"wrote {rel(path)}")
    for path, missing in blocked.items():
        print(f"NOT written: {rel(path)} lacks {len(missing)} translation(s) (fuzzy or untranslated):")
        for entry in missing[:10]:
            print(f"    {entry}")
        if len(missing) > 10:
            print(f"    ... and {len(missing) - 10} more")
    if blocked:
        print("translate them (locale/README.md), or render a draft with --allow-missing (English stays)")
        return 1
    print(f"{len(wanted)} file(s) up to date")
    return 0


# --------------------------------------------------------------------------- placeholder checks

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$", re.S)
_LINK_TARGET = re.compile(r"\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"https?://[^\s)>\]]+")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:e-?\d+)?")
_FIELD = re.compile(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}")


def strip_markup(text: str) -> str:
    """``text`` without code spans, formulas, link targets and URLs (the parts a translation must keep as they are)."""
    text = _CODE_SPAN.sub(" ", text)
    text = _MATH.sub(" ", text)
    text = _LINK_TARGET.sub("] ", text)
    return _URL.sub(" ", text)


def heading_level(text: str) -> int:
    m = re.match(r"^(#{1,6})\s", text)
    return len(m[1]) if m else 0


def placeholders(text: str, kit_message: bool = False) -> dict[str, list[str]]:
    """The parts of a text its translation must keep: numbers, code spans, formulas, link targets,
    heading level, table shape and (kit messages) ``{field}``\\s."""
    prose = strip_markup(text)
    found = {
        "number": sorted(_NUMBER.findall(prose)),
        "code span": sorted(m[0] for m in _CODE_SPAN.finditer(text)),
        "formula": sorted(m[0] for m in _MATH.finditer(_CODE_SPAN.sub(" ", text))),
        "link target": sorted(_LINK_TARGET.findall(_CODE_SPAN.sub(" ", text))),
        "heading level": [str(heading_level(text))],
    }
    if text.lstrip().startswith("|"):
        found["table shape"] = [str(line.count("|")) for line in text.split("\n")]
    if kit_message:
        found["format field"] = sorted(_FIELD.findall(_CODE_SPAN.sub(" ", text)))
    return found


def placeholder_errors(english: str, translation: str, kit_message: bool = False) -> list[str]:
    """What ``translation`` drops, adds or changes of ``english``'s numbers, code spans, formulas,
    link targets, heading level (and format fields); empty when it keeps them all."""
    source, target = placeholders(english, kit_message), placeholders(translation, kit_message)
    problems = []
    for kind, expected in source.items():
        got = target.get(kind, [])
        shown = {}
        if kind == "number":
            # a translation may group thousands the way its language does (2,000 / 2 000 / 2.000)
            def plain(n: str) -> str:
                key = re.sub(r"[.,\s]", "", n) if re.fullmatch(r"\d{1,3}([.,]\d{3})+", n) else n
                shown.setdefault(key, n)
                return key
            expected, got = sorted(map(plain, expected)), sorted(map(plain, got))
        if expected != got:
            lost = [shown.get(n, n) for n in (Counter(expected) - Counter(got)).elements()]
            extra = [shown.get(n, n) for n in (Counter(got) - Counter(expected)).elements()]
            detail = "; ".join(p for p in [f"missing {lost}" if lost else "", f"not in the English {extra}" if extra else ""] if p)
            if kind == "heading level":
                detail = f"English {expected[0]}, translation {got[0] if got else '?'}"
            problems.append(f"{kind}: {detail}")
    return problems


# --------------------------------------------------------------------------- check


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.problems.append(message)


def _diff_templates(stored: Catalog, fresh: Catalog) -> list[str]:
    old = {_key(m): m for m in stored if m.id}
    new = {_key(m): m for m in fresh if m.id}
    out = []
    for key in new.keys() - old.keys():
        out.append(f"new or changed English {key[1]}: {preview(key[0])}")
    for key in old.keys() - new.keys():
        out.append(f"gone from the English {key[1]}: {preview(key[0])}")
    if not out and entry_signature(stored) != entry_signature(fresh):
        out.append("entries moved or their comments changed")
    return sorted(out)


def check_templates(report: Report, fresh: dict[str, Catalog]) -> None:
    for domain, catalog in fresh.items():
        path = pot_path(domain)
        if not path.is_file():
            report.add(f"{rel(path)}: missing (run `make l10n-extract`)")
            continue
        for line in _diff_templates(read_catalog(path), catalog):
            report.add(f"{rel(path)} is stale (run `make l10n-extract`): {line}")
    for path in sorted(TEMPLATES.glob("*.pot")):
        if path.stem not in fresh:
            report.add(f"{rel(path)}: no English source any more (run `make l10n-extract`)")


def check_catalogs(report: Report, lang: str, fresh: dict[str, Catalog], draft: bool) -> None:
    for domain, template in fresh.items():
        path = po_path(lang, domain)
        if not path.is_file():
            report.add(f"{rel(path)}: missing (run `make l10n-update`)")
            continue
        catalog = read_catalog(path)
        have = {_key(m) for m in catalog if m.id}
        want = {_key(m) for m in template if m.id}
        new, gone = sorted(want - have, key=lambda k: k[1] or ""), sorted(have - want, key=lambda k: k[1] or "")
        if new or gone:
            first = new[0] if new else gone[0]
            report.add(f"{rel(path)}: not merged with the English (run `make l10n-update`): {len(new)} new or changed, "
                       f"{len(gone)} gone, first {first[1]} {preview(first[0])}")
        for m in catalog:
            if not m.id:
                continue
            where = f"{rel(path)}: {m.context}" if m.context else f"{rel(path)}: {m.id!r}"
            if m.string and "fuzzy" in m.flags:
                if not draft:
                    report.add(f"{where}: fuzzy (the English changed; review the translation, then clear the fuzzy flag): {preview(m.id)}")
            elif not m.string:
                if not draft:
                    report.add(f"{where}: untranslated: {preview(m.id)}")
            if _done(m):  # a fuzzy entry is reported as fuzzy: its translation is of the old English
                for problem in placeholder_errors(m.id, m.string, kit_message=domain == KIT_DOMAIN):
                    report.add(f"{where}: {problem}")
        if catalog.obsolete and not draft:
            for m in catalog.obsolete.values():
                report.add(f"{rel(path)}: obsolete entry {m.context or ''} {preview(m.id)} "
                           "(its English is gone: reuse the translation if it helps, then `make l10n-clean`)")


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
            if not _source(b).rstrip().endswith(f'tk.set_language("{lang}")'):
                out.append(f"setup cell {b.get('id')} does not set the language {lang!r}")
            continue
        if _source(a) != _source(b) or a.get("id") != b.get("id"):
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


def check_rendered(report: Report, lang: str, draft: bool) -> None:
    wanted, blocked = planned_renders([lang], None, allow_missing=draft)
    for path in sorted(set(wanted) | set(blocked)):
        exists = path.is_file()
        if path in blocked:
            lacks = f"{len(blocked[path])} entr{'y' if len(blocked[path]) == 1 else 'ies'} untranslated or fuzzy, first {blocked[path][0]}"
            report.add(f"{rel(path)} is stale: {lacks}" if exists else f"{rel(path)}: missing ({lacks})")
        elif not exists:
            if not draft:
                report.add(f"{rel(path)}: missing (run `make l10n-render`)")
        elif path.read_text(encoding="utf-8") != wanted[path]:
            report.add(f"{rel(path)} differs from a fresh render (run `make l10n-render`; edit the .po, not the notebook)")
    for notebook in english_notebooks():
        target = rendered_path(notebook, lang)
        if target.is_file():
            english = json.loads(notebook.read_text(encoding="utf-8"))
            for problem in code_cell_differences(english, json.loads(target.read_text(encoding="utf-8")), lang):
                report.add(f"{rel(target)}: {problem}")
        quiz = quiz_of(notebook)
        if quiz and rendered_quiz_path(quiz, lang).is_file():
            for problem in quiz_differences(json.loads(quiz.read_text(encoding="utf-8")),
                                            json.loads(rendered_quiz_path(quiz, lang).read_text(encoding="utf-8"))):
                report.add(f"{rel(rendered_quiz_path(quiz, lang))}: {problem}")
    sources = {rendered_path(nb, lang) for nb in english_notebooks()}
    for path in sorted((NOTEBOOKS / lang).rglob("*.ipynb")) if (NOTEBOOKS / lang).is_dir() else []:
        if path not in sources and ".ipynb_checkpoints" not in path.parts:
            report.add(f"{rel(path)}: no English notebook of that name (delete it)")
    for path in sorted((QUIZZES / lang).glob("*.json")) if (QUIZZES / lang).is_dir() else []:
        if not (QUIZZES / path.name).is_file():
            report.add(f"{rel(path)}: no English quiz of that name (delete it)")


def check_compiled(report: Report, lang: str) -> None:
    data = mo_bytes(lang)
    path = mo_path(lang)
    if data is None:
        return
    if not path.is_file() or path.read_bytes() != data:
        report.add(f"{rel(path)} is not compiled from {rel(po_path(lang, KIT_DOMAIN))} (run `make l10n-compile`)")


def run_check(langs: list[str], draft: bool = False) -> Report:
    report = Report()
    fresh = templates()
    check_templates(report, fresh)
    for lang in langs:
        check_catalogs(report, lang, fresh, draft)
        check_rendered(report, lang, draft)
        check_compiled(report, lang)
    return report


def cmd_check(args) -> int:
    report = run_check(args.lang or languages(), draft=args.draft)
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(f"== {len(report.problems)} translation problem(s); locale/README.md says which make target fixes each")
        return 1
    print(f"== translations in step with the English ({', '.join(args.lang or languages())}{', draft' if args.draft else ''})")
    return 0


# --------------------------------------------------------------------------- stats


def language_stats(lang: str) -> dict[str, int]:
    """Per language: entries, translated, fuzzy, untranslated, obsolete, words_en, placeholder_errors,
    code_cells_differing, notebooks_rendered."""
    totals = Counter()
    for path in sorted(TEMPLATES.glob("*.pot")):
        template = read_catalog(path)
        target = po_path(lang, path.stem)
        catalog = read_catalog(target) if target.is_file() else template
        counts = catalog_counts(catalog)
        if not target.is_file():
            counts = {"entries": counts["entries"], "untranslated": counts["entries"]}
        totals.update(counts)
        totals["words_en"] += sum(len(strip_markup(m.id).split()) for m in template if m.id)
        if target.is_file():
            totals["placeholder_errors"] += sum(
                1 for m in catalog if _done(m) and placeholder_errors(m.id, m.string, path.stem == KIT_DOMAIN))
    for notebook in english_notebooks():
        target = rendered_path(notebook, lang)
        if target.is_file():
            totals["notebooks_rendered"] += 1
            english = json.loads(notebook.read_text(encoding="utf-8"))
            totals["code_cells_differing"] += len(code_cell_differences(english, json.loads(target.read_text(encoding="utf-8")), lang))
    keys = ["entries", "translated", "fuzzy", "untranslated", "obsolete", "words_en", "placeholder_errors",
            "code_cells_differing", "notebooks_rendered"]
    return {k: int(totals.get(k, 0)) for k in keys}


def cmd_stats(args) -> int:
    rows = {lang: language_stats(lang) for lang in args.lang or languages()}
    keys = list(next(iter(rows.values())).keys()) if rows else []
    print(f"{'':6}" + "".join(f"{k:>21}" for k in keys))
    for lang, stats in rows.items():
        print(f"{lang:6}" + "".join(f"{stats[k]:>21}" for k in keys))
    print(f"(English notebooks: {len(english_notebooks())}; domains: {len(list(TEMPLATES.glob('*.pot')))})")
    return 0


# --------------------------------------------------------------------------- todo / apply (scripted translation)


def cmd_todo(args) -> int:
    """Prints the entries of one language that need work, as JSON a translator (or a script) fills in."""
    todo = []
    domains = args.notebook or [p.stem for p in sorted(TEMPLATES.glob("*.pot"))]
    for domain in domains:
        path = po_path(args.lang, domain)
        if not path.is_file():
            raise SystemExit(f"{rel(path)}: missing (run `make l10n-update`)")
        for m in read_catalog(path):
            if m.id and (args.all or not _done(m)):
                item = {"domain": domain, "context": m.context, "en": m.id, "comment": " ".join(m.auto_comments),
                        "translation": m.string or ""}
                if m.previous_id:
                    item["previous_en"] = m.previous_id[0]
                todo.append(item)
    json.dump(todo, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


def cmd_apply(args) -> int:
    """Writes translations from a JSON list (the output of `todo`, ``translation`` filled in) into the .po
    files: each becomes a done entry (fuzzy flag cleared) unless it breaks a placeholder of its English."""
    items = json.loads(Path(args.file).read_text(encoding="utf-8"))
    by_domain: dict[str, list[dict]] = {}
    for item in items:
        if item.get("translation", "").strip():
            by_domain.setdefault(item["domain"], []).append(item)
    problems = 0
    for domain, entries in by_domain.items():
        path = po_path(args.lang, domain)
        catalog = read_catalog(path)
        index = {(m.context, m.id): m for m in catalog if m.id}
        for item in entries:
            message = index.get((item.get("context"), item["en"]))
            where = f"{rel(path)}: {item.get('context') or item['en'][:40]!s}"
            if message is None:
                print(f"{where}: no such entry with this English (it changed? run `todo` again)")
                problems += 1
                continue
            errors = placeholder_errors(item["en"], item["translation"], kit_message=domain == KIT_DOMAIN)
            if errors:
                print(f"{where}: not applied: {'; '.join(errors)}")
                problems += 1
                continue
            message.string = item["translation"]
            message.flags.discard("fuzzy")
            message.previous_id = []
        if write_if_changed(path, po_bytes(catalog)):
            print(f"wrote {rel(path)}: {summary(catalog)}")
    return 1 if problems else 0


# --------------------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="English notebooks, quizzes and kit messages -> locale/templates/*.pot")
    p = sub.add_parser("update", help="merge the templates into every language's catalogs")
    p.add_argument("--lang", action="append")
    p.add_argument("--drop-obsolete", action="store_true", help="remove obsolete entries (after review)")
    p.add_argument("--notebook", action="append", help="only this domain (a notebook's stem, or transferkit); repeatable")
    p = sub.add_parser("init", help="start a new language: catalogs for every domain")
    p.add_argument("code", help="language code, e.g. yo or ceb")
    p = sub.add_parser("compile", help="transferkit.po -> lib/locale/<lang>/LC_MESSAGES/transferkit.mo")
    p.add_argument("--lang", action="append")
    p = sub.add_parser("render", help="write notebooks/<lang>/ and lib/quizzes/<lang>/ from the catalogs")
    p.add_argument("--lang", action="append")
    p.add_argument("--notebook", action="append", help="only this notebook (stem, e.g. 01_feature_extraction)")
    p.add_argument("--allow-missing", action="store_true", help="draft: keep the English where a translation is missing")
    p = sub.add_parser("check", help="exit 1 naming every stale, missing or broken translation")
    p.add_argument("--lang", action="append")
    p.add_argument("--draft", action="store_true",
                   help="allow untranslated/fuzzy/obsolete entries and unrendered notebooks; check the rest")
    p = sub.add_parser("stats", help="per-language counts")
    p.add_argument("--lang", action="append")
    p = sub.add_parser("todo", help="the entries that need translating, as JSON (fill in `translation`, then `apply`)")
    p.add_argument("lang")
    p.add_argument("--notebook", action="append", help="only this domain (a notebook's stem, or transferkit)")
    p.add_argument("--all", action="store_true", help="every entry, done ones included (for review)")
    p = sub.add_parser("apply", help="write the translations of a JSON file (from `todo`) into the catalogs")
    p.add_argument("lang")
    p.add_argument("file")
    args = parser.parse_args(argv)
    command = {"extract": cmd_extract, "update": cmd_update, "init": cmd_init, "compile": cmd_compile,
               "render": cmd_render, "check": cmd_check, "stats": cmd_stats, "todo": cmd_todo, "apply": cmd_apply}[args.command]
    return command(args)


if __name__ == "__main__":
    sys.exit(main())

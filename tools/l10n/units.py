"""The translatable units of the English source: markdown cells split into paragraphs, list items,
headings, quotes and tables (and put back together around their translations), and quiz texts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import colab
from .paths import Paths
from .placeholders import strip_markup

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


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def source_lines(text: str) -> list[str]:
    """A cell's ``source`` as Jupyter stores it: lines with their line ends."""
    return text.splitlines(keepends=True)


def markdown_cells(nb: dict, name: str):
    """``(cell number, cell, [(block, context or None), ...])`` for every markdown cell of a notebook but its
    Colab badge; a translatable block's context is ``<name>:<cell id>:<n>``, ``name`` the notebook's path
    below ``notebooks/``."""
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown" or colab.is_badge_cell(cell):
            continue
        cell_id = cell.get("id") or f"cell{number}"
        blocks, n = [], 0
        for block in split_markdown(cell_source(cell)):
            context = None
            if block.translatable:
                n += 1
                context = f"{name}:{cell_id}:{n}"
            blocks.append((block, context))
        yield number, cell, blocks


def notebook_units(notebook: Path, paths: Paths) -> list[tuple[str, str, str, int]]:
    """``(context, msgid, kind, cell number)`` of every translatable unit of a notebook's markdown cells."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [(context, block.text, block.kind, number)
            for number, _, blocks in markdown_cells(nb, paths.notebook_name(notebook))
            for block, context in blocks if context]


def quiz_texts(questions: list[dict], name: str):
    """``(context, text, comment, question, field)`` for every question, answer and feedback of a quiz
    (``question`` is the dict that holds the text under ``field``)."""
    for i, q in enumerate(questions, 1):
        yield f"{name}:q{i}:question", q["question"], f"quiz question {i}", q, "question"
        for j, a in enumerate(q.get("answers", []), 1):
            right = "a right answer" if a.get("correct") else "a wrong answer"
            yield f"{name}:q{i}:a{j}:answer", a["answer"], f"question {i}, answer {j}: {right}", a, "answer"
            yield f"{name}:q{i}:a{j}:feedback", a["feedback"], f"feedback on question {i}, answer {j} ({right})", a, "feedback"


def quiz_units(quiz: Path) -> list[tuple[str, str, str]]:
    """``(context, msgid, comment)`` for every question, answer and feedback of a quiz file."""
    questions = json.loads(quiz.read_text(encoding="utf-8"))
    return [(context, text, comment) for context, text, comment, _, _ in quiz_texts(questions, f"quizzes/{quiz.name}")]


def preview(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")

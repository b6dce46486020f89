"""Self-check questions at the end of each lesson.

The questions of lesson ``"02"`` live in ``transferkit/quizzes/02.json`` in jupyterquiz's format
(a list of ``{"question", "type", "answers": [{"answer", "correct", "feedback"}]}``), so every
answer a student can pick comes with feedback. :func:`self_check` shows them as clickable cards
with `jupyterquiz <https://github.com/jmshea/jupyterquiz>`_ (JupyterLab, Jupyter Notebook, Colab),
or as plain text with the answers folded away when there is no notebook to show them in.

>>> self_check("02")
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from importlib import resources

from ..i18n import _, language

QUESTION_TYPES = ("multiple_choice", "many_choice")


def lessons() -> list[str]:
    """The lessons that have self-check questions, e.g. ``["01", "02", ...]``."""
    folder = resources.files("transferkit") / "quizzes"
    if not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=None)
def _load(lesson: str, code: str) -> tuple:
    folder = resources.files("transferkit") / "quizzes"
    path = folder / f"{lesson}.json"
    if not path.is_file():
        raise ValueError(_("no self-check questions for lesson {lesson!r}; there are: {lessons}").format(
            lesson=lesson, lessons=", ".join(lessons())))
    english = json.loads(path.read_text(encoding="utf-8"))
    translated = folder / code / f"{lesson}.json"  # written by tools/l10n.py render from locale/<code>/
    if not translated.is_file():
        return tuple(english)
    questions = json.loads(translated.read_text(encoding="utf-8"))
    if _shape(questions) != _shape(english):  # a stale translation must not mark another answer right
        warnings.warn(_("the {code!r} questions of lesson {lesson} are out of step with the English ones; "
                        "showing the English").format(code=code, lesson=lesson), stacklevel=3)
        return tuple(english)
    return tuple(questions)


def _shape(questions: list[dict]) -> list[tuple]:
    """What a translation must keep: each question's type and which answers are right."""
    return [(q.get("type"), tuple(bool(a.get("correct")) for a in q.get("answers", []))) for q in questions]


def quiz_questions(lesson: str) -> list[dict]:
    """The questions of one lesson in the kit's language (English where there is no translation),
    checked: one correct answer per multiple-choice question, feedback on every answer."""
    questions = [dict(q) for q in _load(lesson, language())]
    problems = validate_questions(questions)
    if problems:
        raise ValueError(f"lesson {lesson!r} has malformed questions: " + "; ".join(problems))
    return questions


def validate_questions(questions: list[dict]) -> list[str]:
    """What is wrong with a list of questions (empty when nothing is)."""
    problems = []
    if not questions:
        problems.append("no questions")
    for i, q in enumerate(questions, 1):
        kind = q.get("type")
        answers = q.get("answers") or []
        if not str(q.get("question", "")).strip():
            problems.append(f"question {i} has no text")
        if kind not in QUESTION_TYPES:
            problems.append(f"question {i} has type {kind!r}, not one of {QUESTION_TYPES}")
        if len(answers) < 2:
            problems.append(f"question {i} has fewer than 2 answers")
        n_correct = sum(bool(a.get("correct")) for a in answers)
        if kind == "multiple_choice" and n_correct != 1:
            problems.append(f"question {i} (multiple_choice) has {n_correct} correct answers, not 1")
        if kind == "many_choice" and n_correct < 1:
            problems.append(f"question {i} (many_choice) has no correct answer")
        for j, a in enumerate(answers, 1):
            if not str(a.get("answer", "")).strip() or not str(a.get("feedback", "")).strip():
                problems.append(f"question {i}, answer {j} needs both an answer text and feedback")
    return problems


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "Terminal" not in type(shell).__name__


def as_text(questions: list[dict]) -> str:
    """The questions as plain text, each answer's feedback after it (for a terminal or a printout)."""
    lines = []
    for i, q in enumerate(questions, 1):
        many = " " + _("(pick every right answer)") if q["type"] == "many_choice" else ""
        lines.append(f"{i}. {q['question']}{many}")
        for letter, a in zip("abcdefghij", q["answers"]):
            mark = _("right") if a.get("correct") else _("wrong")
            lines.append(f"   {letter}) {a['answer']}\n      -> {mark}: {a['feedback']}")
        lines.append("")
    return "\n".join(lines)


def self_check(lesson: str, *, shuffle_answers: bool = True):
    """Shows lesson ``lesson``'s self-check questions: click an answer to see whether it is right, and why.

    In a notebook the questions are jupyterquiz cards; elsewhere (or without jupyterquiz) they are
    printed as text with their feedback.
    """
    questions = quiz_questions(lesson)
    if _in_notebook():
        try:
            from jupyterquiz import display_quiz
        except ImportError:
            print(_("(jupyterquiz is not installed: `pip install jupyterquiz` shows these as clickable cards)") + "\n")
        else:
            display_quiz(questions, shuffle_answers=shuffle_answers, max_width=760)
            return None
    print(as_text(questions))
    return None

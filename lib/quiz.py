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
from functools import lru_cache
from importlib import resources

QUESTION_TYPES = ("multiple_choice", "many_choice")


def lessons() -> list[str]:
    """The lessons that have self-check questions, e.g. ``["01", "02", ...]``."""
    folder = resources.files("transferkit") / "quizzes"
    if not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=None)
def _load(lesson: str) -> tuple:
    path = resources.files("transferkit") / "quizzes" / f"{lesson}.json"
    if not path.is_file():
        raise ValueError(f"no self-check questions for lesson {lesson!r}; there are: {', '.join(lessons())}")
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def quiz_questions(lesson: str) -> list[dict]:
    """The questions of one lesson (checked: one correct answer per multiple-choice question, feedback on every answer)."""
    questions = [dict(q) for q in _load(lesson)]
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
        many = " (pick every right answer)" if q["type"] == "many_choice" else ""
        lines.append(f"{i}. {q['question']}{many}")
        for letter, a in zip("abcdefghij", q["answers"]):
            mark = "right" if a.get("correct") else "wrong"
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
            print("(jupyterquiz is not installed: `pip install jupyterquiz` shows these as clickable cards)\n")
        else:
            display_quiz(questions, shuffle_answers=shuffle_answers, max_width=760)
            return None
    print(as_text(questions))
    return None

"""Self-check questions: every lesson's file is well formed and used by its notebook, and shows outside a notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from transferkit.course import quiz

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _notebook_calls() -> dict[str, list[str]]:
    """lesson -> notebooks whose code calls self_check("<lesson>")."""
    calls: dict[str, list[str]] = {}
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        for lesson in re.findall(r"self_check\(\s*[\"'](\w+)[\"']", source):
            calls.setdefault(lesson, []).append(path.name)
    return calls


@pytest.mark.parametrize("lesson", quiz.lessons())
def test_every_lesson_file_is_well_formed(lesson):
    questions = quiz.quiz_questions(lesson)
    assert 3 <= len(questions) <= 8, f"lesson {lesson}: {len(questions)} questions; a few (3-8) keep it a self-check"


def test_every_quiz_is_shown_by_a_notebook_and_every_call_has_questions():
    calls = _notebook_calls()
    assert set(calls) <= set(quiz.lessons()), f"notebooks ask for lessons without questions: {set(calls) - set(quiz.lessons())}"
    assert set(quiz.lessons()) <= set(calls), f"questions no notebook shows: {set(quiz.lessons()) - set(calls)}"


def test_validate_questions_finds_what_is_wrong():
    good = {"question": "Q?", "type": "multiple_choice",
            "answers": [{"answer": "a", "correct": True, "feedback": "yes"},
                        {"answer": "b", "correct": False, "feedback": "no"}]}
    assert quiz.validate_questions([good]) == []
    two_right = {**good, "answers": [dict(a, correct=True) for a in good["answers"]]}
    no_feedback = {**good, "answers": [good["answers"][0], {"answer": "b", "correct": False}]}
    problems = quiz.validate_questions([two_right, no_feedback, {**good, "type": "essay"}])
    assert any("2 correct answers" in p for p in problems)
    assert any("feedback" in p for p in problems)
    assert any("essay" in p for p in problems)
    assert quiz.validate_questions([]) == ["no questions"]


def test_unknown_lesson_names_the_known_ones():
    with pytest.raises(ValueError, match="no self-check questions for lesson 'zz'"):
        quiz.quiz_questions("zz")


def test_outside_a_notebook_questions_print_with_feedback(capsys, monkeypatch):
    questions = [{"question": "Why recompile?", "type": "multiple_choice",
                  "answers": [{"answer": "fit reads trainable at compile time", "correct": True, "feedback": "Right."},
                              {"answer": "to reset the weights", "correct": False, "feedback": "compile keeps weights."}]}]
    monkeypatch.setattr(quiz, "quiz_questions", lambda lesson: questions)
    quiz.self_check("any")
    out = capsys.readouterr().out
    assert "1. Why recompile?" in out and "-> right: Right." in out and "-> wrong: compile keeps weights." in out

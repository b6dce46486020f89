"""Running a student's answer: the exercise registry, watching which kit functions an answer calls, and the outcomes.

:mod:`transferkit.course.exercises` registers the exercises here; :mod:`transferkit.course.lab`
gives the verdicts (``tk.check``, ``tk.hint``).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

from ..i18n import _


class NotAnswered(Exception):
    """Raised by a test when the answer is still the ``...`` placeholder."""


class AnswerFailed(Exception):
    """The student's code raised an error while a check ran it (the check itself did not fail)."""


class KitFunctionUsed(Exception):
    """Raised when an answer calls a kit function that the exercise asks the student to write."""


@dataclass
class Exercise:
    """One exercise: ``test(answer, **context)`` returns None when right or says what is wrong
    (raising :class:`NotAnswered` for placeholders); ``reference(answer=answer, **context)`` is the
    answer lent to the rest of the lab in place of ``answer`` (most references ignore ``answer``)."""

    name: str
    test: Callable[..., str | None]
    reference: Callable[..., Any]
    hints: list[str] = field(default_factory=list)


EXERCISES: dict[str, Exercise] = {}


def exercise(name: str, reference: Callable[..., Any], hints: list[str]):
    """Registers the decorated function as the test of exercise ``name``."""

    def register(test):
        EXERCISES[name] = Exercise(name, test, reference, list(hints))
        return test

    return register


def _placeholder(value) -> bool:
    return value is Ellipsis or value is None


# --------------------------------------------------------------------------- watching for kit functions


WATCHED: list[Callable[..., Any]] = []
"""The kit functions an answer may not be or call (those the exercises ask you to write, and their references)."""


def watch(*functions: Callable[..., Any]) -> None:
    """Adds kit functions to :data:`WATCHED`."""
    WATCHED.extend(functions)


def _kit_functions() -> dict:
    """code object -> name of every kit function in :data:`WATCHED`."""
    return {f.__code__: f.__name__.lstrip("_") for f in WATCHED}


def _kit_name(answer) -> str | None:
    code = getattr(answer, "__code__", None)
    return _kit_functions().get(code) if code is not None else None


def _call(fn, *args):
    """Calls the student's ``fn`` while watching which kit functions run inside it.

    Raises :class:`KitFunctionUsed` when one of them runs (however it was reached: by name, through
    ``transferkit.``, an alias or a wrapper), :class:`AnswerFailed` when ``fn`` raises, and
    :class:`NotAnswered` when ``fn`` returns nothing.
    """
    watched = _kit_functions()
    used: list[str] = []

    def spy(frame, event, arg):
        if event == "call" and frame.f_code in watched:
            used.append(watched[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(spy)
    failure = None
    try:
        out = fn(*args)
    except Exception as e:  # the student's code failed: reported as their answer's error, not the check's
        out, failure = None, e
    finally:
        sys.setprofile(previous)
    if failure is not None and not used:
        raise AnswerFailed(_("your answer raised {error_type}: {error}").format(
            error_type=type(failure).__name__, error=failure)) from failure
    if used:
        raise KitFunctionUsed(_("your answer calls the kit's `{function}`: the exercise is to write those lines "
                                "yourself").format(function=used[0]))
    if _placeholder(out):
        raise NotAnswered(_("your function returns nothing yet (replace the `...`)"))
    return out


def _is_stub(fn) -> bool:
    """True for a function whose body is still only ``...`` (or ``pass``), with or without a docstring."""
    if not callable(fn) or not hasattr(fn, "__code__"):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False

    def empty(stmt) -> bool:
        if isinstance(stmt, ast.Pass):
            return True
        return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
            stmt.value.value is Ellipsis or isinstance(stmt.value.value, str))

    return all(empty(s) for s in node.body)


def _callable(fn) -> str | None:
    return None if callable(fn) else _("expected a function, got {type}").format(type=type(fn).__name__)

"""Exercise checks for the labs: a student's answer gets a tick or a hint, and the lab goes on.

Convention for exercise cells: the student replaces ``...`` with an answer (most answers are small
functions), then the cell ends with ``answer = tk.check("exercise name", answer, **context)``.
``check`` tests what the answer *does* - it calls a function on inputs the check makes itself -
and prints one of

* ``✓`` - the answer is right and is returned unchanged;
* ``✗`` - what is wrong and a first hint (never the expected value); the reference answer is lent;
* ``○`` - not answered yet (still ``...``, or a function that returns nothing); a first hint, and
  again the reference answer is lent so the whole notebook runs top to bottom.

A lent reference is the kit's own answer, announced as such: the exercise stays open and is never
ticked. An answer that *is* a kit function, or that calls one of the kit functions the exercise
asks you to write yourself (``unfreeze_top``, ``compile_for_training``, ``top_k_accuracy``, ...),
gets ``✗``: the kit's calls are watched while the answer runs.

**Strict mode** (``TRANSFERKIT_STRICT=1``, for worked solutions in CI): an answer that is not right
raises :class:`AnswerNotAccepted` (an ``AssertionError`` naming the exercise) instead of lending the
reference. In any mode, an error in the student's code is a ``✗`` that names it, while an error in
a check's own code (its test or its reference answer) raises :class:`InternalCheckError` naming the
check: a broken check is the kit's crash, never a verdict and never a lent answer.

``hint(name)`` prints the hints of an exercise, in words; ``EXERCISES`` lists them. ``verify``
returns ``(status, message)`` without printing or lending anything (for tests). The exercises
themselves (their tests, hints and reference answers) live in :mod:`transferkit.course.exercises`.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..config import env_flag
from ..i18n import _
from ..models.names import find_name
from . import exercises  # noqa: F401 - registers the labs' exercises
from .answers import (EXERCISES, AnswerFailed, Exercise, KitFunctionUsed, NotAnswered, _is_stub, _kit_name,
                      _placeholder)

STRICT_VARIABLE = "TRANSFERKIT_STRICT"
"""The environment variable that turns strict mode on (``TRANSFERKIT_STRICT=1``)."""


def strict_mode() -> bool:
    """True when ``TRANSFERKIT_STRICT`` is set to a true value: ``check`` then raises on any answer that is not right."""
    return env_flag(STRICT_VARIABLE)


class AnswerNotAccepted(AssertionError):
    """Raised by :func:`check` in strict mode when an answer is wrong or missing; the message names the exercise."""


class InternalCheckError(RuntimeError):
    """Raised when a check's own code fails: a bug in the kit, not in the answer; the message names the check."""


@contextmanager
def _check_code(name: str):
    """Whatever raises in here is the check's own code: the answer's errors arrive as verdicts (``AnswerFailed``)."""
    try:
        yield
    except Exception as e:
        raise InternalCheckError(_("internal error in the kit's check {name!r}, not in your answer: {error_type}: "
                                   "{error}").format(name=name, error_type=type(e).__name__, error=e)) from e


def _get(name: str) -> Exercise:
    names = list(EXERCISES)
    index, close = find_name(name, names)
    if index is not None:
        return EXERCISES[names[index]]
    if close:
        raise KeyError(_("no exercise {name!r}; did you mean {close}?").format(name=name, close=close))
    raise KeyError(_("no exercise {name!r}; exercises: {names}").format(name=name, names=sorted(EXERCISES)))


def verify(name: str, answer, **context) -> tuple[str, str]:
    """``("correct" | "wrong" | "missing", message)`` for an answer, printing nothing.

    An error raised by the student's code is ``"wrong"``; one raised by the check's own code is an
    :class:`InternalCheckError`.
    """
    ex = _get(name)
    with _check_code(name):
        if _placeholder(answer) or _is_stub(answer):
            return "missing", _("not answered yet")
        kit = _kit_name(answer)
        if kit:
            return "wrong", _("that is the kit's own `{kit}`: the exercise is to write it yourself").format(kit=kit)
        try:
            problem = ex.test(answer, **context)
        except NotAnswered as e:
            return "missing", str(e) or _("not answered yet")
        except (KitFunctionUsed, AnswerFailed) as e:
            return "wrong", str(e)
    return ("correct", _("correct!")) if problem is None else ("wrong", problem)


def check(name: str, answer, **context):
    """Checks an answer, prints the verdict, returns the answer (right) or the reference (otherwise).

    In strict mode (:func:`strict_mode`) an answer that is not right raises :class:`AnswerNotAccepted`.
    """
    ex = _get(name)
    status, message = verify(name, answer, **context)
    if status == "correct":
        print(f"✓ {name}: {message}")
        return answer
    if strict_mode():
        if status == "missing":
            problem = _("exercise {name!r} is not answered ({variable}=1): {message}")
        else:
            problem = _("exercise {name!r} is wrong ({variable}=1): {message}")
        raise AnswerNotAccepted(problem.format(name=name, variable=STRICT_VARIABLE, message=message))
    with _check_code(name):  # before any verdict is printed: a reference that fails is the kit's crash
        lent = ex.reference(answer=answer, **context)
    first_hint = _(ex.hints[0]) if ex.hints else ""
    if status == "missing":
        print("○ " + _("{name}: {message}. Hint: {hint}").format(name=name, message=message, hint=first_hint))
    else:
        print(f"✗ {name}: {message}\n  "
              + _("Hint: {hint}  (hint({name!r}) shows more)").format(hint=first_hint, name=name))
    # TRANSLATORS: keep "REFERENCE ANSWER LENT" in English (the lab's prose names it).
    print("  🔑 " + _("REFERENCE ANSWER LENT: the next cells run with the kit's answer to {name!r}, not yours; "
                     "the exercise stays open.").format(name=name))
    return lent


def hint(name: str) -> None:
    """Prints all hints of an exercise, from gentle to nearly the answer - in words, not code."""
    ex = _get(name)
    for i, h in enumerate(ex.hints, 1):
        print(f"{i}. {_(h)}")

"""Exercise checks for the labs: a student's answer gets a tick or a precise hint, and the lab goes on.

Convention for exercise cells: the student replaces ``...`` with an answer, then the cell ends with
``answer = check("exercise name", answer, **context)``. ``check`` prints one of

* ``✓`` - the answer is right and is returned unchanged;
* ``✗`` - what is wrong and a hint; the reference answer is returned so later cells still run;
* ``○`` - not answered yet (still ``...``, or a function that returns nothing); a first hint, and
  again the reference answer is lent so the whole notebook runs top to bottom.

``hint(name)`` prints every hint of an exercise; ``EXERCISES`` lists them. ``verify`` returns
``(status, message)`` without printing or lending anything (for tests).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import metrics
from .datasets import OXFORD_BREEDS, breed_of, species_of

CAT_BREEDS = frozenset({
    "Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau", "Maine_Coon",
    "Persian", "Ragdoll", "Russian_Blue", "Siamese", "Sphynx",
})
"""The 12 cat breeds of the Oxford-IIIT Pet dataset (Parkhi et al., 2012); the other 25 are dogs."""


class NotAnswered(Exception):
    """Raised by a test when the answer is still the ``...`` placeholder."""


@dataclass
class Exercise:
    """One exercise: ``test(answer, **context)`` returns None when right or says what is wrong
    (raising :class:`NotAnswered` for placeholders); ``reference(**context)`` is the answer lent
    to the rest of the lab."""

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


def _get(name: str) -> Exercise:
    try:
        return EXERCISES[name]
    except KeyError:
        close = difflib.get_close_matches(name, EXERCISES, n=3)
        raise KeyError(f"no exercise {name!r}" + (f"; did you mean {close}?" if close else
                                                  f"; exercises: {sorted(EXERCISES)}")) from None


def verify(name: str, answer, **context) -> tuple[str, str]:
    """``("correct" | "wrong" | "missing", message)`` for an answer, printing nothing."""
    ex = _get(name)
    if _placeholder(answer):
        return "missing", "not answered yet"
    try:
        problem = ex.test(answer, **context)
    except NotAnswered as e:
        return "missing", str(e) or "not answered yet"
    except Exception as e:  # the student's code failed: say how
        return "wrong", f"your answer raised {type(e).__name__}: {e}"
    return ("correct", "correct!") if problem is None else ("wrong", problem)


def check(name: str, answer, **context):
    """Checks an answer, prints the verdict, returns the answer (right) or the reference (otherwise)."""
    ex = _get(name)
    status, message = verify(name, answer, **context)
    if status == "correct":
        print(f"✓ {name}: {message}")
        return answer
    first_hint = ex.hints[0] if ex.hints else ""
    if status == "missing":
        print(f"○ {name}: {message}. Hint: {first_hint}")
    else:
        print(f"✗ {name}: {message}\n  Hint: {first_hint}  (hint({name!r}) shows more)")
    print("  The lab carries on with the reference answer for now, so the next cells run.")
    return ex.reference(**context)


def hint(name: str) -> None:
    """Prints all hints of an exercise, from gentle to nearly the answer."""
    ex = _get(name)
    for i, h in enumerate(ex.hints, 1):
        print(f"{i}. {h}")


def _call(fn, *args):
    out = fn(*args)
    if _placeholder(out):
        raise NotAnswered("your function returns nothing yet (replace the `...`)")
    return out


# --------------------------------------------------------------------------- notebook 03: pets


def _example_names() -> list[tuple[str, str]]:
    numbers = [1, 12, 100, 201]
    return [(f"{b}_{numbers[i % 4]}.jpg", b) for i, b in enumerate(OXFORD_BREEDS)]


@exercise("breed_from_filename", lambda **_: breed_of, [
    "The breed is everything before the last underscore: 'great_pyrenees_12.jpg' -> 'great_pyrenees'.",
    "Breed names contain underscores themselves, so split from the right: name.rsplit('_', 1)[0].",
    "Drop the folder and extension first: pathlib.Path(name).stem.",
])
def _test_breed(fn) -> str | None:
    if not callable(fn):
        return f"expected a function, got {type(fn).__name__}"
    for filename, breed in _example_names() + [("images/Egyptian_Mau_7.jpg", "Egyptian_Mau")]:
        got = _call(fn, filename)
        if got != breed:
            return f"breed_from_filename({filename!r}) returned {got!r}, expected {breed!r}"
    return None


@exercise("species_of_breed", lambda **_: species_of, [
    "The dataset's README: 'All images with 1st letter as capital are cat images'.",
    "breed[0].isupper() tells you whether a name starts with a capital letter.",
])
def _test_species(fn) -> str | None:
    if not callable(fn):
        return f"expected a function, got {type(fn).__name__}"
    for breed in OXFORD_BREEDS:
        got = _call(fn, breed)
        expected = "cat" if breed in CAT_BREEDS else "dog"
        if got != expected:
            return f"species_of_breed({breed!r}) returned {got!r}, expected {expected!r}"
    return None


@exercise("num_breeds", lambda **_: len(OXFORD_BREEDS), [
    "Count the distinct breeds among the file names: len({breed_from_filename(f) for f in filenames}).",
    "Not 35: the seed lesson miscounted. 12 cat breeds + 25 dog breeds.",
])
def _test_num_breeds(n) -> str | None:
    if not isinstance(n, (int, np.integer)):
        return f"expected a whole number, got {type(n).__name__}"
    if n != 37:
        return f"{n} breeds; count again - the dataset has 12 cat and 25 dog breeds"
    return None


def _split_reference(trainval, **_):
    return trainval.split(0.2, seed=0)


@exercise("validation_split", _split_reference, [
    "Carve validation out of trainval - never out of test: the test set is only looked at at the end.",
    "trainval.split(0.2, seed=0) returns (train, validation), stratified: 20% of every breed.",
    "A seed makes the split the same every time you run the notebook.",
])
def _test_split(answer, trainval, test=None) -> str | None:
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return "expected a pair (train, validation)"
    train, val = answer
    tv = set(trainval.paths)
    a, b = set(train.paths), set(val.paths)
    if test is not None and (a | b) & set(test.paths):
        return f"{len((a | b) & set(test.paths))} images come from the test set"
    if a & b:
        return f"{len(a & b)} images are in both train and validation"
    if a | b != tv:
        return f"train + validation hold {len(a | b)} images, trainval has {len(tv)}: use all of trainval"
    frac = len(b) / len(tv)
    if not 0.1 <= frac <= 0.3:
        return f"validation holds {frac:.0%} of trainval; aim for about 20%"
    counts = val.counts()
    empty = [c for c, n in trainval.counts().items() if n >= 2 and counts.get(c, 0) == 0]
    if empty:
        return f"no validation images for {len(empty)} breeds (e.g. {empty[0]}): split each breed (stratify)"
    return None


def _features_reference(images, backbone, **_):
    from .features import extract_features

    return extract_features(backbone, images)


@exercise("features", _features_reference, [
    "extract_features(backbone, images) runs every image through the frozen network once (and caches).",
    "It returns (features, labels): one row of pooled activations per image.",
])
def _test_features(answer, images, backbone) -> str | None:
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return "expected a pair (features, labels)"
    x, y = np.asarray(answer[0]), np.asarray(answer[1])
    width = backbone.output_shape[-1]
    if x.shape != (len(images), width):
        return f"features have shape {x.shape}, expected ({len(images)}, {width}): one {width}-number row per image"
    if not np.array_equal(y, images.labels):
        return "the labels do not match the images (same order as images.labels?)"
    if not np.isfinite(x).all() or np.allclose(x, 0):
        return "the features are all zero or not finite"
    return None


@exercise("top_k_accuracy", lambda **_: metrics.top_k_accuracy, [
    "np.argsort(-probs, axis=1)[:, :k] gives the k best classes of each image.",
    "An image counts as right when its label is one of those k: (top == labels[:, None]).any(axis=1).",
    "The accuracy is the mean of those booleans, as a Python float.",
])
def _test_top_k(fn) -> str | None:
    if not callable(fn):
        return f"expected a function, got {type(fn).__name__}"
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(6), size=50)
    labels = rng.integers(0, 6, size=50)
    for k in (1, 2, 3, 6):
        got = _call(fn, labels, probs, k)
        want = metrics.top_k_accuracy(labels, probs, k)
        if not np.isclose(float(got), want):
            return f"for k={k} you get {float(got):.3f}, expected {want:.3f}"
    return None


def _species_accuracy_reference(labels, predictions, class_names, **_):
    return metrics.species_accuracy(labels, predictions, class_names)


@exercise("species_accuracy", _species_accuracy_reference, [
    "Map the true breed and the predicted breed of every test image to its species.",
    "species_true = np.array([species_of_breed(class_names[i]) for i in labels]); the same for predictions.",
    "The accuracy is the fraction where the two species agree - a wrong breed of the right species counts as right.",
])
def _test_species_accuracy(value, labels, predictions, class_names) -> str | None:
    want = metrics.species_accuracy(labels, predictions, class_names)
    try:
        got = float(value)
    except (TypeError, ValueError):
        return f"expected a number, got {type(value).__name__}"
    if got > 1.0:
        return f"{got} is more than 1: give a fraction (0.93), not a percentage"
    breed_acc = metrics.accuracy(labels, predictions)
    if np.isclose(got, breed_acc) and not np.isclose(want, breed_acc):
        return "that is the breed accuracy; count a prediction right when its species is right"
    if not np.isclose(got, want, atol=1e-6):
        return f"{got:.4f}, expected {want:.4f}"
    return None


# --------------------------------------------------------------------------- reading the data


def describe_counts(sets: dict, few: int = 20) -> str:
    """What a (possibly partial) copy holds: images per split, and the breeds that are short.

    ``sets`` maps split names to :class:`transferkit.ImageSet` objects of the same classes.
    """
    lines = []
    for split, s in sets.items():
        counts = np.array(list(s.counts().values()))
        present = int((counts > 0).sum())
        lines.append(f"{split}: {len(s)} images of {present}/{s.num_classes} breeds "
                     f"(per breed {counts.min()}-{counts.max()}, median {int(np.median(counts))}); "
                     f"{len(s.skipped)} files skipped")
    for split, s in sets.items():
        counts = s.counts()
        none = [c for c, n in counts.items() if n == 0]
        short = [f"{c} ({n})" for c, n in counts.items() if 0 < n < few]
        if none:
            lines.append(f"{split}: no images at all for {len(none)} breeds: {', '.join(none)}")
        if short:
            lines.append(f"{split}: fewer than {few} images for {len(short)} breeds: {', '.join(short)}")
    lines.append("Per-breed accuracy on a handful of images is noise: with 1 test image a breed scores 0% or 100%.")
    return "\n".join(lines)

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
a check's own code is raised as it is: a broken check is a crash, never a verdict.

``hint(name)`` prints the hints of an exercise, in words; ``EXERCISES`` lists them. ``verify``
returns ``(status, message)`` without printing or lending anything (for tests).
"""

from __future__ import annotations

import ast
import difflib
import inspect
import os
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..evaluation import metrics
from ..models import heads
from ..training import fit
from ..i18n import N_, _
from ..datasets.oxford import OXFORD_BREEDS, breed_of

HEAD_LEARNING_RATE = 1e-3
"""The learning rate of stage 1 (a fresh head); a fine-tuning rate must be lower."""


STRICT_VARIABLE = "TRANSFERKIT_STRICT"
"""The environment variable that turns strict mode on (``TRANSFERKIT_STRICT=1``)."""


def strict_mode() -> bool:
    """True when ``TRANSFERKIT_STRICT`` is set to a true value: ``check`` then raises on any answer that is not right."""
    return os.environ.get(STRICT_VARIABLE, "").strip().lower() not in {"", "0", "false", "no", "off"}


class AnswerNotAccepted(AssertionError):
    """Raised by :func:`check` in strict mode when an answer is wrong or missing; the message names the exercise."""


class NotAnswered(Exception):
    """Raised by a test when the answer is still the ``...`` placeholder."""


class AnswerFailed(Exception):
    """The student's code raised an error while a check ran it (the check itself did not fail)."""


class KitFunctionUsed(Exception):
    """Raised when an answer calls a kit function that the exercise asks the student to write."""


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
        if close:
            raise KeyError(_("no exercise {name!r}; did you mean {close}?").format(name=name, close=close)) from None
        raise KeyError(_("no exercise {name!r}; exercises: {names}").format(name=name, names=sorted(EXERCISES))) from None


def verify(name: str, answer, **context) -> tuple[str, str]:
    """``("correct" | "wrong" | "missing", message)`` for an answer, printing nothing.

    An error raised by the student's code is ``"wrong"``; an error raised by the check's own code propagates.
    """
    ex = _get(name)
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
    # any other exception is a bug in the check itself: it propagates, with its traceback
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
    first_hint = _(ex.hints[0]) if ex.hints else ""
    if status == "missing":
        print("○ " + _("{name}: {message}. Hint: {hint}").format(name=name, message=message, hint=first_hint))
    else:
        print(f"✗ {name}: {message}\n  "
              + _("Hint: {hint}  (hint({name!r}) shows more)").format(hint=first_hint, name=name))
    # TRANSLATORS: keep "REFERENCE ANSWER LENT" in English (the lab's prose names it).
    print("  🔑 " + _("REFERENCE ANSWER LENT: the next cells run with the kit's answer to {name!r}, not yours; "
                     "the exercise stays open.").format(name=name))
    return ex.reference(**context)


def hint(name: str) -> None:
    """Prints all hints of an exercise, from gentle to nearly the answer - in words, not code."""
    ex = _get(name)
    for i, h in enumerate(ex.hints, 1):
        print(f"{i}. {_(h)}")


# --------------------------------------------------------------------------- watching for kit functions


def _kit_functions() -> dict:
    """code object -> name of every kit function an answer may not be (or call)."""
    fns = [heads.build_classifier, heads.unfreeze_top, heads.freeze_backbone,
           fit.compile_for_training, fit.train_head, fit.fine_tune,
           metrics.top_k_accuracy, metrics.species_accuracy, metrics.species_report, breed_of,
           _reference_head, _reference_unfreeze, _reference_recompile, _reference_species_accuracy]
    return {f.__code__: f.__name__.lstrip("_") for f in fns}


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


# --------------------------------------------------------------------------- notebook 03: pets


def _example_names() -> list[tuple[str, str]]:
    numbers = [1, 12, 100, 201]
    return [(f"{b}_{numbers[i % 4]}.jpg", b) for i, b in enumerate(OXFORD_BREEDS)]


@exercise("breed_from_filename", lambda **_: breed_of, [
    N_("The breed is everything before the last underscore of the name, and the number after it is not part of it."),
    N_("Breed names contain underscores themselves, so split once, counting from the right end of the name."),
    N_("Drop the folder and the extension first: pathlib's Path objects have an attribute for the name without both."),
])
def _test_breed(fn) -> str | None:
    if (problem := _callable(fn)):
        return problem
    for filename, breed in _example_names() + [("images/Egyptian_Mau_7.jpg", "Egyptian_Mau")]:
        got = _call(fn, filename)
        if got != breed:
            return _("breed_from_filename({filename!r}) returned {got!r}, which is not the breed").format(
                filename=filename, got=got)
    return None


def _split_reference(trainval, **_):
    return fit.carve_validation(trainval)


@exercise("validation_split", _split_reference, [
    N_("Carve validation out of trainval - never out of test: the test set is only looked at at the end."),
    N_("Notebooks 01 and 02 carved their validation split with the kit's carve_validation: a fifth of every class "
      "(stratified), always the same images."),
    N_("Hand it the set to carve from; it gives back the pair (train, validation), with a fixed seed."),
])
def _test_split(answer, trainval, test=None) -> str | None:
    from ..datasets.imageset import ImageSet

    if not (isinstance(answer, tuple) and len(answer) == 2):
        return _("expected a pair (train, validation)")
    train, val = answer
    if not (isinstance(train, ImageSet) and isinstance(val, ImageSet)):
        return _("expected two image sets, got a {first} and a {second}").format(
            first=type(train).__name__, second=type(val).__name__)
    tv = set(trainval.paths)
    a, b = set(train.paths), set(val.paths)
    if test is not None and (a | b) & set(test.paths):
        return _("{n} images come from the test set").format(n=len((a | b) & set(test.paths)))
    if a & b:
        return _("{n} images are in both train and validation").format(n=len(a & b))
    if a | b != tv:
        return _("train + validation hold {n} images, trainval has {total}: use all of trainval").format(
            n=len(a | b), total=len(tv))
    frac = len(b) / len(tv)
    if frac < 0.1:
        return _("validation holds {fraction:.0%} of trainval: too few for this lab").format(fraction=frac)
    if frac > 0.3:
        return _("validation holds {fraction:.0%} of trainval: too many for this lab").format(fraction=frac)
    counts = val.counts()
    empty = [c for c, n in trainval.counts().items() if n >= 2 and counts.get(c, 0) == 0]
    if empty:
        return _("no validation images for {n} breeds (e.g. {breed}): split each breed (stratify)").format(
            n=len(empty), breed=empty[0])
    return None


@exercise("top_k_accuracy", lambda **_: metrics.top_k_accuracy, [
    N_("Sort each row of probabilities from the highest score down and keep the first k class ids."),
    N_("An image counts as right when its label is one of those k; numpy can compare a column of labels with "
      "all k columns at once (broadcasting) and ask whether any of them matches."),
    N_("The accuracy is the mean of those yes/no values, returned as a Python float."),
])
def _test_top_k(fn) -> str | None:
    if (problem := _callable(fn)):
        return problem
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(6), size=50)
    labels = rng.integers(0, 6, size=50)
    for k in (1, 2, 3, 6):
        got = _call(fn, labels, probs, k)
        try:
            value = float(got)
        except (TypeError, ValueError):
            return _("for k={k} your function returned a {type}, not a number").format(k=k, type=type(got).__name__)
        if not np.isclose(value, metrics.top_k_accuracy(labels, probs, k)):
            return _("for k={k} your function returned {value:.3f} on a test case where that is not the top-{k} "
                     "accuracy").format(k=k, value=value)
    return None


def _reference_species_accuracy(labels, probabilities, class_names) -> float:
    return metrics.species_accuracy(labels, probabilities, class_names)


@exercise("species_accuracy", lambda **_: _reference_species_accuracy, [
    N_("Map the true breed and the predicted breed (the highest probability) of every image to its species."),
    N_("The capital-letter rule gives the species of a breed name; a breed's name is class_names at its class id."),
    N_("The result is the fraction of images where the two species agree: a wrong breed of the right species counts."),
])
def _test_species_accuracy(fn) -> str | None:
    if (problem := _callable(fn)):
        return problem
    names = ["Abyssinian", "beagle", "pug", "Bengal", "boxer"]
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 5, size=40)
    probs = rng.dirichlet(np.ones(5), size=40) + 0.35 * np.eye(5)[labels]  # right more often than not
    probs /= probs.sum(axis=1, keepdims=True)
    got = _call(fn, labels, probs, names)
    try:
        value = float(got)
    except (TypeError, ValueError):
        return _("expected a number, got {type}").format(type=type(got).__name__)
    want = metrics.species_accuracy(labels, probs, names)
    if value > 1.0:
        return _("{value} is more than 1: give a fraction (0.93), not a percentage").format(value=value)
    if np.isclose(value, metrics.accuracy(labels, probs)) and not np.isclose(want, metrics.accuracy(labels, probs)):
        return _("that is the breed accuracy; count a prediction right when its species is right")
    if not np.isclose(value, want, atol=1e-6):
        return _("on a test case your function returned {value:.4f}, which is not the species accuracy").format(
            value=value)
    return None


# --------------------------------------------------------------------------- notebook 03: the transfer-learning steps


def _reference_head(backbone, num_classes):
    import keras

    backbone.trainable = False
    inputs = keras.Input(backbone.input_shape[1:], name="image")
    x = keras.layers.RandomFlip("horizontal", seed=0)(inputs)
    x = backbone(x, training=False)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def _weight_ids(weights) -> set[int]:
    return {id(w) for w in weights}


@exercise("head", lambda **_: _reference_head, [
    N_("Stage 1 trains only the new layers: switch the whole backbone's trainable flag off first."),
    N_("The model takes the same raw 0-255 images the backbone takes (a Keras Input of the backbone's input shape), "
      "runs the backbone on them in inference mode, and puts a little dropout and one Dense layer on top."),
    N_("The Dense layer needs one unit per class and a softmax, so each image gets probabilities that sum to 1."),
])
def _test_head(fn, backbone, num_classes: int = 37) -> str | None:
    import keras

    if (problem := _callable(fn)):
        return problem
    model = _call(fn, backbone, num_classes)
    if not isinstance(model, keras.Model):
        return _("your function returned a {type}, not a Keras model").format(type=type(model).__name__)
    try:
        kit_name = f"{heads.pretrained_part(backbone).name}_transfer"
    except ValueError:
        kit_name = None
    if model.name == kit_name:
        return _("that model was made by the kit's build_classifier: the exercise is to write the head yourself")
    outputs = model.output_shape[-1] if not isinstance(model.output_shape, list) else None
    if outputs != num_classes:
        return _("your model gives {outputs} outputs per image, but num_classes={num_classes} were asked for").format(
            outputs=outputs, num_classes=num_classes)
    pretrained = _weight_ids(backbone.weights)
    if not pretrained <= _weight_ids(model.weights):
        return _("your model does not contain the pretrained backbone: call backbone(...) inside it")
    trainable = _weight_ids(model.trainable_weights)
    if trainable & pretrained:
        return _("{n} pretrained weight tensors are trainable: in stage 1 the backbone stays frozen, or the random "
                 "head's large gradients wreck it").format(n=len(trainable & pretrained))
    if not trainable:
        return _("nothing in your model is trainable: the new head must be")
    other = _call(fn, backbone, 5)
    if other is model or getattr(other, "output_shape", (None,))[-1] != 5:
        return _("your function ignores num_classes (or hands back the same model every time): build a new head "
                 "per call")
    shape = tuple(d or 224 for d in model.input_shape[1:])
    x = np.random.default_rng(0).uniform(0, 255, size=(2, *shape)).astype("float32")
    try:
        p = np.asarray(model(x, training=False))
    except Exception as e:  # the student's model failed on a batch of images
        raise AnswerFailed(_("your model raised {error_type} on a batch of images: {error}").format(
            error_type=type(e).__name__, error=e)) from e
    if not (np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0, atol=1e-3)):
        return _("the outputs are not probabilities (each image's should be >= 0 and sum to 1)")
    return None


def _toy_network(name: str = "toy_network"):
    """A small conv network shaped like MobileNet's blocks: Conv, BatchNorm, ReLU, repeated."""
    import keras

    inputs = keras.Input((8, 8, 3))
    x = inputs
    for i in range(4):
        x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name=f"conv_{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn_{i}")(x)
        x = keras.layers.ReLU(name=f"relu_{i}")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    network = keras.Model(inputs, x, name=name)
    network.trainable = False
    return network


def _toy_model(network, num_classes: int = 3):
    import keras

    inputs = keras.Input((8, 8, 3))
    x = network(inputs, training=False)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs)


def _reference_unfreeze(network, n: int) -> None:
    network.trainable = True
    first = len(network.layers) - n
    for i, layer in enumerate(network.layers):
        layer.trainable = i >= first and not _is_batchnorm(layer)


def _is_batchnorm(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization)


@exercise("unfreeze", lambda **_: _reference_unfreeze, [
    N_("Every layer has a trainable flag; setting it on the whole network sets it on all its layers at once."),
    N_("Make the network trainable, then switch the flag off again for every layer below the top n "
      "(the network's layers are a Python list, in order from input to output)."),
    N_("Finally walk over all layers and switch it off for every BatchNormalization layer: they keep ImageNet's "
      "statistics, and in inference mode small batches cannot overwrite them."),
])
def _test_unfreeze(fn) -> str | None:
    if (problem := _callable(fn)):
        return problem
    for n in (4, 6, 10):  # the n-th layer from the top (4, 10) or the one below it (6) holds weights
        network = _toy_network()
        model = _toy_model(network)
        _call_no_return(fn, network, n)
        layers = network.layers
        if not network.trainable and not any(layer.trainable for layer in layers):
            raise NotAnswered(_("your function leaves every layer frozen: it does nothing yet"))
        top = set(map(id, layers[len(layers) - n:]))
        for layer in layers:
            if not layer.weights:
                continue
            on = bool(layer.trainable_weights)
            if _is_batchnorm(layer):
                if layer.trainable or layer.trainable_weights:
                    return _("with n={n}, BatchNormalization layer {layer!r} is trainable: keep every BatchNorm "
                             "layer frozen").format(n=n, layer=layer.name)
            elif id(layer) in top and not on:
                return _("with n={n}, layer {layer!r} (one of the top {n}) is still frozen").format(n=n, layer=layer.name)
            elif id(layer) not in top and layer.trainable:
                return _("with n={n}, layer {layer!r} (below the top {n}) is trainable: only the top n layers "
                         "should be").format(n=n, layer=layer.name)
        got = len(model.trainable_weights)
        wanted = sum(len(l.weights) for l in layers[len(layers) - n:] if not _is_batchnorm(l)) + 2
        if got != wanted:
            return _("with n={n} the model has {got} trainable weight tensors, which does not fit the top n layers "
                     "plus the head").format(n=n, got=got)
    return None


def _call_no_return(fn, *args) -> None:
    """Calls a function that works by side effect (returning nothing is fine here)."""
    try:
        _call(fn, *args)
    except NotAnswered:
        pass  # a placeholder body is caught before (``_is_stub``) or by what it did not do


def _reference_recompile(model, learning_rate: float) -> None:
    fit.compile_for_training(model, learning_rate)


@exercise("fine_tune_learning_rate", lambda **_: 1e-4, [
    N_("The head was trained with a learning rate of 1e-3; pretrained weights need much smaller steps."),
    N_("Recipes use 10 to 100 times less than the head's rate; the lab's validation curves tell you if it was too much."),
])
def _test_learning_rate(lr) -> str | None:
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)):
        return _("expected a number, got {type}").format(type=type(lr).__name__)
    if not lr > 0:
        return _("{lr} is not a learning rate: it must be positive").format(lr=lr)
    if lr >= HEAD_LEARNING_RATE:
        return _("{lr:g} is not lower than the head's rate ({head:g}): such large steps wreck the pretrained weights "
                 "in the first few batches").format(lr=lr, head=HEAD_LEARNING_RATE)
    if lr < 1e-7:
        return _("{lr:g} is so small that a few epochs would hardly move any weight").format(lr=lr)
    return None


@exercise("recompile", lambda **_: _reference_recompile, [
    N_("Keras reads which weights are trainable when the model is compiled: after unfreezing, compile again."),
    N_("Compile with the Adam optimizer, created with the learning rate your function is given."),
    N_("The labels are class ids (integers), so the loss is the sparse categorical cross-entropy; "
      "accuracy is a good metric to watch."),
])
def _test_recompile(fn) -> str | None:
    import keras

    if (problem := _callable(fn)):
        return problem
    keras.utils.set_random_seed(0)
    network = _toy_network()
    model = _toy_model(network)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(8, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 3, size=8)
    model.compile(optimizer=keras.optimizers.Adam(HEAD_LEARNING_RATE), loss="sparse_categorical_crossentropy")
    model.train_on_batch(x, y)  # stage 1: the head only
    stage1 = model.optimizer
    _reference_unfreeze(network, 5)
    lr = 3e-5
    _call_no_return(fn, model, lr)
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return _("after your function the model is not compiled")
    if model.optimizer is stage1 and np.isclose(float(np.asarray(stage1.learning_rate)), HEAD_LEARNING_RATE):
        raise NotAnswered(_("your function does not compile the model yet"))
    if model.optimizer is stage1:
        return _("the model still has its stage-1 optimizer: compile it again after unfreezing")
    rate = model.optimizer.learning_rate
    rate = float(np.asarray(rate(0) if callable(rate) else rate))
    if not np.isclose(rate, lr, rtol=1e-3):
        return _("the optimizer's learning rate is {rate:g}, not the learning_rate your function was given").format(
            rate=rate)
    before = {id(w): np.array(w) for w in model.weights}
    try:
        model.train_on_batch(x, y)
    except Exception as e:
        return _("one training step with integer labels failed ({error_type}): is the loss right for class "
                 "ids?").format(error_type=type(e).__name__)
    moved = {id(w) for w in model.weights if not np.allclose(np.array(w), before[id(w)])}
    if not moved & _weight_ids(network.trainable_weights):
        return _("one training step left the unfrozen layers unchanged: they must be trained after the recompile")
    if moved & _weight_ids(network.non_trainable_weights):
        return _("one training step changed frozen weights (BatchNorm statistics?)")
    return None


# --------------------------------------------------------------------------- reading the data


def describe_counts(sets: dict, few: int = 20) -> str:
    """What a dataset holds: images per split, and the breeds with few (or no) images.

    ``sets`` maps split names to :class:`transferkit.ImageSet` objects of the same classes.
    """
    lines = []
    for split, s in sets.items():
        counts = np.array(list(s.counts().values()))
        present = int((counts > 0).sum())
        lines.append(_("{split}: {n} images of {present}/{total} breeds (per breed {low}-{high}, median {median}); "
                       "{skipped} files skipped").format(
            split=split, n=len(s), present=present, total=s.num_classes, low=counts.min(), high=counts.max(),
            median=int(np.median(counts)), skipped=len(s.skipped)))
    for split, s in sets.items():
        counts = s.counts()
        none = [c for c, n in counts.items() if n == 0]
        short = [f"{c} ({n})" for c, n in counts.items() if 0 < n < few]
        if none:
            lines.append(_("{split}: no images at all for {n} breeds: {breeds}").format(
                split=split, n=len(none), breeds=", ".join(none)))
        if short:
            lines.append(_("{split}: fewer than {few} images for {n} breeds: {breeds}").format(
                split=split, few=few, n=len(short), breeds=", ".join(short)))
    lines.append(_("Per-breed accuracy on a handful of images is noise: with 1 test image a breed scores {low} or "
                   "{high}.").format(low="0%", high="100%"))
    return "\n".join(lines)

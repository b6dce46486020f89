"""The labs' exercises: for each, the test of a student's answer, hints in words and the reference answer.

Each is registered with :func:`~transferkit.course.answers.exercise` under the name a lab cell checks
(``tk.check("head", answer, ...)``); :mod:`transferkit.course.lab` runs them.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..datasets.imageset import carve_validation
from ..datasets.oxford import OXFORD_BREEDS, breed_of
from ..evaluation import metrics, species
from ..i18n import N_, _
from ..models import heads
from ..training import fit
from .answers import AnswerFailed, NotAnswered, _call, _callable, exercise, watch

HEAD_LEARNING_RATE = 1e-3
"""The learning rate of stage 1 (a fresh head); a fine-tuning rate must be lower."""


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
    return carve_validation(trainval)


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
    return species.species_accuracy(labels, probabilities, class_names)


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
    want = species.species_accuracy(labels, probs, names)
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
    x = _images_for(backbone)
    backbone(x, training=False)  # the check's own batch: the backbone takes it, or the check is broken
    try:
        p = np.asarray(model(x, training=False))
    except Exception as e:  # the student's model failed on a batch of images
        raise AnswerFailed(_("your model raised {error_type} on a batch of images: {error}").format(
            error_type=type(e).__name__, error=e)) from e
    if not (np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0, atol=1e-3)):
        return _("the outputs are not probabilities (each image's should be >= 0 and sum to 1)")
    return None


def _images_for(model):
    """Two random 0-255 images of the size ``model`` takes (224 x 224 where it takes any size)."""
    shape = tuple(d or 224 for d in model.input_shape[1:])
    return np.random.default_rng(0).uniform(0, 255, size=(2, *shape)).astype("float32")


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


_LENT_OPTIMIZERS: "weakref.WeakSet" = weakref.WeakSet()
"""The optimizers of compiles the kit's lent recompile made: those models were not compiled by the student."""


def _reference_recompile(model, learning_rate) -> None:
    fit.compile_for_training(model, learning_rate)
    _LENT_OPTIMIZERS.add(model.optimizer)


def _learning_rate(optimizer) -> float:
    """The learning rate ``optimizer`` steps at: its rate, or its schedule's value at the optimizer's current step."""
    return float(np.asarray(optimizer.learning_rate))


def _compiled_at(model, learning_rate: float) -> bool:
    """True when ``model`` is compiled and its optimizer steps at ``learning_rate``."""
    return getattr(model, "compiled", False) and np.isclose(_learning_rate(model.optimizer), learning_rate, rtol=1e-3)


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
    N_("compile sets up a new optimizer, and the first fit after it fixes which weights it updates: after unfreezing, "
       "compile again."),
    N_("Compile with the Adam optimizer, created with the learning rate your function is given."),
    N_("The labels are class ids (integers), so the loss is the sparse categorical cross-entropy; "
      "accuracy is a good metric to watch."),
])
def _test_recompile(fn) -> str | None:
    import keras

    if (problem := _callable(fn)):
        return problem
    network = _toy_network()
    model = _toy_model(network)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(8, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 3, size=8)
    fit.compile_for_training(model, HEAD_LEARNING_RATE)
    model.train_on_batch(x, y)  # stage 1: the head only
    stage1 = model.optimizer
    _reference_unfreeze(network, 5)
    lr = 3e-5
    for learning_rate in (lr, keras.optimizers.schedules.CosineDecay(lr, decay_steps=10)):  # the lab's stage 2: a schedule
        _call_no_return(fn, model, learning_rate)
        if not getattr(model, "compiled", False) or model.optimizer is None:
            return _("after your function the model is not compiled")
        if model.optimizer is stage1 and np.isclose(_learning_rate(stage1), HEAD_LEARNING_RATE):
            raise NotAnswered(_("your function does not compile the model yet"))
        if model.optimizer is stage1:
            return _("the model still has its stage-1 optimizer: compile it again after unfreezing")
        if not _compiled_at(model, lr):
            return _("the optimizer's learning rate is {rate:g}, not the learning_rate your function was given").format(
                rate=_learning_rate(model.optimizer))
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


def _reference_compiled(answer, learning_rate: float = HEAD_LEARNING_RATE, **_):
    """The lab's model compiled by the kit at ``learning_rate`` (constant), unless it already steps at that rate."""
    if not _compiled_at(answer, learning_rate):
        _reference_recompile(answer, learning_rate)
    return answer


@exercise("compiled_learning_rate", _reference_compiled, [
    N_("The optimizer steps at the learning rate it was compiled with: the one this cell hands to your recompile, "
       "unless your recompile changes it on the way."),
    N_("With a schedule, the optimizer steps at the schedule's value, which starts at its initial rate: start it "
       "at the rate this stage asks for, not a multiple of it."),
    N_("Stage 1 trains a fresh head at the lab's rate, 1e-3; stage 2 at your FINE_TUNE_LR."),
])
def _test_compiled(model, learning_rate: float = HEAD_LEARNING_RATE) -> str | None:
    """After a lab cell compiled ``model``: is its optimizer's learning rate the one this stage asks for?

    Stage 1 asks for the lab's own rate (:data:`HEAD_LEARNING_RATE`, the default), stage 2 for
    ``learning_rate=FINE_TUNE_LR``. A wrong compile is replaced by the kit's, at that rate (constant),
    on the same model; a right one made by the kit's lent recompile is not the student's answer.
    """
    import keras

    if not isinstance(model, keras.Model):
        return _("expected the Keras model the lab compiled, got a {type}").format(type=type(model).__name__)
    if not getattr(model, "compiled", False):
        return _("the model is not compiled: run your recompile on it")
    if not _compiled_at(model, learning_rate):
        return _("the model's optimizer steps at a learning rate of {rate:g}, not at the {asked:g} asked for "
                 "here").format(rate=_learning_rate(model.optimizer), asked=learning_rate)
    if model.optimizer in _LENT_OPTIMIZERS:
        raise NotAnswered(_("the kit's lent recompile compiled this model, not yours"))
    return None


# --------------------------------------------------------------------------- what an answer may not call


watch(heads.build_classifier, heads.unfreeze_top, heads.freeze_backbone,
      fit.compile_for_training, fit.train_head, fit.fine_tune,
      metrics.top_k_accuracy, species.species_accuracy, species.species_report, breed_of,
      _reference_head, _reference_unfreeze, _reference_recompile, _reference_species_accuracy)

"""Learning curves for notebook 06: what each learner needs, computed once per image, and their plot.

Notebook 06 writes the loop itself: for each training-set size, sample n images per class (seeded),
fit four learners, score them on held-out images. This module keeps what is not the lesson:

* :func:`digits_folder` - scikit-learn's 8x8 digits written once as a folder of PNG files;
* :func:`prepare_domain` - every image decoded once to small pixels, and pushed once through the
  frozen MobileNet: the activations entering its last block (cached on disk) and the pooled features;
* :func:`split_backbone` - MobileNet cut below its last block, and fresh copies of that block;
* :func:`plot_learning_curves` - the figure.

The fine-tune trains MobileNet's top from ``fine_tune_from`` (its last block by default; the whole
network from ``"conv1"``), so everything below it is frozen and, without augmentation, gives the same
output every epoch: those activations are computed once and the fine-tune runs on them. That is
exact, not an approximation.

The loop itself lives only in the notebook: ``benchmarks/near_and_far.py`` runs notebook 06's own
cells (it has no copy to drift, and the library never reseeds the global random generators; the
notebook's loop does, as a student's code may).

>>> near = prepare_domain(train, test, load_backbone(), pixel_size=64)
>>> shapes = prepare_domain(train, test, load_backbone(input_size=64), pixel_size=28, fine_tune_from="conv1")
>>> accuracy = learning_curves(near, [5, 10, 20, 50, None], augment=True)   # notebook 06's loop
>>> plot_learning_curves(accuracy, [5, 10, 20, 50, None], near)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from ..models.backbones import base_layer_name
from ..datasets.imageset import ImageSet
from ..models.inference import predict_arrays
from .features import extract_features
from ..i18n import N_, _
from ..plots import finished

LEARNERS = {"pixels": N_("logistic regression on raw pixels"), "scratch": N_("CNN from scratch"),
            "probe": N_("linear probe on ImageNet features"), "finetuned": N_("fine-tuned")}
"""The four learners of notebook 06, in the order the loop fits them (English; ``_(LEARNERS[name])`` in the kit's language)."""

ACTIVATIONS_DTYPE = "float16"
"""How :class:`DomainData` keeps the activations: half float32's memory (notebook 06 holds three domains
at once); the top computes in float32 on them. The features are computed from the float32 activations."""

FINE_TUNE_FROM = "conv_dw_13"
"""First layer of the default backbone (MobileNet v1) that the fine-tune trains: its last block."""


# --------------------------------------------------------------------------- the far domain


# --------------------------------------------------------------------------- the backbone in two parts


def split_backbone(backbone: keras.Model, first_trainable: str = FINE_TUNE_FROM) -> tuple[keras.Model, Callable[[], keras.Model]]:
    """``(bottom, make_top)``: the frozen part up to ``first_trainable`` and a factory for a fresh top.

    ``bottom`` maps raw 0-255 images to the activations entering ``first_trainable``; ``make_top()``
    returns a new model with copies of the layers from ``first_trainable`` up (ImageNet weights,
    BatchNorm frozen) that maps those activations to the pooled features. Only chains of layers
    (like MobileNet v1's top) can be split this way.
    """
    base = backbone.get_layer(base_layer_name(backbone))
    names = [layer.name for layer in base.layers]
    if first_trainable not in names:
        raise ValueError(_("{model} has no layer {layer!r}; its last layers are {last}").format(
            model=base.name, layer=first_trainable, last=names[-8:]))
    start = names.index(first_trainable)
    top_layers = base.layers[start:]
    for layer in top_layers:
        inputs = layer.input  # the tensor(s) it was first called on (a list when it has several)
        n_inputs = len(inputs) if isinstance(inputs, (list, tuple)) else 1
        if n_inputs != 1:
            raise ValueError(_("{model} is not a chain above {layer!r} ({other} has {n} inputs): choose another "
                               "layer or backbone").format(model=base.name, layer=first_trainable, other=layer.name,
                                                           n=n_inputs))
    cut = base.layers[start - 1].output
    inner = keras.Model(base.input, cut, name=f"{base.name}_to_{names[start - 1]}")
    image = keras.Input(backbone.input_shape[1:], name="image")
    x = backbone.get_layer("preprocess")(image)
    bottom = keras.Model(image, inner(x, training=False), name=f"{base.name}_below_{first_trainable}")

    def make_top() -> keras.Model:
        inputs = keras.Input(tuple(cut.shape[1:]), name="activations")
        x, pairs = inputs, []
        for layer in top_layers:
            copy = layer.__class__.from_config(layer.get_config())
            x = copy(x)
            pairs.append((copy, layer))
        for copy, layer in pairs:
            copy.set_weights(layer.get_weights())
            copy.trainable = not isinstance(copy, keras.layers.BatchNormalization)
        return keras.Model(inputs, x, name=f"{base.name}_from_{first_trainable}")

    return bottom, make_top


# --------------------------------------------------------------------------- each image, once


@dataclass
class DomainData:
    """One domain's images as each learner sees them (train and held-out test), plus a fresh-top factory.

    ``pixels_*``: uint8 images at ``pixel_size`` (for the raw-pixel learners); ``activations_*``: what
    enters the fine-tuned part of MobileNet (its last block: 7x7x768 per 224 px image), stored as
    :data:`ACTIVATIONS_DTYPE`; ``features_*``: MobileNet's pooled output (768), float32.
    """

    name: str
    class_names: list[str]
    y_train: np.ndarray
    y_test: np.ndarray
    pixels_train: np.ndarray
    pixels_test: np.ndarray
    activations_train: np.ndarray
    activations_test: np.ndarray
    features_train: np.ndarray
    features_test: np.ndarray
    make_top: Callable[[], keras.Model]
    fine_tune_from: str = FINE_TUNE_FROM

    def __repr__(self) -> str:
        def shape(a):
            return "x".join(map(str, a.shape[1:]))
        return _("{name}: {train} training and {test} held-out images, {classes} classes; pixels {pixels}, "
                 "activations {activations}, features {features}").format(
            name=self.name, train=len(self.y_train), test=len(self.y_test), classes=len(self.class_names),
            pixels=shape(self.pixels_train), activations=shape(self.activations_train), features=shape(self.features_train))


def pixels(images: ImageSet, size: int) -> np.ndarray:
    """Every image decoded once and resized (bilinear) to ``size`` x ``size``, as uint8 RGB."""
    return np.concatenate([np.round(x.numpy()).astype("uint8") for x in images.as_tf(size, 256, labels=False)])


def prepare_domain(train: ImageSet, test: ImageSet, backbone: keras.Model, pixel_size: int, *,
                   fine_tune_from: str = FINE_TUNE_FROM, name: str | None = None, progress: bool = True) -> DomainData:
    """Each image of ``train`` and ``test`` once: as pixels, as activations below ``fine_tune_from``, as features.

    The activations come from :func:`split_backbone`'s bottom and are cached on disk
    (:func:`~transferkit.extract_features`), so a second run skips the slow part; the features are
    a fresh top's output on them, the same numbers as ``backbone``'s pooled features; the activations
    are then kept as :data:`ACTIVATIONS_DTYPE` (float16: half the memory). With
    ``fine_tune_from="conv1"`` the top is the whole network and the activations are the scaled
    images themselves (nothing to cache).
    """
    if list(train.class_names) != list(test.class_names):
        raise ValueError(_("train and test must have the same classes"))
    bottom, make_top = split_backbone(backbone, fine_tune_from)
    cache = bool(bottom.weights)  # a bottom without weights only scales pixels: cheaper to redo than to store
    a_train, y_train = extract_features(bottom, train, cache=cache, progress=progress)
    a_test, y_test = extract_features(bottom, test, cache=cache, progress=progress)
    frozen_top = make_top()
    features_train, features_test = predict_arrays(frozen_top, a_train), predict_arrays(frozen_top, a_test)
    return DomainData(name or train.name.split("/")[0], list(train.class_names), y_train, y_test,
                      pixels(train, pixel_size), pixels(test, pixel_size),
                      a_train.astype(ACTIVATIONS_DTYPE), a_test.astype(ACTIVATIONS_DTYPE),
                      features_train, features_test, make_top, fine_tune_from)


# --------------------------------------------------------------------------- plot


def plot_learning_curves(accuracy: dict[str, list[float]], sizes, d: DomainData, ax=None, title: str | None = None):
    """Held-out accuracy vs training images per class (log scale), one line per learner; returns the figure."""
    import matplotlib.pyplot as plt

    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(7, 4.8))
    else:
        fig = ax.figure
    k = len(d.class_names)
    xs = [n if n is not None else len(d.y_train) / k for n in sizes]
    styles = {"pixels": ("tab:grey", "D"), "scratch": ("tab:red", "s"), "probe": ("tab:blue", "o"),
              "finetuned": ("tab:green", "^")}
    if d.fine_tune_from == "conv1":
        part = _("whole network")
    elif d.fine_tune_from == FINE_TUNE_FROM:
        part = _("last block")
    else:
        part = _("from {layer}").format(layer=d.fine_tune_from)
    labels = {name: _(text) for name, text in LEARNERS.items()}
    labels["finetuned"] = _("{learner} ({part})").format(learner=labels["finetuned"], part=part)
    for name, accs in accuracy.items():
        color, marker = styles.get(name, (None, "o"))
        ax.plot(xs, accs, marker=marker, color=color, label=labels.get(name, name))
    ax.axhline(1 / k, color="grey", ls=":", lw=1, label=_("chance ({chance:.2f})").format(chance=1 / k))
    ax.set_xscale("log")
    ax.set_xticks(xs, [_("all\n({n})").format(n=round(x)) if n is None else str(n) for x, n in zip(xs, sizes)])
    ax.minorticks_off()
    ax.set_xlabel(_("training images per class"))
    ax.set_ylabel(_("accuracy on {n} held-out images").format(n=len(d.y_test)))
    ax.set_ylim(min(1 / k, *(a for accs in accuracy.values() for a in accs)) - 0.03, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9, frameon=False)
    ax.set_title(title or _("{name}: when does transfer pay?").format(name=d.name))
    fig.tight_layout()
    return finished(fig, own)

"""A classifier on a pretrained backbone: augmentation, a new head, freezing and unfreezing."""

from __future__ import annotations

import keras

from ..i18n import _
from .backbones import base_layer_name, input_size


DEFAULT_UNFREEZE = 0.3
"""Fraction of the pretrained network's layers (from the top) that :func:`unfreeze_top` unfreezes."""


def augmentation_layers(flip: bool = True, rotation: float = 0.05, zoom: float = 0.1, seed: int | None = None) -> list:
    """Light augmentation as Keras layers: horizontal flip, small rotation (fraction of a turn) and zoom.

    They change images only in training (``fit``); at prediction time they pass images through.
    """
    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed, name="random_flip"))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, fill_mode="reflect", seed=seed, name="random_rotation"))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, fill_mode="reflect", seed=seed, name="random_zoom"))
    return layers


def classifier_head(num_classes: int, *, dropout: float = 0.0, l2: float = 0.0, seed: int | None = None) -> list:
    """The kit's one classifier head, as layers: global average pooling ``"pool"``, dropout ``"dropout"``
    (if ``dropout``) and ``Dense(num_classes, softmax)`` ``"classifier"``.

    Drop the first layer for inputs that are already pooled features. ``l2`` penalises the
    classifier's weights; ``seed`` fixes their random start (None: Keras' global random state).
    """
    if num_classes < 2:
        raise ValueError(_("a classifier needs at least 2 classes, got {n}").format(n=num_classes))
    start = "glorot_uniform" if seed is None else keras.initializers.GlorotUniform(seed=seed)
    return [keras.layers.GlobalAveragePooling2D(name="pool"),
            *([keras.layers.Dropout(dropout, name="dropout")] if dropout else []),
            keras.layers.Dense(num_classes, activation="softmax", name="classifier", kernel_initializer=start,
                               kernel_regularizer=keras.regularizers.L2(l2) if l2 else None)]


def build_classifier(backbone: keras.Model, num_classes: int, *, augment: bool = True, dropout: float = 0.2,
                     seed: int | None = None, name: str | None = None) -> keras.Model:
    """A classifier on a backbone from :func:`~transferkit.load_backbone`, with the backbone frozen.

    Raw 0-255 RGB pixels of the backbone's input size go in; augmentation (if ``augment``; active
    only in training), the backbone's own preprocessing, the pretrained network (BatchNorm in
    inference mode), global average pooling if the backbone gives feature maps, dropout, and a
    ``Dense(num_classes, softmax)`` head named ``"classifier"`` come out. Softmax is used for two
    classes as well, so losses, predictions and plots are the same for any number of classes.
    The pretrained network is ``model.get_layer(base_layer_name(model))``.
    """
    base = backbone.get_layer(base_layer_name(backbone))
    size = input_size(backbone)
    inputs = keras.Input((size, size, 3), name="image")
    x = inputs
    for layer in augmentation_layers(seed=seed) if augment else []:
        x = layer(x)
    if "preprocess" in [layer.name for layer in backbone.layers]:
        x = backbone.get_layer("preprocess")(x)
    x = base(x, training=False)
    for layer in classifier_head(num_classes, dropout=dropout)[len(x.shape) != 4:]:  # pooling only for feature maps
        x = layer(x)  # made after the augmentation: each layer draws its random start in the same order as before
    base.trainable = False
    return keras.Model(inputs, x, name=name or f"{base.name}_transfer")


def show_augmentation(model: keras.Model, image, n: int = 8, ncols: int = 4):
    """A grid of ``n`` random versions of one image, as the model's augmentation layers make them in training."""
    import numpy as np

    from ..datasets.images import as_batch
    from ..plots import show_images

    layers = [layer for layer in model.layers if layer.name.startswith("random_")]
    if not layers:
        print(_("{model} has no augmentation layers").format(model=model.name))
        return None
    x = as_batch([image], input_size(model))
    versions = []
    for _version in range(n):
        y = x
        for layer in layers:
            y = layer(y, training=True)
        versions.append(np.clip(np.asarray(y[0]), 0, 255).astype("uint8"))
    return show_images(versions, [_("version {i}").format(i=i + 1) for i in range(n)], ncols=ncols,
                       suptitle=" + ".join(layer.name.removeprefix("random_") for layer in layers))


def pretrained_part(model: keras.Model) -> keras.Model:
    """The nested pretrained network of a model from :func:`build_classifier` or ``load_backbone``."""
    return model.get_layer(base_layer_name(model))


def freeze_backbone(model: keras.Model) -> int:
    """Freezes the whole pretrained network; returns the number of trainable weight tensors left (the head's)."""
    pretrained_part(model).trainable = False
    return len(model.trainable_weights)


def unfreeze_top(model: keras.Model, layers: int | float | str = DEFAULT_UNFREEZE) -> int:
    """Unfreezes the top of the pretrained network; every BatchNormalization layer stays frozen.

    ``layers`` says where unfreezing starts: an int counts layers of the pretrained network from
    its top, a float in (0, 1] is a fraction of them, and a string names the first layer to unfreeze
    (e.g. ``"conv_dw_12"``). ``0`` freezes the whole network again. Frozen BatchNorm layers keep
    their ImageNet statistics and run in inference mode, which fine-tuning on a small data set needs.

    Returns the number of trainable weight tensors of the whole model. Recompile afterwards
    (:func:`fine_tune` does): a model compiled and fitted before goes on updating only the weights
    that were trainable at its first ``fit`` after ``compile``.
    """
    base = pretrained_part(model)
    names = [layer.name for layer in base.layers]
    n = len(names)
    if isinstance(layers, str):
        if layers not in names:
            raise ValueError(_("{model} has no layer {layer!r}; its last layers are {last}").format(
                model=base.name, layer=layers, last=names[-8:]))
        start = names.index(layers)
    elif isinstance(layers, float):
        if not 0.0 <= layers <= 1.0:
            raise ValueError(_("a fraction of layers must lie in [0, 1], got {layers}").format(layers=layers))
        start = n - int(round(layers * n))
    elif isinstance(layers, int) and not isinstance(layers, bool):
        if layers < 0:
            raise ValueError(_("the number of layers to unfreeze must be >= 0, got {layers}").format(layers=layers))
        start = n - min(layers, n)
    else:
        raise TypeError(_("layers must be an int, a float fraction or a layer name, not {type}").format(type=type(layers).__name__))
    base.trainable = start < n
    for i, layer in enumerate(base.layers):
        layer.trainable = i >= start and not isinstance(layer, keras.layers.BatchNormalization)
    return len(model.trainable_weights)

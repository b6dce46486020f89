"""Random transforms the network sees an optimised image through (lucent's ``transform``).

Each transform is a Keras layer (or any callable taking ``(images, training=True)``); the random
ones act only with ``training=True``. An image that must work under all of them cannot rely on a
pattern at one exact position, size or angle. ``standard_transforms`` is notebook 04's list (cell
"fourier-param"), after lucid's ``standard_transforms``: pad, jitter, scale, rotate.
"""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf

__all__ = ["apply_transforms", "standard_transforms"]


def standard_transforms(size: int = 224, seed: int = 0) -> list[keras.layers.Layer]:
    """Grey padding of 12 px, a shift of up to 8 px, a zoom of up to 10%, a rotation of up to 10 degrees, back to ``size``."""
    padded = size + 24
    return [
        keras.layers.Lambda(lambda x: tf.pad(x, [[0, 0], [12, 12], [12, 12], [0, 0]], constant_values=128.0)),
        keras.layers.RandomTranslation(8 / padded, 8 / padded, seed=seed + 1),
        keras.layers.RandomZoom(0.1, seed=seed + 2),
        keras.layers.RandomRotation(10 / 360, seed=seed + 3),
        keras.layers.CenterCrop(size, size),
    ]


def apply_transforms(images, transforms: Sequence) -> tf.Tensor:
    """``images`` seen through each transform in turn (random layers in training mode)."""
    for transform in transforms:
        images = transform(images, training=True)
    return images

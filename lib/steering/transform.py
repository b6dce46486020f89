"""Random transforms the network sees an optimised image through (lucent's ``transform``).

A transform is a Keras layer, or any callable taking ``(images, training=True)``; the random ones act
only with ``training=True``. An image that must work under all of them cannot rely on a pattern at
one exact position, size or angle. ``ideal_images(transforms=[...])`` applies them in turn.

* :class:`Jitter` - a random shift (wrapping around) and zoom: the pixel images' default.
* :func:`standard_transforms` - notebook 04's list (cell "fourier-param"), after lucid's
  ``standard_transforms``: pad, jitter, scale, rotate; the Fourier images' default.

Random transforms keep their own random state, as Keras' random layers do: build them anew for a
run that repeats another (the defaults are built anew at every call, from its ``seed``).
"""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf

from ..i18n import _

__all__ = ["Jitter", "apply_transforms", "describe_transforms", "standard_transforms"]


class Jitter:
    """Random shift (and optional zoom) of the image before each step's forward pass.

    The optimised image itself does not move; the network sees it rolled by up to ``pixels``
    pixels (wrapping around) and, with ``scale > 0``, zoomed by a factor in
    ``[exp(-scale), exp(scale)]`` and cropped/padded back. Features that only work at one exact
    position cannot survive this, so the result is crisper and fools other models more often.
    Its randomness comes from its own ``tf.random.Generator``, seeded with ``seed``.
    """

    def __init__(self, pixels: int = 8, scale: float = 0.0, *, seed: int = 0):
        if pixels < 0 or scale < 0:
            raise ValueError(_("Jitter's pixels and scale must be >= 0, not {pixels} and {scale}").format(
                pixels=pixels, scale=scale))
        self.pixels = int(pixels)
        self.scale = float(scale)
        self.seed = int(seed)
        self.generator = tf.random.Generator.from_seed(self.seed)

    def __call__(self, images, training: bool = True):
        """``images`` (N x H x W x C, static H and W) shifted and zoomed at random; unchanged unless ``training``."""
        if not training:
            return images
        if self.pixels:
            shift = self.generator.uniform([2], -self.pixels, self.pixels + 1, dtype=tf.int32)
            images = tf.roll(images, shift, axis=[1, 2])
        if self.scale:
            h, w = images.shape[1], images.shape[2]
            factor = tf.exp(self.generator.uniform([], -self.scale, self.scale))
            size = tf.cast(tf.round(factor * tf.constant([h, w], tf.float32)), tf.int32)
            zoomed = tf.image.resize(images, size)
            images = tf.ensure_shape(tf.image.resize_with_crop_or_pad(zoomed, h, w), images.shape)
        return images

    def __repr__(self) -> str:
        return f"Jitter(pixels={self.pixels}, scale={self.scale})"


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


def describe_transforms(transforms: Sequence) -> str:
    """A short description: a :class:`Jitter` as itself, a Keras layer by its class (``RandomZoom``)."""
    return ", ".join(repr(t) if isinstance(t, Jitter) else type(t).__name__ for t in transforms)

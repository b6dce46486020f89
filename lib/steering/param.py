"""How an optimised image is described: its own pixels, or decorrelated Fourier coefficients.

A parameterisation makes the variable the optimiser trains and a function that turns it into the
0-255 image batch (lucent's ``param``). Notebook 04 writes both in its cells ("ascent-loop" and
"fourier-param"); these are the same few lines for a batch, and ``tests/test_ideal.py`` holds them
together.

* ``pixels`` - the image is the variable: mid-grey +- 32 levels to start, clipped to 0-255 after
  every step (the variable's ``constraint``, which Keras optimizers apply).
* ``fourier`` - the image is a sum of waves: each colour channel's real 2-D Fourier coefficients,
  scaled by 1/frequency (so a step moves broad waves more than fine ones, as in photos), mixed into
  RGB by lucid's fixed colour-decorrelation matrix and squashed into 0-255 by a sigmoid (Olah et
  al., "Feature Visualization", Distill 2017; lucid's ``fft_image`` and ``to_valid_rgb``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from ..datasets.images import as_batch
from ..i18n import _

__all__ = ["COLOUR_MATRIX", "PARAMS", "fourier_image", "image_param", "pixel_image", "starting_pixels"]

#: lucid's ``color_correlation_svd_sqrt`` (measured on ImageNet photos), scaled so no column is longer than 1.
COLOUR_MATRIX = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], "float32")
COLOUR_MATRIX /= np.linalg.norm(COLOUR_MATRIX, axis=0).max()

Param = tuple[tf.Variable, Callable[[], tf.Tensor]]


def pixel_image(start: np.ndarray) -> Param:
    """The images as their own pixel values (``start``: N x H x W x 3, 0-255), kept within 0-255."""
    pixels = tf.Variable(np.asarray(start, "float32"), name="ideal_image",
                         constraint=lambda x: tf.clip_by_value(x, 0.0, 255.0))
    return pixels, lambda: pixels


def fourier_image(n: int, size: int, seed: int = 0, decay_power: float = 1.0) -> Param:
    """``n`` square images of ``size`` px as decorrelated Fourier coefficients (notebook 04's ``fourier_image``)."""
    fy, fx = np.fft.fftfreq(size)[:, None], np.fft.rfftfreq(size)[None, :]
    frequency = np.hypot(fy, fx)
    scale = (size / np.maximum(frequency, 1 / size) ** decay_power).astype("float32")
    shape = (2, 3, size, size // 2 + 1)
    init = np.random.default_rng(seed).normal(0, 0.01, (n, *shape))  # image 0's are the notebook's (one image)
    coefficients = tf.Variable(init.astype("float32"), name="fourier_coefficients")

    def to_image() -> tf.Tensor:
        spectrum = tf.complex(coefficients[:, 0] * scale, coefficients[:, 1] * scale)  # N x 3 x size x waves
        channels = tf.transpose(tf.signal.irfft2d(spectrum), [0, 2, 3, 1]) / 4  # N x size x size x 3
        return 255 * tf.sigmoid(channels @ COLOUR_MATRIX.T)

    return coefficients, to_image


#: the names ``ideal_images(param=...)`` takes.
PARAMS = ("pixels", "fourier")


def image_param(param: str, n: int, height: int, width: int, init: str | np.ndarray = "noise", seed: int = 0) -> Param:
    """``n`` images of ``height`` x ``width`` px described as ``param`` says (one of :data:`PARAMS`).

    ``init`` is where the pixels start (see :func:`starting_pixels`); Fourier images start from their
    own small random coefficients, so they take only ``"noise"``.
    """
    if param not in PARAMS:
        raise ValueError(_("param must be one of {params}, not {param!r}").format(params=", ".join(PARAMS), param=param))
    if param == "pixels":
        return pixel_image(starting_pixels(init, n, height, width, seed))
    if not (isinstance(init, str) and init == "noise"):
        raise ValueError(_("param='fourier' starts from its own small random coefficients: leave init='noise', or start from an image with param='pixels'"))
    if height != width:
        raise ValueError(_("param='fourier' needs a square model input, not {height} x {width}").format(
            height=height, width=width))
    return fourier_image(n, height, seed)


def starting_pixels(init: str | np.ndarray, n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """The pixel images' start: ``"noise"`` (mid-grey +- 32, seeded), ``"uniform"`` (noise over 0-255),
    ``"grey"``, or an image (or one per image) to start from."""
    rng = np.random.default_rng(seed)
    shape = (n, height, width, 3)
    if isinstance(init, str):
        if init == "noise":
            return (128.0 + rng.uniform(-32, 32, shape)).astype("float32")
        if init == "uniform":
            return rng.uniform(0, 255, shape).astype("float32")
        if init in ("grey", "gray"):
            return (128.0 + rng.uniform(-1, 1, shape)).astype("float32")
        raise ValueError(_("init must be 'noise', 'uniform', 'grey' or an image, not {init!r}").format(init=init))
    if height != width:
        raise ValueError(_("starting from an image needs a square model input, not {height} x {width}").format(
            height=height, width=width))
    batch = as_batch(init, height)
    if batch.shape[0] == 1:
        batch = np.repeat(batch, n, axis=0)
    if batch.shape[0] != n:
        raise ValueError(_("init holds {images} images for {targets} targets").format(images=batch.shape[0], targets=n))
    return batch

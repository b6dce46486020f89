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

__all__ = ["COLOUR_MATRIX", "PARAMS", "fourier_image", "pixel_image"]

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

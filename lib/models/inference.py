"""Running a model in inference mode: the kit's one forward pass, compiled once per model."""

from __future__ import annotations

import functools
import weakref

import keras
import numpy as np

_FORWARD: "weakref.WeakKeyDictionary[keras.Model, object]" = weakref.WeakKeyDictionary()


def _forward(model: keras.Model, x):
    return model(x, training=False)


def inference_fn(model: keras.Model):
    """``model(x, training=False)`` compiled once per model as a ``tf.function``.

    A ``functools.partial``, not a lambda: TensorFlow counts traces per code object, so lambdas for
    several models would share one count and warn of "excessive retracing" after a few models.
    """
    import tensorflow as tf

    if model not in _FORWARD:
        _FORWARD[model] = tf.function(functools.partial(_forward, model), reduce_retracing=True)
    return _FORWARD[model]


def predict_arrays(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``model(x)`` in inference mode over an in-memory array, batch by batch, as one NumPy array."""
    forward = inference_fn(model)
    return np.concatenate([np.asarray(forward(x[i:i + batch_size])) for i in range(0, len(x), batch_size)])

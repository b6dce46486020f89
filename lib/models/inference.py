"""Running a model in inference mode: the kit's one forward pass, compiled once per model, and the one
loop that feeds it batches (:func:`predict_batches`), watched by callbacks such as a progress bar."""

from __future__ import annotations

import functools
import weakref
from typing import Sequence

import keras
import numpy as np

from ..datasets.imageset import ImageSet
from .backbones import input_size

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


# --------------------------------------------------------------------------- batches from a data set


class BatchCallback:
    """Watches :func:`predict_batches`: ``on_begin(total)`` (images, None if unknown), ``on_batch(outputs,
    labels)`` after each batch (NumPy arrays; ``labels`` None for images alone), ``on_end()``."""

    def on_begin(self, total: int | None) -> None:
        pass

    def on_batch(self, outputs: np.ndarray, labels: np.ndarray | None) -> None:
        pass

    def on_end(self) -> None:
        pass


class ProgressBar(BatchCallback):
    """A ``tqdm`` bar of images done, titled ``description``."""

    def __init__(self, description: str):
        self.description = description
        self.bar = None

    def on_begin(self, total: int | None) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, desc=self.description, unit="img")

    def on_batch(self, outputs: np.ndarray, labels: np.ndarray | None) -> None:
        self.bar.update(len(outputs))

    def on_end(self) -> None:
        self.bar.close()


def _batches(model: keras.Model, data, batch_size: int):
    """``(pipeline, number of images or None)``: an ImageSet becomes its unshuffled tf.data pipeline."""
    if isinstance(data, ImageSet):
        return data.as_tf(input_size(model), batch_size, shuffle=False), len(data)
    return data, None


def predict_batches(model: keras.Model, data, *, batch_size: int = 32,
                    callbacks: Sequence[BatchCallback] = ()) -> tuple[np.ndarray, np.ndarray | None]:
    """``(outputs N x ..., labels N)``: ``model``'s compiled forward pass (:func:`inference_fn`) over a data set.

    ``data`` is an :class:`~transferkit.ImageSet` (read in order, ``batch_size`` at a time), or a ``tf.data``
    pipeline (or any iterable) of ``(images, labels)`` batches or of image batches alone (then ``labels`` is None). Images are raw 0-255
    pixels; augmentation layers are inactive (inference mode). ``callbacks`` (:class:`BatchCallback`,
    e.g. :class:`ProgressBar`) see every batch.
    """
    batches, total = _batches(model, data, batch_size)
    forward = inference_fn(model)
    outputs, labels = [], []
    for callback in callbacks:
        callback.on_begin(total)
    try:
        for batch in batches:
            x, y = (batch[0], batch[1]) if isinstance(batch, (tuple, list)) else (batch, None)
            outputs.append(np.asarray(forward(x)))
            if y is not None:
                labels.append(np.asarray(y))
            for callback in callbacks:
                callback.on_batch(outputs[-1], labels[-1] if y is not None else None)
    finally:
        for callback in callbacks:
            callback.on_end()
    empty = np.zeros((0, *model.output_shape[1:]), "float32")
    return (np.concatenate(outputs) if outputs else empty,
            np.concatenate(labels).astype(np.int64) if labels else None)


def predict_arrays(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``model(x)`` in inference mode over an in-memory array: :func:`predict_batches` on its slices."""
    return predict_batches(model, [x[i:i + batch_size] for i in range(0, len(x), batch_size)])[0]

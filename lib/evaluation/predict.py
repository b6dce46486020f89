"""Predictions: over a data set (the kit's one batch loop with a progress bar), on any photo a student
supplies (the kit's one single-photo prediction), and the most confidently wrong images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import keras
import numpy as np

from ..models.backbones import input_size
from ..datasets.imageset import ImageSet
from ..models.classes import class_name, class_probabilities, output_kind, top_k
from ..models.inference import BatchCallback, ProgressBar, inference_fn, predict_batches
from ..datasets.images import ImageError, as_batch, load_image
from ..i18n import _

# --------------------------------------------------------------------------- predictions


def predict_dataset(model: keras.Model, data, batch_size: int = 32, progress: bool = True,
                    callbacks: Sequence[BatchCallback] = ()) -> tuple[np.ndarray, np.ndarray | None]:
    """``(probabilities N x C, labels N)`` of ``model`` over an :class:`ImageSet` or a ``tf.data`` pipeline.

    :func:`~transferkit.models.inference.predict_batches` with a progress bar (``progress=True``) added to
    ``callbacks``. A pipeline may yield ``(images, labels)`` or images alone (then ``labels`` is None).
    Images are raw 0-255 pixels; augmentation layers are inactive (inference mode).
    """
    bar = [ProgressBar(_("predicting ({model})").format(model=model.name))] if progress else []
    return predict_batches(model, data, batch_size=batch_size, callbacks=[*bar, *callbacks])


# --------------------------------------------------------------------------- mistakes


def most_confident_wrong(labels, probabilities: np.ndarray, k: int = 8) -> np.ndarray:
    """Indices of up to ``k`` wrongly classified images, most confident (highest predicted probability) first."""
    p = np.asarray(probabilities)
    y = np.asarray(labels)
    if p.ndim != 2 or len(p) != len(y):
        raise ValueError(_("need N x C probabilities and N labels, got {probabilities} and {labels}").format(
            probabilities=p.shape, labels=y.shape))
    predicted = p.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y)
    confidence = p[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:k]


def show_most_confident_wrong(images: ImageSet, labels, probabilities: np.ndarray, k: int = 8, ncols: int = 4):
    """A grid of the ``k`` most confidently wrong images of ``images``, titled true vs predicted (confidence).

    ``labels`` are the true class ids of ``images`` (``None``: ``images.labels``).
    """
    from ..plots import show_images

    labels = images.labels if labels is None else np.asarray(labels)
    idx = most_confident_wrong(labels, probabilities, k)
    if len(idx) == 0:
        print(_("No mistakes: every image is classified correctly."))
        return None
    names = images.class_names
    p = np.asarray(probabilities)
    titles = [_("true {true}\npredicted {predicted} {confidence:.0%}\n{file}").format(
                  true=names[labels[i]], predicted=names[p[i].argmax()], confidence=p[i].max(),
                  file=Path(images.paths[i]).name)
              for i in idx]
    return show_images(images.images(idx, image_size=None), titles, ncols=ncols,
                       suptitle=_("The {n} most confidently wrong of {total} images").format(n=len(idx), total=len(labels)))


# --------------------------------------------------------------------------- one photo


@dataclass
class Prediction:
    """The model's answer for one photo."""

    label: str
    confidence: float
    probabilities: dict[str, float]  # by class name
    image: np.ndarray  # the photo as the model saw it (uint8, model input size)
    scores: np.ndarray  # every class's probability, in class order (float64; names may repeat, as ImageNet's do)
    class_names: list[str]

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable ``(class name, probability)`` pairs, highest first."""
        return top_k(self.scores, k, self.class_names)

    def __str__(self) -> str:
        others = ", ".join(f"{c} {p:.1%}" for c, p in self.top(3) if c != self.label)
        return f"{self.label} ({self.confidence:.1%}; {others})"


def _photo(source, size: int | None) -> np.ndarray:
    """One photo (a path, file bytes or an image array) as uint8 of the model's input size."""
    if isinstance(source, (str, Path, bytes, bytearray)):
        return load_image(bytes(source) if isinstance(source, bytearray) else source, size)
    if isinstance(source, np.ndarray) or hasattr(source, "__array__"):
        return as_batch(np.asarray(source), size)[0].astype(np.uint8)
    raise TypeError(_("expected a file path, file bytes or an image array, not {type}").format(type=type(source).__name__))


def predict_image(model: keras.Model, source, class_names: Sequence[str] | None = None, *,
                  outputs: str = "auto") -> Prediction:
    """The model's prediction for one photo: a path, raw file bytes (an upload), or an image array.

    The kit's one single-photo prediction. Any size, grayscale, palette, CMYK or RGBA photos work
    (converted and resized by :mod:`transferkit.datasets.images`). Every model gives class
    probabilities: a softmax's as they are, logits through a softmax, a single sigmoid output as two
    classes (:func:`~transferkit.models.classes.class_probabilities`; ``outputs`` overrides the guess of
    :func:`~transferkit.models.classes.output_kind`). ``class_names`` default to ImageNet's for 1000
    classes, else ``"class <i>"``. A missing path raises ``FileNotFoundError`` and a file that is not
    an image raises :class:`~transferkit.ImageError`, both with a message naming the file.
    """
    image = _photo(source, input_size(model))
    scores = class_probabilities(inference_fn(model)(np.asarray(image, "float32")[None]), output_kind(model, outputs))[0]
    if class_names is None:
        class_names = [class_name(i, None, len(scores)) for i in range(len(scores))]
    if len(class_names) != len(scores):
        raise ValueError(_("{names} class names for a model with {outputs} outputs").format(
            names=len(class_names), outputs=len(scores)))
    best = int(scores.argmax())
    return Prediction(class_names[best], float(scores[best]), {c: float(p) for c, p in zip(class_names, scores)}, image,
                      scores, list(class_names))


def predict_top(model: keras.Model, source, k: int = 3, class_names: Sequence[str] | None = None) -> list[tuple[str, float]]:
    """The ``k`` most probable ``(class name, probability)`` pairs for one photo: ``predict_image(...).top(k)``."""
    return predict_image(model, source, class_names).top(k)


def show_prediction(model: keras.Model, source, class_names: Sequence[str]):
    """The photo titled with the model's prediction (printed too), as a figure; :func:`predict_image` gives the numbers.

    For a missing or unreadable file it prints why and returns None.
    """
    from ..plots import show_images

    try:
        pred = predict_image(model, source, class_names)
    except (FileNotFoundError, ImageError, TypeError) as e:
        print(_("Cannot classify this photo: {error}").format(error=e))
        return None
    print(pred)
    return show_images([pred.image], [f"{pred.label} ({pred.confidence:.1%})"], ncols=1, size=3.2)



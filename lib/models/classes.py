"""A classifier's classes and outputs: targets by index or name, and logits vs probabilities.

Shared by everything that steers a classifier towards a class (ideal images, adversarial
attacks). Class names are ImageNet's for 1000-output models, else the ``class_names`` you pass
(e.g. ``["cat", "dog"]`` for a Cats-vs-Dogs model). A model with one output column is a binary
classifier: its one output is the sigmoid probability (or logit) of class 1.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from ..i18n import _
from .names import find_name

__all__ = ["resolve_class", "class_index", "class_name", "top_k", "output_kind", "log_probabilities", "class_probabilities"]

_TINY = 1e-30


def _num_classes(num_outputs: int) -> int:
    return 2 if num_outputs == 1 else num_outputs


def resolve_class(target: int | str, class_names: Sequence[str] | None = None, num_outputs: int | None = None) -> int:
    """The class index of ``target``: an index, or a name matched ignoring case, spaces and hyphens.

    The kit's one class resolver. Names are looked up in ``class_names``, else in ImageNet's for a
    1000-output model or when the model is not known yet (``num_outputs=None``); an index must lie in
    ``0..classes-1`` (one sigmoid output is two classes), or be >= 0 while the model is not known.
    Unknown names raise ValueError listing the closest names.
    """
    if isinstance(target, (str, np.str_)):
        return _index_of_name(str(target), class_names, num_outputs)
    if hasattr(target, "__index__") and not isinstance(target, (bool, np.bool_)):
        index = int(target)
        if num_outputs is None and class_names is None:
            if index < 0:
                raise ValueError(_("class index {index} is negative").format(index=index))
            return index
        num_classes = _num_classes(num_outputs) if num_outputs is not None else len(class_names)
        if not 0 <= index < num_classes:
            raise ValueError(_("class index {index} is outside 0..{last}").format(index=target, last=num_classes - 1))
        return index
    raise TypeError(_("target must be a class index or name, not {type}").format(type=type(target).__name__))


def class_index(target: int | str) -> int:
    """ImageNet's class index of an index or a name (``"Siamese_cat"``, ``"zebra"``, ``"tabby"``):
    :func:`resolve_class` for a 1000-class ImageNet model."""
    return resolve_class(target, None, 1000)


def _index_of_name(target: str, class_names: Sequence[str] | None, num_outputs: int | None) -> int:
    """The index of a class name in ``class_names`` or ImageNet's, or a ValueError naming the closest."""
    if class_names is not None:
        index, close = find_name(target, list(class_names))
        hint = ", ".join(close) or ", ".join(list(class_names)[:10])
        message = _("{name!r} is not one of the class names; closest: {closest}")
    elif num_outputs is None or _num_classes(num_outputs) == 1000:
        from .imagenet import class_names as imagenet_names

        index, close = find_name(target, imagenet_names())
        hint = ", ".join(close) or _("none")
        message = _("{name!r} is not an ImageNet class name; closest: {closest}")
    else:
        raise ValueError(_("a class name needs class_names=[...] for a model with {n} output(s)").format(n=num_outputs))
    if index is None:
        raise ValueError(message.format(name=target, closest=hint))
    return index


def class_name(index: int, class_names: Sequence[str] | None, num_outputs: int) -> str:
    """The name of class ``index``: from ``class_names``, ImageNet's, or ``"class <index>"``."""
    if class_names is not None:
        return str(class_names[index])
    if num_outputs == 1000:
        from .imagenet import class_names as imagenet_names

        return imagenet_names()[index]
    return f"class {index}"


def top_k(scores, k: int = 3, class_names: Sequence[str] | None = None) -> list[tuple[str, float]]:
    """One image's ``k`` highest-scoring ``(class name, score)`` pairs, highest first.

    Names as :func:`class_name` gives them: from ``class_names``, ImageNet's for 1000 scores, else ``"class <i>"``.
    """
    p = np.asarray(scores).reshape(-1)
    order = np.argsort(p)[::-1][:k]
    return [(class_name(int(i), class_names, len(p)), float(p[i])) for i in order]


def output_kind(model: keras.Model, outputs: str = "auto") -> str:
    """``"probabilities"`` if ``model`` ends in a softmax/sigmoid, ``"logits"`` if in a linear layer.

    ``outputs="logits"`` or ``"probabilities"`` is returned as given (to override the guess).
    Looks through nested models (a ``load_backbone`` classifier wraps the Keras application).
    """
    if outputs in ("probabilities", "logits"):
        return outputs
    if outputs != "auto":
        raise ValueError(_("outputs must be 'auto', 'probabilities' or 'logits', not {outputs!r}").format(outputs=outputs))
    layer = model
    while isinstance(layer, keras.Model) and layer.layers:
        layer = layer.layers[-1]
    if isinstance(layer, keras.layers.Softmax):
        return "probabilities"
    act = getattr(layer, "activation", None)
    name = getattr(act, "__name__", str(act)).lower() if act is not None else "linear"
    if name in ("softmax", "sigmoid"):
        return "probabilities"
    if name == "linear":
        return "logits"
    raise ValueError(_("cannot tell whether the model's final activation {name!r} gives probabilities or logits; "
                       "pass outputs='probabilities' or outputs='logits'").format(name=name))


def log_probabilities(outputs, from_logits: bool = True):
    """Classifier outputs as normalised log-probabilities ``N x C``.

    ``outputs`` are logits (``from_logits=True``) or probabilities. A single output column is a
    binary classifier (sigmoid probability or logit of class 1) and becomes two columns,
    class 0 and class 1.
    """
    y = tf.cast(outputs, tf.float32)
    if y.shape[-1] == 1:
        if from_logits:
            y = tf.concat([tf.zeros_like(y), y], axis=-1)
        else:
            p = tf.clip_by_value(y, _TINY, 1.0 - 1e-7)
            y = tf.concat([tf.math.log(1.0 - p), tf.math.log(p)], axis=-1)
    elif not from_logits:
        y = tf.math.log(tf.maximum(y, _TINY))
    return tf.nn.log_softmax(y, axis=-1)


def class_probabilities(outputs, kind: str) -> np.ndarray:
    """Classifier outputs as class probabilities ``N x C`` (float64), for ``kind`` from :func:`output_kind`.

    Probabilities stay as the model gives them; logits go through a softmax; one output column (a
    binary classifier's sigmoid probability or logit of class 1) becomes two, class 0 and class 1.
    """
    if kind == "probabilities" and outputs.shape[-1] > 1:
        return np.asarray(outputs, dtype=np.float64)
    return np.exp(np.asarray(log_probabilities(outputs, kind == "logits"), dtype=np.float64))

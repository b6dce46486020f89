"""Loss terms on a classifier's outputs or on the image itself, as small composable objects.

Each term is called on a tensor and returns a scalar *to minimise* (already multiplied by its
``weight``); ``per_sample`` gives the unweighted value of every image in a batch. Terms add up and
scale like numbers, so an objective reads like the formula it stands for:

>>> loss = ClassScore("Siamese_cat") + 100 * TotalVariation()
>>> value = loss(outputs=model(images), images=images)

``ClassScore`` looks at the model's outputs; the regularisers (``TotalVariation``, ``ImageNorm``)
look at the image, in raw 0-255 pixels: ``ideal_images(regularizers=[TotalVariation(3000)])``.
Random shifts and zooms are not losses but transforms of the image the network sees
(:mod:`.transform`, ``Jitter``).
"""

from __future__ import annotations

import copy
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from ..i18n import _
from ..models.classes import log_probabilities, output_kind, resolve_class

__all__ = [
    "Objective",
    "ClassScore",
    "TotalVariation",
    "ImageNorm",
    "Sum",
    "log_probabilities",
    "output_kind",
]

class Objective:
    """A weighted loss term. Subclasses implement ``per_sample(x) -> (N,)`` and set ``on``.

    ``on`` says what the term is computed from: ``"outputs"`` (the model's outputs) or
    ``"images"`` (the 0-255 pixel batch the model is fed).
    """

    name: str = "objective"
    on: str = "images"

    def __init__(self, weight: float = 1.0):
        self.weight = float(weight)

    def per_sample(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def value(self, x):
        """Unweighted batch mean."""
        return tf.reduce_mean(self.per_sample(x))

    def __call__(self, x=None, *, outputs=None, images=None):
        """Weighted value: ``term(x)``, or ``term(outputs=..., images=...)`` to let it pick."""
        if x is None:
            x = outputs if self.on == "outputs" else images
            if x is None:
                raise ValueError(_("{name} needs {on}=...").format(name=self.name, on=self.on))
        return self.weight * self.value(x)

    def terms(self) -> list["Objective"]:
        return [self]

    def __mul__(self, factor: float) -> "Objective":
        scaled = copy.copy(self)
        scaled.weight = self.weight * float(factor)
        return scaled

    __rmul__ = __mul__

    def __add__(self, other: "Objective") -> "Sum":
        return Sum([*self.terms(), *other.terms()])

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "weight")
        weight = "" if self.weight == 1.0 else f"{self.weight:g} * "
        return f"{weight}{type(self).__name__}({params})"


class Sum(Objective):
    """Several terms added together: ``ClassScore(284) + 100 * TotalVariation()``."""

    name = "total"

    def __init__(self, terms: Sequence[Objective]):
        super().__init__(1.0)
        self._terms = list(terms)

    def terms(self) -> list[Objective]:
        return [copy.copy(t) * self.weight for t in self._terms] if self.weight != 1.0 else list(self._terms)

    def __call__(self, x=None, *, outputs=None, images=None):
        if x is not None:
            raise TypeError(_("call a Sum of terms with outputs=... and images=..."))
        return tf.add_n([t(outputs=outputs, images=images) for t in self.terms()])

    def values(self, *, outputs=None, images=None) -> dict[str, tf.Tensor]:
        """Each term's unweighted per-sample values, by name."""
        return {t.name: t.per_sample(outputs if t.on == "outputs" else images) for t in self.terms()}

    def __repr__(self) -> str:
        return " + ".join(repr(t) for t in self.terms())


class ClassScore(Objective):
    """How far an image is from being the target class, per image (minimise it).

    ``mode="log_prob"`` (default): the cross-entropy ``-log p(target)``.
    ``mode="logit"``: minus the target's logit relative to the mean logit, ``-(z_t - mean_j z_j)``;
    unlike the cross-entropy it keeps pushing after p(target) saturates near 1 (the unnormalised
    class score of Simonyan et al., 2014, made shift-invariant). With probability outputs it uses
    ``log p``, which differs from the logits only by a per-image constant.

    ``target`` is a class index, an ImageNet class name, or one of either per image of the batch.
    ``from_logits`` says whether the outputs are logits (preferred: better-behaved gradients) or
    probabilities.
    """

    name = "class_score"
    on = "outputs"

    def __init__(self, target: int | str | Sequence[int | str], weight: float = 1.0, *, from_logits: bool = True, mode: str = "log_prob"):
        super().__init__(weight)
        if mode not in ("log_prob", "logit"):
            raise ValueError(_("mode must be 'log_prob' or 'logit', not {mode!r}").format(mode=mode))
        self.target = _class_indices(target)
        self.from_logits = from_logits
        self.mode = mode

    def _targets(self, n):
        t = tf.constant(self.target, tf.int32)
        return tf.fill([n], t) if t.shape.rank == 0 else t

    def per_sample(self, outputs):
        scores = log_probabilities(outputs, self.from_logits)
        if self.mode == "logit":
            scores = scores - tf.reduce_mean(scores, axis=-1, keepdims=True)
        return -tf.gather(scores, self._targets(tf.shape(scores)[0]), axis=1, batch_dims=1)

    def probability(self, outputs):
        """p(target) per image."""
        logp = log_probabilities(outputs, self.from_logits)
        return tf.exp(tf.gather(logp, self._targets(tf.shape(logp)[0]), axis=1, batch_dims=1))


def _class_indices(target):
    if isinstance(target, (list, tuple, np.ndarray)):
        return [_class_indices(t) for t in target]
    return resolve_class(target)  # a name is ImageNet's; an index only needs to be >= 0 until the model is known


class TotalVariation(Objective):
    """How much neighbouring pixels differ: small for smooth images, large for noise.

    Per image: ``mean |x[i+1, j] - x[i, j]|^power + mean |x[i, j+1] - x[i, j]|^power`` on pixels
    scaled to 0-1 (so the value does not depend on image size: uniform noise in 0-255 scores
    about 0.67, a flat image 0). ``power=2`` penalises big jumps more and small ones less.
    """

    name = "total_variation"
    on = "images"

    def __init__(self, weight: float = 1.0, *, power: float = 1.0):
        super().__init__(weight)
        self.power = float(power)

    def per_sample(self, images):
        x = tf.cast(images, tf.float32) / 255.0
        dy = tf.abs(x[:, 1:, :, :] - x[:, :-1, :, :])
        dx = tf.abs(x[:, :, 1:, :] - x[:, :, :-1, :])
        if self.power != 1.0:
            dy, dx = dy**self.power, dx**self.power
        return tf.reduce_mean(dy, axis=[1, 2, 3]) + tf.reduce_mean(dx, axis=[1, 2, 3])


class ImageNorm(Objective):
    """Lp size of the image around mid-grey, ``mean |x/255 - 0.5|^p``: keeps pixels away from the extremes."""

    name = "image_norm"
    on = "images"

    def __init__(self, weight: float = 1.0, *, p: float = 2.0):
        super().__init__(weight)
        self.p = float(p)

    def per_sample(self, images):
        x = tf.cast(images, tf.float32) / 255.0 - 0.5
        return tf.reduce_mean(tf.abs(x) ** self.p, axis=[1, 2, 3])

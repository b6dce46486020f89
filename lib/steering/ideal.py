"""The "ideal" image of a class: gradient ascent on the input until a classifier is sure.

Start from noise and repeatedly nudge the image (not the weights) so the classifier's probability
for one class goes up. Three small kinds of object say how (lucent's and tf-keras-vis' style):

* the **parameterisation** (:mod:`.param`): ``"fourier"`` (the default: decorrelated Fourier
  coefficients through a sigmoid, notebook 04's last step: the contrast and colour of a photo, and
  other networks agree) or ``"pixels"`` (the image's own pixel values, the lesson's loop);
* **regularisers** (:mod:`.objectives`): loss terms on the image added to the class score, e.g.
  ``[TotalVariation(3000)]``, which charges for differences between neighbouring pixels;
* **transforms** (:mod:`.transform`): the random changes the network sees the image through at each
  step, e.g. ``[Jitter(24, scale=0.3)]`` or ``standard_transforms()``.

Each parameterisation has its defaults (``None``; ``[]`` means none): pixels get total variation
and a jitter, Fourier coefficients no regulariser and the standard transforms. One loop serves both:
notebook 04's ``optimize`` (same score, Adam schedule, clip and rounding), plus one batch for several
classes, a compiled step and a per-step record. ``tests/test_ideal.py`` runs the notebook's cells to
hold the two together: ``param="pixels", transforms=[]`` makes the image of its loop cell, the
default that of its Fourier cell.

>>> model = load_backbone(include_top=True, classifier_activation=None)   # ImageNet logits
>>> cat = ideal_image(model, "Siamese_cat")                     # Fourier, standard transforms, 256 steps
>>> smooth_cat = ideal_image(model, "Siamese_cat", param="pixels")   # + total variation, jittered, 200 steps
>>> noise_cat = ideal_image(model, "Siamese_cat", param="pixels", regularizers=[], transforms=[])
>>> own = ideal_image(model, "zebra", param="pixels", regularizers=[TotalVariation(3000), ImageNorm(50)],
...                   transforms=[Jitter(8, seed=1)])
>>> cat.image, cat.probability, cat.history["prob"]

Works with any Keras classifier that takes raw 0-255 RGB pixels: the kit's ImageNet backbones
with their top, or a Cats-vs-Dogs model of your own (``class_names=["cat", "dog"]``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from ..i18n import _
from ..models.classes import class_name, log_probabilities, output_kind, resolve_class, top_k
from .callbacks import Callback, CallbackList, History, Progress, Timer
from .objectives import ClassScore, Objective, Sum, TotalVariation
from .param import image_param
from .transform import Jitter, apply_transforms, describe_transforms, standard_transforms

__all__ = ["IdealImageResult", "default_regularizers", "default_transforms", "ideal_image", "ideal_images"]


#: the parameterisation ``ideal_images`` uses unless told: the better-looking one
DEFAULT_PARAM = "fourier"
DEFAULT_STEPS = 200
#: param="fourier": with 256 steps the alpha 0.25 network names all three benchmark classes (tabby at 200: tiger cat)
DEFAULT_FOURIER_STEPS = 256
#: param="pixels": the weight of its default TotalVariation, and its default Jitter's shift (px) and zoom
DEFAULT_TV_WEIGHT = 3000.0
DEFAULT_JITTER_PIXELS, DEFAULT_JITTER_SCALE = 24, 0.3
DEFAULT_LEARNING_RATE = 6.0
#: per parameterisation: Adam's first step (pixel levels for "pixels", coefficients for "fourier")
LEARNING_RATES = {"pixels": DEFAULT_LEARNING_RATE, "fourier": 0.1}
DEFAULT_SCORE = "logit"


@dataclass
class IdealImageResult:
    """One optimised image and how it got there.

    ``image`` is uint8 H x W x 3 (display it, save it); ``probability`` is p(target) of that uint8
    image. ``history`` holds one entry per step, index ``k`` describing the image after ``k``
    updates (float pixels): ``step``, ``prob`` (p(target) of what the network saw at that step: with
    transforms, the moved copy; the last entry, the image itself), ``tv`` (total variation, measured
    whether or not it was penalised), ``loss`` (weighted total) and each loss term's unweighted
    value by name (``class_score``, ``total_variation``, ...). ``seconds``: wall-clock time of the
    loop; ``first_step_seconds``: until its first record, which includes compiling the step.
    """

    image: np.ndarray
    target: int
    target_name: str
    probability: float
    history: dict[str, np.ndarray]
    steps: int
    seconds: float
    top: list[tuple[str, float]] = field(default_factory=list)
    objective: str = ""
    first_step_seconds: float = 0.0

    @property
    def seconds_per_step(self) -> float:
        """Mean wall-clock time of a step after the first (which compiles)."""
        if self.steps < 2:
            return float("nan")
        return (self.seconds - self.first_step_seconds) / (self.steps - 1)

    @property
    def total_variation(self) -> float:
        """Total variation of the uint8 image (see :class:`~transferkit.steering.objectives.TotalVariation`)."""
        return float(TotalVariation().per_sample(self.image[None].astype("float32"))[0])

    def steps_to(self, probability: float = 0.99) -> int | None:
        """The first step at which p(target) reached ``probability``, or None."""
        hits = np.flatnonzero(self.history["prob"] >= probability)
        return int(self.history["step"][hits[0]]) if hits.size else None

    def save(self, path: str | Path) -> Path:
        """Write the image as a (lossless) PNG."""
        path = Path(path)
        path = path if path.suffix else path.with_suffix(".png")
        Image.fromarray(self.image).save(path)
        return path

    def __repr__(self) -> str:
        top = ", ".join(f"{n} {p:.2f}" for n, p in self.top[:3])
        return _("IdealImageResult({name}: p={p:.4f} after {steps} steps, TV={tv:.3f}, {seconds:.1f}s; top: {top})").format(
            name=repr(self.target_name), p=self.probability, steps=self.steps, tv=self.total_variation,
            seconds=self.seconds, top=top)


def ideal_image(model: keras.Model, target: int | str, **kwargs) -> IdealImageResult:
    """The image ``model`` finds most like ``target``; see :func:`ideal_images` for the options."""
    return ideal_images(model, [target], **kwargs)[0]


def ideal_images(
    model: keras.Model,
    targets: Sequence[int | str],
    *,
    param: str = DEFAULT_PARAM,
    regularizers: Sequence[Objective] | None = None,
    transforms: Sequence | None = None,
    steps: int | None = None,
    learning_rate: float | None = None,
    init: str | np.ndarray = "noise",
    seed: int = 0,
    stop_at: float | None = None,
    class_names: Sequence[str] | None = None,
    outputs: str = "auto",
    score: str = DEFAULT_SCORE,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> list[IdealImageResult]:
    """Optimise one image per target class, all in one batch (one compiled step for all).

    * ``targets`` - class indices or names (ImageNet names for 1000-class models, else names
      from ``class_names``).
    * ``param`` - how the image is described (:mod:`~transferkit.steering.param`): ``"fourier"``
      (the default: decorrelated Fourier coefficients through a sigmoid, notebook 04's last step: far
      more contrast and colour; ``init`` must then be ``"noise"``) or ``"pixels"`` (the pixel values
      themselves, clipped to 0-255 after every step: the lesson's loop).
    * ``regularizers`` - loss terms added to the class score (:mod:`~transferkit.steering.objectives`),
      e.g. ``[TotalVariation(3000), ImageNorm(50)]``. ``None``: the default for ``param``
      (:func:`default_regularizers`: ``[TotalVariation(3000)]`` for pixels, none for Fourier); ``[]``: none.
    * ``transforms`` - what the network sees the image through at each step, in turn
      (:mod:`~transferkit.steering.transform`): Keras layers or callables ``t(images, training=True)``,
      e.g. ``[Jitter(8)]`` or ``standard_transforms(224)``. ``None``: the default for ``param``
      (:func:`default_transforms`: shifts of up to 24 px and zooms of up to +-30% for pixels, the
      standard transforms for Fourier); ``[]``: none. Robustness to them is what makes the result look
      like objects rather than texture, and fool other networks too.
    * ``steps`` - Adam updates (default 200 for pixels, 256 for Fourier); the step size starts at
      ``learning_rate`` (default 6 pixel levels, 0.1 for Fourier coefficients) and decays (cosine)
      to 5% of it.
    * ``score`` - what to raise: ``"logit"`` (the raw class score, the default) or ``"log_prob"``
      (minimise the cross-entropy ``-log p``). The cross-entropy stops pushing once p is near 1,
      so a regulariser then slowly wins and fades the image; the logit keeps pushing.
    * ``init`` - pixels only: ``"noise"`` (mid-grey +- 32, seeded), ``"uniform"`` (noise over 0-255),
      ``"grey"``, or an image to start from. ``seed`` seeds the start and the default transforms.
    * ``stop_at`` - stop once every image's p(target) reaches it (checked on the uint8 image).
    * ``outputs`` - ``"logits"``, ``"probabilities"`` or ``"auto"`` (read the final activation).
      Logits give better-behaved gradients: ``load_backbone(include_top=True, classifier_activation=None)``.
    * ``callbacks`` - :class:`~transferkit.steering.callbacks.Callback` objects; ``on_step`` gets
      each recorded entry of the whole batch (arrays with one value per target); ``progress=True``
      adds a :class:`~transferkit.steering.callbacks.Progress` bar.
    """
    if isinstance(targets, (str, int, np.integer)):
        raise TypeError(_("targets must be a list; use ideal_image(model, target) for one class"))
    steps = _checked_steps(param, steps)
    kind = output_kind(model, outputs)
    num_outputs = int(model.output_shape[-1])
    indices = [resolve_class(t, class_names, num_outputs) for t in targets]
    names = [class_name(i, class_names, num_outputs) for i in indices]
    height, width = (int(d) for d in model.input_shape[1:3])
    variable, to_image = image_param(param, len(indices), height, width, init, seed)
    regularizers = default_regularizers(param) if regularizers is None else _checked_regularizers(regularizers)
    transforms = default_transforms(param, height, seed) if transforms is None else _checked_transforms(transforms)
    score_term, objective = _objective(indices, kind, score, regularizers)
    optimizer = _optimizer(variable, LEARNING_RATES[param] if learning_rate is None else learning_rate, steps)
    step, evaluate = _compiled_step(model, score_term, objective, variable, to_image, transforms, optimizer)

    history, timer = History(), Timer()
    watchers = [history, timer, *callbacks]
    if progress:
        watchers.append(Progress(_("ideal {classes}").format(classes=", ".join(names))[:60], "prob"))
    final, done = _ascend(step, evaluate, to_image, steps, stop_at, CallbackList(watchers))
    description = f"{param}: {objective!r}" + (f"; {describe_transforms(transforms)}" if transforms else "")
    logp = log_probabilities(model(tf.constant(final, tf.float32), training=False), kind == "logits").numpy()
    columns = history.arrays()
    return [
        IdealImageResult(
            image=final[i],
            target=target,
            target_name=names[i],
            probability=float(np.exp(logp[i, target])),
            history={key: values[:, i] for key, values in columns.items()},
            steps=done,
            seconds=timer.seconds,
            top=top_k(np.exp(logp[i]), 5, class_names),
            objective=description,
            first_step_seconds=timer.first_step_seconds,
        )
        for i, target in enumerate(indices)
    ]


def default_regularizers(param: str) -> list[Objective]:
    """The loss terms ``ideal_images(param=param)`` adds to the class score unless told:
    ``[TotalVariation(3000)]`` for pixels (the lesson's), none for Fourier (its 1/frequency scaling smooths already)."""
    return [TotalVariation(DEFAULT_TV_WEIGHT)] if param == "pixels" else []


def default_transforms(param: str, size: int = 224, seed: int = 0) -> list:
    """The transforms ``ideal_images(param=param)`` shows the network the image through unless told,
    made anew (their randomness seeded with ``seed``): a :class:`Jitter` (shifts of up to 24 px, zooms
    of up to +-30%) for pixels, :func:`standard_transforms` of ``size`` px for Fourier."""
    if param == "pixels":
        return [Jitter(DEFAULT_JITTER_PIXELS, scale=DEFAULT_JITTER_SCALE, seed=seed)]
    return standard_transforms(size, seed)


def _checked_steps(param: str, steps: int | None) -> int:
    if steps is None:
        return DEFAULT_FOURIER_STEPS if param == "fourier" else DEFAULT_STEPS
    if steps < 0:
        raise ValueError(_("steps must be >= 0, not {steps}").format(steps=steps))
    return int(steps)


def _checked_regularizers(regularizers) -> list[Objective]:
    """The loss terms of a list of regularisers (a ``Sum`` gives each of its terms)."""
    if isinstance(regularizers, Objective) or not isinstance(regularizers, (list, tuple)):
        raise TypeError(_("regularizers must be a list of loss terms, e.g. [TotalVariation(3000)] "
                          "(or [] for none), not a {type}").format(type=type(regularizers).__name__))
    for term in regularizers:
        if not isinstance(term, Objective):
            raise TypeError(_("{term!r} is not a loss term: give regularizers such as TotalVariation(3000) "
                              "or ImageNorm(50)").format(term=term))
    return [part for term in regularizers for part in term.terms()]


def _checked_transforms(transforms) -> list:
    if callable(transforms) or not isinstance(transforms, (list, tuple)):
        raise TypeError(_("transforms must be a list, e.g. [Jitter(8)] (or [] for none), not a {type}").format(
            type=type(transforms).__name__))
    for transform in transforms:
        if not callable(transform):
            raise TypeError(_("{transform!r} is not a transform: give Keras layers or functions of "
                              "(images, training=True)").format(transform=transform))
    return list(transforms)


def _objective(indices: list[int], kind: str, score: str, regularizers: list[Objective]) -> tuple[ClassScore, Sum]:
    """The class score to raise (its probability is what the run reports) and the whole loss."""
    score_term = ClassScore(indices, from_logits=kind == "logits", mode=score)
    objective = Sum([score_term, *regularizers])
    seen: set[str] = set()
    for term in objective.terms():
        if term.name in seen:
            raise ValueError(_("two loss terms are called {name!r}: the history keeps one value per name, "
                               "so give each kind of term once").format(name=term.name))
        seen.add(term.name)
    return score_term, objective


def _optimizer(variable: tf.Variable, learning_rate: float, steps: int) -> keras.optimizers.Optimizer:
    """Adam, its step size decaying (cosine) from ``learning_rate`` to 5% of it over ``steps``."""
    schedule = keras.optimizers.schedules.CosineDecay(float(learning_rate), max(int(steps), 1), alpha=0.05)
    optimizer = keras.optimizers.Adam(schedule)
    optimizer.build([variable])
    return optimizer


def _compiled_step(model, score_term, objective, variable, to_image, transforms, optimizer):
    """The loop's two compiled functions: ``step()`` makes one update and measures the image it
    started from; ``evaluate(images)`` measures a batch of images."""
    tv_meter = TotalVariation()

    def measure(images, outputs):
        values = objective.values(outputs=outputs, images=images)
        loss = tf.add_n([t.weight * values[t.name] for t in objective.terms()])
        return score_term.probability(outputs), tv_meter.per_sample(images), loss, values

    def evaluate_images(images):
        return measure(images, model(images, training=False))

    def update():
        with tf.GradientTape() as tape:
            before = tf.identity(to_image())  # the image before this step (a copy, not the variable)
            seen = apply_transforms(before, transforms)  # what the network sees of it
            outputs = model(seen, training=False)
            loss = objective(outputs=outputs, images=before)
        grad = tape.gradient(loss, variable)
        # p(target) of what the network saw, as notebook 04's loop records it: one forward pass a step
        # (a second one, for the unmoved image, cost 27% of the time); the final image is measured itself
        prob, tv, total, values = measure(before, outputs)
        optimizer.apply_gradients([(grad, variable)])  # then the pixels' clip (their constraint)
        return before, prob, tv, total, values

    # Each call compiles its own step. Wrapped in a partial, each is its own function to TensorFlow,
    # which counts retracing per code object and would warn of "excessive retracing" after a few calls.
    return tf.function(functools.partial(update)), tf.function(functools.partial(evaluate_images))


def _ascend(step, evaluate, to_image, steps: int, stop_at: float | None, watch: Callback) -> tuple[np.ndarray, int]:
    """Up to ``steps`` updates, each recorded (entry k: the image after k updates); the final uint8
    images and the number of updates made (fewer once every image's p reaches ``stop_at``)."""
    watch.on_begin(steps)
    for k in range(steps):
        before, prob, tv, total, values = step()
        logs = _logs(k, prob, tv, total, values)
        watch.on_step(k, logs)
        if stop_at is not None and logs["prob"].min() >= stop_at:
            candidate = _to_uint8(before.numpy())  # the rounded image must reach it too
            if evaluate(tf.constant(candidate, tf.float32))[0].numpy().min() >= stop_at:
                watch.on_end()
                return candidate, k
    last = tf.identity(to_image())
    watch.on_step(steps, _logs(steps, *evaluate(last)))
    watch.on_end()
    return _to_uint8(last.numpy()), steps


def _logs(k: int, prob, tv, total, values) -> dict[str, np.ndarray]:
    """One history entry of the batch: arrays with one value per image."""
    logs = {"step": np.full(int(np.shape(prob)[0]), k), "prob": np.asarray(prob), "tv": np.asarray(tv),
            "loss": np.asarray(total)}
    return logs | {name: np.asarray(v) for name, v in values.items()}


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)

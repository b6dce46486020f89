"""The "ideal" image of a class: gradient ascent on the input until a classifier is sure.

Start from noise and repeatedly nudge the *pixels* (not the weights) so the classifier's
probability for one class goes up. Plain cross-entropy finds noise the network calls a cat;
a total-variation penalty, which charges for differences between neighbouring pixels, and a
little random jitter between steps give smoother, more recognisable patterns.

The loop is notebook 04's ``optimize`` (same start, score, TV term, Adam schedule, clip and
rounding), plus jitter, one batch for several classes, a compiled step and a per-step record.
With ``jitter=0`` it makes the notebook's image; ``tests/test_ideal.py`` runs the notebook's cell
to hold the two together. ``param="fourier"`` describes the image as decorrelated Fourier
coefficients seen through random transforms (:mod:`.param`, :mod:`.transform`), the notebook's
Fourier cell, held to it the same way: far more contrast and colour, and other networks agree.

>>> model = load_backbone(include_top=True, classifier_activation=None)   # ImageNet logits
>>> cat = ideal_image(model, "Siamese_cat")         # logit + total variation, jittered, 200 steps
>>> noise_cat = ideal_image(model, "Siamese_cat", score="log_prob", tv_weight=0, jitter=0)
>>> fourier_cat = ideal_image(model, "Siamese_cat", param="fourier")   # no TV, standard transforms
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

from ..datasets.images import as_batch
from ..models.classes import class_name, log_probabilities, output_kind, resolve_class, top_k
from .callbacks import Callback, CallbackList, History, Progress, Timer
from .objectives import ClassScore, ImageNorm, Jitter, Objective, Sum, TotalVariation
from .param import PARAMS, fourier_image, pixel_image
from .transform import apply_transforms

__all__ = ["IdealImageResult", "ideal_image", "ideal_images"]


DEFAULT_STEPS = 200
#: param="fourier": with 256 steps the alpha 0.25 network names all three benchmark classes (tabby at 200: tiger cat)
DEFAULT_FOURIER_STEPS = 256
DEFAULT_TV_WEIGHT = 3000.0
DEFAULT_JITTER = Jitter(24, scale=0.3)
DEFAULT_LEARNING_RATE = 6.0
#: per parameterisation: Adam's first step (pixel levels for "pixels", coefficients for "fourier")
LEARNING_RATES = {"pixels": DEFAULT_LEARNING_RATE, "fourier": 0.1}
DEFAULT_SCORE = "logit"


@dataclass
class IdealImageResult:
    """One optimised image and how it got there.

    ``image`` is uint8 H x W x 3 (display it, save it); ``probability`` is p(target) of that uint8
    image. ``history`` holds one entry per step, index ``k`` describing the image after ``k``
    updates (float pixels): ``step``, ``prob`` (p(target)), ``tv`` (total variation, measured
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
        """Total variation of the uint8 image (see :class:`~transferkit.objectives.TotalVariation`)."""
        return float(TotalVariation().per_sample(self.image[None].astype("float32"))[0])

    def steps_to(self, probability: float = 0.99) -> int | None:
        """The first step at which p(target) reached ``probability``, or None."""
        hits = np.flatnonzero(self.history["prob"] >= probability)
        return int(self.history["step"][hits[0]]) if hits.size else None

    def save(self, path: str | Path) -> Path:
        """Write the image as a (lossless) PNG."""
        path = Path(path)
        Image.fromarray(self.image).save(path.with_suffix(".png") if not path.suffix else path)
        return path

    def __repr__(self) -> str:
        top = ", ".join(f"{n} {p:.2f}" for n, p in self.top[:3])
        return (
            f"IdealImageResult({self.target_name!r}: p={self.probability:.4f} after {self.steps} steps, "
            f"TV={self.total_variation:.3f}, {self.seconds:.1f}s; top: {top})"
        )


def ideal_image(model: keras.Model, target: int | str, **kwargs) -> IdealImageResult:
    """The image ``model`` finds most like ``target``; see :func:`ideal_images` for the options."""
    return ideal_images(model, [target], **kwargs)[0]


def ideal_images(
    model: keras.Model,
    targets: Sequence[int | str],
    *,
    steps: int | None = None,
    param: str = "pixels",
    transforms: Sequence | None = None,
    tv_weight: float | None = None,
    norm_weight: float = 0.0,
    jitter: int | Jitter | None = DEFAULT_JITTER,
    learning_rate: float | None = None,
    extra: Sequence[Objective] = (),
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
    * ``steps`` - Adam updates on the pixels (default 200; 256 for ``param="fourier"``); the step
      size starts at ``learning_rate`` pixel levels and decays (cosine) to 5% of it. Pixels are
      clipped to 0-255 after every step.
    * ``param`` - how the image is described (:mod:`~transferkit.steering.param`): ``"pixels"``
      (the default) or ``"fourier"`` (decorrelated Fourier coefficients through a sigmoid, notebook
      04's last step: far more contrast and colour; ``init`` must then be ``"noise"``).
      ``learning_rate`` defaults to 6 levels for pixels, 0.1 for Fourier coefficients.
    * ``transforms`` - Keras layers the network sees the image through at each step, in place of
      ``jitter`` (e.g. :func:`~transferkit.steering.transform.standard_transforms`, which is what
      ``param="fourier"`` uses when none are given).
    * ``score`` - what to raise: ``"logit"`` (the raw class score, the default) or ``"log_prob"``
      (minimise the cross-entropy ``-log p``). The cross-entropy stops pushing once p is near 1,
      so a regulariser then slowly wins and fades the image; the logit keeps pushing.
    * ``tv_weight`` - weight of :class:`TotalVariation` against the class score (0: none; default
      3000 for pixels, 0 for Fourier);
      ``norm_weight`` - weight of an L2 :class:`ImageNorm`; ``extra`` - further loss terms.
    * ``jitter`` - the random transform the network sees the image through at each step: a
      :class:`Jitter` (default: shifts of up to 24 pixels and zooms of up to +-30%), a number of
      pixels to shift by without zooming, or 0/None for none. Robustness to these transforms is
      what makes the result look like objects rather than texture, and fool other networks too.
    * ``init`` - ``"noise"`` (mid-grey +- 32, seeded), ``"uniform"`` (noise over 0-255),
      ``"grey"``, or an image to start from.
    * ``stop_at`` - stop once every image's p(target) reaches it (checked on the uint8 image).
    * ``outputs`` - ``"logits"``, ``"probabilities"`` or ``"auto"`` (read the final activation).
      Logits give better-behaved gradients: ``load_backbone(include_top=True, classifier_activation=None)``.
    * ``callbacks`` - :class:`~transferkit.steering.callbacks.Callback` objects; ``on_step`` gets
      each recorded entry of the whole batch (arrays with one value per target); ``progress=True``
      adds a :class:`~transferkit.steering.callbacks.Progress` bar.
    """
    if isinstance(targets, (str, int, np.integer)):
        raise TypeError("targets must be a list; use ideal_image(model, target) for one class")
    if steps is None:
        steps = DEFAULT_FOURIER_STEPS if param == "fourier" else DEFAULT_STEPS
    if steps < 0:
        raise ValueError("steps must be >= 0")
    kind = output_kind(model, outputs)
    num_outputs = int(model.output_shape[-1])
    indices = [resolve_class(t, class_names, num_outputs) for t in targets]
    names = [class_name(i, class_names, num_outputs) for i in indices]
    if param not in PARAMS:
        raise ValueError(f"param must be one of {PARAMS}, not {param!r}")
    if param == "fourier" and not (isinstance(init, str) and init == "noise"):
        raise ValueError("param='fourier' starts from its own small random coefficients: leave init='noise'")
    if tv_weight is None:
        tv_weight = DEFAULT_TV_WEIGHT if param == "pixels" else 0.0
    if learning_rate is None:
        learning_rate = LEARNING_RATES[param]
    shaker = jitter if isinstance(jitter, Jitter) else Jitter(int(jitter or 0))
    h, w = (int(d) for d in model.input_shape[1:3])
    n = len(indices)
    if transforms is None and param == "fourier":
        from .transform import standard_transforms

        transforms = standard_transforms(h, seed)
    moved = bool(transforms) or shaker.active

    score_term = ClassScore(indices, from_logits=kind == "logits", mode=score)
    terms: list[Objective] = [score_term]
    if tv_weight:
        terms.append(TotalVariation(tv_weight))
    if norm_weight:
        terms.append(ImageNorm(norm_weight))
    objective = Sum([*terms, *extra])
    tv_meter = TotalVariation()

    if param == "pixels":
        variable, to_image = pixel_image(_initial_images(init, n, h, w, seed))
    else:
        if h != w:
            raise ValueError("param='fourier' needs a square model input")
        variable, to_image = fourier_image(n, h, seed)
    schedule = keras.optimizers.schedules.CosineDecay(float(learning_rate), max(int(steps), 1), alpha=0.05)
    optimizer = keras.optimizers.Adam(schedule)
    optimizer.build([variable])
    generator = tf.random.Generator.from_seed(seed)

    def measure(images, outputs_):
        values = objective.values(outputs=outputs_, images=images)
        loss = tf.add_n([t.weight * values[t.name] for t in objective.terms()])
        return score_term.probability(outputs_), tv_meter.per_sample(images), loss, values

    def evaluate_images(images):
        return measure(images, model(images, training=False))

    def update():
        with tf.GradientTape() as tape:
            before = tf.identity(to_image())  # the image before this step (a copy, not the variable)
            if transforms:
                seen = apply_transforms(before, transforms)
            else:
                seen = shaker(before, generator) if shaker.active else before
            out = model(seen, training=False)
            loss = objective(outputs=out, images=before)
        grad = tape.gradient(loss, variable)
        prob, tv, total, values = measure(before, out)
        if moved:  # report the probability of the image itself, not of its moved copy
            prob = score_term.probability(model(before, training=False))
        optimizer.apply_gradients([(grad, variable)])  # then the pixels' clip (their constraint)
        return before, prob, tv, total, values

    # Each call compiles its own step. Wrapped in a partial, each is its own function to TensorFlow,
    # which counts retracing per code object and would warn of "excessive retracing" after a few calls.
    evaluate = tf.function(functools.partial(evaluate_images))
    step = tf.function(functools.partial(update))

    history, timer = History(), Timer()
    watchers = [history, timer, *callbacks]
    if progress:
        watchers.append(Progress(f"ideal {', '.join(names)}"[:60], "prob"))
    watch = CallbackList(watchers)
    watch.on_begin(steps)
    for k in range(steps):
        before, prob, tv, total, values = step()
        logs = _logs(k, prob, tv, total, values)  # entry k: the image after k updates
        watch.on_step(k, logs)
        if stop_at is not None and logs["prob"].min() >= stop_at:
            candidate = _to_uint8(before.numpy())
            if evaluate(tf.constant(candidate, tf.float32))[0].numpy().min() >= stop_at:
                final, done = candidate, k
                break
    else:
        done = steps
        last = tf.identity(to_image())
        watch.on_step(steps, _logs(steps, *evaluate(last)))
        final = _to_uint8(last.numpy())
    watch.on_end()
    logp = log_probabilities(model(tf.constant(final, tf.float32), training=False), kind == "logits").numpy()
    columns = history.arrays()

    results = []
    for i in range(n):
        results.append(
            IdealImageResult(
                image=final[i],
                target=indices[i],
                target_name=names[i],
                probability=float(np.exp(logp[i, indices[i]])),
                history={key: v[:, i] for key, v in columns.items()},
                steps=done,
                seconds=timer.seconds,
                top=top_k(np.exp(logp[i]), 5, class_names),
                objective=f"{param}: {objective!r}" + (f", {len(transforms)} transforms" if transforms
                                                       else f", {shaker!r}" if shaker.active else ""),
                first_step_seconds=timer.first_step_seconds,
            )
        )
    return results


def _logs(k: int, prob, tv, total, values) -> dict[str, np.ndarray]:
    """One history entry of the batch: arrays with one value per image."""
    logs = {"step": np.full(int(np.shape(prob)[0]), k), "prob": np.asarray(prob), "tv": np.asarray(tv),
            "loss": np.asarray(total)}
    return logs | {name: np.asarray(v) for name, v in values.items()}


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def _initial_images(init, n: int, h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if isinstance(init, str):
        if init == "noise":
            return (128.0 + rng.uniform(-32, 32, (n, h, w, 3))).astype("float32")
        if init == "uniform":
            return rng.uniform(0, 255, (n, h, w, 3)).astype("float32")
        if init in ("grey", "gray"):
            return (128.0 + rng.uniform(-1, 1, (n, h, w, 3))).astype("float32")
        raise ValueError(f"init must be 'noise', 'uniform', 'grey' or an image, not {init!r}")
    if h != w:
        raise ValueError("starting from an image needs a square model input")
    batch = as_batch(init, h)
    if batch.shape[0] == 1:
        batch = np.repeat(batch, n, axis=0)
    if batch.shape[0] != n:
        raise ValueError(f"init holds {batch.shape[0]} images for {n} targets")
    return batch

"""Adversarial images: imperceptible, bounded pixel changes that make a classifier see something else.

The attack is notebook 05's loop: projected gradient descent (PGD) on the *raw 0-255 pixels* the
kit's models take. Each step moves every pixel by ``step_size`` levels (default 1) against the sign
of the loss gradient, projects back into the box ``[original - epsilon, original + epsilon]``,
clips to 0..255 and rounds to whole levels. ``epsilon`` is measured in 8-bit levels, so
``epsilon=2`` means no pixel value moves by more than 2 of 255.

Every image the loop looks at is a uint8 image - exactly what a PNG file stores - so success
survives saving and reloading.

>>> model = load_backbone(include_top=True)                     # ImageNet classifier, raw pixels
>>> dog = load_image(demo_image("beagle_111.jpg"), 224)
>>> result = adversarial_image(model, dog, "tabby", epsilon=2)  # targeted: make it a cat
>>> result.success, result.max_change, result.psnr
>>> fgsm(model, dog, epsilon=2)                                 # one signed step, untargeted
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from ..models.backbones import input_size
from ..models.classes import class_name, class_probabilities, log_probabilities, output_kind, resolve_class, top_k
from ..datasets.images import ImageError, as_batch, load_image
from ..evaluation.predict import predict_image
from ..i18n import _
from .callbacks import Callback, CallbackList, History, Progress
from .measures import psnr

__all__ = [
    "AdversarialResult",
    "adversarial_image",
    "fgsm",
    "perturbation_image",
    "show_attack",
]

DEFAULT_STEPS = 20
_TINY = 1e-30


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass
class AdversarialResult:
    """What an attack produced: the uint8 adversarial image, the predictions and a per-step history.

    ``history`` has one entry per evaluated (rounded, uint8) image: entry 0 is the original, entry
    ``i`` the image after ``i`` gradient steps. Keys: ``step``, ``loss``, ``score`` (probability of
    the target class, or of the original class for an untargeted attack), ``top1``, ``top1_probability``,
    ``success``, ``max_change``.
    """

    image: np.ndarray
    original: np.ndarray
    target: int | None
    label: int
    epsilon: float
    success: bool
    steps: int
    original_probabilities: np.ndarray
    probabilities: np.ndarray
    history: dict[str, list] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    class_names: Sequence[str] | None = None

    @property
    def targeted(self) -> bool:
        return self.target is not None

    @property
    def predicted_class(self) -> int:
        """Top-1 class of the adversarial (uint8) image."""
        return int(np.argmax(self.probabilities))

    @property
    def perturbation(self) -> np.ndarray:
        """``adversarial - original`` in pixel levels (int16, H x W x 3)."""
        return self.image.astype(np.int16) - self.original.astype(np.int16)

    @property
    def max_change(self) -> int:
        """Largest change of any pixel value, in 8-bit levels (never more than ``epsilon``)."""
        return int(np.abs(self.perturbation).max())

    @property
    def changed_fraction(self) -> float:
        """Fraction of pixel values (H x W x 3) that changed at all."""
        return float(np.mean(self.perturbation != 0))

    @property
    def psnr(self) -> float:
        """Peak signal-to-noise ratio of the adversarial image against the original, in dB."""
        return psnr(self.original, self.image)

    def name(self, index: int) -> str:
        """Class name of an index (ImageNet names for 1000-class models)."""
        return class_name(index, self.class_names, len(self.probabilities))

    def top_k(self, k: int = 3, original: bool = False) -> list[tuple[str, float]]:
        """``(name, probability)`` pairs of the adversarial image (or of the original)."""
        return top_k(self.original_probabilities if original else self.probabilities, k, self.class_names)

    def summary(self) -> str:
        top = self.predicted_class
        goal = _("target {name}").format(name=self.name(self.target)) if self.targeted else _("untargeted")
        verdict = _("success") if self.success else _("FAILED")
        return _("{verdict} ({goal}, epsilon={epsilon:g}): {before} ({before_p:.2f}) -> {after} ({after_p:.2f}) after "
                 "{steps} step(s); max change {max_change} level(s), {changed:.0%} of values changed, "
                 "PSNR {psnr:.1f} dB").format(
            verdict=verdict, goal=goal, epsilon=self.epsilon, before=self.name(self.label),
            before_p=self.original_probabilities[self.label], after=self.name(top), after_p=self.probabilities[top],
            steps=self.steps, max_change=self.max_change, changed=self.changed_fraction, psnr=self.psnr)

    def __repr__(self) -> str:
        return f"AdversarialResult({self.summary()})"


# --------------------------------------------------------------------------------------------
# Helpers: inputs, views, the loss's gradient
# --------------------------------------------------------------------------------------------


def _prepare_image(image, size: int | None, notes: list[str]) -> np.ndarray:
    """One image as uint8 H x W x 3 of the model's size; resizes/converts with a note."""
    if isinstance(image, (str, Path, bytes, bytearray)):
        return load_image(image, size)
    if tf.is_tensor(image):
        image = image.numpy()
    arr = np.asarray(image)
    if arr.ndim == 4:
        if arr.shape[0] != 1:
            raise ImageError(_("expected one image, got a batch of {n}; attack them one at a time").format(n=arr.shape[0]))
        arr = arr[0]
    if arr.ndim not in (2, 3):
        raise ImageError(_("expected an H x W x 3 image, got an array of shape {shape}").format(shape=arr.shape))
    if arr.dtype != np.uint8:
        if not np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_:
            raise ImageError(_("expected pixel values, got an array of dtype {dtype}").format(dtype=arr.dtype))
        if arr.size and not np.all(np.isfinite(arr)):
            raise ImageError(_("the image holds NaN or infinite values"))
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise ImageError(_("pixel values run from {low:g} to {high:g}; the attack needs raw 0-255 pixels").format(
                low=arr.min(), high=arr.max()))
        if not np.allclose(arr, np.round(arr)):
            notes.append(_("{dtype} pixels rounded to uint8 (the attack works on 8-bit levels)").format(dtype=arr.dtype))
        else:
            notes.append(_("{dtype} pixels converted to uint8").format(dtype=arr.dtype))
    h, w = arr.shape[:2]
    if size is not None and (h, w) != (size, size):
        notes.append(_("image resized from {w}x{h} to {size}x{size}, the model's input size").format(w=w, h=h, size=size))
    return as_batch(arr, size)[0].astype(np.uint8)  # also fixes channels; same size (or None) = no resampling


def _draw_view(rng: np.random.Generator, side: int, canvas: int) -> tf.Tensor:
    """Notebook 05's ``draw_view``: a random size in [side, canvas) and a place for it on a canvas x canvas square."""
    size = rng.integers(side, canvas)
    top, left = rng.integers(0, canvas - size + 1, size=2)
    return tf.constant([size, top, left, canvas], tf.int32)


def _view_of(x: tf.Tensor, view: tf.Tensor) -> tf.Tensor:
    """Notebook 05's ``view_of``: ``x`` resized to size x size, put at (top, left) on a black canvas, resized back."""
    size, top, left, canvas = tf.unstack(view)
    seen = tf.image.resize(x, tf.stack([size, size]))
    seen = tf.image.pad_to_bounding_box(seen, top, left, canvas, canvas)
    return tf.image.resize(seen, x.shape[:2])


@tf.function  # compiled into a graph, as notebook 05's loss_gradient: several times faster than eager
def _loss_gradient(model: keras.Model, x: tf.Tensor, cls: tf.Tensor, direction: float, kind: str,
                   view: tf.Tensor | None = None):
    """The model's outputs for the image ``x`` (H x W x 3), the loss, and the loss's gradient at ``x``.

    ``view`` (input diversity): the model sees ``_view_of(x, view)`` instead of ``x``; the gradient is
    still with respect to ``x``.

    ``direction=-1``: loss ``-log p(class)`` (targeted); ``+1``: ``log p(class)`` (untargeted, push
    the class down). For a softmax model this is notebook 05's ``loss_gradient``: the same loss, the
    same ops in the same order (plus a floor at 1e-30 against log 0), also compiled.
    ``tests/test_adversarial.py`` checks that both attacks give the same images. ``cls`` is a
    tensor, so one trace serves every class.
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        seen = x if view is None else _view_of(x, view)
        outputs = model(seen[None], training=False)
        if kind == "probabilities" and outputs.shape[-1] > 1:
            log_p = tf.math.log(tf.maximum(outputs[0][cls], _TINY))  # log(p) for any p > 1e-30
        else:
            log_p = log_probabilities(outputs, kind == "logits")[0][cls]
        loss = direction * log_p
    return outputs, loss, tape.gradient(loss, x)


# --------------------------------------------------------------------------------------------
# The attack
# --------------------------------------------------------------------------------------------


def adversarial_image(
    model: keras.Model,
    image,
    target: int | str | None,
    epsilon: float = 2,
    steps: int = DEFAULT_STEPS,
    *,
    step_size: float = 1.0,
    confidence: float = 0.0,
    label: int | str | None = None,
    early_stop: bool = True,
    momentum: float = 0.0,
    diversity: float = 0.0,
    seed: int | None = 0,
    outputs: str = "auto",
    class_names: Sequence[str] | None = None,
    progress: bool = False,
    callbacks: Sequence[Callback] = (),
) -> AdversarialResult:
    """A bounded adversarial version of ``image`` that ``model`` classifies as ``target``.

    Notebook 05's ``targeted_attack`` loop, plus a record of every step, untargeted attacks and
    models with logit or sigmoid outputs (``tests/test_adversarial.py`` checks that both give the
    same image). Each step: ``x -= step_size * sign(gradient)``, projection onto the ε-ball around
    the original, clip to 0..255, round to whole levels.

    * ``model`` - any Keras classifier on raw 0-255 RGB pixels with probability or logit outputs
      (``load_backbone(include_top=True)``, a Cats-vs-Dogs model with one sigmoid unit, ...).
    * ``image`` - uint8 H x W x 3 (or a path); another size is resized to the model's input with a
      note, float 0-255 pixels are rounded to uint8, 0-1 floats are refused.
    * ``target`` - class index or name (``"tabby"``); ``None`` makes the attack *untargeted*: any
      class but ``label`` (default: the model's top-1 class on the original).
    * ``epsilon`` - L∞ bound in 8-bit levels: no pixel value moves by more than this (>= 1).
    * ``steps`` - at most this many projected sign-gradient steps of ``step_size`` levels (>= 1,
      since the rounding undoes any smaller step); ``steps=1, step_size=epsilon`` is FGSM.
    * ``confidence`` - success also needs p(target) (untargeted: p(new top-1)) >= this.
    * ``early_stop`` - stop at the first successful image; otherwise run all ``steps``.
    * ``momentum`` - MI-FGSM (Dong et al. 2018): each step follows ``momentum * previous direction +
      gradient / its L1 norm``; 0 (default) is the plain attack, 1.0 the usual choice for transfer.
    * ``diversity`` - input diversity (Xie et al. 2019): at each step, with this probability, the
      gradient is taken through a random view of the image (resized to a size in [side, 1.12 side),
      put at a random place on a black 1.12 side square, resized back); 0 (default) never, 0.7 for
      transfer. ``seed`` fixes the views (same seed, same views as the notebook's loop). With
      diversity, ``history`` and ``early_stop`` read the model's answer on the view it saw; the
      result's probabilities and ``success`` are always those of the returned image.
    * ``callbacks`` - :class:`~transferkit.steering.callbacks.Callback` objects; ``on_step`` gets
      each history entry (the original first); ``progress=True`` adds a
      :class:`~transferkit.steering.callbacks.Progress` bar of ``score``.

    Returns the image after the last step taken. Every image the loop looks at is a uint8 image,
    i.e. what a PNG file would hold. A target that already is the top-1 class returns at once
    (``steps == 0``).
    """
    steps, step_size = _checked_settings(epsilon, steps, step_size, confidence, momentum, diversity)
    notes: list[str] = []
    original = _prepare_image(image, input_size(model), notes)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    kind = output_kind(model, outputs)
    if diversity and original.shape[1] != original.shape[0]:
        raise ValueError(_("input diversity needs a square image, got {width}x{height}").format(
            width=original.shape[1], height=original.shape[0]))
    goal, probs0 = _goal(model, original, target, label, confidence, kind, class_names)
    history = History()
    watch = CallbackList([history, *callbacks, *([Progress(_("attack"), "score")] if progress else [])])
    watch.on_begin(steps)
    adversarial, taken, p, ok = _attack_loop(model, original, goal, kind, watch, steps=steps, step_size=step_size,
                                             bound=float(math.floor(epsilon)), momentum=momentum,
                                             diversity=diversity, seed=seed, early_stop=early_stop)
    watch.on_end()
    if taken == 0 and history.history["success"][0] and goal.target is not None:
        notes.append(_("the model already predicts {name}; nothing to do").format(
            name=class_name(goal.target, class_names, len(probs0))))
    return AdversarialResult(image=adversarial, original=original, target=goal.target, label=goal.label,
                             epsilon=float(epsilon), success=ok, steps=taken, original_probabilities=probs0,
                             probabilities=p, history=history.history, notes=notes, class_names=class_names)


def _checked_settings(epsilon, steps, step_size, confidence, momentum, diversity) -> tuple[int, float]:
    """``(steps, step_size)`` as int and float; a ValueError names a setting out of its range."""
    if not isinstance(epsilon, (int, float, np.integer, np.floating)) or not math.isfinite(epsilon):
        raise ValueError(_("epsilon must be a number of 8-bit levels, got {epsilon!r}").format(epsilon=epsilon))
    if epsilon <= 0:
        raise ValueError(_("epsilon must be > 0 (in 8-bit pixel levels), got {epsilon}").format(epsilon=epsilon))
    if epsilon < 1:
        raise ValueError(_("epsilon={epsilon} is below one 8-bit level: no uint8 pixel could change; "
                           "use epsilon >= 1").format(epsilon=epsilon))
    if int(steps) != steps or steps < 0:
        raise ValueError(_("steps must be a whole number >= 0, got {steps}").format(steps=steps))
    if not float(step_size) >= 1:
        raise ValueError(_("step_size must be >= 1 level (rounding to whole levels undoes a smaller step), "
                           "got {step_size}").format(step_size=float(step_size)))
    if not 0 <= confidence < 1:
        raise ValueError(_("confidence must be in [0, 1), got {confidence}").format(confidence=confidence))
    if not momentum >= 0:
        raise ValueError(_("momentum must be >= 0, got {momentum}").format(momentum=momentum))
    if not 0 <= diversity <= 1:
        raise ValueError(_("diversity is a probability, in [0, 1], got {diversity}").format(diversity=diversity))
    return int(steps), float(step_size)


@dataclass
class _Goal:
    """What the attack aims at: ``target`` up (targeted), or ``label`` down (untargeted, ``target`` None)."""

    label: int
    target: int | None
    confidence: float

    @property
    def cls(self) -> int:
        """The class whose log-probability the loss holds."""
        return self.label if self.target is None else self.target

    @property
    def direction(self) -> float:
        """-1: minimise ``-log p(target)``; +1: minimise ``log p(label)``."""
        return 1.0 if self.target is None else -1.0

    def reached(self, p: np.ndarray) -> bool:
        """Whether class probabilities ``p`` are a success (with at least ``confidence``)."""
        top = int(np.argmax(p))
        if self.target is not None:
            return bool(top == self.target and p[self.target] >= self.confidence)
        return bool(top != self.label and p[top] >= self.confidence)


def _goal(model, original: np.ndarray, target, label, confidence: float, kind: str, class_names) -> tuple[_Goal, np.ndarray]:
    """The attack's goal and the original's class probabilities (which fix the label and the number of classes)."""
    probs = predict_image(model, original, outputs=kind).scores
    true = int(np.argmax(probs)) if label is None else resolve_class(label, class_names, len(probs))
    goal = None if target is None else resolve_class(target, class_names, len(probs))
    return _Goal(true, goal, confidence), probs


def _attack_loop(model, original: np.ndarray, goal: _Goal, kind: str, watch: CallbackList, *, steps: int,
                 step_size: float, bound: float, momentum: float, diversity: float, seed: int | None,
                 early_stop: bool) -> tuple[np.ndarray, int, np.ndarray, bool]:
    """Notebook 05's loop: ``(image, steps taken, its class probabilities, success)`` after the last step."""
    orig = tf.constant(original.astype(np.float32))
    x, velocity = orig, tf.zeros_like(orig)  # velocity: momentum's running sum of L1-normalised gradients
    cls = tf.constant(goal.cls, tf.int32)
    side = original.shape[0]
    rng = np.random.default_rng(seed)  # input diversity's views: drawn as in the notebook's loop
    for step in range(steps + 1):
        # The model's answer on the current (whole-level) image, or a random view of it, and the gradient there.
        view = _draw_view(rng, side, int(1.12 * side)) if rng.random() < diversity else None
        outputs, loss, gradient = _loss_gradient(model, x, cls, goal.direction, kind, view)
        p = class_probabilities(outputs, kind)[0]
        ok = goal.reached(p)
        watch.on_step(step, {"step": step, "loss": float(loss), "score": float(p[goal.cls]), "top1": int(np.argmax(p)),
                             "top1_probability": float(p.max()), "success": ok,
                             "max_change": int(tf.reduce_max(tf.abs(x - orig)).numpy())})
        if (ok and (early_stop or step == 0)) or step == steps:
            break
        x, velocity = _projected_step(x, orig, velocity, gradient, momentum, step_size, bound)
    if view is not None:  # the last answer was on a view: the result reports the image itself
        p = predict_image(model, x.numpy(), outputs=kind).scores
        ok = goal.reached(p)
    return x.numpy().astype(np.uint8), step, p, ok


def _projected_step(x, orig, velocity, gradient, momentum: float, step_size: float, bound: float):
    """One step of ``step_size`` levels against the (momentum) gradient's sign, projected onto the
    epsilon-ball and 0..255 in whole levels; returns ``(image, velocity)``."""
    # momentum 0: this gradient alone (a zero gradient, e.g. under the 1e-30 floor, stays a zero step)
    velocity = momentum * velocity + gradient / tf.maximum(tf.norm(gradient, 1), _TINY)
    x = x - step_size * tf.sign(velocity)                # every pixel one step against the direction
    x = tf.clip_by_value(x, orig - bound, orig + bound)  # projection onto the epsilon-ball
    return tf.round(tf.clip_by_value(x, 0, 255)), velocity  # a real image: whole levels 0-255


def fgsm(
    model: keras.Model,
    image,
    target: int | str | None = None,
    epsilon: float = 2,
    **kwargs,
) -> AdversarialResult:
    """The fast gradient sign method: ONE step of ``epsilon`` levels along the gradient's sign.

    Exactly :func:`adversarial_image` with ``steps=1, step_size=epsilon``; untargeted by default.
    """
    return adversarial_image(model, image, target, epsilon=epsilon, steps=1, step_size=float(epsilon),
                             early_stop=False, **kwargs)


# --------------------------------------------------------------------------------------------
# Looking at the result
# --------------------------------------------------------------------------------------------


def perturbation_image(original, adversarial=None, amplify: float | None = None) -> np.ndarray:
    """The change ``adversarial - original`` made visible: grey = unchanged, brighter/darker = +/-.

    Accepts an :class:`AdversarialResult` alone. By default the largest change maps to the full
    0-255 range (``amplify`` sets the factor explicitly, e.g. 50x).
    """
    if isinstance(original, AdversarialResult):
        diff = original.perturbation.astype(np.float32)
    else:
        diff = np.asarray(adversarial, np.float32) - np.asarray(original, np.float32)
    peak = float(np.abs(diff).max())
    if amplify is None:
        amplify = 127.5 / peak if peak else 1.0
    return np.clip(127.5 + amplify * diff, 0, 255).round().astype(np.uint8)


def _top_lines(pairs: list[tuple[str, float]]) -> str:
    return "\n".join(f"{name} {p:.1%}" for name, p in pairs)


def show_attack(result: AdversarialResult, k: int = 3, size: float = 3.6):
    """Original and adversarial image with their top-``k`` predictions, and the amplified change."""
    from ..plots import show_images

    peak = max(result.max_change, 1)
    titles = [
        _("original") + "\n" + _top_lines(result.top_k(k, original=True)),
        _("adversarial") + "\n" + _top_lines(result.top_k(k)),
        _("change x{factor:.0f} (max {max_change} levels)\nPSNR {psnr:.1f} dB").format(
            factor=127.5 / peak, max_change=result.max_change, psnr=result.psnr),
    ]
    return show_images([result.original, result.image, perturbation_image(result)], titles, ncols=3, size=size)

"""Learning curves: a CNN from scratch vs a linear probe vs a fine-tune, at n training images per class.

For each curve point (e.g. 5, 10, 20, 50 images per class and all of them) three models learn from
the same seeded images and are scored on the same held-out images, which chose nothing:

* ``scratch``   - :func:`~transferkit.scratch_cnn` from random weights on small images;
* ``probe``     - a logistic regression (:func:`~transferkit.train_classifier`) on the frozen
  ImageNet network's pooled features;
* ``finetuned`` - the probe's head on top, then the top block of the pretrained network trained
  too (BatchNorm frozen, low learning rate).

The fine-tune trains only the *top block*, so everything below it is frozen and, without
augmentation, gives the same output every epoch: those activations are computed once per image and
cached on disk (like the pooled features), and the fine-tune runs on them in seconds. That is exact,
not an approximation: it trains the same weights as ``unfreeze_top(model, "conv_dw_13")`` would on a
model without augmentation (and without dropout before the head).

>>> result = learning_curves(train, test, points=(5, 10, 20, 50, None))
>>> plot_learning_curves(result);
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
from tqdm.auto import tqdm

from .backbones import base_layer_name, input_size, load_backbone
from .config import cache_dir, pick
from .datasets import ImageSet
from .features import extract_features, train_classifier

CURVE_POINTS = (5, 10, 20, 50, None)
"""Training images per class at each curve point; ``None`` means every training image."""

METHODS = ("scratch", "probe", "finetuned")
METHOD_LABELS = {"scratch": "CNN from scratch", "probe": "linear probe on ImageNet features",
                 "finetuned": "fine-tuned (top block)"}

FINE_TUNE_FROM = "conv_dw_13"
"""First layer of the default backbone (MobileNet v1) that the fine-tune trains: its last block."""


# --------------------------------------------------------------------------- the far domain


def digits_folder(root: str | Path | None = None) -> Path:
    """scikit-learn's 8x8 handwritten digits written once as PNG files, one folder per digit.

    ``load_digits`` ships inside scikit-learn (1,797 images, no download). Its pixels are grey
    levels 0-16; they are scaled to 0-255 (``round(v * 255 / 16)``) and saved as 8x8 grey PNGs in
    ``<root>/0 ... <root>/9`` (default root: the kit's cache), so the folder loader reads them like
    any photo folder. Written to a temporary folder first, so an interrupted run leaves nothing half done.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    root = Path(root) if root else cache_dir("datasets") / "sklearn_digits"
    digits = load_digits()
    if root.is_dir() and sum(1 for _ in root.glob("*/*.png")) == len(digits.target):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=root.parent))
    pixels = np.round(digits.images * (255 / 16)).astype("uint8")
    for i, (image, label) in enumerate(zip(pixels, digits.target)):
        folder = tmp / str(label)
        folder.mkdir(exist_ok=True)
        Image.fromarray(image, mode="L").save(folder / f"digit_{i:04d}.png")
    if root.exists():  # an incomplete earlier copy of our own cache
        import shutil
        shutil.rmtree(root)
    os.replace(tmp, root)
    return root


# --------------------------------------------------------------------------- the backbone in two parts


def split_backbone(backbone: keras.Model, first_trainable: str = FINE_TUNE_FROM) -> tuple[keras.Model, callable]:
    """``(bottom, make_top)``: the frozen part up to ``first_trainable`` and a factory for a fresh top.

    ``bottom`` maps raw 0-255 images to the activations entering ``first_trainable``; ``make_top()``
    returns a new model with copies of the layers from ``first_trainable`` up (ImageNet weights,
    BatchNorm frozen) that maps those activations to the pooled features. Only chains of layers
    (like MobileNet v1's top) can be split this way.
    """
    base = backbone.get_layer(base_layer_name(backbone))
    names = [layer.name for layer in base.layers]
    if first_trainable not in names:
        raise ValueError(f"{base.name} has no layer {first_trainable!r}; its last layers are {names[-8:]}")
    start = names.index(first_trainable)
    top_layers = base.layers[start:]
    for layer in top_layers:
        inbound = layer._inbound_nodes[0].input_tensors if layer._inbound_nodes else []
        if len(inbound) != 1:
            raise ValueError(f"{base.name} is not a chain above {first_trainable!r} ({layer.name} has "
                             f"{len(inbound)} inputs): choose another layer or backbone")
    cut = base.layers[start - 1].output
    inner = keras.Model(base.input, cut, name=f"{base.name}_to_{names[start - 1]}")
    image = keras.Input(backbone.input_shape[1:], name="image")
    x = backbone.get_layer("preprocess")(image)
    bottom = keras.Model(image, inner(x, training=False), name=f"{base.name}_below_{first_trainable}")

    def make_top() -> keras.Model:
        inputs = keras.Input(tuple(cut.shape[1:]), name="activations")
        x, pairs = inputs, []
        for layer in top_layers:
            copy = layer.__class__.from_config(layer.get_config())
            x = copy(x)
            pairs.append((copy, layer))
        for copy, layer in pairs:
            copy.set_weights(layer.get_weights())
            copy.trainable = not isinstance(copy, keras.layers.BatchNormalization)
        return keras.Model(inputs, x, name=f"{base.name}_from_{first_trainable}")

    return bottom, make_top


# --------------------------------------------------------------------------- results


@dataclass
class CurveResult:
    """Held-out accuracy of each method at each curve point, and the seconds each method took."""

    domain: str
    class_names: list[str]
    points: list[int | None]
    train_sizes: list[int]
    test_size: int
    accuracy: dict[str, list[float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def point_label(self, n: int | None) -> str:
        return "all" if n is None else f"{n}_per_class"

    def figures(self, prefix: str = "") -> dict[str, float]:
        """``{"<prefix><method>_accuracy_<n>_per_class" | ..._all: accuracy}`` (the benchmark's keys)."""
        return {f"{prefix}{m}_accuracy_{self.point_label(n)}": acc
                for m, accs in self.accuracy.items() for n, acc in zip(self.points, accs)}

    def table(self) -> str:
        """The accuracies as a small text table, one row per method."""
        heads = ["all" if n is None else str(n) for n in self.points]
        lines = [f"{self.domain}: held-out accuracy on {self.test_size} images "
                 f"(columns: training images per class; 'all' = {self.train_sizes[-1]} images)",
                 f"{'':36s}" + "".join(f"{h:>8s}" for h in heads) + "   seconds"]
        for m, accs in self.accuracy.items():
            lines.append(f"{METHOD_LABELS.get(m, m):36s}" + "".join(f"{a:8.3f}" for a in accs)
                         + f"{self.seconds.get(m, float('nan')):9.0f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()


# --------------------------------------------------------------------------- the comparison


def nested_subsets(labels: np.ndarray, points, seed: int = 0) -> list[np.ndarray]:
    """Indices of at most ``n`` images per class for each ``n`` in ``points`` (``None``: all).

    Each class is shuffled once (seeded) and every point takes the first ``n`` of it, so the
    5 images of a class are among its 10, its 10 among its 20, and so on.
    """
    rng = np.random.default_rng(seed)
    order = [rng.permutation(np.flatnonzero(labels == c)) for c in range(int(labels.max()) + 1)]
    return [np.sort(np.concatenate([o if n is None else o[:n] for o in order])) for n in points]


def _pixels(images: ImageSet, size: int) -> np.ndarray:
    """Every image decoded once, resized to ``size``, as uint8 (for the small from-scratch CNN)."""
    from .training import training_pipeline

    return np.concatenate([x.numpy().astype("uint8") for x, _ in training_pipeline(images, size, 64, cache=False)])


def _fit_steps(model: keras.Model, x, y, steps: int, batch_size: int, seed: int) -> None:
    """Trains for a fixed number of gradient steps (so small training sets get as many updates as large ones)."""
    import tensorflow as tf

    batch = min(batch_size, len(y))
    ds = (tf.data.Dataset.from_tensor_slices((x, y.astype("int32"))).shuffle(len(y), seed=seed)
          .repeat().batch(batch).prefetch(tf.data.AUTOTUNE))
    model.fit(ds, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)


def _recalibrate_batchnorm(model: keras.Model, x: np.ndarray, max_images: int = 256, seed: int = 0) -> None:
    """Sets every BatchNorm layer's moving mean and variance to those of (up to) ``max_images`` training images.

    The moving averages (momentum 0.99) lag far behind the weights after a few hundred steps, and
    inference uses them; one pass with momentum 0 replaces them with the statistics the trained
    weights really produce ("precise BN"). Augmentation and dropout are active in that pass as in training.
    """
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not layers:
        return
    pick_idx = np.random.default_rng(seed).permutation(len(x))[:max_images]
    momentum = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 0.0
        model(x[np.sort(pick_idx)], training=True)
    finally:
        for layer, m in zip(layers, momentum):
            layer.momentum = m


def _predict(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``model(x)`` in inference mode, batch by batch (no per-model ``predict`` tracing)."""
    return np.concatenate([np.asarray(model(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)])


def _accuracy(model: keras.Model, x, y) -> float:
    return float(np.mean(np.argmax(_predict(model, x), -1) == y))


def learning_curves(train: ImageSet, test: ImageSet, *, points=CURVE_POINTS, methods=METHODS,
                    backbone: keras.Model | None = None, domain: str | None = None,
                    scratch_size: int = 64, scratch_augment: bool = True, scratch_steps: int | None = None,
                    probe_epochs: int | None = None, probe_batch_size: int = 128, fine_tune_steps: int | None = None, fine_tune_lr: float = 1e-4,
                    batch_size: int = 32, seed: int = 0, progress: bool = True) -> CurveResult:
    """Held-out accuracy vs training images per class for a CNN from scratch, a linear probe and a fine-tune.

    ``train``'s images are subsampled (:func:`nested_subsets`, seeded); ``test`` is only used to
    score. Settings are fixed in advance (no early stopping on the test images): the scratch CNN
    and the fine-tune train for a fixed number of steps (``scratch_steps``, ``fine_tune_steps``;
    defaults depend on quick mode) whatever the training-set size, the probe for ``probe_epochs`` (100; 40 in quick mode).
    After training, the scratch CNN's BatchNorm statistics are recomputed on its training images
    (the moving averages lag behind after few steps, and prediction uses them).
    ``scratch_size`` is the side of the images the scratch CNN sees; ``scratch_augment`` adds
    flips/rotations/zooms (right for photos, wrong for digits: a mirrored 2 is no 2).
    Frozen activations are cached on disk, so a second run skips the slow part.
    """
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose from {METHODS}")
    if list(train.class_names) != list(test.class_names):
        raise ValueError("train and test must have the same classes")
    scratch_steps = scratch_steps or pick(200, 40)
    fine_tune_steps = fine_tune_steps or pick(150, 20)
    probe_epochs = probe_epochs or pick(100, 40)
    points = list(points)
    subsets = nested_subsets(train.labels, points, seed)
    keep = [i for i in range(len(points)) if i == len(points) - 1 or len(subsets[i]) < len(subsets[i + 1])]
    points, subsets = [points[i] for i in keep], [subsets[i] for i in keep]  # e.g. 50 per class when classes hold 40
    y_train, y_test = train.labels, test.labels
    result = CurveResult(domain or train.name.split("/")[0], list(train.class_names), points,
                         [len(s) for s in subsets], len(test))
    k = train.num_classes

    needs_backbone = "probe" in methods or "finetuned" in methods
    if needs_backbone:
        backbone = backbone or load_backbone()
        t0 = time.perf_counter()
        bottom, make_top = split_backbone(backbone)
        a_train, _ = extract_features(bottom, train, progress=progress)
        a_test, _ = extract_features(bottom, test, progress=progress)
        frozen_top = make_top()
        f_train = _predict(frozen_top, a_train)
        f_test = _predict(frozen_top, a_test)
        t_features = time.perf_counter() - t0

    probes: dict[int, keras.Model] = {}

    def probe_at(i: int, idx: np.ndarray) -> keras.Model:  # trained once, used by the probe and the fine-tune
        if i not in probes:
            probes[i], _ = train_classifier((f_train[idx], y_train[idx]), epochs=probe_epochs,
                                            batch_size=probe_batch_size, seed=seed)
        return probes[i]

    bar = tqdm(total=len(points) * len(methods), desc=f"learning curves ({result.domain})", disable=not progress)
    for method in methods:
        accs, t0 = [], time.perf_counter()
        if method == "scratch":
            from .scratch import scratch_cnn
            from .training import compile_for_training

            p_train, p_test = _pixels(train, scratch_size), _pixels(test, scratch_size)
        for i, idx in enumerate(subsets):
            keras.utils.set_random_seed(seed)
            if method == "scratch":
                model = compile_for_training(scratch_cnn(k, scratch_size, augment=scratch_augment, seed=seed), 1e-3)
                _fit_steps(model, p_train[idx], y_train[idx], scratch_steps, batch_size, seed)
                _recalibrate_batchnorm(model, p_train[idx], seed=seed)
                accs.append(_accuracy(model, p_test, y_test))
            else:
                probe = probe_at(i, idx)
                if method == "probe":
                    accs.append(_accuracy(probe, f_test, y_test))
                else:
                    model = _fine_tune_model(make_top(), probe)
                    model.compile(optimizer=keras.optimizers.Adam(fine_tune_lr), loss="sparse_categorical_crossentropy",
                                  metrics=["accuracy"])
                    _fit_steps(model, a_train[idx], y_train[idx], fine_tune_steps, batch_size, seed)
                    accs.append(_accuracy(model, a_test, y_test))
            bar.update()
        result.accuracy[method] = accs
        result.seconds[method] = time.perf_counter() - t0
    bar.close()
    if needs_backbone:
        result.seconds["features"] = t_features
    return result


def _fine_tune_model(top: keras.Model, probe: keras.Model) -> keras.Model:
    """The pretrained top block followed by the probe's trained softmax layer (a copy)."""
    dense = probe.get_layer("classifier")
    head = keras.layers.Dense(dense.units, activation="softmax", name="classifier")
    outputs = head(top.output)
    head.set_weights(dense.get_weights())
    return keras.Model(top.input, outputs, name="fine_tuned_top")


# --------------------------------------------------------------------------- plot


def plot_learning_curves(result: CurveResult, ax=None, title: str | None = None):
    """Held-out accuracy vs training images per class (log scale), one line per method; returns the figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.8))
    else:
        fig = ax.figure
    xs = [n if n is not None else result.train_sizes[-1] / len(result.class_names) for n in result.points]
    styles = {"scratch": ("tab:red", "s"), "probe": ("tab:blue", "o"), "finetuned": ("tab:green", "^")}
    for method, accs in result.accuracy.items():
        color, marker = styles.get(method, (None, "o"))
        ax.plot(xs, accs, marker=marker, color=color, label=METHOD_LABELS.get(method, method))
    chance = 1 / len(result.class_names)
    ax.axhline(chance, color="grey", ls=":", lw=1, label=f"chance ({chance:.2f})")
    ax.set_xscale("log")
    ax.set_xticks(xs, ["all\n(%d)" % round(x) if n is None else str(n) for x, n in zip(xs, result.points)])
    ax.minorticks_off()
    ax.set_xlabel("training images per class")
    ax.set_ylabel(f"accuracy on {result.test_size} held-out images")
    ax.set_ylim(min(chance, *(a for accs in result.accuracy.values() for a in accs)) - 0.03, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9, frameon=False)
    ax.set_title(title or f"{result.domain}: when does transfer pay?")
    fig.tight_layout()
    return fig

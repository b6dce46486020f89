"""Pooled features from a frozen backbone, cached on disk, and classifiers trained on them."""

from __future__ import annotations

import hashlib
import json
import os

import keras
import numpy as np

from ..models.inference import ProgressBar, predict_batches
from ..config import cache_dir
from ..datasets.imageset import ImageSet
from ..i18n import _
from ..models.heads import classifier_head
from .fit import compile_for_training, early_stopping


def weights_fingerprint(model: keras.Model) -> str:
    """A hash of every weight value of ``model`` (trainable or not): equal only for equal weights."""
    h = hashlib.sha1()
    for w in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(w))
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(value.tobytes())
    return h.hexdigest()


def architecture_fingerprint(model: keras.Model) -> str | None:
    """A hash of ``model``'s whole configuration (every layer, nested models included, and how they connect),
    the same in every process; None when a layer cannot describe itself (``get_config`` not implemented).

    Layer names are replaced by their order of appearance: Keras numbers its automatic names
    (``rescaling_3``) by what the process made before. ``trainable`` flags and the compile settings are
    left out: features are computed in inference mode, where they change nothing.
    """
    try:
        config = keras.saving.serialize_keras_object(model)
    except NotImplementedError:
        return None
    names = _layer_names(config)
    canonical: dict[str, str] = {}

    def rename(value):
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items() if k not in ("trainable", "compile_config")}
        if isinstance(value, (list, tuple)):
            return [rename(v) for v in value]
        if isinstance(value, str) and value in names:
            return canonical.setdefault(value, f"<layer {len(canonical)}>")
        return value

    return hashlib.sha1(json.dumps(rename(config), default=repr).encode()).hexdigest()


def _layer_names(entry: dict) -> set[str]:
    """The names of a serialized layer or model and of every layer inside it (its config's ``layers`` list)."""
    config = entry.get("config") or {}
    names = {config["name"]} if "name" in config else set()
    return names.union(*(_layer_names(e) for e in config.get("layers", [])))


def _cache_key(model: keras.Model, images: ImageSet) -> str | None:
    """None when the model cannot be described (:func:`architecture_fingerprint`): then nothing is cached."""
    architecture = architecture_fingerprint(model)
    if architecture is None:
        return None
    h = hashlib.sha1()
    h.update(architecture.encode())
    h.update(weights_fingerprint(model).encode())
    h.update(b"decoder=pillow")  # every set read by Pillow, upright, one resize (datasets.images), not tf.image.resize
    for p in images.paths:
        st = os.stat(p)
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:20]


def extract_features(model: keras.Model, images: ImageSet, batch_size: int = 32, cache: bool = True,
                     progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(features, labels)`` for every image of ``images``, computed once and cached on disk: a disk cache
    around :func:`~transferkit.models.inference.predict_batches` (with a progress bar if ``progress``).

    The cache key covers the model (its whole configuration, so a layer without weights such as the
    input scaling counts, and the values of all its weights, so random, ImageNet and fine-tuned
    weights never share an entry) and every file's path, size and modification time: changing any of
    them recomputes. A model with a layer that cannot describe its configuration is never cached.
    Cached arrays live in ``$TRANSFERKIT_CACHE/features``.
    """
    key = _cache_key(model, images) if cache else None
    cache = key is not None
    path = cache_dir("features") / f"{images.name.replace('/', '_')}-{model.name}-{key}.npz"
    if cache and path.exists():
        with np.load(path) as f:
            return f["features"], f["labels"]

    bar = [ProgressBar(_("features ({model})").format(model=model.name))] if progress else []
    features = predict_batches(model, images, batch_size=batch_size, callbacks=bar)[0]
    if cache:
        tmp = path.with_name(path.stem + ".partial.npz")
        np.savez(tmp, features=features, labels=images.labels)
        os.replace(tmp, path)
    return features, images.labels


def train_classifier(train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray] | None = None, *,
                     head_of: keras.Model | None = None, epochs: int = 100, learning_rate: float = 1e-3,
                     batch_size: int = 64, patience: int | None = 20, l2: float = 1e-4, seed: int = 0,
                     verbose=0) -> tuple[keras.Model, keras.callbacks.History]:
    """A softmax classifier fitted on cached ``(features, labels)``; returns ``(classifier, history)``.

    By default a new linear probe, notebook 01's: the kit's head (:func:`~transferkit.models.heads.classifier_head`,
    ``Dense(classes, softmax)`` with an ``l2`` penalty) started from ``seed``. With ``head_of=model``
    (from :func:`~transferkit.build_classifier`), ``model``'s own ``"dropout"`` (if any) and
    ``"classifier"`` layers, the same objects, not copies: stage 1 of notebook 02 on features from the
    same frozen network, and ``model`` holds the fitted weights (augmentation never runs on cached
    features). Adam at ``learning_rate``; the batches are shuffled by ``seed`` (Keras' global random
    state is neither read nor reset: the same seed gives the same probe); with ``validation`` and
    ``patience``, :func:`~transferkit.training.fit.early_stopping`; ``patience=None`` runs every epoch.
    """
    x, y = train
    if head_of is None:
        num_classes = int(max(y.max(), validation[1].max() if validation is not None else 0)) + 1
        layers, name = classifier_head(num_classes, l2=l2, seed=seed)[1:], "linear_probe"
    else:
        layers, name = _head_layers(head_of, x), "head"
    model = compile_for_training(keras.Sequential([keras.Input((x.shape[1],), name="features"), *layers], name=name),
                                 learning_rate)
    import tensorflow as tf

    batches = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(batch_size)
    stop = [] if validation is None else early_stopping(patience)
    history = model.fit(batches, validation_data=validation, epochs=epochs, verbose=verbose, callbacks=stop, shuffle=False)
    return model, history


def _head_layers(model: keras.Model, features: np.ndarray) -> list:
    """``model``'s own ``"dropout"`` (if any) and ``"classifier"`` layers, checked against the features' width."""
    classifier = model.get_layer("classifier")
    if features.ndim != 2 or features.shape[1] != classifier.input.shape[-1]:
        raise ValueError(_("the head takes {n} features per image, got an array of shape {shape}").format(
            n=classifier.input.shape[-1], shape=features.shape))
    names = [layer.name for layer in model.layers]
    return ([model.get_layer("dropout")] if "dropout" in names else []) + [classifier]

"""Cached feature extraction and the classifier trained on it, tied to notebook 01's own code."""

import ast
import json
import os
import time
from types import SimpleNamespace

import keras

import numpy as np
import pytest
from PIL import Image

import transferkit as tk
from conftest import REPO, SHARED, needs_shared

NOTEBOOK_01 = REPO / "notebooks" / "01_feature_extraction.ipynb"


def notebook_code(containing: str) -> str:
    """The source of notebook 01's one code cell that contains ``containing``."""
    cells = json.loads(NOTEBOOK_01.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [s for s in sources if containing in s]
    assert len(found) == 1, f"expected one code cell of notebook 01 with {containing!r}, found {len(found)}"
    return found[0]


def notebook_function(name: str, namespace: dict):
    """The function ``name`` defined in notebook 01, defined again in ``namespace`` (nothing else runs)."""
    tree = ast.parse(notebook_code(f"def {name}("))
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    exec(compile(ast.Module([node], type_ignores=[]), str(NOTEBOOK_01), "exec"), namespace)
    return namespace[name]


@pytest.fixture
def toy_images(tmp_path):
    """Red-ish and blue-ish images in two class folders (easy to separate)."""
    rng = np.random.default_rng(0)
    paths, labels = [], []
    for label, channel in enumerate((0, 2)):
        for i in range(12):
            arr = rng.integers(0, 90, (40, 48, 3), dtype=np.uint8)
            arr[..., channel] = rng.integers(170, 255, (40, 48), dtype=np.uint8)
            p = tmp_path / f"{label}_{i}.jpg"
            Image.fromarray(arr).save(p)
            paths.append(str(p))
            labels.append(label)
    return tk.ImageSet("toy", paths, np.array(labels), ["red", "blue"])


@pytest.fixture
def small_backbone():
    return tk.load_backbone("mobilenet", alpha=0.25, input_size=64, weights=None)


def test_features_are_cached_and_invalidated(toy_images, small_backbone, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    x1, y1 = tk.extract_features(small_backbone, toy_images, batch_size=8, progress=False)
    assert x1.shape == (24, 256) and (y1 == toy_images.labels).all()
    files = list((tmp_path / "cache" / "features").glob("*.npz"))
    assert len(files) == 1
    x2, _ = tk.extract_features(small_backbone, toy_images, progress=False)
    np.testing.assert_array_equal(x1, x2)
    # Touching an image changes the key: the features are recomputed into a new file.
    p = toy_images.paths[0]
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))
    tk.extract_features(small_backbone, toy_images, progress=False)
    assert len(list((tmp_path / "cache" / "features").glob("*.npz"))) == 2
    # The pipeline's features equal the model applied to the same decoded images.
    direct = small_backbone.predict(next(iter(toy_images.as_tf(64, 24, labels=False))), verbose=0)
    np.testing.assert_allclose(x1, direct, rtol=1e-4, atol=1e-4)


def test_linear_probe_learns_separable_features():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 16)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    model, history = tk.train_classifier((x[:150], y[:150]), (x[150:], y[150:]), epochs=100,
                                          learning_rate=0.05)
    assert model.evaluate(x[150:], y[150:], verbose=0)[1] >= 0.85  # chance is 0.5
    assert history.history["loss"][-1] < history.history["loss"][0]


@needs_shared
def test_pretrained_features_separate_cats_from_dogs(imagenet_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    train = tk.load_dataset("cats_and_dogs_filtered", "train", data_dir=SHARED, per_class=20)
    val = tk.load_dataset("cats_and_dogs_filtered", "validation", data_dir=SHARED, per_class=20)
    backbone = tk.load_backbone()
    clf, _ = tk.train_classifier(tk.extract_features(backbone, train, progress=False),
                                 tk.extract_features(backbone, val, progress=False), epochs=60)
    x_val, y_val = tk.extract_features(backbone, val, progress=False)
    assert (clf.predict(x_val, verbose=0).argmax(1) == y_val).mean() >= 0.85  # 40 training images


def test_cache_is_keyed_on_the_weights_themselves(toy_images, small_backbone, tmp_path, monkeypatch):
    """Weights changed in place (as fine-tuning does: same model, name and shapes) give new features."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    images = toy_images.subset(range(0, 24, 3))
    before, _ = tk.extract_features(small_backbone, images, progress=False)
    kernel = small_backbone.weights[1]
    kernel.assign(np.asarray(kernel) * 1.5)
    after, _ = tk.extract_features(small_backbone, images, progress=False)
    assert np.abs(after - before).max() > 0.1 * np.abs(before).max()  # tiny values (random weights): relative
    assert len(list((tmp_path / "cache" / "features").glob("*.npz"))) == 2
    np.testing.assert_array_equal(tk.extract_features(small_backbone, images, progress=False)[0], after)


def tiny_extractor(scale: float, offset: float = 0.0) -> keras.Model:
    """Pixels, a weightless Rescaling layer, one conv layer, pooled: the shape of lesson 01's extractor."""
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Rescaling(scale, offset)(inputs)  # auto-generated layer names: another each time
    x = keras.layers.Conv2D(4, 3)(x)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x), name="tiny_features")


def test_cache_is_keyed_on_the_whole_model(toy_images, tmp_path, monkeypatch):
    """Lesson 01's "Try it": the same weights behind another layer without weights (pixels scaled to 0..1
    instead of -1..1) are another model with other features; the same model built again, whose layers get
    other auto-generated names (as in a new process or a re-run cell), finds its cached entry."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    images = toy_images.subset(range(0, 24, 3))
    keras.utils.set_random_seed(0)
    minus_one_to_one, zero_to_one, zero_to_one_again = (tiny_extractor(1 / 127.5, -1), tiny_extractor(1 / 255),
                                                        tiny_extractor(1 / 255))
    for model in (zero_to_one, zero_to_one_again):
        model.set_weights(minus_one_to_one.get_weights())
    scaled, _ = tk.extract_features(minus_one_to_one, images, progress=False)
    unscaled, _ = tk.extract_features(zero_to_one, images, progress=False)
    direct = zero_to_one.predict(next(iter(images.as_tf(16, len(images), labels=False))), verbose=0)
    np.testing.assert_allclose(unscaled, direct, rtol=1e-5, atol=1e-6)  # its own features, not the cached ones
    assert np.abs(unscaled - scaled).max() > 0.1 * np.abs(scaled).max()
    np.testing.assert_array_equal(tk.extract_features(zero_to_one_again, images, progress=False)[0], unscaled)
    assert len(list((tmp_path / "cache" / "features").glob("*.npz"))) == 2


class Scale(keras.layers.Layer):
    """A layer built from an array, without get_config: Keras cannot describe its configuration."""

    def __init__(self, factors):
        super().__init__()
        self.factors = factors

    def call(self, x):
        return x * self.factors


def test_a_model_that_cannot_describe_itself_is_computed_every_time(toy_images, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    images = toy_images.subset(range(0, 24, 3))
    inputs = keras.Input((16, 16, 3))
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(Scale(np.array([1.0, 2.0, 3.0]))(inputs)))
    features, _ = tk.extract_features(model, images, progress=False)
    assert features.shape == (8, 3) and not list((tmp_path / "cache").rglob("*.npz"))


def test_cache_key_is_not_the_one_of_tensorflow_decoded_features(toy_images, small_backbone):
    """Features cached before issue 28 came from tf.image.resize pixels, under a key without a decoder tag:
    the one read path (Pillow, upright) gives other pixels, so it must not find them."""
    import hashlib
    import os

    from transferkit.training.features import _cache_key, architecture_fingerprint, weights_fingerprint

    images = toy_images.subset(range(0, 24, 3))
    old = hashlib.sha1()  # the key registered datasets had (no decoder tag)
    old.update(architecture_fingerprint(small_backbone).encode())
    old.update(weights_fingerprint(small_backbone).encode())
    for p in images.paths:
        st = os.stat(p)
        old.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    assert _cache_key(small_backbone, images) not in (None, old.hexdigest()[:20])


@needs_shared
def test_imagenet_and_random_weights_give_different_features(imagenet_weights, toy_images, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    pretrained = tk.load_backbone("mobilenet", alpha=0.25)
    random = tk.load_backbone("mobilenet", alpha=0.25, weights=None)
    assert pretrained.name == random.name and pretrained.output_shape == random.output_shape
    images = toy_images.subset(range(0, 24, 3))
    x_imagenet, _ = tk.extract_features(pretrained, images, progress=False)
    x_random, _ = tk.extract_features(random, images, progress=False)
    assert np.abs(x_imagenet - x_random).mean() > 0.1 * np.abs(x_imagenet).mean()
    np.testing.assert_array_equal(tk.extract_features(pretrained, images, progress=False)[0], x_imagenet)


def test_train_classifier_is_notebook_01s_probe():
    """tk.train_classifier (used by notebooks 02, 03, 06 and the benchmarks) trains the probe notebook 01
    writes in plain Keras: the same layers, loss, optimizer, batches, epochs and early stopping. The kit
    seeds its own start and shuffles instead of resetting Keras' global seed as the notebook does, so the
    weights differ."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(240, 12)).astype("float32")
    y = (x[:, 0] - x[:, 3] + 0.7 * rng.normal(size=240) > 0).astype(int)  # noisy: early stopping has work to do
    train_probe = notebook_function("train_probe", {"keras": keras, "tk": tk, "train": SimpleNamespace(num_classes=2)})
    ours, ours_history = train_probe((x[:160], y[:160]), (x[160:], y[160:]))
    kit, kit_history = tk.train_classifier((x[:160], y[:160]), (x[160:], y[160:]), epochs=tk.pick(200, 40))

    def recipe(model):
        layers = [{k: v for k, v in layer.get_config().items() if k != "kernel_initializer"} for layer in model.layers]
        optimizer = {k: model.optimizer.get_config()[k] for k in ("learning_rate", "beta_1", "beta_2", "epsilon")}
        return model.name, layers, type(model.optimizer), optimizer, model.loss, [w.shape for w in model.weights]

    assert recipe(kit) == recipe(ours)
    assert ours_history.params["steps"] == kit_history.params["steps"]  # batches of 64
    # Not the numbers: a few hundred small Adam steps stay far from the optimum, so the random start shows
    # (validation accuracy 0.74 vs 0.43 after 40 epochs, 0.79 vs 0.70 after 200); the learning is checked above.


def test_train_classifier_is_reproducible_without_touching_the_global_seed():
    """The same seed gives the same probe (start, shuffles, early stopping), another seed another one, and
    neither the global NumPy and Python random states nor Keras' global seed are reset."""
    import random

    rng = np.random.default_rng(3)
    x = rng.normal(size=(160, 8)).astype("float32")
    y = (x[:, 0] + 0.8 * rng.normal(size=160) > 0).astype(int)
    data = (x[:120], y[:120]), (x[120:], y[120:])
    random.seed(11)
    np.random.seed(11)
    python_state, numpy_state = random.getstate(), np.random.get_state()
    first, first_history = tk.train_classifier(*data, epochs=30, patience=5, seed=4)
    assert random.getstate() == python_state, "train_classifier changed Python's global random state"
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and (after[1] == numpy_state[1]).all() and after[2:] == numpy_state[2:], \
        "train_classifier changed NumPy's global random state"
    again, again_history = tk.train_classifier(*data, epochs=30, patience=5, seed=4)
    other, _ = tk.train_classifier(*data, epochs=30, patience=5, seed=5)
    assert first_history.history == again_history.history
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first.get_weights()[0], other.get_weights()[0])


@needs_shared
def test_load_backbone_gives_notebook_01s_features(imagenet_weights, tmp_path, monkeypatch):
    """Notebook 01 builds its extractor from keras.applications; tk.load_backbone(), which notebooks 02-06
    use, must give the same 768 features for the same photos."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    namespace = {"keras": keras, "np": np}
    for marker in ("base = keras.applications.MobileNet(", "extractor = keras.Model("):
        exec(notebook_code(marker), namespace)
    extractor = namespace["extractor"]
    assert extractor.count_params() == tk.load_backbone().count_params()
    photos = tk.load_dataset("cats_and_dogs_filtered", "validation", data_dir=SHARED, per_class=4)
    ours, labels = tk.extract_features(extractor, photos, progress=False)
    kit, _ = tk.extract_features(tk.load_backbone(), photos, progress=False)
    assert ours.shape == (8, 768) and (labels == photos.labels).all()
    np.testing.assert_allclose(ours, kit, rtol=1e-4, atol=1e-4)
    assert ours.std(axis=0).mean() > 0.05  # real features that vary from photo to photo, not zeros

"""Learning curves: the digits folder, the exact backbone split, prepare_domain, and notebook 06's loop = the kit's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import transferkit as tk
from transferkit.training import curves
from transferkit.datasets.digits import digits_folder

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_near_and_far.ipynb"
HELPERS_CELL, LOOP_CELL = "0f6b2d48", "8c1d4e97"  # notebook 06's cells: sample_per_class & co, the loop
BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "near_and_far.py"


def _benchmark():
    """benchmarks/near_and_far.py as a module (it runs notebook 06's own loop)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("near_and_far_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_are_written_once_as_grey_pngs_scaled_to_0_255(tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    root = digits_folder(tmp_path / "digits")
    files = sorted(root.glob("*/*.png"))
    assert len(files) == 1797 and sorted(p.name for p in root.iterdir()) == [str(d) for d in range(10)]
    first = np.asarray(Image.open(root / str(digits.target[0]) / "digit_0000.png"))
    assert first.shape == (8, 8) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, np.round(digits.images[0] * 255 / 16).astype("uint8"))
    assert first.max() == 255 if digits.images[0].max() == 16 else first.max() < 255
    stamp = files[0].stat().st_mtime_ns
    assert digits_folder(tmp_path / "digits") == root and files[0].stat().st_mtime_ns == stamp  # not rewritten
    s = tk.load_dataset(root, "all", per_class=None)
    assert len(s) == 1797 and s.class_names == [str(d) for d in range(10)] and not s.skipped
    assert s.counts() == {str(d): int((digits.target == d).sum()) for d in range(10)}
    x, _ = next(iter(s.subset([0]).as_tf(image_size=224, batch_size=1)))
    assert tuple(x.shape) == (1, 224, 224, 3)  # grey replicated to RGB, upsampled
    np.testing.assert_allclose(x[0, ..., 0], x[0, ..., 2])
    np.testing.assert_array_equal(curves.pixels(s.subset([0]), 8)[0, ..., 0], first)  # 8x8 pixels come back as stored


def test_sample_per_class_is_seeded_nested_and_capped():
    """Notebook 06's sampler, as the benchmark runs it."""
    labels = np.array([0] * 30 + [1] * 7 + [2] * 12)
    sample_per_class = _benchmark().notebook_loop(SEED=3, BATCH_SIZE=8, SCRATCH_STEPS=1, PROBE_STEPS=1,
                                                  FINE_TUNE_STEPS=1)["sample_per_class"]
    subsets = [sample_per_class(labels, n) for n in (5, 10, None)]
    assert [np.bincount(labels[s], minlength=3).tolist() for s in subsets] == [[5, 5, 5], [10, 7, 10], [30, 7, 12]]
    assert set(subsets[0]) <= set(subsets[1]) <= set(subsets[2])
    assert (sample_per_class(labels, 5) == subsets[0]).all()
    assert not (sample_per_class(labels, 5, seed=4) == subsets[0]).all()


@pytest.fixture(scope="module")
def tiny_backbone():
    # Random weights, small input: the split's exactness does not depend on the ImageNet weights.
    return tk.load_backbone("mobilenet", alpha=0.25, input_size=64, weights=None)


def test_bottom_then_top_is_exactly_the_backbone(tiny_backbone):
    bottom, make_top = curves.split_backbone(tiny_backbone)
    images = np.random.default_rng(0).uniform(0, 255, (3, 64, 64, 3)).astype("float32")
    whole = np.asarray(tiny_backbone(images, training=False))
    top = make_top()
    np.testing.assert_allclose(np.asarray(top(bottom(images), training=False)), whole, rtol=1e-4, atol=1e-5)
    trainable = {w.path.split("/")[-2] for w in top.trainable_weights}
    assert trainable and not any("bn" in name for name in trainable)  # BatchNorm stays frozen
    assert all(layer.name.startswith(("conv_dw_13", "conv_pw_13", "global")) for layer in top.layers[1:])
    # a fresh top starts from the backbone's weights, even after another copy was trained
    top.layers[1].set_weights([w * 0 for w in top.layers[1].get_weights()])
    np.testing.assert_allclose(np.asarray(make_top()(bottom(images))), whole, rtol=1e-4, atol=1e-5)


def test_split_at_conv1_fine_tunes_the_whole_network(tiny_backbone):
    """Notebook 06's silhouettes: the bottom only scales the pixels, the top is all of MobileNet (BatchNorm frozen)."""
    bottom, make_top = curves.split_backbone(tiny_backbone, "conv1")
    images = np.random.default_rng(1).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    assert not bottom.weights
    np.testing.assert_allclose(np.asarray(bottom(images)), images / 127.5 - 1, rtol=1e-6, atol=1e-6)
    top = make_top()
    np.testing.assert_allclose(np.asarray(top(bottom(images), training=False)),
                               np.asarray(tiny_backbone(images, training=False)), rtol=1e-4, atol=1e-5)
    trainable = {w.path.split("/")[-2] for w in top.trainable_weights}
    assert {"conv1", "conv_dw_1", "conv_pw_13"} <= trainable and not any("bn" in name for name in trainable)


def test_split_backbone_names_a_missing_layer(tiny_backbone):
    with pytest.raises(ValueError, match="has no layer 'conv_dw_99'"):
        curves.split_backbone(tiny_backbone, "conv_dw_99")


def _bright_and_dark(root, n=12, levels=(40, 210), noise=25):
    rng = np.random.default_rng(0)
    for c, level in zip(("dark", "bright"), levels):
        (root / c).mkdir(parents=True)
        for i in range(n):
            pixels = np.clip(rng.normal(level, noise, (16, 16, 3)), 0, 255).astype("uint8")
            Image.fromarray(pixels).save(root / c / f"{c}{i}.png")
    return root


@pytest.fixture
def light(tmp_path, tiny_backbone, monkeypatch):
    """A small two-class folder (bright vs dark) prepared with the tiny backbone, and its sets."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    root = _bright_and_dark(tmp_path / "light")
    train, test = tk.load_dataset(root, "train", per_class=None), tk.load_dataset(root, "validation", per_class=None)
    return tk.prepare_domain(train, test, tiny_backbone, pixel_size=16, progress=False), train, test


def test_prepare_domain_holds_each_image_once_as_pixels_activations_and_features(light, tiny_backbone, tmp_path):
    d, train, test = light
    assert (d.y_train == train.labels).all() and (d.y_test == test.labels).all() and len(d.y_test) == 4
    assert d.pixels_train.shape == (len(train), 16, 16, 3) and d.pixels_train.dtype == np.uint8
    assert d.activations_train.shape[1:] == (2, 2, 256) and d.features_train.shape == (len(train), 256)
    assert d.activations_train.dtype == np.float16 and d.features_train.dtype == np.float32  # half the memory
    from_stored = np.asarray(d.make_top()(d.activations_test))  # the top computes in float32 on them
    np.testing.assert_allclose(from_stored, d.features_test, rtol=1e-2, atol=1e-3)
    pooled = np.asarray(tiny_backbone(next(iter(test.as_tf(64, batch_size=len(test), labels=False))), training=False))
    np.testing.assert_allclose(d.features_test, pooled, rtol=1e-3, atol=1e-4)  # the backbone's own features
    assert len(list((tmp_path / "cache" / "features").glob("*.npz"))) == 2  # activations cached on disk
    assert "pixels 16x16x3, activations 2x2x256, features 256" in repr(d)
    other = test.subset(range(len(test)))
    other.class_names = ["x", "y"]
    with pytest.raises(ValueError, match="same classes"):
        tk.prepare_domain(train, other, tiny_backbone, pixel_size=16, progress=False)


@pytest.fixture(scope="module")
def few_cats(imagenet_weights, shared_data):
    """20 real photos per class and split, through ImageNet-trained MobileNet (alpha 0.25): learners that really learn."""
    train = tk.load_dataset("cats_and_dogs_filtered", "train", per_class=20)
    test = tk.load_dataset("cats_and_dogs_filtered", "validation", per_class=20)
    return tk.prepare_domain(train, test, tk.load_backbone("mobilenet", alpha=0.25), pixel_size=16, progress=False)


def _notebook_cell(cell_id: str) -> str:
    cells = {c.get("id"): "".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"]}
    return cells[cell_id]


def _notebook_loop(d, settings: dict) -> dict:
    """Notebook 06's helper and loop cells run with ``settings`` in their namespace (``near`` = ``d``)."""
    import keras
    import tensorflow as tf
    from sklearn.linear_model import LogisticRegression

    notebook = dict(tk=tk, keras=keras, np=np, tf=tf, LogisticRegression=LogisticRegression, near=d, **settings)
    for cell in (HELPERS_CELL, LOOP_CELL):
        exec(_notebook_cell(cell), notebook)
    return notebook


NOTEBOOK_SETTINGS = dict(SEED=0, BATCH_SIZE=8, SCRATCH_STEPS=12, PROBE_STEPS=30, FINE_TUNE_STEPS=4)


def _record_fits(monkeypatch) -> list[float]:
    """Records what each fitted learner is scored with: the Keras models' held-out loss, the regression's weights.

    Accuracies on a few held-out images often agree by chance; these numbers change with any weight.
    """
    import keras
    from sklearn.linear_model import LogisticRegression

    records: list[float] = []
    evaluate, score = keras.Model.evaluate, LogisticRegression.score

    def recorded_evaluate(self, *args, **kwargs):
        result = evaluate(self, *args, **kwargs)
        records.append(float(result[0]))  # [loss, accuracy]
        return result

    def recorded_score(self, *args, **kwargs):
        records.append(float(np.abs(self.coef_).sum()))
        return score(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "evaluate", recorded_evaluate)
    monkeypatch.setattr(LogisticRegression, "score", recorded_score)
    return records


def test_the_benchmark_runs_notebook_06s_own_loop(few_cats, monkeypatch):
    """benchmarks/near_and_far.py and the notebook's cells as a student runs them, same settings: the same
    learners fitted the same way (the benchmark takes the notebook's functions, so nothing can drift), and
    the library keeps no copy of the loop (it would reseed the global random generators)."""
    d = few_cats
    notebook = _notebook_loop(d, NOTEBOOK_SETTINGS)
    benchmark = _benchmark().notebook_loop(**NOTEBOOK_SETTINGS)
    assert "near" not in benchmark  # the cells' demonstration lines are left out
    sizes = [5, None]
    records = _record_fits(monkeypatch)
    from_notebook = notebook["learning_curves"](d, sizes, augment=True)
    notebook_records = records.copy()
    records.clear()
    from_benchmark = benchmark["learning_curves"](d, sizes, augment=True)
    assert list(from_notebook) == list(from_benchmark) == list(curves.LEARNERS)
    np.testing.assert_allclose([from_notebook[m] for m in curves.LEARNERS], [from_benchmark[m] for m in curves.LEARNERS],
                               atol=1e-6)
    assert len(notebook_records) == len(records) == 4 * len(sizes)
    np.testing.assert_allclose(notebook_records, records, rtol=1e-4)  # held-out losses and weights, learner by learner
    assert from_benchmark["probe"][-1] > 0.7  # real features: the probe learns
    assert not hasattr(curves, "learning_curves") and not hasattr(curves, "sample_per_class")


def test_the_four_learners_learn_bright_from_dark(light):
    d, train, _ = light
    sizes = [2, None]
    from_kit = _benchmark().notebook_loop(**NOTEBOOK_SETTINGS)["learning_curves"](d, sizes, augment=False)
    assert all(0.0 <= a <= 1.0 for accs in from_kit.values() for a in accs)
    assert from_kit["pixels"][-1] == 1.0  # bright vs dark: one line through the pixels separates them

    fig = tk.plot_learning_curves(from_kit, sizes, d)
    assert len(fig.axes[0].lines) == 5  # four learners and the chance line
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2", f"all\n({len(train) // 2})"]

"""Learning curves: the digits folder, nested subsets, the exact backbone split, and a small end-to-end run."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import transferkit as tk
from transferkit import curves


def test_digits_are_written_once_as_grey_pngs_scaled_to_0_255(tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    root = curves.digits_folder(tmp_path / "digits")
    files = sorted(root.glob("*/*.png"))
    assert len(files) == 1797 and sorted(p.name for p in root.iterdir()) == [str(d) for d in range(10)]
    first = np.asarray(Image.open(root / str(digits.target[0]) / "digit_0000.png"))
    assert first.shape == (8, 8) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, np.round(digits.images[0] * 255 / 16).astype("uint8"))
    assert first.max() == 255 if digits.images[0].max() == 16 else first.max() < 255
    stamp = files[0].stat().st_mtime_ns
    assert curves.digits_folder(tmp_path / "digits") == root and files[0].stat().st_mtime_ns == stamp  # not rewritten
    s = tk.load_dataset(root, "all", per_class=None)
    assert len(s) == 1797 and s.class_names == [str(d) for d in range(10)] and not s.skipped
    assert s.counts() == {str(d): int((digits.target == d).sum()) for d in range(10)}
    x, _ = next(iter(s.subset([0]).as_tf(image_size=224, batch_size=1)))
    assert tuple(x.shape) == (1, 224, 224, 3)  # grey replicated to RGB, upsampled
    np.testing.assert_allclose(x[0, ..., 0], x[0, ..., 2])


def test_nested_subsets_are_seeded_nested_and_capped():
    labels = np.array([0] * 30 + [1] * 7 + [2] * 12)
    subsets = curves.nested_subsets(labels, [5, 10, None], seed=3)
    assert [np.bincount(labels[s], minlength=3).tolist() for s in subsets] == [[5, 5, 5], [10, 7, 10], [30, 7, 12]]
    assert set(subsets[0]) <= set(subsets[1]) <= set(subsets[2])
    again = curves.nested_subsets(labels, [5, 10, None], seed=3)
    assert all((a == b).all() for a, b in zip(subsets, again))
    assert not (curves.nested_subsets(labels, [5], seed=4)[0] == subsets[0]).all()


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


def test_split_backbone_names_a_missing_layer(tiny_backbone):
    with pytest.raises(ValueError, match="has no layer 'conv_dw_99'"):
        curves.split_backbone(tiny_backbone, "conv_dw_99")


def _bright_and_dark(root, n=12):
    rng = np.random.default_rng(0)
    for c, level in (("dark", 40), ("bright", 210)):
        (root / c).mkdir(parents=True)
        for i in range(n):
            pixels = np.clip(rng.normal(level, 25, (16, 16, 3)), 0, 255).astype("uint8")
            Image.fromarray(pixels).save(root / c / f"{c}{i}.png")
    return root


def test_learning_curves_end_to_end_on_a_small_folder(tmp_path, tiny_backbone, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    root = _bright_and_dark(tmp_path / "light")
    train, test = tk.load_dataset(root, "train", per_class=None), tk.load_dataset(root, "validation", per_class=None)
    result = curves.learning_curves(train, test, points=(2, None), backbone=tiny_backbone, scratch_size=16,
                                    scratch_augment=False, scratch_steps=30, probe_epochs=30, fine_tune_steps=5,
                                    progress=False)
    assert result.train_sizes == [4, len(train)] and result.test_size == len(test) == 4
    assert set(result.accuracy) == {"scratch", "probe", "finetuned"}
    figures = result.figures("tiny_")
    assert set(figures) == {f"tiny_{m}_accuracy_{p}" for m in curves.METHODS for p in ("2_per_class", "all")}
    assert all(0.0 <= v <= 1.0 for v in figures.values())
    assert result.accuracy["scratch"][-1] >= 0.8  # bright vs dark: easy for any learner with all images
    assert "held-out accuracy on 4 images" in result.table()
    fig = curves.plot_learning_curves(result)
    assert len(fig.axes[0].lines) == 4  # three methods and the chance line
    assert list((tmp_path / "cache" / "features").glob("*.npz"))  # frozen activations cached


def test_learning_curves_check_their_inputs(tmp_path):
    root = _bright_and_dark(tmp_path / "light", n=3)
    s = tk.load_dataset(root, "all", per_class=None)
    with pytest.raises(ValueError, match="unknown methods"):
        curves.learning_curves(s, s, methods=("scratch", "magic"))
    other = s.subset(range(len(s)))
    other.class_names = ["x", "y"]
    with pytest.raises(ValueError, match="same classes"):
        curves.learning_curves(s, other, methods=("scratch",))

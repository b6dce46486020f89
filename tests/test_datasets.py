"""Datasets by name: local copies, registry, splits and pipelines."""

import os
from pathlib import Path

import numpy as np
import pytest

import transferkit as tk
from transferkit.datasets.registry import _extract, _verify, dataset_dir, find_layout, registry
from conftest import SHARED, needs_shared


def test_registry_names_sources_checksums_and_licences():
    reg = registry()
    assert {"cats_and_dogs_filtered", "cats_vs_dogs", "oxford_iiit_pet"} <= set(reg)
    for name, info in reg.items():
        assert info["licence"] and info["markers"] and info["splits"], name
        for f in info["files"]:
            assert f["urls"] and all(u.startswith("https://") for u in f["urls"]), name
            assert f.get("sha256") or f.get("checksum_note"), f"{name}: no checksum and no reason"
    pets = reg["oxford_iiit_pet"]["files"]
    assert any("thor.robots.ox.ac.uk" in u for f in pets for u in f["urls"])
    assert any("www.robots.ox.ac.uk" in u for f in pets for u in f["urls"])
    assert reg["cats_vs_dogs"]["files"][0]["name"] == "kagglecatsanddogs_5340.zip"


@needs_shared
def test_cats_and_dogs_filtered_from_local_copy(monkeypatch):
    monkeypatch.delenv("TRANSFERKIT_QUICK", raising=False)
    train = tk.load_dataset("cats_and_dogs_filtered", "train", data_dir=SHARED)
    val = tk.load_dataset("cats_and_dogs_filtered", "validation", data_dir=SHARED)
    assert (len(train), len(val)) == (2000, 1000)
    assert train.class_names == ["cats", "dogs"] and train.counts() == {"cats": 1000, "dogs": 1000}
    assert val.counts() == {"cats": 500, "dogs": 500}
    assert not train.skipped and not val.skipped
    assert all(Path(p).is_relative_to(SHARED) for p in train.paths)  # used in place


@needs_shared
def test_quick_mode_caps_images_per_class(monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_QUICK", "1")
    train = tk.load_dataset("cats_and_dogs_filtered", "train", data_dir=SHARED)
    assert train.counts() == {"cats": tk.datasets.imageset.QUICK_IMAGES_PER_CLASS, "dogs": tk.datasets.imageset.QUICK_IMAGES_PER_CLASS}
    again = tk.load_dataset("cats_and_dogs_filtered", "train", data_dir=SHARED)
    assert again.paths == train.paths  # seeded


@needs_shared
def test_pipeline_batches_real_images():
    val = tk.load_dataset("cats_and_dogs_filtered", "validation", data_dir=SHARED, per_class=4)
    images, labels = next(iter(val.as_tf(image_size=96, batch_size=8)))
    assert images.shape == (8, 96, 96, 3)
    assert labels.numpy().tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert 100 < float(images.numpy().mean()) < 160  # real photos, 0-255 scale


def test_missing_data_explains_what_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TRANSFERKIT_DATA", raising=False)
    with pytest.raises(FileNotFoundError) as e:
        dataset_dir("oxford_iiit_pet", download_if_missing=False)
    msg = str(e.value)
    assert "images.tar.gz" in msg and "TRANSFERKIT_DATA" in msg
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="train/cats"):
        dataset_dir("cats_and_dogs_filtered", data_dir=tmp_path / "empty")


def test_download_failure_tries_every_mirror_and_says_so(tmp_path, monkeypatch, offline):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TRANSFERKIT_DATA", raising=False)
    with pytest.raises(RuntimeError) as e:
        dataset_dir("cats_and_dogs_filtered")
    msg = str(e.value)
    for url in registry()["cats_and_dogs_filtered"]["files"][0]["urls"]:
        assert url in msg
    assert not list((tmp_path / "cache" / "downloads").glob("*"))  # no half-written file left


def test_verify_rejects_wrong_size_and_hash(tmp_path):
    f = tmp_path / "a.zip"
    f.write_bytes(b"abc")
    _verify(f, {"size": 3, "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"})
    with pytest.raises(ValueError, match="expected 4"):
        _verify(f, {"size": 4})
    with pytest.raises(ValueError, match="does not match"):
        _verify(f, {"sha256": "0" * 64})


def test_extract_finds_data_by_layout_not_dirname(tmp_path):
    import zipfile

    archive = tmp_path / "cats_and_dogs_filtered.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for split in ("train", "validation"):
            for c in ("cats", "dogs"):
                z.writestr(f"cats_and_dogs_filtered/{split}/{c}/x.jpg", b"")
    target = tmp_path / "cache" / "cats_and_dogs_filtered"
    _extract(archive, target)
    markers = registry()["cats_and_dogs_filtered"]["markers"]
    assert find_layout(target, markers) == target / "cats_and_dogs_filtered"
    assert not [p for p in target.iterdir() if p.name.startswith(".extracting")]


def test_split_is_seeded_and_stratified():
    s = tk.ImageSet("toy", [f"{i}.jpg" for i in range(100)], np.array([0] * 60 + [1] * 40), ["a", "b"])
    rest, held = s.split(0.25, seed=3)
    assert len(held) == 25 and held.counts() == {"a": 15, "b": 10}
    assert not set(rest.paths) & set(held.paths)
    assert s.split(0.25, seed=3)[1].paths == held.paths
    assert s.split(0.25, seed=4)[1].paths != held.paths


@needs_shared
def test_oxford_pets_official_split_from_local_copy(monkeypatch):
    monkeypatch.delenv("TRANSFERKIT_QUICK", raising=False)
    trainval = tk.load_dataset("oxford_iiit_pet", "trainval", data_dir=SHARED)
    test = tk.load_dataset("oxford_iiit_pet", "test", data_dir=SHARED)
    assert (len(trainval), len(test)) == (1832, 1113)
    assert trainval.num_classes == 37 and trainval.class_names[0] == "Abyssinian"
    assert not set(trainval.paths) & set(test.paths)
    cats = {b for b in trainval.class_names if b[0].isupper()}
    assert len(cats) == 12
    species = trainval.extras["species"]
    is_cat_breed = np.array([trainval.class_names[l][0].isupper() for l in trainval.labels])
    assert ((species == "cat") == is_cat_breed).all()


def test_pet_images_layout_reports_every_skipped_file(tmp_path):
    """Microsoft's PetImages layout, made small: bad files are counted and named, splits are seeded."""
    from test_checks import jpeg_bytes

    root = tmp_path / "kagglecatsanddogs" / "PetImages"
    for c in ("Cat", "Dog"):
        (root / c).mkdir(parents=True)
        for i in range(10):
            (root / c / f"{i}.jpg").write_bytes(jpeg_bytes(seed=i))
    (root / "Cat" / "666.jpg").write_bytes(b"")
    (root / "Dog" / "11702.jpg").write_bytes(jpeg_bytes(size=(300, 200))[:500])
    (root / "Cat" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0 not an image")
    everything = tk.load_dataset("cats_vs_dogs", "all", data_dir=tmp_path, per_class=None)
    assert len(everything) == 20 and everything.class_names == ["Cat", "Dog"]
    assert sorted(Path(p).name for p, _ in everything.skipped) == ["11702.jpg", "666.jpg", "Thumbs.db"]
    train = tk.load_dataset("cats_vs_dogs", "train", data_dir=tmp_path, per_class=None)
    val = tk.load_dataset("cats_vs_dogs", "validation", data_dir=tmp_path, per_class=None)
    assert (len(train), len(val)) == (16, 4) and val.counts() == {"Cat": 2, "Dog": 2}
    assert not set(train.paths) & set(val.paths)
    assert (root / "Cat" / "666.jpg").exists()  # reported, not deleted


@needs_shared
def test_demo_images_resolve_with_or_without_the_demo_folder(tmp_path):
    assert tk.demo_image("beagle_111.jpg", data_dir=SHARED) == SHARED / "demo" / "beagle_111.jpg"
    # A data folder without demo/: the photo is found in the dataset it comes from.
    (tmp_path / "pets").symlink_to(SHARED / "oxford_iiit_pet")
    (tmp_path / "cats_and_dogs").symlink_to(SHARED / "cats_and_dogs")
    assert tk.demo_image("beagle_111.jpg", data_dir=tmp_path).name == "beagle_111.jpg"
    assert tk.demo_image("cat.2007.jpg", data_dir=tmp_path).parent.name == "cats"
    with pytest.raises(FileNotFoundError):
        tk.demo_image("dog.99999.jpg", data_dir=tmp_path)

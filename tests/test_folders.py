"""Any folder as a dataset: good layouts load as checked ImageSets, bad ones fail with a clear message and nothing is deleted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from transferkit import ImageSet, load_dataset
from transferkit.datasets.folders import load_folder


def _write(path: Path, kind: str = "jpg", value: int = 0) -> Path:
    """A small real image file (JPEG or PNG) written with Pillow."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(value)
    pixels = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "JPEG" if kind == "jpg" else "PNG")
    return path


def _class_folder(root: Path, classes: dict[str, int]) -> Path:
    for c, n in classes.items():
        for i in range(n):
            _write(root / c / f"{c}_{i}.{'png' if i % 2 else 'jpg'}", "png" if i % 2 else "jpg", value=i)
    return root


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_class_folders_load_with_a_seeded_stratified_split(tmp_path):
    root = _class_folder(tmp_path / "shapes", {"circle": 10, "square": 10, "star": 5})
    everything = load_dataset(root, "all", per_class=None)
    assert isinstance(everything, ImageSet) and len(everything) == 25
    assert everything.class_names == ["circle", "square", "star"]
    assert everything.counts() == {"circle": 10, "square": 10, "star": 5}
    train = load_dataset(str(root), "train", per_class=None)
    val = load_dataset(str(root), "validation", per_class=None)
    assert set(train.paths).isdisjoint(val.paths) and len(train) + len(val) == 25
    assert val.counts() == {"circle": 2, "square": 2, "star": 1}  # 20% of each class
    again = load_folder(root, "validation", per_class=None)
    assert again.paths == val.paths  # same seed, same split
    other = load_folder(root, "validation", per_class=None, seed=1)
    assert other.paths != val.paths
    assert load_folder(root, per_class=None).name == "shapes/all"  # no split folders: default is every image
    labels = dict(zip(everything.paths, everything.labels))
    assert all(everything.class_names[labels[p]] == Path(p).parent.name for p in everything.paths)


def test_train_and_validation_folders_are_used_as_given(tmp_path):
    root = tmp_path / "given"
    _class_folder(root / "train", {"a": 6, "b": 4})
    _class_folder(root / "validation", {"a": 2, "b": 3})
    train = load_dataset(root, per_class=None)
    assert train.name == "given/train" and train.counts() == {"a": 6, "b": 4}
    val = load_dataset(root, "validation", per_class=None)
    assert val.counts() == {"a": 2, "b": 3} and all("/validation/" in p for p in val.paths)
    assert len(load_dataset(root, "all", per_class=None)) == 15
    capped = load_dataset(root, "train", per_class=3)
    assert capped.counts() == {"a": 3, "b": 3}


def test_train_folder_alone_gets_a_seeded_validation_split(tmp_path):
    root = tmp_path / "only_train"
    _class_folder(root / "train", {"a": 5, "b": 5})
    train, val = load_folder(root, "train", per_class=None), load_folder(root, "validation", per_class=None)
    assert len(train) == 8 and len(val) == 2 and set(train.paths).isdisjoint(val.paths)


def test_validation_classes_must_match_train(tmp_path):
    root = tmp_path / "mismatch"
    _class_folder(root / "train", {"a": 3, "b": 3})
    _class_folder(root / "val", {"a": 2, "c": 2})
    with pytest.raises(ValueError, match=r"missing \['b'\].*not in train/: \['c'\]"):
        load_folder(root, "validation")


def test_quick_mode_caps_images_per_class(tmp_path, monkeypatch):
    from transferkit.datasets.imageset import QUICK_IMAGES_PER_CLASS

    root = _class_folder(tmp_path / "many", {"a": QUICK_IMAGES_PER_CLASS + 3, "b": 2})
    monkeypatch.setenv("TRANSFERKIT_QUICK", "1")
    assert load_dataset(root, "all").counts() == {"a": QUICK_IMAGES_PER_CLASS, "b": 2}
    monkeypatch.setenv("TRANSFERKIT_QUICK", "0")
    assert load_dataset(root, "all").counts()["a"] == QUICK_IMAGES_PER_CLASS + 3


def test_non_image_and_broken_files_are_reported_skipped_and_kept(tmp_path):
    root = _class_folder(tmp_path / "mixed", {"cats": 4, "dogs": 4})
    (root / "cats" / "notes.txt").write_text("not a picture")
    (root / "dogs" / "empty.jpg").write_bytes(b"")
    (root / "dogs" / "fake.png").write_text("<html>an error page saved as .png</html>")
    (root / "README.md").write_text("my photos")
    (root / "cats" / ".DS_Store").write_bytes(b"\0")  # file-manager junk: skipped and named
    (root / "dogs" / "._dogs_0.jpg").write_bytes(b"\0\5\26\7 AppleDouble")
    (root / "cats" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    before = _files(root)
    s = load_dataset(root, "all", per_class=None)
    assert s.counts() == {"cats": 4, "dogs": 4}
    reasons = dict(s.skipped)
    assert sorted(Path(p).relative_to(root).as_posix() for p in reasons) == [
        "README.md", "cats/.DS_Store", "cats/Thumbs.db", "cats/notes.txt", "dogs/._dogs_0.jpg", "dogs/empty.jpg",
        "dogs/fake.png"]
    why = {Path(p).name: r for p, r in reasons.items()}
    assert "not an image file" in why["notes.txt"] and "empty" in why["empty.jpg"]
    assert "not an image" in why["fake.png"] and "not inside a class folder" in why["README.md"]
    assert "macOS" in why[".DS_Store"] and "AppleDouble" in why["._dogs_0.jpg"] and "Windows" in why["Thumbs.db"]
    report = s.report()
    assert "skipped 7 unusable files" in report and "    dogs/fake.png: not an image" in report
    assert _files(root) == before  # nothing deleted or moved


def test_skip_reports_name_files_inside_the_dataset_folder(tmp_path):
    root = _class_folder(tmp_path / "named", {"cats": 2, "dogs": 2})
    _write(root / "dogs" / "from my phone" / "d.jpg")
    for c in ("cats", "dogs/from my phone"):
        (root / c / "x4.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8 broken")  # a browser download cut short
    s = load_dataset(root, "all", per_class=None)
    lines = s.report().splitlines()
    assert any(line.startswith("    cats/x4.webp: does not decode") for line in lines), lines
    assert any(line.startswith("    dogs/from my phone/x4.webp: does not decode") for line in lines), lines
    train = load_dataset(root, "train", per_class=None)  # a split keeps the dataset's root for its report
    assert "    cats/x4.webp: " in train.report()


def test_train_and_validation_reports_name_the_split_folder(tmp_path):
    root = tmp_path / "given"
    _class_folder(root / "train", {"a": 3, "b": 3})
    _class_folder(root / "validation", {"a": 2, "b": 2})
    (root / "validation" / "b" / "broken.jpg").write_bytes(b"\xff\xd8\xff")
    everything = load_dataset(root, "all", per_class=None)
    assert "    validation/b/broken.jpg: " in everything.report()
    assert len(everything.extras["subfolder"]) == len(everything) == 10


def test_a_missing_path_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder .*does_not_exist"):
        load_dataset(tmp_path / "does_not_exist")
    with pytest.raises(FileNotFoundError, match="no folder"):
        load_dataset(str(tmp_path / "nope" / "photos"))


def test_an_unknown_name_that_is_not_a_folder_lists_the_registered_ones():
    with pytest.raises(ValueError, match="neither a registered dataset .*cats_and_dogs_filtered.* nor an existing folder"):
        load_dataset("my_holiday_photos_that_do_not_exist")


def test_a_file_instead_of_a_folder(tmp_path):
    archive = tmp_path / "photos.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    with pytest.raises(NotADirectoryError, match="is a file.*Extract the archive first"):
        load_dataset(archive)


def test_no_class_subfolders(tmp_path):
    root = tmp_path / "flat"
    for i in range(3):
        _write(root / f"img{i}.jpg", value=i)
    before = _files(root)
    with pytest.raises(ValueError, match="no class subfolders: found 3 images directly in it"):
        load_dataset(root)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no class subfolders: found nothing"):
        load_dataset(tmp_path / "empty")
    assert _files(root) == before


def test_one_class_only(tmp_path):
    root = _class_folder(tmp_path / "single", {"cats": 3})
    with pytest.raises(ValueError, match="only one class subfolder, 'cats'.*at least two classes"):
        load_dataset(root)


def test_a_wrapper_folder_points_to_the_right_path(tmp_path):
    root = tmp_path / "upload"
    _class_folder(root / "my_photos", {"cats": 2, "dogs": 2})  # a zip that holds one top folder
    with pytest.raises(ValueError, match="nested one level too deep. Pass '.*my_photos'"):
        load_dataset(root)
    assert len(load_dataset(root / "my_photos", "all")) == 4


def test_an_empty_class(tmp_path):
    root = _class_folder(tmp_path / "holes", {"cats": 3, "dogs": 3})
    (root / "birds").mkdir()
    with pytest.raises(ValueError, match="without a usable image: 'birds' \\(no files\\)"):
        load_dataset(root)


def test_a_class_whose_files_are_all_unusable_names_them(tmp_path):
    root = _class_folder(tmp_path / "broken", {"cats": 3, "dogs": 3})
    (root / "birds").mkdir()
    (root / "birds" / "b1.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="'birds' \\(skipped: b1.jpg: empty file"):
        load_dataset(root)
    assert (root / "birds" / "b1.jpg").exists()


def test_subfolders_inside_a_class_folder_belong_to_that_class(tmp_path):
    root = _class_folder(tmp_path / "deep", {"cats": 2, "dogs": 2})
    _write(root / "dogs" / "2019" / "summer" / "dog_x.jpg")
    _write(root / "dogs" / "from my phone" / "dog_y.png", "png")
    (root / "dogs" / "from my phone" / ".DS_Store").write_bytes(b"\0")
    (root / "dogs" / ".ipynb_checkpoints").mkdir()
    _write(root / "dogs" / ".ipynb_checkpoints" / "hidden.jpg")  # hidden folders are not data
    before = _files(root)
    s = load_dataset(root, "all", per_class=None)
    assert s.counts() == {"cats": 2, "dogs": 4}
    assert str(root / "dogs" / "2019" / "summer" / "dog_x.jpg") in s.paths
    assert not any(".ipynb_checkpoints" in p for p in s.paths)
    assert sorted(f for f in s.extras["subfolder"] if f) == ["dogs/2019/summer", "dogs/from my phone"]
    assert "2 images come from subfolders of their class folder: dogs/2019/summer/ (1), dogs/from my phone/ (1)" \
        in s.report()
    assert [Path(p).relative_to(root).as_posix() for p, _ in s.skipped] == ["dogs/from my phone/.DS_Store"]
    train, val = load_dataset(root, "train", per_class=None), load_dataset(root, "validation", per_class=None)
    assert len(train) + len(val) == 6 and len(train.extras["subfolder"]) == len(train)  # kept per image
    x, y = next(iter(s.as_tf(image_size=16, batch_size=8)))
    assert tuple(x.shape) == (6, 16, 16, 3)
    assert _files(root) == before


def test_splits_or_classes_inside_a_class_folder_are_refused(tmp_path):
    inverted = _class_folder(tmp_path / "inverted", {"cats": 2, "dogs": 2})
    _write(inverted / "cats" / "train" / "c.jpg")
    before = _files(inverted)
    with pytest.raises(ValueError, match=r"class folder 'cats' holds cats/train/, named like a split.*"
                                         r"<folder>/train/cats/.*Nothing was changed on disk"):
        load_dataset(inverted)
    assert _files(inverted) == before
    mixed = _class_folder(tmp_path / "mixed", {"cats": 2, "dogs": 2})
    _write(mixed / "cats" / "Dogs" / "d.jpg")
    with pytest.raises(ValueError, match=r"holds cats/Dogs/ \(1 images\), named like the class 'Dogs': its images "
                                         r"would be labelled 'cats'"):
        load_dataset(mixed)
    splits = tmp_path / "splits"
    _class_folder(splits / "training", {"cats": 2, "dogs": 2})
    _class_folder(splits / "testing", {"cats": 2, "dogs": 2})
    with pytest.raises(ValueError, match=r"the folder 'testing' is named like a split, not a class, and holds "
                                         r"testing/cats/ \(2 images\), testing/dogs/"):
        load_dataset(splits)


def test_a_class_with_too_few_images_to_split(tmp_path):
    root = _class_folder(tmp_path / "tiny", {"a": 3, "b": 1})
    assert len(load_dataset(root, "all")) == 4
    with pytest.raises(ValueError, match=r"\['b'\] have fewer than 2 images"):
        load_dataset(root, "train")


def test_unknown_split(tmp_path):
    root = _class_folder(tmp_path / "s", {"a": 2, "b": 2})
    with pytest.raises(ValueError, match="split must be one of"):
        load_dataset(root, "test")


def test_a_folder_set_feeds_the_tf_pipeline(tmp_path):
    root = _class_folder(tmp_path / "pipe", {"a": 2, "b": 2})
    x, y = next(iter(load_dataset(root, "all").as_tf(image_size=32, batch_size=4)))
    assert tuple(x.shape) == (4, 32, 32, 3) and sorted(np.asarray(y).tolist()) == [0, 0, 1, 1]


def test_registered_names_still_load(tmp_path):
    # the dispatch only sends paths to the folder loader: a registered name keeps its own loader
    from transferkit.datasets.registry import registry

    assert "cats_and_dogs_filtered" in registry()
    with pytest.raises(ValueError, match="has splits"):
        load_dataset("cats_and_dogs_filtered", "nonsense", data_dir=_needs_data())


def _needs_data() -> Path:
    from transferkit.config import data_root

    root = data_root()
    if root is None or not (root / "cats_and_dogs" / "cats_and_dogs_filtered").is_dir():
        pytest.skip("needs ../shared/data (TRANSFERKIT_DATA)")
    return root


def test_upload_folder_outside_colab_explains(capsys):
    from transferkit.course.upload import upload_folder

    assert upload_folder() is None
    assert "set MY_FOLDER" in capsys.readouterr().out


def test_upload_folder_extracts_a_zip_and_enters_its_top_folder(tmp_path, monkeypatch):
    import io
    import sys
    import types
    import zipfile

    from transferkit.course.upload import upload_folder

    src = _class_folder(tmp_path / "src" / "my_photos", {"cats": 2, "dogs": 2})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for p in _files(src):
            z.write(p, p.relative_to(src.parent))
    files = types.SimpleNamespace(upload=lambda: {"my_photos.zip": buffer.getvalue()})
    colab = types.ModuleType("google.colab")
    colab.files = files
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    root = upload_folder(tmp_path / "uploaded")
    assert root == tmp_path / "uploaded" / "my_photos"
    assert load_dataset(root, "all", per_class=None).counts() == {"cats": 2, "dogs": 2}
    files.upload = lambda: {"notes.txt": b"hello"}
    with pytest.raises(ValueError, match="not a zip file"):
        upload_folder(tmp_path / "again")


# --------------------------------------------------------------------------- a folder as a student makes one


PHONE_ROTATIONS = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
"""EXIF orientation -> how a phone stores the pixels of a photo taken upright (the viewer turns them back)."""


def phone_jpeg(upright: Image.Image, path: Path, orientation: int = 6) -> Path:
    """``upright`` saved as a phone saves it: pixels turned, the turn back in the EXIF Orientation tag."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    upright.transpose(PHONE_ROTATIONS[orientation]).save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def _state(root: Path) -> dict:
    """Every file's bytes, size and modification time: equal before and after means nothing changed on disk."""
    import hashlib

    return {p.relative_to(root).as_posix(): (p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest(),
                                             p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def _photo(name: str) -> Image.Image:
    from conftest import SHARED

    path = SHARED / "demo" / name
    if not path.is_file():
        pytest.skip(f"needs the real photos in {SHARED / 'demo'}")
    with Image.open(path) as im:
        return im.convert("RGB")


def test_a_folder_made_by_phones_and_browsers_loads_every_photo_upright_and_changes_nothing(tmp_path):
    """The issue's done-when: JPEG, PNG, WebP, BMP, a rotated phone JPEG and a nested subfolder."""
    import shutil

    from conftest import SHARED
    from transferkit import load_image

    root = tmp_path / "my photos"
    truth = {}  # file inside the folder -> the upright photo it must load as

    def add(relative: str, name: str, fmt: str | None = None, orientation: int | None = None):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        photo = _photo(name)
        if orientation:
            phone_jpeg(photo, target, orientation)
        elif fmt is None:
            shutil.copyfile(SHARED / "demo" / name, target)  # the original JPEG, byte for byte
        else:
            photo.save(target, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
        truth[relative] = np.asarray(photo)

    add("cats/cat.2007.jpg", "cat.2007.jpg")
    add("cats/cat.2012.png", "cat.2012.jpg", "PNG")
    add("cats/Siamese_108.webp", "Siamese_108.jpg", "WEBP")  # saved from a browser
    add("cats/Russian_Blue_100.bmp", "Russian_Blue_100.jpg", "BMP")
    add("cats/IMG_0001.JPG", "dog.2001.jpg", orientation=6)  # a portrait phone photo, class name aside
    add("dogs/dog.2013.jpg", "dog.2013.jpg")
    add("dogs/from my phone/IMG_0002.jpg", "beagle_111.jpg", orientation=8)
    add("dogs/from my phone/IMG_0003.jpg", "pug_127.jpg", orientation=3)
    (root / "cats" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "dogs" / "from my phone" / "._IMG_0002.jpg").write_bytes(b"\0\5\26\7\0\2\0\0Mac OS X")
    (root / "dogs" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (root / "dogs" / "IMG_0004.jpg").write_bytes(b"")  # a copy that never finished
    before = _state(root)

    s = load_dataset(root, "all", per_class=None)
    assert sorted(Path(p).relative_to(root).as_posix() for p in s.paths) == sorted(truth)  # every photo kept
    assert sorted(Path(p).relative_to(root).as_posix() for p, _ in s.skipped) == [  # and only true junk skipped
        "cats/.DS_Store", "dogs/IMG_0004.jpg", "dogs/Thumbs.db", "dogs/from my phone/._IMG_0002.jpg"]
    report = s.report()
    assert "2 images come from subfolders of their class folder: dogs/from my phone/ (2)" in report
    assert "    dogs/from my phone/._IMG_0002.jpg: macOS metadata for IMG_0002.jpg" in report

    size = 96
    x, y = (np.concatenate(a) for a in zip(*[(bx.numpy(), by.numpy()) for bx, by in s.as_tf(size, batch_size=4)]))
    trained = np.concatenate([bx.numpy() for bx, _ in s.as_tf(size, batch_size=4, cache=True)])
    for i, p in enumerate(s.paths):
        relative = Path(p).relative_to(root).as_posix()
        upright = np.asarray(Image.fromarray(truth[relative]).resize((size, size), Image.BILINEAR), "float32")
        sideways = np.asarray(Image.fromarray(np.rot90(truth[relative])).resize((size, size), Image.BILINEAR), "float32")
        error = np.abs(x[i] - upright).mean()
        assert error < 3 < np.abs(x[i] - sideways).mean(), (relative, error)  # upright, not turned
        assert s.class_names[y[i]] == relative.split("/")[0]
        assert (load_image(p, size) == x[i]).all(), relative  # the very pixels predict_image gives the model
        assert (trained[i] == x[i]).all(), relative  # and training reads it the same way
    assert [im.shape for im in s.images(image_size=None)] == [truth[Path(p).relative_to(root).as_posix()].shape
                                                        for p in s.paths]  # what show() draws is upright too
    assert _state(root) == before  # nothing changed, added or removed on disk

"""Image checking: bad files are reported and skipped, misnamed ones kept; nothing is deleted or modified."""

import hashlib
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from transferkit import load_dataset
from transferkit.datasets.checks import check_image, scan_images
from transferkit.datasets.checks import inspect_image
from conftest import SHARED, needs_shared


def jpeg_bytes(mode="RGB", size=(40, 30), seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "CMYK": 4}.get(mode)
    shape = (size[1], size[0], channels) if channels else (size[1], size[0])
    im = Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def crafted(tmp_path):
    """A class-folder tree with good images and every kind of bad file the kit must catch."""
    good, bad = tmp_path / "split" / "cats", tmp_path / "split" / "dogs"
    good.mkdir(parents=True)
    bad.mkdir(parents=True)
    for i in range(3):
        (good / f"cat.{i}.jpg").write_bytes(jpeg_bytes(seed=i))
    (bad / "dog.0.jpg").write_bytes(jpeg_bytes(seed=9))
    (bad / "gray.jpg").write_bytes(jpeg_bytes("L"))
    (bad / "cmyk.jpg").write_bytes(jpeg_bytes("CMYK"))
    (bad / "empty.jpg").write_bytes(b"")
    (bad / "truncated.jpg").write_bytes(jpeg_bytes(size=(200, 150))[:700])
    (bad / "text.jpg").write_text("this is not an image\n")
    png = io.BytesIO()
    Image.new("RGBA", (20, 20), (255, 0, 0, 128)).save(png, "PNG")
    (bad / "really_png.jpg").write_bytes(png.getvalue())
    gif = io.BytesIO()
    Image.new("P", (24, 16), 3).save(gif, "GIF")
    (bad / "really_gif.jpg").write_bytes(gif.getvalue())
    (bad / "truncated_png.jpg").write_bytes(png.getvalue()[:60])
    return tmp_path


def test_each_bad_kind_gets_its_reason(crafted):
    d = crafted / "split" / "dogs"
    assert check_image(d / "empty.jpg") == "empty file (0 bytes)"
    assert "truncated" in check_image(d / "truncated.jpg")
    assert check_image(d / "text.jpg") == "not an image (unrecognised content)"
    problem, note = inspect_image(d / "truncated_png.jpg")  # misnamed and broken: skipped
    assert "truncated" in problem and note == "PNG data in a .jpg file"
    for ok in ("dog.0.jpg", "gray.jpg", "cmyk.jpg", "really_png.jpg", "really_gif.jpg"):
        assert check_image(d / ok) is None, ok
    assert inspect_image(d / "really_png.jpg") == (None, "PNG data in a .jpg file")
    assert inspect_image(d / "really_gif.jpg") == (None, "GIF data in a .jpg file")
    assert inspect_image(d / "dog.0.jpg") == (None, None)


def test_scan_skips_and_reports_without_touching_files(crafted):
    before = digest(crafted)
    report = scan_images(sorted(str(p) for p in crafted.rglob("*.jpg")), use_cache=False)
    assert sorted(Path(p).name for p, _ in report.skipped) == ["empty.jpg", "text.jpg", "truncated.jpg", "truncated_png.jpg"]
    assert len(report.good) == 8
    assert dict(report.skipped)[str(crafted / "split" / "dogs" / "truncated_png.jpg")].endswith("(PNG data in a .jpg file)")
    assert sorted(Path(p).name for p, _ in report.misnamed) == ["really_gif.jpg", "really_png.jpg"]
    summary = report.summary()
    assert "skipped 4" in summary and "kept 2 misnamed files" in summary and "really_gif.jpg: GIF data" in summary
    assert digest(crafted) == before  # nothing deleted or modified


def test_loader_skips_bad_files_and_gives_three_channels(crafted, tmp_path):
    # A cats_and_dogs_filtered-shaped folder made of the crafted files.
    root = tmp_path / "local" / "cats_and_dogs_filtered"
    for split in ("train", "validation"):
        shutil.copytree(crafted / "split", root / split)
    before = digest(root)
    ds = load_dataset("cats_and_dogs_filtered", "train", data_dir=tmp_path / "local", per_class=None)
    assert len(ds) == 8 and len(ds.skipped) == 4 and len(ds.misnamed) == 2
    assert "skipped 4 unusable files" in ds.report() and "kept 2 misnamed files" in ds.report()
    images, labels = next(iter(ds.as_tf(image_size=32, batch_size=16)))
    assert images.shape == (8, 32, 32, 3) and images.dtype.name == "float32"
    assert float(images.numpy().max()) <= 255.0 and float(images.numpy().min()) >= 0.0
    assert sorted(labels.numpy().tolist()) == [0, 0, 0, 1, 1, 1, 1, 1]
    # The PNG saved as .jpg decodes by its content: its half-transparent red lies on white, as load_image shows it.
    png = images.numpy()[ds.paths.index(str(root / "train" / "dogs" / "really_png.jpg"))]
    assert png[..., 0].min() == 255 and 120 < png[..., 1].mean() < 135
    assert digest(root) == before


@needs_shared
def test_real_misnamed_oxford_files_are_kept_reported_and_decode_like_pil():
    from transferkit import load_image
    from transferkit.datasets.imageset import read_image_tf

    folder = SHARED / "corrupt" / "oxford_iiit_pet"
    before = digest(folder)
    report = scan_images(sorted(folder.glob("*.jpg")), use_cache=False)
    assert report.skipped == [] and len(report.good) == 2
    notes = {Path(p).name: note for p, note in report.misnamed}
    assert notes == {"Abyssinian_5.jpg": "PNG data in a .jpg file", "Abyssinian_34.jpg": "GIF data in a .jpg file"}
    for p in report.good:  # the tf.data pipeline reads them as load_image does: the very same pixels
        tf_pixels = read_image_tf(p, (64, 64)).numpy()
        assert (tf_pixels == load_image(p, 64)).all() and tf_pixels.std() > 20
    assert digest(folder) == before


def test_formats_are_sniffed_by_content():
    from transferkit.datasets.checks import sniff_format

    assert sniff_format(b"RIFF\x10\0\0\0WEBPVP8 ") == "WEBP"
    assert sniff_format(b"RIFF\x10\0\0\0WAVEfmt ") is None  # a sound file is not a WebP
    assert sniff_format(b"\0\0\0\x18ftypheic\0\0\0\0") == "HEIF"
    assert sniff_format(b"\0\0\0\x18ftypmp42\0\0\0\0") is None  # a video is not a HEIC photo
    assert sniff_format(b"\0\0\0\x1cftypavif\0\0\0\0") == "AVIF"


def test_every_dataset_reads_webp_and_skips_a_cut_one(tmp_path):
    """One decode for every dataset: a registered dataset's copy reads what your own folders read."""
    root = tmp_path / "local" / "cats_and_dogs_filtered"
    for split in ("train", "validation"):
        for c in ("cats", "dogs"):
            (root / split / c).mkdir(parents=True)
            (root / split / c / f"{c}.0.jpg").write_bytes(jpeg_bytes(seed=len(c)))
    folder = root / "train" / "cats"
    Image.fromarray(np.full((20, 30, 3), 90, np.uint8)).save(folder / "x4.webp", "WEBP")
    (folder / "cut.webp").write_bytes((folder / "x4.webp").read_bytes()[:40])
    report = scan_images(sorted(str(p) for p in folder.iterdir()), use_cache=False)
    assert sorted(Path(p).name for p in report.good) == ["cats.0.jpg", "x4.webp"]
    assert "cut.webp: " in report.summary() and "does not decode" in dict(report.skipped)[str(folder / "cut.webp")]
    ds = load_dataset("cats_and_dogs_filtered", "train", data_dir=tmp_path / "local", per_class=None, check=True)
    assert len(ds) == 3 and [Path(p).name for p, _ in ds.skipped] == ["cut.webp"]
    x = np.concatenate([b.numpy() for b, _ in ds.as_tf(image_size=16, batch_size=8)])
    assert np.abs(x[ds.paths.index(str(folder / "x4.webp"))] - 90).max() <= 2


def test_heic_without_the_extra_is_skipped_with_the_way_out(tmp_path, monkeypatch):
    import transferkit.datasets.checks as checks

    monkeypatch.setattr(checks, "heif_support", lambda: False)
    root = tmp_path / "phone"
    for c in ("cats", "dogs"):
        (root / c).mkdir(parents=True)
        (root / c / "ok.jpg").write_bytes(jpeg_bytes())
    (root / "dogs" / "IMG_0007.HEIC").write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(64))
    s = load_dataset(root, "all", per_class=None, check=True)
    assert len(s) == 2
    line = next(line for line in s.report().splitlines() if "IMG_0007" in line)
    assert line.startswith("    dogs/IMG_0007.HEIC: HEIC photo") and "iPhone" in line and "pillow-heif" in line

"""Single images from students: clear errors, always RGB uint8."""

import io

import numpy as np
import pytest
from PIL import Image

from transferkit import ImageError, as_batch, load_image


def save(tmp_path, name, image, fmt):
    path = tmp_path / name
    image.save(path, fmt)
    return path


def test_modes_become_rgb(tmp_path):
    gray = save(tmp_path, "g.jpg", Image.new("L", (30, 20), 128), "JPEG")
    rgba = save(tmp_path, "a.png", Image.new("RGBA", (30, 20), (255, 0, 0, 0)), "PNG")
    pal = save(tmp_path, "p.gif", Image.new("P", (30, 20), 3), "GIF")
    for p in (gray, rgba, pal):
        x = load_image(p)
        assert x.shape == (20, 30, 3) and x.dtype == np.uint8
    assert load_image(rgba)[0, 0].tolist() == [255, 255, 255]  # fully transparent -> white
    assert load_image(gray, 64).shape == (64, 64, 3)


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such image file"):
        load_image(tmp_path / "missing.jpg")
    (tmp_path / "notes.jpg").write_text("hello")
    with pytest.raises(ImageError, match="not a readable image"):
        load_image(tmp_path / "notes.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(tmp_path / "empty.jpg")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


def test_as_batch_accepts_arrays_paths_and_bytes(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (50, 40), (10, 20, 30)).save(buf, "PNG")
    batch = as_batch([np.zeros((10, 12), np.uint8), np.full((5, 5, 4), 200, np.uint8), buf.getvalue()], 16)
    assert batch.shape == (3, 16, 16, 3) and batch.dtype == np.float32
    assert batch[2, 0, 0].tolist() == [10, 20, 30]
    with pytest.raises(ImageError, match="0-1 floats"):
        as_batch(np.random.rand(8, 8, 3), 8)


def test_as_batch_without_a_size_keeps_the_images_own_size():
    gray = np.arange(6 * 9, dtype=np.uint8).reshape(6, 9)
    batch = as_batch([gray, np.zeros((6, 9, 4), np.uint8)], None)
    assert batch.shape == (2, 6, 9, 3) and (batch[0, ..., 1] == gray).all()
    with pytest.raises(ImageError, match="different sizes"):
        as_batch([gray, np.zeros((5, 5), np.uint8)], None)

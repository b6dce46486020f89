"""Single images from students: clear errors, always RGB uint8."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from transferkit import ImageError, load_image
from transferkit.datasets.images import as_batch


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


# --------------------------------------------------------------------------- photos as phones and browsers save them


def real_photo(name: str = "cat.2007.jpg") -> Image.Image:
    from conftest import SHARED

    path = SHARED / "demo" / name
    if not path.is_file():
        pytest.skip(f"needs the real photos in {SHARED / 'demo'}")
    with Image.open(path) as im:
        return im.convert("RGB")


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_phone_photo_loads_upright(tmp_path, orientation):
    from test_folders import phone_jpeg

    upright = real_photo()
    path = phone_jpeg(upright, tmp_path / "IMG_0001.jpg", orientation)
    x = load_image(path)
    assert x.shape == np.asarray(upright).shape
    assert np.abs(x.astype(int) - np.asarray(upright)).mean() < 3  # only the JPEG re-encoding differs
    stored = load_image(path, upright=False)  # the pixels as stored: turned
    assert (stored == np.asarray(Image.open(path).convert("RGB"))).all()
    assert stored.shape != x.shape or np.abs(stored.astype(int) - x).mean() > 20
    assert load_image(path.read_bytes()).shape == x.shape  # an upload (bytes) is turned the same way


def test_webp_decodes_to_the_same_pixels_as_tensorflow_and_png(tmp_path):
    import tensorflow as tf

    photo = real_photo("Siamese_108.jpg")
    lossless, lossy = tmp_path / "a.webp", tmp_path / "b.webp"
    photo.save(lossless, "WEBP", lossless=True)
    photo.save(lossy, "WEBP", quality=80)
    assert (load_image(lossless) == np.asarray(photo)).all()
    pil = load_image(lossy)
    assert 0 < np.abs(pil.astype(int) - np.asarray(photo)).mean() < 5
    if hasattr(tf.io, "decode_webp"):  # TensorFlow 2.18+: its own WebP decoder gives the very same pixels
        assert (tf.io.decode_webp(lossy.read_bytes(), channels=3).numpy()[0] == pil).all()


def test_heic_with_the_extra_installed(tmp_path):
    if os.environ.get("TRANSFERKIT_COLAB_CONSTRAINTS"):
        pytest.skip("not on Colab's stack: Colab has no pillow-heif (the [heic] extra); the message test runs there")
    pillow_heif = pytest.importorskip("pillow_heif")
    from transferkit.datasets.images import heif_support

    assert heif_support()
    photo = real_photo("beagle_111.jpg")
    path = tmp_path / "IMG_0005.HEIC"
    photo.save(path, "HEIF", quality=90)
    assert path.read_bytes()[4:12] == b"ftypheic" and pillow_heif.__version__
    x = load_image(path)
    assert x.shape == np.asarray(photo).shape and np.abs(x.astype(int) - np.asarray(photo)).mean() < 5


def test_heic_without_the_extra_says_what_to_do(tmp_path, monkeypatch):
    import transferkit.datasets.images as images

    monkeypatch.setattr(images, "heif_support", lambda: False)
    path = tmp_path / "IMG_0006.heic"
    path.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(64))  # an iPhone file's first bytes
    with pytest.raises(ImageError) as e:
        load_image(path)
    message = str(e.value)
    assert str(path) in message and "iPhone" in message and 'pip install "transferkit[heic]"' in message
    assert "JPEG" in message  # or how to convert


def test_avif_as_browsers_save_it(tmp_path):
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF codec (Pillow 11.3+ wheels do)")
    photo = real_photo("pug_127.jpg")
    path = tmp_path / "pug.avif"
    photo.save(path, "AVIF", quality=90)
    x = load_image(path)
    assert x.shape == np.asarray(photo).shape and np.abs(x.astype(int) - np.asarray(photo)).mean() < 5


# --------------------------------------------------------------------------- one path from a file to the model's input


def test_the_pipeline_gives_the_model_load_images_pixels_for_real_photos(tmp_path):
    """Issue 28: one decode and one resize everywhere. A registered dataset's pipeline (plain and cached), its
    plots, as_batch and predict_image give a model exactly ``load_image(path, 224)`` for real photos: a
    cats_and_dogs JPEG, the Oxford archive's PNG (RGBA) and GIF saved as .jpg, a PNG made from a real photo,
    and a phone JPEG whose EXIF orientation turns it upright."""
    import shutil

    import keras

    from conftest import SHARED
    from test_folders import phone_jpeg
    from transferkit import load_dataset, predict_image

    cats_and_dogs = SHARED / "cats_and_dogs" / "cats_and_dogs_filtered" / "validation"
    oxford = SHARED / "corrupt" / "oxford_iiit_pet"
    if not (cats_and_dogs.is_dir() and oxford.is_dir()):
        pytest.skip(f"needs the real photos in {SHARED}")
    root = tmp_path / "local" / "cats_and_dogs_filtered"
    for split in ("train", "validation"):
        for c in ("cats", "dogs"):
            (root / split / c).mkdir(parents=True)
            shutil.copyfile(cats_and_dogs / c / f"{c[:-1]}.2000.jpg", root / split / c / f"{c[:-1]}.2000.jpg")
    train = root / "train"
    shutil.copyfile(oxford / "Abyssinian_5.jpg", train / "cats" / "Abyssinian_5.jpg")  # PNG (RGBA) data
    shutil.copyfile(oxford / "Abyssinian_34.jpg", train / "cats" / "Abyssinian_34.jpg")  # GIF data
    real_photo("cat.2012.jpg").save(train / "cats" / "cat.2012.png", "PNG")
    upright = real_photo("dog.2001.jpg")
    phone_jpeg(upright, train / "dogs" / "IMG_0001.jpg", 6)  # stored sideways, EXIF turns it back

    s = load_dataset("cats_and_dogs_filtered", "train", data_dir=tmp_path / "local", per_class=None, check=True)
    assert len(s) == 6 and not s.skipped
    expected = np.stack([load_image(p, 224) for p in s.paths])
    pipeline = np.concatenate([x.numpy() for x, _ in s.as_tf(224, batch_size=4)])
    cached = np.concatenate([x.numpy() for x, _ in s.as_tf(224, batch_size=4, cache=True)])
    for i, p in enumerate(s.paths):
        assert (pipeline[i] == expected[i]).all(), p  # evaluation, features
        assert (cached[i] == expected[i]).all(), p  # training
    assert all((a == b).all() for a, b in zip(s.images(image_size=224), expected))  # the plots
    assert (as_batch(s.paths, 224) == expected).all()  # the one image-to-batch conversion, from files
    assert (as_batch([load_image(p) for p in s.paths], 224) == expected).all()  # and from full-size arrays

    inputs = keras.Input((224, 224, 3))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling2D()(inputs)))
    phone = s.paths.index(str(train / "dogs" / "IMG_0001.jpg"))
    assert (predict_image(model, s.paths[phone], ["cat", "dog"]).image == expected[phone]).all()
    turned = np.asarray(upright.resize((224, 224), Image.BILINEAR), "float32")  # upright, not as stored
    assert np.abs(expected[phone] - turned).mean() < 3 < np.abs(expected[phone] - np.rot90(turned)).mean()
    rgba = s.paths.index(str(train / "cats" / "Abyssinian_5.jpg"))
    assert expected[rgba].std() > 20

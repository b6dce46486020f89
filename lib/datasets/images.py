"""Reading images robustly, one way for everything: any file or array a student supplies becomes RGB uint8.

This module is the kit's one path from a file to the model's input. :func:`decode` reads a file's
bytes with Pillow, and :func:`rgb_pixels` turns the picture into RGB and resizes it (once, bilinear).
:func:`load_image` (a path or an upload) is the two in a row, and every other reader calls it: the
``tf.data`` pipeline of every :class:`~transferkit.datasets.imageset.ImageSet` (training, evaluation,
cached features), :func:`as_batch` (the one image-to-batch conversion: single-photo prediction,
augmentation previews, ideal and adversarial images) and the plots. The same file so reaches the
model as the very same pixels everywhere.

A photo is read the way a photo viewer shows it: the rotation a phone stores in the EXIF
``Orientation`` tag is applied (``PIL.ImageOps.exif_transpose``); WebP and AVIF (what browsers save)
are read; HEIC/HEIF (the iPhone's format) is read when the optional ``pillow-heif`` package is
installed (``pip install "transferkit[heic]"``), and without it the error says how to install it or
convert the photo. ``upright=False`` reads the pixels as stored (to look at what the EXIF tag does).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..i18n import N_, _


class ImageError(ValueError):
    """A file that cannot be used as an image, with a message saying why."""


HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
"""ISO base-media ``ftyp`` brands of HEIC/HEIF still images (iPhones write ``heic``)."""

HEIC_HELP = N_("HEIC is the iPhone's photo format. To read it, install the kit's HEIC extra: "
             "pip install \"transferkit[heic]\" (or: pip install pillow-heif). Or convert the photo to JPEG "
             "(on the iPhone, Settings > Camera > Formats > Most Compatible makes new photos JPEG; on a Mac, "
             "Preview's File > Export saves a JPEG).")
"""How to read a HEIC photo (in English; shown translated with ``_(HEIC_HELP)``)."""


def is_heif(head: bytes) -> bool:
    """True when a file's first bytes (at least 12) announce a HEIC/HEIF image."""
    return head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def is_avif(head: bytes) -> bool:
    """True when a file's first bytes (at least 12) announce an AVIF image (what browsers increasingly save)."""
    return head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis")


_HEIF_READY = False


def heif_support() -> bool:
    """True when Pillow can read HEIC/HEIF (``pillow-heif`` installed; its opener is registered here)."""
    global _HEIF_READY
    if not _HEIF_READY:
        try:
            import pillow_heif
        except ImportError:
            return False  # not cached: a pip install in the running kernel is picked up at the next call
        pillow_heif.register_heif_opener()
        _HEIF_READY = True
    return True


def open_image(data: bytes, name: str, upright: bool = True) -> Image.Image:
    """Decodes image file bytes with Pillow (``name`` is for messages); the EXIF rotation applied when ``upright``.

    Raises :class:`ImageError` naming the file when it is empty, not an image, or a HEIC photo while
    ``pillow-heif`` is missing.
    """
    if not data:
        raise ImageError(_("{name} is empty (0 bytes)").format(name=name))
    if is_heif(data[:12]) and not heif_support():
        raise ImageError(_("{name} is a HEIC photo, which needs an extra package. {help}").format(
            name=name, help=_(HEIC_HELP)))
    try:
        return decode(data, upright)
    except DECODE_ERRORS as e:
        raise ImageError(_("{name} is not a readable image ({error})").format(name=name, error=e)) from None


DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
"""What Pillow raises for data it cannot decode."""


def decode(data: bytes, upright: bool = True) -> Image.Image:
    """The kit's one decode: Pillow's of image file bytes, the EXIF rotation applied when ``upright``.

    Raises one of :data:`DECODE_ERRORS` for data it cannot decode (the scan in
    :mod:`transferkit.datasets.checks` calls it to find such files before a pipeline does).
    """
    im = Image.open(io.BytesIO(data))
    im.load()
    if upright:
        ImageOps.exif_transpose(im, in_place=True)  # no copy when there is nothing to turn
    return im


def load_image(source: str | Path | bytes, image_size: int | tuple[int, int] | None = None, *,
               upright: bool = True) -> np.ndarray:
    """An image file (path or raw bytes) as an ``H x W x 3`` uint8 RGB array.

    JPEG, PNG, GIF (first frame), BMP, WebP and AVIF are read, HEIC/HEIF with ``pillow-heif`` (see
    the module docstring). Grayscale, palette, CMYK and RGBA images are converted to RGB (transparency
    goes onto white). ``upright`` (default) applies the EXIF orientation a phone stores, so a photo
    taken upright loads upright; ``upright=False`` keeps the stored pixels. With ``image_size`` the
    image is resized (bilinear, no crop) to ``image_size`` x ``image_size`` or to ``(height, width)``.
    ``load_image(path, 224)`` is exactly what an ImageSet's pipeline gives a model at 224 for that
    file (it calls this function). Raises FileNotFoundError for a missing path and
    :class:`ImageError` for anything that is not a readable image.
    """
    name = _("uploaded bytes")
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        path = Path(source).expanduser()
        name = str(path)
        if not path.exists():
            raise FileNotFoundError(_("no such image file: {path}").format(path=path))
        if path.is_dir():
            raise ImageError(_("{path} is a folder, not an image file").format(path=path))
        data = path.read_bytes()
    with open_image(data, name, upright) as im:
        return rgb_pixels(im, image_size)


def rgb_pixels(im: Image.Image, image_size: int | tuple[int, int] | None = None) -> np.ndarray:
    """The kit's one conversion of a decoded picture to the model's pixels: RGB uint8, resized once.

    ``image_size`` is ``size`` (a square) or ``(height, width)``; the resize is Pillow's bilinear,
    which widens its filter when shrinking (so a 12-megapixel photo is smoothed, not sampled), and
    is skipped when the picture has that size already. ``None`` keeps the picture's own size.
    """
    image = _to_rgb(im)
    if image_size is not None:
        h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
        if image.size != (w, h):
            image = image.resize((w, h), Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, im).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I", "F"):
        im = ImageOps.autocontrast(im.convert("I").point(lambda v: v / 256).convert("L"))
    return im if im.mode == "RGB" else im.convert("RGB")


def as_batch(images, image_size: int | None) -> np.ndarray:
    """Images (paths, file bytes, arrays or a mix) as one float32 batch ``N x image_size x image_size x 3`` of 0-255 pixels.

    The kit's one image-to-batch conversion: files are read by :func:`load_image`, arrays resized by
    :func:`rgb_pixels`, so a photo gives the same pixels here as in an ImageSet's pipeline.
    Arrays may be uint8 or float in 0-255, grayscale (H x W) or with 1, 3 or 4 channels (the fourth,
    alpha, is dropped). ``image_size=None`` keeps the images' own size (they must then all have the same size).
    """
    if isinstance(images, (str, Path, bytes, bytearray)) or (isinstance(images, np.ndarray) and images.ndim != 4):
        images = [images]
    out = []
    for item in images:
        if isinstance(item, (str, Path, bytes, bytearray)):
            out.append(load_image(item, image_size))
            continue
        arr = np.asarray(item)
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
            raise ImageError(_("expected an H x W x 3 image, got an array of shape {shape}").format(shape=arr.shape))
        if arr.shape[-1] == 1:
            arr = np.repeat(arr, 3, axis=-1)
        if arr.shape[-1] == 4:
            arr = arr[..., :3]
        if arr.dtype != np.uint8:
            if arr.size and float(np.nanmax(arr)) <= 1.0 and float(np.nanmin(arr)) >= 0.0 and arr.dtype.kind == "f":
                raise ImageError(_("pixel values look like 0-1 floats; the kit's models take 0-255 pixels"))
            arr = np.clip(np.nan_to_num(arr), 0, 255).round().astype(np.uint8)
        out.append(arr if image_size is None else rgb_pixels(Image.fromarray(np.ascontiguousarray(arr)), image_size))
    if len({a.shape for a in out}) > 1:
        raise ImageError(_("images of different sizes cannot share a batch: {sizes}").format(
            sizes=sorted({a.shape[:2] for a in out})))
    return np.stack(out).astype("float32")

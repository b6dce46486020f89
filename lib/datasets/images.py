"""Reading single images robustly: any path or upload a student supplies becomes RGB uint8.

A photo is read the way a photo viewer shows it: the rotation a phone stores in the EXIF
``Orientation`` tag is applied (``PIL.ImageOps.exif_transpose``); WebP and AVIF (what browsers save)
are read; HEIC/HEIF (the iPhone's format) is read when the optional ``pillow-heif`` package is
installed (``pip install "transferkit[heic]"``), and without it the error says how to install it or
convert the photo. ``upright=False`` reads the pixels as stored, as ``tf.io.decode_jpeg`` does (the
registered datasets' pipeline, see :func:`~transferkit.datasets.imageset.read_image_tf`).
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
    """Pillow's decode of image file bytes, the EXIF rotation applied when ``upright`` (raises :data:`DECODE_ERRORS`)."""
    im = Image.open(io.BytesIO(data))
    im.load()
    return ImageOps.exif_transpose(im) if upright else im


def load_image(source: str | Path | bytes, image_size: int | tuple[int, int] | None = None, *,
               upright: bool = True) -> np.ndarray:
    """An image file (path or raw bytes) as an ``H x W x 3`` uint8 RGB array.

    JPEG, PNG, GIF (first frame), BMP, WebP and AVIF are read, HEIC/HEIF with ``pillow-heif`` (see
    the module docstring). Grayscale, palette, CMYK and RGBA images are converted to RGB (transparency
    goes onto white). ``upright`` (default) applies the EXIF orientation a phone stores, so a photo
    taken upright loads upright; ``upright=False`` keeps the stored pixels, as ``tf.io.decode_jpeg``
    does. With ``image_size`` the image is resized (bilinear, no crop) to ``image_size`` x ``image_size`` or to
    ``(height, width)``. Raises FileNotFoundError for a missing path and :class:`ImageError` for
    anything that is not a readable image.
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
        image = _to_rgb(im)
    if image_size is not None:
        h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
        image = image.resize((w, h), Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, im).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I", "F"):
        im = ImageOps.autocontrast(im.convert("I").point(lambda v: v / 256).convert("L"))
    return im.convert("RGB")


def as_batch(images, image_size: int | None) -> np.ndarray:
    """Images (paths, arrays or a mix) as one float32 batch ``N x image_size x image_size x 3`` of 0-255 pixels.

    Arrays may be uint8 or float in 0-255, grayscale (H x W) or with 1, 3 or 4 channels.
    ``image_size=None`` keeps the images' own size (they must then all have the same size).
    """
    if isinstance(images, (str, Path, np.ndarray)) and not (isinstance(images, np.ndarray) and images.ndim == 4):
        images = [images]
    out = []
    for item in images:
        if isinstance(item, (str, Path, bytes)):
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
        out.append(arr if image_size is None else np.asarray(Image.fromarray(arr).resize((image_size, image_size), Image.BILINEAR)))
    if len({a.shape for a in out}) > 1:
        raise ImageError(_("images of different sizes cannot share a batch: {sizes}").format(
            sizes=sorted({a.shape[:2] for a in out})))
    return np.stack(out).astype("float32")

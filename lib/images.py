"""Reading single images robustly: any path or upload a student supplies becomes RGB uint8."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageError(ValueError):
    """A file that cannot be used as an image, with a message saying why."""


def load_image(source: str | Path | bytes, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """An image file (path or raw bytes) as an ``H x W x 3`` uint8 RGB array.

    Grayscale, palette, CMYK and RGBA images are converted to RGB (transparency goes onto white);
    EXIF orientation is not applied, matching ``tf.io.decode_jpeg``. With ``size`` the image is
    resized (bilinear, no crop) to ``size`` x ``size`` or to ``(height, width)``.
    Raises FileNotFoundError for a missing path and :class:`ImageError` for anything that is not a
    readable image.
    """
    name = "uploaded bytes"
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        path = Path(source).expanduser()
        name = str(path)
        if not path.exists():
            raise FileNotFoundError(f"no such image file: {path}")
        if path.is_dir():
            raise ImageError(f"{path} is a folder, not an image file")
        data = path.read_bytes()
    if not data:
        raise ImageError(f"{name} is empty (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            image = _to_rgb(im)
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ImageError(f"{name} is not a readable image ({e})") from None
    if size is not None:
        h, w = (size, size) if isinstance(size, int) else size
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


def as_batch(images, size: int | None) -> np.ndarray:
    """Images (paths, arrays or a mix) as one float32 batch ``N x size x size x 3`` of 0-255 pixels.

    Arrays may be uint8 or float in 0-255, grayscale (H x W) or with 1, 3 or 4 channels.
    ``size=None`` keeps the images' own size (they must then all have the same size).
    """
    if isinstance(images, (str, Path, np.ndarray)) and not (isinstance(images, np.ndarray) and images.ndim == 4):
        images = [images]
    out = []
    for item in images:
        if isinstance(item, (str, Path, bytes)):
            out.append(load_image(item, size))
            continue
        arr = np.asarray(item)
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
            raise ImageError(f"expected an H x W x 3 image, got an array of shape {arr.shape}")
        if arr.shape[-1] == 1:
            arr = np.repeat(arr, 3, axis=-1)
        if arr.shape[-1] == 4:
            arr = arr[..., :3]
        if arr.dtype != np.uint8:
            if arr.size and float(np.nanmax(arr)) <= 1.0 and float(np.nanmin(arr)) >= 0.0 and arr.dtype.kind == "f":
                raise ImageError("pixel values look like 0-1 floats; the kit's models take 0-255 pixels")
            arr = np.clip(np.nan_to_num(arr), 0, 255).round().astype(np.uint8)
        out.append(arr if size is None else np.asarray(Image.fromarray(arr).resize((size, size), Image.BILINEAR)))
    if len({a.shape for a in out}) > 1:
        raise ImageError(f"images of different sizes cannot share a batch: {sorted({a.shape[:2] for a in out})}")
    return np.stack(out).astype("float32")

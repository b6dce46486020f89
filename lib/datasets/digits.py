"""scikit-learn's 8x8 digits as a folder of PNG files: a far domain for notebook 06."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from ..config import cache_dir


def digits_folder(root: str | Path | None = None) -> Path:
    """scikit-learn's 8x8 handwritten digits written once as PNG files, one folder per digit.

    ``load_digits`` ships inside scikit-learn (1,797 images, no download). Its pixels are grey
    levels 0-16; they are scaled to 0-255 (``round(v * 255 / 16)``) and saved as 8x8 grey PNGs in
    ``<root>/0 ... <root>/9`` (default root: the kit's cache), so the folder loader reads them like
    any photo folder. Written to a temporary folder first, so an interrupted run leaves nothing half done.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    root = Path(root) if root else cache_dir("datasets") / "sklearn_digits"
    digits = load_digits()
    if root.is_dir() and sum(1 for _ in root.glob("*/*.png")) == len(digits.target):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=root.parent))
    pixels = np.round(digits.images * (255 / 16)).astype("uint8")
    for i, (image, label) in enumerate(zip(pixels, digits.target)):
        folder = tmp / str(label)
        folder.mkdir(exist_ok=True)
        Image.fromarray(image, mode="L").save(folder / f"digit_{i:04d}.png")
    if root.exists():  # an incomplete earlier copy of our own cache
        import shutil
        shutil.rmtree(root)
    os.replace(tmp, root)
    return root

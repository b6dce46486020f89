"""Animal silhouettes (the ``animal-mnist`` package from PyPI) as a folder of PNG files: notebook 06's third domain.

The registry entry ``animal_silhouettes`` names the package's wheel (a zip file) with its PyPI URL,
size and sha256. :func:`write_silhouettes` turns that checked wheel into one folder per animal of
28x28 grey PNG files, so the images load like any other dataset. The registry's ``download`` calls
it in place of unpacking, on a temporary folder that is moved into place only once its images are
counted.
"""

from __future__ import annotations

import gzip
import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from ..i18n import _

CLASSES = ("bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra")
"""The package's ten classes, in the order of its labels 0-9 (its README's list)."""

_MEMBERS = ("animal_mnist/data/Animal_MNIST/animal_data_version_3.gz",
            "animal_mnist/data/Animal_MNIST/animal_label_version_3.gz")


class _ArraysOnly(pickle.Unpickler):
    """Unpickles NumPy arrays and nothing else: a pickle can run any code, an array cannot."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(_("{module}.{name} is not a NumPy array part").format(module=module, name=name))
        if module.startswith("numpy.core"):  # NumPy 2 moved numpy.core to numpy._core
            module = "numpy._core" + module[len("numpy.core"):]
        return super().find_class(module, name)


def read_wheel(wheel: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` from the ``animal-mnist`` wheel: uint8 ``(10000, 28, 28)`` and ints ``(10000,)``."""
    with zipfile.ZipFile(wheel) as z:
        images, labels = (np.asarray(_ArraysOnly(io.BytesIO(gzip.decompress(z.read(m)))).load()) for m in _MEMBERS)
    if images.dtype != np.uint8 or images.ndim != 3 or labels.shape != images.shape[:1]:
        raise ValueError(_("{wheel}: unexpected arrays {dtype}{shape}, {labels}").format(
            wheel=Path(wheel).name, dtype=images.dtype, shape=images.shape, labels=labels.shape))
    return images, labels.astype("int64")


def unique_images(images: np.ndarray) -> np.ndarray:
    """Indices of the first copy of each distinct image: a twin in training and in the held-out set would leak."""
    _values, first = np.unique(images.reshape(len(images), -1), axis=0, return_index=True)
    return np.sort(first)


def write_silhouettes(wheel: str | Path, target: str | Path) -> Path:
    """Writes each distinct silhouette once as ``<target>/animal_silhouettes/<animal>/<animal>_<i>.png``.

    The package holds 10,000 images, 1,000 per animal; 284 of them are exact copies of another
    (most of them birds), which are left out so that no image can be both trained on and held out.
    """
    from PIL import Image

    images, labels = read_wheel(wheel)
    root = Path(target) / "animal_silhouettes"
    for i in unique_images(images):
        folder = root / CLASSES[labels[i]]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[i], mode="L").save(folder / f"{CLASSES[labels[i]]}_{i:05d}.png")
    return root

"""ImageSet: image files with integer labels, checked, the one tf.data pipeline that reads them, and the validation split carved from a training set."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..i18n import _
from .checks import ScanReport, common_folder, misnamed_lines, relative_name, scan_images


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jfif", ".png", ".gif", ".bmp", ".webp", ".avif", ".heic", ".heif"}
"""File names counted as images: JPEG, PNG, GIF, BMP, and what browsers (WebP, AVIF, JFIF) and iPhones (HEIC) save."""


QUICK_IMAGES_PER_CLASS = 60
"""Quick mode (``TRANSFERKIT_QUICK=1``) keeps at most this many images per class and split."""


VALIDATION_FRACTION = 0.2
"""Share of each class of ``train`` that :func:`carve_validation` holds out to choose settings on."""


def read_image_tf(path, image_size: tuple[int, int]):
    """Inside ``tf.data``: one image file as ``image_size`` uint8 RGB pixels, exactly as :func:`~transferkit.load_image` reads it.

    The pipeline calls :func:`~transferkit.load_image` itself (``tf.numpy_function``), so training,
    evaluation, cached features, :func:`~transferkit.predict_image` and the plots give a model the
    very same pixels for a file: decoded by Pillow from its content (a PNG saved as ``.jpg`` loads like
    any other image; WebP, AVIF, and HEIC with ``pillow-heif``), turned upright by its EXIF
    orientation, resized once (Pillow's bilinear). Pillow releases the GIL while it decodes and
    resizes, so the pipeline's parallel map reads several files at a time.
    """
    import tensorflow as tf

    from .images import load_image

    def read(file) -> np.ndarray:  # bytes in a pipeline; a 0-d array when called eagerly
        return load_image(os.fsdecode(np.asarray(file).item()), image_size)

    return tf.ensure_shape(tf.numpy_function(read, [path], tf.uint8, stateful=False), (*image_size, 3))


@dataclass
class ImageSet:
    """Image files with integer labels, ready to become a ``tf.data`` pipeline.

    ``skipped`` lists ``(path, reason)`` for every file left out because it is unusable;
    ``misnamed`` lists ``(path, note)`` for files kept although their content is another format
    than their name says (a PNG saved as ``.jpg``): they are decoded by their content.
    ``extras`` holds per-image arrays a dataset adds (e.g. ``species`` for Oxford pets; for a folder,
    ``subfolder``: the subfolder an image came from, with its class folder, ``"dogs/from my phone"``,
    or ``""`` for an image directly in its class folder).
    Every set reads its files the one way (see :func:`read_image_tf`).
    ``root`` is the folder that reports name files relative to (default: their common folder).
    """

    name: str
    paths: list[str]
    labels: np.ndarray
    class_names: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    misnamed: list[tuple[str, str]] = field(default_factory=list)
    root: str | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        return f"ImageSet({self.name!r}: {len(self)} images, {len(self.class_names)} classes, {len(self.skipped)} skipped)"

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def counts(self) -> dict[str, int]:
        """Images per class name."""
        n = np.bincount(self.labels, minlength=self.num_classes)
        return {c: int(k) for c, k in zip(self.class_names, n)}

    def report(self) -> str:
        """Counts per class and the skipped files, as text."""
        lines = [_("{name}: {n} images in {classes} classes").format(name=self.name, n=len(self),
                                                                      classes=self.num_classes)]
        counts = self.counts()
        if self.num_classes <= 4:
            lines[0] += " (" + ", ".join(f"{c}: {n}" for c, n in counts.items()) + ")"
        else:
            lo, hi = min(counts.values()), max(counts.values())
            lines.append("  " + _("images per class: {low} to {high}").format(low=lo, high=hi))
        nested = [str(f) for f in self.extras.get("subfolder", []) if f]
        if nested:
            where = sorted({f: nested.count(f) for f in nested}.items())
            lines.append("  " + _("{n} images come from subfolders of their class folder:").format(n=len(nested))
                         + " " + ", ".join(f"{f}/ ({n})" for f, n in where[:5]) + (" ..." if len(where) > 5 else ""))
        root = self.root or common_folder(self.paths + [p for p, _ in self.skipped])
        if self.skipped:
            lines.append("  " + _("skipped {n} unusable files (left untouched on disk):").format(n=len(self.skipped)))
            lines += [f"    {relative_name(p, root)}: {why}" for p, why in self.skipped[:10]]
            if len(self.skipped) > 10:
                lines.append("    " + _("... and {n} more (see .skipped)").format(n=len(self.skipped) - 10))
        else:
            lines.append("  " + _("no unusable files found"))
        lines += misnamed_lines(self.misnamed, root=root)
        return "\n".join(lines)

    def subset(self, indices, name: str | None = None) -> "ImageSet":
        idx = np.asarray(indices, dtype=int)
        return ImageSet(
            name or self.name, [self.paths[i] for i in idx], self.labels[idx], self.class_names,
            self.skipped, {k: v[idx] for k, v in self.extras.items()}, self.misnamed, self.root,
        )

    def take_per_class(self, n: int | None, seed: int = 0) -> "ImageSet":
        """At most ``n`` images of each class (a seeded random choice, original order kept)."""
        if n is None:
            return self
        rng = np.random.default_rng(seed)
        keep = []
        for c in range(self.num_classes):
            idx = np.flatnonzero(self.labels == c)
            if len(idx) > n:
                idx = np.sort(rng.choice(idx, n, replace=False))
            keep += idx.tolist()
        return self.subset(sorted(keep))

    def split(self, fraction: float = 0.2, seed: int = 0) -> tuple["ImageSet", "ImageSet"]:
        """A seeded, stratified split into ``(rest, held_out)`` with ``fraction`` of each class held out."""
        rng = np.random.default_rng(seed)
        held = []
        for c in range(self.num_classes):
            idx = np.flatnonzero(self.labels == c)
            k = int(round(len(idx) * fraction))
            if len(idx) > 1:
                k = min(max(k, 1), len(idx) - 1)
            held += rng.choice(idx, k, replace=False).tolist() if k else []
        held_set = set(held)
        rest = [i for i in range(len(self)) if i not in held_set]
        return self.subset(rest, f"{self.name}[train]"), self.subset(sorted(held), f"{self.name}[held-out]")

    def as_tf(self, image_size: int | tuple[int, int] = 224, batch_size: int = 32, *, shuffle: bool = False,
              seed: int = 0, labels: bool = True, cache: bool = False):
        """The ``tf.data.Dataset`` of this set: ``(images, labels)`` batches of float32 0-255 RGB pixels and int32 labels.

        Files are read by :func:`read_image_tf` (the pixels :func:`~transferkit.load_image` gives),
        in parallel, and the next batch is prefetched (``AUTOTUNE``); grayscale, CMYK and RGBA images
        come out with 3 channels. ``shuffle`` reshuffles every epoch
        (seeded); ``labels=False`` yields the images alone. For training, ``cache=True`` keeps the
        decoded images in memory as uint8 after the first epoch (2,000 images at 224 px take about
        300 MB), so later epochs skip JPEG decoding.
        """
        import tensorflow as tf

        height_width = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
        ds = tf.data.Dataset.from_tensor_slices((self.paths, self.labels.astype("int32")))

        def shuffled(ds):
            return ds.shuffle(len(self.paths), seed=seed, reshuffle_each_iteration=True) if shuffle else ds

        if cache:  # decoded once, kept as uint8 (a quarter of the memory), shuffled after the cache
            ds = shuffled(ds.map(lambda path, label: (read_image_tf(path, height_width), label),
                                 num_parallel_calls=tf.data.AUTOTUNE).cache())
            ds = ds.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32), y))
        else:  # file names shuffled before decoding: nothing held in memory
            ds = shuffled(ds).map(lambda path, label: (tf.cast(read_image_tf(path, height_width), tf.float32), label),
                                  num_parallel_calls=tf.data.AUTOTUNE, deterministic=not shuffle).batch(batch_size)
        if not labels:
            ds = ds.map(lambda x, y: x)
        return ds.prefetch(tf.data.AUTOTUNE)

    def images(self, indices=None, image_size: int | None = None) -> list[np.ndarray]:
        """Some images as uint8 arrays (for plots), read as the pipeline reads them (at ``image_size``: the very same pixels)."""
        from .images import load_image

        indices = range(len(self)) if indices is None else indices
        return [load_image(self.paths[i], image_size) for i in indices]

    def show(self, n: int = 8, seed: int = 0, ncols: int = 4):
        """A grid of ``n`` random images titled with their labels."""
        from ..plots import show_images

        idx = np.random.default_rng(seed).choice(len(self), min(n, len(self)), replace=False)
        return show_images(self.images(idx), [self.class_names[self.labels[i]] for i in idx], ncols=ncols)


def checked_set(name: str, paths: list[str], labels: list[int], class_names: list[str],
                extras: dict | None = None, check: bool = True, root: str | Path | None = None) -> ImageSet:
    """The usable files as an ImageSet; the rest in ``.skipped``."""
    labels_arr = np.asarray(labels, dtype=np.int64)
    extras = {k: np.asarray(v) for k, v in (extras or {}).items()}
    image_like = [p for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES]
    image_set = set(image_like)
    not_images = [(p, _("not an image file ({suffix})").format(suffix=Path(p).suffix or _("no extension")))
                  for p in paths if p not in image_set]
    report = scan_images(image_like) if check else ScanReport(good=image_like)
    good = set(report.good)
    keep = [i for i, p in enumerate(paths) if p in good]
    return ImageSet(name, [paths[i] for i in keep], labels_arr[keep], class_names,
                    not_images + report.skipped, {k: v[keep] for k, v in extras.items()}, report.misnamed,
                    None if root is None else str(root))


def carve_validation(train: ImageSet, fraction: float = VALIDATION_FRACTION, seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """``(fit, validation)``: a seeded, stratified split of a training set.

    Every choice (epochs, learning rate, how much to unfreeze, early stopping) is made on
    ``validation``, so a data set's own held-out split can be used once, as a test set that chose nothing.
    """
    fit, held = train.split(fraction, seed)
    return fit.subset(range(len(fit)), f"{train.name}[fit]"), held.subset(range(len(held)), f"{train.name}[carved validation]")

"""ImageSet: image files with integer labels, checked, and the one tf.data pipeline that reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..i18n import _
from .checks import ScanReport, common_folder, misnamed_lines, relative_name, scan_images


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp"}
"""File names the registered datasets count as images (their pipeline reads these formats)."""


PHOTO_SUFFIXES = IMAGE_SUFFIXES | {".jfif", ".webp", ".avif", ".heic", ".heif"}
"""File names your own folders count as images: also what browsers (WebP, AVIF, JFIF) and iPhones (HEIC) save."""


QUICK_IMAGES_PER_CLASS = 60
"""Quick mode (``TRANSFERKIT_QUICK=1``) keeps at most this many images per class and split."""


def read_image_tf(path, image_size: tuple[int, int], decoder: str = "tensorflow"):
    """Inside ``tf.data``: decode one image file to ``image_size`` float32 0-255 RGB pixels.

    The format is read from the file's content, not its name, so a PNG saved as ``.jpg`` loads like
    any other image. Two decoders (an :class:`ImageSet`'s ``decoder``):

    * ``"tensorflow"``, the registered datasets: ``tf.io.decode_image`` (JPEG, PNG, GIF, BMP) and
      ``tf.image.resize``, the EXIF orientation ignored. Exactly how their benchmark figures were
      made, and no extra work per image (the cats_and_dogs_filtered and Oxford photos carry no
      EXIF rotation anyway).
    * ``"pillow"``, your own folders: each file read by :func:`~transferkit.load_image` at ``image_size``
      (EXIF orientation applied; WebP, AVIF, HEIC with ``pillow-heif``; Pillow's bilinear resize,
      which smooths a 12-megapixel phone photo before shrinking it). Training, evaluation and
      :func:`~transferkit.predict_image` so give the model the very same pixels for a photo.
    """
    import tensorflow as tf

    if decoder == "pillow":
        def read(file: bytes) -> np.ndarray:
            from .images import load_image

            return load_image(file.decode(), image_size)

        image = tf.cast(tf.numpy_function(read, [path], tf.uint8, stateful=False), tf.float32)
    else:
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32), image_size)
    return tf.ensure_shape(image, (*image_size, 3))


@dataclass
class ImageSet:
    """Image files with integer labels, ready to become a ``tf.data`` pipeline.

    ``skipped`` lists ``(path, reason)`` for every file left out because it is unusable;
    ``misnamed`` lists ``(path, note)`` for files kept although their content is another format
    than their name says (a PNG saved as ``.jpg``): they are decoded by their content.
    ``extras`` holds per-image arrays a dataset adds (e.g. ``species`` for Oxford pets; for a folder,
    ``subfolder``: the subfolder an image came from, with its class folder, ``"dogs/from my phone"``,
    or ``""`` for an image directly in its class folder).
    ``decoder`` says how the pipeline reads the files (see :func:`read_image_tf`): ``"tensorflow"``
    for the registered datasets, ``"pillow"`` (upright; WebP, AVIF, HEIC) for your own folders.
    ``root`` is the folder that reports name files relative to (default: their common folder).
    """

    name: str
    paths: list[str]
    labels: np.ndarray
    class_names: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    misnamed: list[tuple[str, str]] = field(default_factory=list)
    decoder: str = "tensorflow"
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
            self.skipped, {k: v[idx] for k, v in self.extras.items()}, self.misnamed, self.decoder, self.root,
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

        Files are decoded and resized in parallel and the next batch is prefetched (``AUTOTUNE``);
        grayscale and CMYK images come out with 3 channels. ``shuffle`` reshuffles every epoch
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
            def load_uint8(path, label):
                return tf.saturate_cast(tf.round(read_image_tf(path, height_width, self.decoder)), tf.uint8), label

            ds = shuffled(ds.map(load_uint8, num_parallel_calls=tf.data.AUTOTUNE).cache())
            ds = ds.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32), y))
        else:  # file names shuffled before decoding: nothing held in memory
            ds = shuffled(ds).map(lambda path, label: (read_image_tf(path, height_width, self.decoder), label),
                                  num_parallel_calls=tf.data.AUTOTUNE, deterministic=not shuffle).batch(batch_size)
        if not labels:
            ds = ds.map(lambda x, y: x)
        return ds.prefetch(tf.data.AUTOTUNE)

    def images(self, indices=None, image_size: int | None = None) -> list[np.ndarray]:
        """Some images as uint8 arrays (for plots), the same way up as the pipeline reads them."""
        from .images import load_image

        indices = range(len(self)) if indices is None else indices
        return [load_image(self.paths[i], image_size, upright=self.decoder == "pillow") for i in indices]

    def show(self, n: int = 8, seed: int = 0, ncols: int = 4):
        """A grid of ``n`` random images titled with their labels."""
        from ..plots import show_images

        idx = np.random.default_rng(seed).choice(len(self), min(n, len(self)), replace=False)
        return show_images(self.images(idx), [self.class_names[self.labels[i]] for i in idx], ncols=ncols)


def checked_set(name: str, paths: list[str], labels: list[int], class_names: list[str],
             extras: dict | None = None, check: bool = True, decoder: str = "tensorflow",
             root: str | Path | None = None) -> ImageSet:
    """The usable files as an ImageSet; the rest in ``.skipped``. ``decoder`` as in :func:`read_image_tf`."""
    labels_arr = np.asarray(labels, dtype=np.int64)
    extras = {k: np.asarray(v) for k, v in (extras or {}).items()}
    suffixes = PHOTO_SUFFIXES if decoder == "pillow" else IMAGE_SUFFIXES
    image_like = [p for p in paths if Path(p).suffix.lower() in suffixes]
    image_set = set(image_like)
    not_images = [(p, _("not an image file ({suffix})").format(suffix=Path(p).suffix or _("no extension")))
                  for p in paths if p not in image_set]
    report = scan_images(image_like, decoder=decoder) if check else ScanReport(good=image_like)
    good = set(report.good)
    keep = [i for i, p in enumerate(paths) if p in good]
    return ImageSet(name, [paths[i] for i in keep], labels_arr[keep], class_names,
                    not_images + report.skipped, {k: v[keep] for k, v in extras.items()}, report.misnamed,
                    decoder, None if root is None else str(root))

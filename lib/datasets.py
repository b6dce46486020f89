"""Datasets by name: where they come from, how they are cached and checked, how they are loaded.

The registry (``transferkit/data/datasets.json``, the repo's ``data/`` folder) maps each name to its
source URLs (primary first, then mirrors), checksum, archive layout, expected counts and licence.

Where the files come from, in order:

1. ``data_dir=`` or ``$TRANSFERKIT_DATA``: a folder holding the dataset's extracted layout is used
   as it is; nothing is downloaded or written there.
2. the kit's cache (``$TRANSFERKIT_CACHE/datasets``), filled by an earlier download;
3. a download (:mod:`transferkit.downloads`): the classroom mirror ``$TRANSFERKIT_MIRROR`` first,
   then the registry's URLs, with a progress bar; each archive is checked (size, checksum) once,
   extracted to a temporary folder, its images counted per split against the registry, and only
   then moved into place. Nothing partial is left behind.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .checks import ScanReport, common_folder, misnamed_lines, relative_name, scan_images
from .config import cache_dir, data_root, pick
from .downloads import DiskFullError, DownloadError, check_file, fetch, writable_folder
from .i18n import _

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp"}
"""File names the registered datasets count as images (their pipeline reads these formats)."""
PHOTO_SUFFIXES = IMAGE_SUFFIXES | {".jfif", ".webp", ".avif", ".heic", ".heif"}
"""File names your own folders count as images: also what browsers (WebP, AVIF, JFIF) and iPhones (HEIC) save."""


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, dict]:
    """The dataset registry: name -> sources, checksum, layout, expected counts, licence."""
    text = resources.files("transferkit.data").joinpath("datasets.json").read_text()
    return json.loads(text)


def dataset_info(name: str) -> dict:
    """One registry entry, with a helpful error for unknown names."""
    try:
        return registry()[name]
    except KeyError:
        raise ValueError(_("unknown dataset {name!r}; known: {known}").format(name=name, known=sorted(registry()))) from None


# --------------------------------------------------------------------------- locating the files


def _has_layout(folder: Path, markers: list[str]) -> bool:
    return all((folder / m).exists() for m in markers)


def find_layout(root: Path, markers: list[str], max_depth: int = 3) -> Path | None:
    """The first folder at or below ``root`` (breadth first) that holds every marker path."""
    level = [root]
    for _ in range(max_depth + 1):
        nxt = []
        for folder in level:
            if _has_layout(folder, markers):
                return folder
            try:
                nxt += sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
            except OSError:
                pass
        level = nxt
    return None


def _local_copy(name: str, data_dir: str | Path | None) -> Path | None:
    info = dataset_info(name)
    root = Path(data_dir).expanduser() if data_dir else data_root()
    if root is None:
        return None
    for candidate in (root / info["local_hint"], root / info["folder"], root / name, root):
        if candidate.is_dir() and _has_layout(candidate, info["markers"]):
            return candidate
    found = find_layout(root, info["markers"]) if root.is_dir() else None
    if found is None and data_dir is not None:
        raise FileNotFoundError(_("{root} does not hold the {name!r} layout: expected a folder with {markers} "
                                  "(e.g. {example})").format(root=root, name=name, markers=", ".join(info["markers"]),
                                                             example=root / info["local_hint"]))
    return found


def _download_hint(name: str) -> str:
    info = dataset_info(name)
    urls = "\n".join(f"  {u}" for f in info["files"] for u in f["urls"][:1])
    return _("Download:\n{urls}\nextract it, and either pass data_dir=<folder> or set TRANSFERKIT_DATA=<folder> so "
             "that <folder>/{folder} holds {markers}.").format(urls=urls, folder=info["local_hint"],
                                                              markers=", ".join(info["markers"]))


def _verify(path: Path, spec: dict) -> None:
    """Checks a downloaded archive against its registry entry (size, sha256): one read of the file."""
    check_file(path, spec.get("name"), sha256=spec.get("sha256"), md5=spec.get("md5"), size=spec.get("size"))


def _unpack(archive: Path, target: Path) -> None:
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            z.extractall(target)
    else:
        with tarfile.open(archive) as t:
            t.extractall(target, filter="data")


def _extract(archive: Path, target: Path) -> None:
    """Extracts into a temporary sibling folder, then merges it into ``target`` (no half-extracted files)."""
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extracting-", dir=target))
    try:
        _unpack(archive, tmp)
        _merge(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _merge(source: Path, target: Path) -> None:
    for item in source.iterdir():
        dest = target / item.name
        if not dest.exists():
            os.replace(item, dest)


def count_images(name: str, root: str | Path) -> dict[str, int]:
    """Images per split in an extracted dataset, counted the way the registry's ``splits`` counts them."""
    info, root = dataset_info(name), Path(root)

    def n_images(folder: Path) -> int:
        if not folder.is_dir():
            return 0
        return sum(1 for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

    counts = {}
    for split in info["splits"]:
        if info["layout"] == "split_folders":
            counts[split] = sum(n_images(root / split / c) for c in info["classes"])
        elif info["layout"] == "class_folders":
            counts[split] = sum(n_images(root / f) for f in info["class_folders"].values())
        elif info["layout"] == "oxford_pets":
            listed = read_split_file(root / "annotations" / f"{split}.txt")
            counts[split] = sum((root / "images" / f"{r['image']}.jpg").is_file() for r in listed)
    return counts


def check_counts(name: str, root: str | Path) -> dict[str, int]:
    """The image counts per split; ValueError naming every split with fewer images than the registry's."""
    expected = dataset_info(name)["splits"]
    counts = count_images(name, root)
    short = [_("{split!r} has {n:,} images, expected {expected:,}").format(split=split, n=counts.get(split, 0),
                                                                            expected=n)
             for split, n in expected.items() if counts.get(split, 0) < n]
    if short:
        raise ValueError(_("{name}: the downloaded archive is short: {problems}").format(
            name=name, problems="; ".join(short)))
    return counts


def _cache_folder(*parts: str) -> Path:
    try:
        return cache_dir(*parts)
    except OSError as e:
        raise PermissionError(_("cannot create the kit's cache folder ({error}). Point TRANSFERKIT_CACHE at a folder "
                                "you can write to, e.g. TRANSFERKIT_CACHE=~/transferkit-cache").format(error=e)) from None


def download(name: str) -> Path:
    """Downloads (or finds in the cache) a dataset's archives, verifies, extracts and counts them.

    Archives come through :func:`transferkit.downloads.fetch` (``$TRANSFERKIT_MIRROR`` first, then
    the registry's URLs) into ``$TRANSFERKIT_CACHE/downloads``, where they stay so that
    ``python -m transferkit.mirror`` can serve them to a class. They are extracted into a temporary
    folder, counted per split against the registry, and only then moved into place.
    """
    info = dataset_info(name)
    folder, downloads = _cache_folder("datasets", name), _cache_folder("downloads")
    found = find_layout(folder, info["markers"])
    if found:
        return found
    archives = []
    for spec in info["files"]:
        try:
            archives.append(fetch(spec["name"], spec["urls"], downloads, sha256=spec.get("sha256"),
                                  md5=spec.get("md5"), size=spec.get("size")))
        except DownloadError as e:
            raise DownloadError(_("dataset {name!r}: {error}").format(name=name, error=e) + "\n"
                                + _download_hint(name)) from None
    writable_folder(folder, "datasets")
    staging = Path(tempfile.mkdtemp(prefix=".extracting-", dir=folder))
    try:
        for archive in archives:
            try:
                _unpack(archive, staging)
            except OSError as e:
                if e.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                raise DiskFullError(errno.ENOSPC, _(
                    "the disk filled up while extracting {archive} into {folder}; the half-extracted files were "
                    "removed and the archive is kept. Free some space (the images need about as much as the "
                    "archive) and try again.").format(archive=archive.name, folder=folder)) from None
        found = find_layout(staging, info["markers"])
        if not found:
            raise RuntimeError(_("{name!r}: the archives {archives} do not hold the expected layout ({markers})").format(
                name=name, archives=[a.name for a in archives], markers=", ".join(info["markers"])))
        try:
            check_counts(name, found)
        except ValueError as e:
            raise RuntimeError(_("{error}. Nothing was extracted; the archives stay in {folder} (delete them to "
                                 "download again).").format(error=e, folder=downloads)) from None
        _merge(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    found = find_layout(folder, info["markers"])
    if not found:  # pragma: no cover - _merge kept an older, different folder
        raise RuntimeError(f"{name!r} was extracted to {folder} but its layout ({info['markers']}) is not there")
    return found


def dataset_dir(name: str, data_dir: str | Path | None = None, download_if_missing: bool = True) -> Path:
    """The folder holding a dataset's extracted layout (local copy, cache, or a fresh download)."""
    local = _local_copy(name, data_dir)
    if local:
        return local
    info = dataset_info(name)
    cached = find_layout(_cache_folder("datasets", name), info["markers"])
    if cached:
        return cached
    if not download_if_missing:
        raise FileNotFoundError(_("dataset {name!r} is not available locally.").format(name=name) + "\n"
                                + _download_hint(name))
    return download(name)


# --------------------------------------------------------------------------- the image sets


def read_image_tf(path, size: tuple[int, int], decoder: str = "tensorflow"):
    """Inside ``tf.data``: decode one image file to ``size`` float32 0-255 RGB pixels.

    The format is read from the file's content, not its name, so a PNG saved as ``.jpg`` loads like
    any other image. Two decoders (an :class:`ImageSet`'s ``decoder``):

    * ``"tensorflow"``, the registered datasets: ``tf.io.decode_image`` (JPEG, PNG, GIF, BMP) and
      ``tf.image.resize``, the EXIF orientation ignored. Exactly how their benchmark figures were
      made, and no extra work per image (the cats_and_dogs_filtered and Oxford photos carry no
      EXIF rotation anyway).
    * ``"pillow"``, your own folders: each file read by :func:`~transferkit.load_image` at ``size``
      (EXIF orientation applied; WebP, AVIF, HEIC with ``pillow-heif``; Pillow's bilinear resize,
      which smooths a 12-megapixel phone photo before shrinking it). Training, evaluation and
      :func:`~transferkit.predict_image` so give the model the very same pixels for a photo.
    """
    import tensorflow as tf

    if decoder == "pillow":
        def read(file: bytes) -> np.ndarray:
            from .images import load_image

            return load_image(file.decode(), size)

        image = tf.cast(tf.numpy_function(read, [path], tf.uint8, stateful=False), tf.float32)
    else:
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32), size)
    return tf.ensure_shape(image, (*size, 3))


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

    def as_tf(self, image_size: int | tuple[int, int] = 224, batch_size: int = 32, shuffle: bool = False,
              seed: int = 0, labels: bool = True):
        """A ``tf.data.Dataset`` of ``(images, labels)`` batches: float32 0-255 RGB pixels, int32 labels.

        Decoding and resizing run in parallel and the next batch is prefetched (``AUTOTUNE``).
        Grayscale and CMYK images come out with 3 channels.
        """
        import tensorflow as tf

        size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
        ds = tf.data.Dataset.from_tensor_slices((self.paths, self.labels.astype("int32")))
        if shuffle:
            ds = ds.shuffle(len(self.paths), seed=seed, reshuffle_each_iteration=True)

        def load(path, label):
            image = read_image_tf(path, size, self.decoder)
            return (image, label) if labels else image

        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=not shuffle)
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def images(self, indices=None, size: int | None = None) -> list[np.ndarray]:
        """Some images as uint8 arrays (for plots), the same way up as the pipeline reads them."""
        from .images import load_image

        indices = range(len(self)) if indices is None else indices
        return [load_image(self.paths[i], size, upright=self.decoder == "pillow") for i in indices]

    def show(self, n: int = 8, seed: int = 0, ncols: int = 4):
        """A grid of ``n`` random images titled with their labels."""
        from .plots import show_images

        idx = np.random.default_rng(seed).choice(len(self), min(n, len(self)), replace=False)
        return show_images(self.images(idx), [self.class_names[self.labels[i]] for i in idx], ncols=ncols)


def _list_images(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _checked(name: str, paths: list[str], labels: list[int], class_names: list[str],
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


QUICK_IMAGES_PER_CLASS = 60
"""Quick mode (``TRANSFERKIT_QUICK=1``) keeps at most this many images per class and split."""


def load_dataset(name: str | os.PathLike, split: str | None = None, *, data_dir: str | Path | None = None,
                 per_class: int | None = -1, seed: int = 0, check: bool = True) -> ImageSet:
    """Loads a registered dataset split, or any folder of class subfolders, as an :class:`ImageSet` of checked image files.

    ``name`` is a registered name or a folder's path (see :func:`transferkit.folders.load_folder`:
    ``train``/``validation`` folders or a seeded split, ``all``; ``data_dir`` is not used then).

    ``per_class`` caps the images per class (seeded choice); the default is no cap, or
    ``QUICK_IMAGES_PER_CLASS`` in quick mode. Splits: ``train``/``validation`` for
    ``cats_and_dogs_filtered``; ``trainval``/``test`` for ``oxford_iiit_pet`` (the official split);
    ``train``/``validation`` (a seeded 80/20 split) or ``all`` for ``cats_vs_dogs``.
    """
    if isinstance(name, os.PathLike) or name not in registry():
        if isinstance(name, os.PathLike) or Path(name).expanduser().exists() or "/" in name or os.sep in name:
            from .folders import load_folder  # any folder of class subfolders

            return load_folder(name, split, per_class=per_class, seed=seed, check=check)
        raise ValueError(_("{name!r} is neither a registered dataset ({known}) nor an existing folder of class "
                           "subfolders").format(name=name, known=", ".join(sorted(registry()))))
    info = dataset_info(name)
    root = dataset_dir(name, data_dir)
    layout = info["layout"]
    if layout == "split_folders":
        split = split or "train"
        if split not in info["splits"]:
            raise ValueError(_("{name} has splits {splits}, not {split!r}").format(
                name=name, splits=list(info["splits"]), split=split))
        classes = info["classes"]
        paths, labels = [], []
        for i, c in enumerate(classes):
            files = _list_images(root / split / c)
            paths += files
            labels += [i] * len(files)
        s = _checked(f"{name}/{split}", paths, labels, classes, check=check)
    elif layout == "class_folders":
        split = split or "all"
        classes = info["classes"]
        paths, labels = [], []
        for i, c in enumerate(classes):
            files = _list_images(root / info["class_folders"][c])
            paths += files
            labels += [i] * len(files)
        s = _checked(f"{name}", paths, labels, classes, check=check)
        if split != "all":
            train, val = s.split(info["validation_fraction"], seed=seed)
            s = {"train": train, "validation": val}.get(split)
            if s is None:
                raise ValueError(_("{name} has splits {splits}, not {split!r}").format(
                    name=name, splits=["train", "validation", "all"], split=split))
            s.name = f"{name}/{split}"
    elif layout == "oxford_pets":
        s = _load_oxford_pets(root, split or "trainval", check=check)
    else:  # pragma: no cover - registry error
        raise ValueError(f"unknown layout {layout!r}")
    if per_class == -1:
        per_class = pick(None, QUICK_IMAGES_PER_CLASS)
    return s.take_per_class(per_class, seed=seed)


# --------------------------------------------------------------------------- Oxford-IIIT Pet

_SPLIT_LINE = re.compile(r"^(?P<image>\S+)\s+(?P<class_id>\d+)\s+(?P<species>[12])\s+(?P<breed_id>\d+)\s*$")


def breed_of(image_name: str) -> str:
    """Breed from an Oxford-IIIT Pet file name: ``"great_pyrenees_12.jpg" -> "great_pyrenees"``."""
    stem = Path(image_name).stem
    breed, sep, number = stem.rpartition("_")
    if not sep or not number.isdigit() or not breed:
        raise ValueError(_("{name!r} is not an Oxford-IIIT Pet image name (<breed>_<number>.jpg)").format(
            name=image_name))
    return breed


def species_of(breed: str) -> str:
    """``"cat"`` for cat breeds (their names are capitalised), ``"dog"`` otherwise."""
    return "cat" if breed[:1].isupper() else "dog"


def read_split_file(path: str | Path) -> list[dict]:
    """Parses an official ``trainval.txt``/``test.txt``/``list.txt``: ``Image CLASS-ID SPECIES BREED-ID``.

    Lines starting with ``#`` (``list.txt``'s header) and blank lines are skipped; anything else
    that does not match raises a ValueError naming the line.
    """
    rows = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = _SPLIT_LINE.match(line)
        if not m:
            raise ValueError(f"{path}:{n}: expected 'Image CLASS-ID SPECIES BREED-ID', got {line!r}")
        rows.append({"image": m["image"], "class_id": int(m["class_id"]),
                     "species": "cat" if m["species"] == "1" else "dog", "breed_id": int(m["breed_id"])})
    return rows


OXFORD_BREEDS = [
    "Abyssinian", "american_bulldog", "american_pit_bull_terrier", "basset_hound", "beagle", "Bengal",
    "Birman", "Bombay", "boxer", "British_Shorthair", "chihuahua", "Egyptian_Mau", "english_cocker_spaniel",
    "english_setter", "german_shorthaired", "great_pyrenees", "havanese", "japanese_chin", "keeshond",
    "leonberger", "Maine_Coon", "miniature_pinscher", "newfoundland", "Persian", "pomeranian", "pug",
    "Ragdoll", "Russian_Blue", "saint_bernard", "samoyed", "scottish_terrier", "shiba_inu", "Siamese",
    "Sphynx", "staffordshire_bull_terrier", "wheaten_terrier", "yorkshire_terrier",
]
"""The 37 breeds in official class-id order (class id = index + 1); cat breeds are capitalised."""


def _load_oxford_pets(root: Path, split: str, check: bool = True) -> ImageSet:
    if split not in ("trainval", "test"):
        raise ValueError(_("oxford_iiit_pet has the official splits 'trainval' and 'test', not {split!r}").format(
            split=split))
    rows = read_split_file(root / "annotations" / f"{split}.txt")
    paths, labels, species, missing = [], [], [], []
    for r in rows:
        p = root / "images" / f"{r['image']}.jpg"
        if not p.exists():
            missing.append((str(p), _("listed in the split file but not in images/")))
            continue
        paths.append(str(p))
        labels.append(r["class_id"] - 1)
        species.append(r["species"])
    s = _checked(f"oxford_iiit_pet/{split}", paths, labels, list(OXFORD_BREEDS), {"species": species}, check=check)
    s.skipped = missing + s.skipped
    return s


def demo_image(name: str = "cat.2007.jpg", data_dir: str | Path | None = None) -> Path:
    """Path of one of the course's example photos, e.g. ``"cat.2007.jpg"`` or ``"beagle_111.jpg"``.

    The photos ship inside the package (``transferkit/photos``, their sources and licences in
    ``SOURCES.md`` beside them), so this needs no data folder and no network. Other names of the two
    datasets also work: looked up in ``<data>/demo``, then in the dataset the photo comes from
    (``cat.N.jpg``/``dog.N.jpg`` in ``cats_and_dogs_filtered``, ``<breed>_N.jpg`` in
    ``oxford_iiit_pet``, downloaded if needed). With ``data_dir=`` only that folder is used.
    """
    if data_dir is None:
        shipped = resources.files("transferkit") / "photos" / name
        if shipped.is_file():
            return Path(str(shipped))
    root = Path(data_dir).expanduser() if data_dir else data_root()
    if root is not None and (root / "demo" / name).is_file():
        return root / "demo" / name
    m = re.fullmatch(r"(cat|dog)\.(\d+)\.jpg", name)
    if m:
        folder = dataset_dir("cats_and_dogs_filtered", data_dir)
        split = "validation" if int(m[2]) >= 2000 else "train"
        path = folder / split / f"{m[1]}s" / name
    else:
        breed_of(name)  # raises a clear error for names that are neither kind
        path = dataset_dir("oxford_iiit_pet", data_dir) / "images" / name
    if not path.is_file():
        raise FileNotFoundError(_("no example photo {name!r} (looked for {path})").format(name=name, path=path))
    return path

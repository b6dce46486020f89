"""Datasets by name: where they come from, how they are cached and checked, how they are loaded.

The registry (``transferkit/data/datasets.json``, the repo's ``data/`` folder) maps each name to its
source URLs (primary first, then mirrors), checksum, archive layout, expected counts and licence.

Where the files come from, in order:

1. ``data_dir=`` or ``$TRANSFERKIT_DATA``: a folder holding the dataset's extracted layout is used
   as it is; nothing is downloaded or written there.
2. the kit's cache (``$TRANSFERKIT_CACHE/datasets``), filled by an earlier download;
3. a download (:mod:`transferkit.datasets.downloads`): the classroom mirror ``$TRANSFERKIT_MIRROR`` first,
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
from importlib import resources
from pathlib import Path


from ..config import cache_dir, data_root, pick
from .downloads import DiskFullError, DownloadError, check_file, fetch, writable_folder
from ..i18n import _
from .imageset import IMAGE_SUFFIXES, QUICK_IMAGES_PER_CLASS, ImageSet, checked_set
from .oxford import breed_of, load_oxford_pets, read_split_file


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
    for _depth in range(max_depth + 1):
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

    Archives come through :func:`transferkit.datasets.downloads.fetch` (``$TRANSFERKIT_MIRROR`` first, then
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
        for archive, spec in zip(archives, info["files"]):
            try:
                if info.get("unpack") == "animal_silhouettes":  # a wheel of pickled arrays: checked, then PNG files
                    from .silhouettes import write_silhouettes

                    _verify(archive, spec)
                    write_silhouettes(archive, staging)
                else:
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


def _list_images(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def load_dataset(name: str | os.PathLike, split: str | None = None, *, data_dir: str | Path | None = None,
                 per_class: int | None = -1, seed: int = 0, check: bool = True) -> ImageSet:
    """Loads a registered dataset split, or any folder of class subfolders, as an :class:`ImageSet` of checked image files.

    ``name`` is a registered name or a folder's path (see :func:`transferkit.datasets.folders.load_folder`:
    ``train``/``validation`` folders or a seeded split, ``all``; ``data_dir`` is not used then).

    ``per_class`` caps the images per class (seeded choice); the default is no cap, or
    ``QUICK_IMAGES_PER_CLASS`` in quick mode. Splits: ``train``/``validation`` for
    ``cats_and_dogs_filtered``; ``trainval``/``test`` for ``oxford_iiit_pet`` (the official split);
    ``train``/``validation`` (a seeded 80/20 split of each class) or ``all`` for ``cats_vs_dogs`` and
    ``animal_silhouettes``.
    """
    if isinstance(name, os.PathLike) or name not in registry():
        if isinstance(name, os.PathLike) or Path(name).expanduser().exists() or "/" in name or os.sep in name:
            from .folders import load_folder

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
        s = checked_set(f"{name}/{split}", paths, labels, classes, check=check)
    elif layout == "class_folders":
        split = split or "all"
        classes = info["classes"]
        paths, labels = [], []
        for i, c in enumerate(classes):
            files = _list_images(root / info["class_folders"][c])
            paths += files
            labels += [i] * len(files)
        s = checked_set(f"{name}", paths, labels, classes, check=check)
        if split != "all":
            train, val = s.split(info["validation_fraction"], seed=seed)
            s = {"train": train, "validation": val}.get(split)
            if s is None:
                raise ValueError(_("{name} has splits {splits}, not {split!r}").format(
                    name=name, splits=["train", "validation", "all"], split=split))
            s.name = f"{name}/{split}"
    elif layout == "oxford_pets":
        s = load_oxford_pets(root, split or "trainval", check=check)
    else:  # pragma: no cover - registry error
        raise ValueError(f"unknown layout {layout!r}")
    if per_class == -1:
        per_class = pick(None, QUICK_IMAGES_PER_CLASS)
    return s.take_per_class(per_class, seed=seed)


# --------------------------------------------------------------------------- Oxford-IIIT Pet


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

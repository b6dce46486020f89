"""Any folder of images as a dataset: one subfolder per class, optionally split into train/validation.

Two layouts are understood (class names are the subfolder names, sorted)::

    my_photos/                    my_photos/
        cats/  a.jpg b.webp ...       train/       cats/ ...  dogs/ ...
        dogs/  c.jpg ...              validation/  cats/ ...  dogs/ ...   (optional; also "val", "valid")
            from my phone/  d.heic ...

Subfolders inside a class folder belong to that class (as with Keras' ``image_dataset_from_directory``);
the report says how many images came from them. Photos are read the way a photo viewer shows them
(:func:`~transferkit.load_image`): JPEG, PNG, GIF, BMP, WebP, AVIF, and HEIC with the ``heic`` extra,
turned upright by their EXIF orientation, in training, evaluation and prediction alike (the one
way every dataset is read, see :func:`~transferkit.datasets.imageset.read_image_tf`).

Without a ``validation`` folder, ``"train"`` and ``"validation"`` are a seeded, stratified split
(``validation_fraction`` of each class held out) and ``"all"`` is every image. Every file is checked
(:func:`~transferkit.datasets.checks.scan_images`): files that are not images or do not decode, and junk that file
managers leave (``.DS_Store``, ``Thumbs.db``, macOS ``._*`` files), are skipped and listed in
``.skipped`` by their path inside the folder (``cats/x4.webp``), never deleted or moved. Mistakes in
the layout (no such folder, no class subfolders, one class, an empty class, images one folder too
deep, splits or classes inside a class folder) raise an error that says what was found and what is
expected.

>>> train = load_folder("my_photos", "train")       # or load_dataset("my_photos", "train")
>>> test = load_folder("my_photos", "validation")
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..config import pick
from .imageset import IMAGE_SUFFIXES, QUICK_IMAGES_PER_CLASS, ImageSet, checked_set
from ..i18n import N_, _

VALIDATION_NAMES = ("validation", "val", "valid")
"""Folder names accepted for a given validation split (the first one found is used)."""

SPLITS = ("train", "validation", "all")

SPLIT_NAMES = {"train", "training", "validation", "val", "valid", "test", "testing"}
"""Folder names that mean a split of the data, never a class or a group of one class's photos."""

_IGNORED = {"__MACOSX", "__pycache__"}  # macOS zip metadata and the like: never a class

_JUNK = {".ds_store": N_("macOS folder settings (.DS_Store), not a photo"),
         "thumbs.db": N_("Windows thumbnail cache (Thumbs.db), not a photo"),
         "desktop.ini": N_("Windows folder settings (desktop.ini), not a photo")}


def junk_reason(name: str) -> str | None:
    """Why a file named ``name`` is file-manager junk rather than a photo, or None when it is not junk."""
    if name.lower() in _JUNK:
        return _(_JUNK[name.lower()])
    if name.startswith("._"):
        return _("macOS metadata for {name} (an AppleDouble ._ file), not a photo").format(name=name[2:])
    if name.startswith("."):
        return _("hidden file, not a photo")
    return None


def visible_entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in _IGNORED)


def _subfolders(folder: Path) -> list[Path]:
    return [p for p in visible_entries(folder) if p.is_dir()]


def _is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and junk_reason(path.name) is None


def _images_below(folder: Path, limit: int = 1000) -> list[Path]:
    """Image-named files anywhere below ``folder`` (at most ``limit``, for messages)."""
    found = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and _is_image_name(p) and not any(part.startswith(".") or part in _IGNORED
                                                        for part in p.relative_to(folder).parts):
            found.append(p)
            if len(found) >= limit:
                break
    return found


def _count(n: int) -> str:
    return (_("{n}+ images") if n >= 1000 else _("{n} images")).format(n=n)


LAYOUT_HELP = N_("Expected one subfolder per class holding its images, e.g. <folder>/cats/cat1.jpg and "
                 "<folder>/dogs/dog1.jpg (optionally inside <folder>/train/ and <folder>/validation/).")
"""What :func:`load_folder` expects (in English; shown translated with ``_(LAYOUT_HELP)``)."""


def _class_folders(root: Path, what: str) -> tuple[list[Path], list[Path]]:
    """The class subfolders of ``root`` and the loose files beside them; raises for a wrong layout."""
    folders = _subfolders(root)
    loose = sorted(p for p in root.iterdir() if p.is_file())
    if not folders:
        images = [p for p in loose if _is_image_name(p)]
        if images:
            found = _("{n} images directly in it and no subfolders").format(n=len(images))
        elif loose:
            found = _("no subfolders ({n} files)").format(n=len(loose))
        else:
            found = _("nothing (it is empty)")
        raise ValueError(_("{what} {root} has no class subfolders: found {found}. {help}").format(
            what=_(what), root=root, found=found, help=_(LAYOUT_HELP)))
    if len(folders) == 1:
        only = folders[0]
        inner = [p for p in _subfolders(only) if _images_below(p, 1)]
        if inner:
            raise ValueError(_(
                "{what} {root} holds one folder, {only!r}, which itself holds the folders {inner}: the images are "
                "nested one level too deep. Pass {path!r} instead (e.g. load_dataset({path!r}))."
            ).format(what=_(what), root=root, only=only.name, inner=", ".join(repr(p.name) for p in inner[:5]),
                     path=str(only)))
        raise ValueError(_("{what} {root} has only one class subfolder, {only!r}: a classifier needs at least two "
                           "classes. {help}").format(what=_(what), root=root, only=only.name, help=_(LAYOUT_HELP)))
    return folders, loose


def _check_nesting(root: Path, what: str, folders: list[Path]) -> None:
    """Raises when a class folder's subfolders look like classes or splits of their own, not a group of its photos."""
    class_names = {p.name.lower() for p in folders}
    for folder in folders:
        inner = [(p, len(_images_below(p))) for p in _subfolders(folder)]
        inner = [(p, n) for p, n in inner if n]
        if not inner:
            continue
        listed = ", ".join(f"{p.relative_to(root).as_posix()}/ ({_count(n)})" for p, n in inner[:3])
        if folder.name.lower() in SPLIT_NAMES:
            raise ValueError(_(
                "{what} {root}: the folder {folder!r} is named like a split, not a class, and holds {listed}: those "
                "look like the classes. Name the split folders train/ and validation/ (<folder>/train/<class>/...), "
                "or pass {path!r} alone. Nothing was changed on disk."
            ).format(what=_(what), root=root, folder=folder.name, listed=listed, path=str(folder)))
        splits = [(p, n) for p, n in inner if p.name.lower() in SPLIT_NAMES]
        if splits:
            raise ValueError(_(
                "{what} {root}: class folder {folder!r} holds {inner}, named like a split, not like a group of "
                "{folder!r} photos. Put the splits outside the classes: <folder>/train/{name}/..., "
                "<folder>/validation/{name}/... . Nothing was changed on disk."
            ).format(what=_(what), root=root, folder=folder.name, name=folder.name,
                     inner=", ".join(f"{p.relative_to(root).as_posix()}/" for p, _n in splits[:3])))
        others = [(p, n) for p, n in inner if p.name.lower() in class_names - {folder.name.lower()}]
        if others:
            p, n = others[0]
            raise ValueError(_(
                "{what} {root}: class folder {folder!r} holds {inner}/ ({count}), named like the class {other!r}: its "
                "images would be labelled {folder!r}. Move it beside the other class folders (merge it into "
                "{other_name}/), or rename it. Nothing was changed on disk."
            ).format(what=_(what), root=root, folder=folder.name, inner=p.relative_to(root).as_posix(),
                     count=_count(n), other=p.name, other_name=p.name))


def _list_class(folder: Path) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Every file below a class folder, subfolders included (as Keras indexes them).

    Returns ``(paths, subfolder of each, junk)``: the subfolder with its class folder
    (``"dogs/from my phone"``, ``""`` for a file directly in the class folder) and the junk files
    with the reason they are skipped. Hidden folders and ``__MACOSX`` are not looked into.
    """
    files, where, junk = [], [], []
    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _IGNORED)
        inside = Path(here).relative_to(folder).as_posix()
        for name in sorted(names):
            path = os.path.join(here, name)
            reason = junk_reason(name)
            if reason:
                junk.append((path, reason))
            else:
                files.append(path)
                where.append("" if inside == "." else f"{folder.name}/{inside}")
    return files, where, junk


def _load_classes(root: Path, what: str, class_names: list[str] | None = None, check: bool = True,
                  name: str = "", dataset_root: Path | None = None) -> ImageSet:
    folders, loose = _class_folders(root, what)
    names = [p.name for p in folders]
    if class_names is not None and names != class_names:
        missing = sorted(set(class_names) - set(names))
        extra = sorted(set(names) - set(class_names))
        problems = ([_("missing {names}").format(names=missing)] if missing else []) + \
            ([_("not in train/: {names}").format(names=extra)] if extra else [])
        raise ValueError(_("{root} does not have the same class folders as train/: {problems}").format(
            root=root, problems="; ".join(problems)))
    _check_nesting(root, what, folders)
    paths, labels, subfolders, junk = [], [], [], []
    for i, folder in enumerate(folders):
        files, where, skipped = _list_class(folder)
        paths += files
        labels += [i] * len(files)
        subfolders += where
        junk += skipped
    s = checked_set(name, paths, labels, names, {"subfolder": subfolders}, check=check,
                    root=dataset_root or root)
    s.skipped = sorted([(str(p), junk_reason(p.name) or _("not inside a class folder")) for p in loose]
                       + junk + s.skipped)
    counts = s.counts()
    empty = [c for c, n in counts.items() if n == 0]
    if empty:
        why = {}
        for p, reason in s.skipped:
            parts = Path(p).relative_to(root).parts
            if len(parts) > 1:
                why.setdefault(parts[0], []).append(f"{Path(*parts[1:]).as_posix()}: {reason}")
        details = "; ".join(f"{c!r} " + (_("(skipped: {files})").format(
            files=", ".join(why[c][:3]) + (" ..." if len(why[c]) > 3 else "")) if c in why else _("(no files)"))
            for c in empty)
        raise ValueError(_("{what} {root}: class folder(s) without a usable image: {details}. Add images or move the "
                           "folder out (nothing was changed on disk).").format(what=_(what), root=root,
                                                                              details=details))
    return s


def folder_layout(path: str | Path) -> dict:
    """What :func:`load_folder` sees in ``path``: ``{"root", "train", "validation"}`` (validation may be None).

    Raises FileNotFoundError for a missing path and NotADirectoryError for a file (e.g. a zip not yet extracted).
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise FileNotFoundError(_("no folder {path!r} (looked at {absolute}). Give the path of a folder of class "
                                  "subfolders. {help}").format(path=str(root), absolute=root.resolve(),
                                                               help=_(LAYOUT_HELP)))
    if not root.is_dir():
        if root.suffix.lower() in {".zip", ".tar", ".gz", ".tgz"}:
            raise NotADirectoryError(_("{path} is a file, not a folder of class subfolders. Extract the archive first "
                                       "(e.g. shutil.unpack_archive).").format(path=root))
        raise NotADirectoryError(_("{path} is a file, not a folder of class subfolders.").format(path=root))
    train = root / "train"
    if train.is_dir():
        val = next((root / v for v in VALIDATION_NAMES if (root / v).is_dir()), None)
        return {"root": root, "train": train, "validation": val}
    return {"root": root, "train": None, "validation": None}


def load_folder(path: str | Path, split: str | None = None, *, validation_fraction: float = 0.2,
                per_class: int | None = -1, seed: int = 0, check: bool = True) -> ImageSet:
    """A folder of class subfolders as a checked :class:`~transferkit.ImageSet` (see the module docstring).

    ``split`` is ``"train"``, ``"validation"`` or ``"all"`` (default: ``"train"`` when the folder has
    ``train/``, else ``"all"``). Without a validation folder, ``"train"``/``"validation"`` come from a
    seeded, stratified split with ``validation_fraction`` of each class held out, the same for the
    same ``seed``. ``per_class`` caps the images per class like :func:`~transferkit.load_dataset`
    (default: no cap, ``QUICK_IMAGES_PER_CLASS`` in quick mode).
    """
    layout = folder_layout(path)
    root = layout["root"]
    label = root.resolve().name or str(root)
    if split is None:
        split = "train" if layout["train"] else "all"
    if split not in SPLITS:
        raise ValueError(_("split must be one of {splits}, not {split!r}").format(splits=SPLITS, split=split))
    if layout["train"] is not None:
        train = _load_classes(layout["train"], N_("the train folder"), check=check, name=f"{label}/train",
                              dataset_root=root)
        if layout["validation"] is not None:
            val = _load_classes(layout["validation"], N_("the validation folder"), train.class_names, check=check,
                                name=f"{label}/validation", dataset_root=root)
            if split == "all":
                s = ImageSet(f"{label}/all", train.paths + val.paths, np.concatenate([train.labels, val.labels]),
                             train.class_names, train.skipped + val.skipped,
                             {k: np.concatenate([v, val.extras[k]]) for k, v in train.extras.items()},
                             train.misnamed + val.misnamed, train.root)
            else:
                s = train if split == "train" else val
        else:
            s = _split(train, split, validation_fraction, seed, label)
    else:
        s = _split(_load_classes(root, N_("folder"), check=check, name=label), split, validation_fraction, seed, label)
    if per_class == -1:
        per_class = pick(None, QUICK_IMAGES_PER_CLASS)
    return s.take_per_class(per_class, seed=seed)


def _split(s: ImageSet, split: str, fraction: float, seed: int, label: str) -> ImageSet:
    if split == "all":
        s.name = f"{label}/all" if "/" not in s.name else s.name
        return s
    if not 0.0 < fraction < 1.0:
        raise ValueError(_("validation_fraction must lie strictly between 0 and 1, got {fraction}").format(
            fraction=fraction))
    small = [c for c, n in s.counts().items() if n < 2]
    if small:
        raise ValueError(_("{label}: classes {classes} have fewer than 2 images, too few to split into train and "
                           "validation; add images, or use split='all'").format(label=label, classes=small))
    train, val = s.split(fraction, seed=seed)
    part = train if split == "train" else val
    part.name = f"{label}/{split}"
    return part



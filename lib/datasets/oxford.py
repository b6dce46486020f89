"""Oxford-IIIT Pet: its split files, its 37 breeds (cat breeds capitalised) and its image sets."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..i18n import _
from .imageset import ImageSet, checked_set


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
            raise ValueError(_("{path}:{n}: expected 'Image CLASS-ID SPECIES BREED-ID', got {line!r}").format(
                path=path, n=n, line=line))
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


def load_oxford_pets(root: Path, split: str, check: bool = True) -> ImageSet:
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
    s = checked_set(f"oxford_iiit_pet/{split}", paths, labels, list(OXFORD_BREEDS), {"species": species}, check=check)
    s.skipped = missing + s.skipped
    return s


def describe_counts(sets: dict, few: int = 20) -> str:
    """What a dataset holds: images per split, and the breeds with few (or no) images.

    ``sets`` maps split names to :class:`~transferkit.ImageSet` objects of the same classes.
    """
    lines = []
    for split, s in sets.items():
        counts = np.array(list(s.counts().values()))
        present = int((counts > 0).sum())
        lines.append(_("{split}: {n} images of {present}/{total} breeds (per breed {low}-{high}, median {median}); "
                       "{skipped} files skipped").format(
            split=split, n=len(s), present=present, total=s.num_classes, low=counts.min(), high=counts.max(),
            median=int(np.median(counts)), skipped=len(s.skipped)))
    for split, s in sets.items():
        counts = s.counts()
        none = [c for c, n in counts.items() if n == 0]
        short = [f"{c} ({n})" for c, n in counts.items() if 0 < n < few]
        if none:
            lines.append(_("{split}: no images at all for {n} breeds: {breeds}").format(
                split=split, n=len(none), breeds=", ".join(none)))
        if short:
            lines.append(_("{split}: fewer than {few} images for {n} breeds: {breeds}").format(
                split=split, few=few, n=len(short), breeds=", ".join(short)))
    lines.append(_("Per-breed accuracy on a handful of images is noise: with 1 test image a breed scores {low} or "
                   "{high}.").format(low="0%", high="100%"))
    return "\n".join(lines)

"""Finding a class by name: the one matcher behind ImageNet's and your own class names."""

from __future__ import annotations

import difflib
from typing import Sequence


def normalised(name: str) -> str:
    """``"Siamese cat"``, ``"siamese-cat"`` and ``"Siamese_cat"`` all become ``"siamese_cat"``."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def find_name(target: str, names: Sequence[str]) -> tuple[int | None, list[str]]:
    """``(index, [])`` if ``target`` is one of ``names`` ignoring case, spaces and hyphens; else
    ``(None, up to 5 closest names)`` for the error message."""
    keys = [normalised(n) for n in names]
    key = normalised(str(target))
    if key in keys:
        return keys.index(key), []
    return None, [names[keys.index(c)] for c in difflib.get_close_matches(key, keys, n=5, cutoff=0.5)]

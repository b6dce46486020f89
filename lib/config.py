"""Run-time settings read from the environment: quick mode, data and cache folders.

* ``TRANSFERKIT_QUICK=1`` - quick mode: fewer images, epochs and steps (CI, a first look).
* ``TRANSFERKIT_DATA``    - a folder holding local copies of the datasets (nothing is downloaded).
* ``TRANSFERKIT_CACHE``   - where downloads and cached features go (default ``~/.cache/transferkit``).
* ``KERAS_HOME``          - Keras' own cache; pretrained weights live in ``$KERAS_HOME/models``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_FALSE = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """True when ``TRANSFERKIT_QUICK`` is set to a true value."""
    return os.environ.get("TRANSFERKIT_QUICK", "").strip().lower() not in _FALSE


def pick(full: T, quick: T) -> T:
    """``full`` normally, ``quick`` in quick mode - e.g. ``EPOCHS = pick(10, 1)``."""
    return quick if quick_mode() else full


def data_root() -> Path | None:
    """The folder named by ``TRANSFERKIT_DATA``, or None."""
    value = os.environ.get("TRANSFERKIT_DATA", "").strip()
    return Path(value).expanduser() if value else None


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the kit's cache (created on demand)."""
    root = Path(os.environ.get("TRANSFERKIT_CACHE", "~/.cache/transferkit")).expanduser()
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def mode_banner() -> str:
    """One line saying which mode the kit runs in and where its data comes from."""
    mode = "QUICK mode (TRANSFERKIT_QUICK=1): small subsets, few epochs" if quick_mode() else "full mode"
    root = data_root()
    source = f"local data from {root}" if root else "data downloaded to the cache if needed"
    return f"transferkit: {mode}; {source}."

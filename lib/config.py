"""Run-time settings read from the environment: quick mode, data and cache folders.

* ``TRANSFERKIT_QUICK=1`` - quick mode: fewer images, epochs and steps (CI, a first look).
* ``TRANSFERKIT_DATA``    - a folder holding local copies of the datasets (nothing is downloaded).
* ``TRANSFERKIT_CACHE``   - where downloads and cached features go (default ``~/.cache/transferkit``).
* ``KERAS_HOME``          - Keras' own cache; pretrained weights live in ``$KERAS_HOME/models``.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name: str) -> bool:
    """The kit's one reader of a true/false environment variable: False when unset, empty, ``0``,
    ``false``, ``no`` or ``off`` (any case, spaces ignored), True for anything else (``1``, ``yes``...)."""
    return os.environ.get(name, "").strip().lower() not in _FALSE


def quick_mode() -> bool:
    """True when ``TRANSFERKIT_QUICK`` is set to a true value."""
    return env_flag("TRANSFERKIT_QUICK")


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
    from .i18n import _

    mode = _("QUICK mode (TRANSFERKIT_QUICK=1): small subsets, few epochs") if quick_mode() else _("full mode")
    root = data_root()
    source = _("local data from {folder}").format(folder=root) if root else _("data downloaded to the cache if needed")
    return _("transferkit: {mode}; {source}.").format(mode=mode, source=source)


# --------------------------------------------------------------------------- importing TensorFlow

#: What TensorFlow's C++ side wrote to stderr while it was imported (kept out of the lesson's first cell).
tensorflow_startup_log: list[str] = []

_ABSL_LINE = re.compile(r"^[IWE]\d{4} [\d:.]+\s+\d+ [\w.\-/]+:\d+\] ")
_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def is_startup_notice(line: str) -> bool:
    """True for an absl-format C++ log line (info, warning, error; never fatal) or absl's banner."""
    return line.startswith(_ABSL_BANNER) or bool(_ABSL_LINE.match(line))


def split_startup_notices(lines: list[str]) -> tuple[list[str], list[str]]:
    """``(notices, rest)``: C++ log records (with their continuation lines) apart from everything else.

    A record may span lines (the CPU-feature notice does); a line that starts neither a log record
    nor Python output (a traceback, a ``file.py:N: Warning``) continues the record before it.
    """
    notices, rest, in_notice = [], [], False
    for line in lines:
        if is_startup_notice(line):
            in_notice = True
        elif re.match(r"^[IWEF]\d{4} |Traceback |\S+\.py:\d+: |\S*(Error|Warning|Exception)\b", line):
            in_notice = False
        (notices if in_notice else rest).append(line)
    return notices, rest


def import_tensorflow():
    """Imports TensorFlow, the backend the kit runs Keras on, without its C++ start-up notices.

    TensorFlow 2.20+ prints them (oneDNN, CPU features, CUDA plugins) before absl is initialised,
    whatever ``TF_CPP_MIN_LOG_LEVEL`` says, so the kit filters file descriptor 2 during the import:
    notices go to ``tensorflow_startup_log``, anything else is passed on. ``TF_CPP_MIN_LOG_LEVEL=0``
    shows everything. Without TensorFlow this raises an ImportError saying what to install.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    _remove_import_filter()
    try:
        with filtered_startup_notices():
            import tensorflow
    except ModuleNotFoundError as e:
        if e.name != "tensorflow":
            raise
        from .i18n import _

        raise ImportError(_(
            "transferkit runs Keras on TensorFlow, which is not installed here: "
            "`pip install tensorflow-cpu` (or `tensorflow` with a GPU) and import it again."
        )) from None
    return tensorflow


@contextlib.contextmanager
def filtered_startup_notices():
    """While the block runs, TensorFlow's C++ start-up notices go to ``tensorflow_startup_log``, the rest to stderr."""
    if not os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip():
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    show_all = os.environ["TF_CPP_MIN_LOG_LEVEL"].strip() == "0"
    lines: list[str] = []
    try:
        with _native_stderr(lines):
            yield
    finally:
        notices, rest = ([], lines) if show_all else split_startup_notices(lines)
        tensorflow_startup_log.extend(notices)
        if rest:
            sys.stderr.write("".join(rest))
            sys.stderr.flush()


class _FilteredTensorFlowImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` the usual way, once, and runs its import under :func:`filtered_startup_notices`.

    ``import transferkit`` imports no TensorFlow, but a notebook's next import (``keras``) does: this
    keeps the start-up notices out of the lesson's first cell whoever imports TensorFlow first.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        _remove_import_filter()
        spec = importlib.util.find_spec("tensorflow")
        if spec is not None and spec.loader is not None:
            spec.loader = _FilteredLoader(spec.loader)
        return spec


class _FilteredLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # get_resource_reader, is_package, ...: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with filtered_startup_notices():
            self.loader.exec_module(module)


def filter_tensorflow_import() -> None:
    """Filters TensorFlow's start-up notices whenever it is first imported (a one-shot import hook)."""
    if "tensorflow" not in sys.modules and not any(isinstance(f, _FilteredTensorFlowImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _FilteredTensorFlowImport())


def _remove_import_filter() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _FilteredTensorFlowImport)]


@contextlib.contextmanager
def _native_stderr(lines: list[str]):
    """Appends to ``lines`` what is written to file descriptor 2 (C++ code included) while the block runs."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            _flush_all_streams()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            lines.extend(tmp.read().decode("utf-8", "replace").splitlines(keepends=True))


def _flush_all_streams() -> None:
    """Flushes Python's stderr and every C stdio stream (C++ libraries may hold log lines in a buffer)."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):
        pass

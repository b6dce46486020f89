"""Every file the kit downloads goes through :func:`fetch`: a classroom mirror first, then the public URLs.

* ``TRANSFERKIT_MIRROR=http://<teacher's machine>:8000/`` names a plain HTTP folder (what
  ``python -m transferkit.mirror`` serves) holding files under their original names
  (``<mirror>/mobilenet_7_5_224_tf_no_top.h5``, ``<mirror>/cats_and_dogs_filtered.zip``, ...). It is
  tried first; when it is down or lacks the file, one line says so and the public URLs follow.
* The transfer itself is ``keras.utils.get_file`` (progress bar) into a temporary folder beside the
  target. The file is checked there (not an HTML page, HDF5 where weights are expected, byte size,
  sha256 or md5, each file hashed once) and only then renamed to its final name, so an interrupted
  download, a wrong checksum or a full disk leaves nothing behind and the next attempt starts clean.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import socket
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

from ..i18n import _

MIRROR_ENV = "TRANSFERKIT_MIRROR"


class DownloadError(RuntimeError):
    """A file could not be had from any of its URLs; the message lists each URL and why."""


class DiskFullError(OSError):
    """The disk filled up while downloading (nothing partial is left behind)."""


def mirror_url() -> str | None:
    """The classroom mirror named by ``TRANSFERKIT_MIRROR`` (ending in ``/``), or None."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    if not value:
        return None
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        bare = value.split("://", 1)[-1].lstrip("/")
        raise ValueError(_(
            "{variable}={value!r} is not an http:// address. Set it to the URL the teacher's "
            "`python -m transferkit.mirror` prints, e.g. {variable}=http://{address}/ "
            "(or unset it to download from the public URLs)."
        ).format(variable=MIRROR_ENV, value=value, address=bare or "192.168.1.10:8000"))
    return value.rstrip("/") + "/"


def sources(name: str, urls: list[str]) -> list[str]:
    """The URLs :func:`fetch` tries for ``name``, in order: the mirror's copy, then ``urls``."""
    mirror = mirror_url()
    found = ([mirror + urllib.parse.quote(name)] if mirror else []) + [u for u in urls if u]
    return list(dict.fromkeys(found))


def keras_models_dir() -> Path:
    """``$KERAS_HOME/models``: where ``keras.applications`` looks for weights before downloading them.

    Once Keras is loaded, the folder it chose when it started (Keras has no public accessor for it);
    before that, :func:`keras_models_dir_from_environment`.
    """
    if "keras" in sys.modules:
        try:
            from keras.src.backend.config import keras_home

            return Path(keras_home()).expanduser() / "models"
        except ImportError:  # pragma: no cover - a Keras without that accessor
            pass
    return keras_models_dir_from_environment()


def keras_models_dir_from_environment() -> Path:
    """Keras' own rule for its weights folder, without importing Keras: ``$KERAS_HOME/models``, else
    ``~/.keras/models``, else ``/tmp/.keras/models`` when the home folder is read-only."""
    home = os.environ.get("KERAS_HOME")
    if not home:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return Path(home).expanduser() / "models"


def writable_folder(folder: str | Path, what: str = "downloads") -> Path:
    """``folder``, created if needed; a clear error if files cannot be written there."""
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-")
        probe.close()
    except OSError as e:
        env = "KERAS_HOME" if what == "weights" else "TRANSFERKIT_CACHE"
        raise PermissionError(_(
            "cannot write {what} to {folder} ({reason}). Point {variable} at a folder you can write to, "
            "e.g. {variable}=~/transferkit-cache"
        ).format(what=what, folder=folder, reason=e.strerror or e, variable=env)) from None
    return folder


# --------------------------------------------------------------------------- checking a file

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<?xml")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def check_file(path: str | Path, name: str | None = None, *, sha256: str | None = None, md5: str | None = None,
               size: int | None = None) -> None:
    """Raises ValueError saying what is wrong with a downloaded file; each file is hashed (once) only here."""
    path = Path(path)
    name = name or path.name
    actual_size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(512)
    if actual_size == 0:
        raise ValueError(_("{name}: the server sent an empty file").format(name=name))
    if head.lstrip().lower().startswith(_HTML_STARTS) and not name.lower().endswith((".html", ".htm", ".xml")):
        raise ValueError(_("{name}: the server sent an HTML page, not the file (an error, login or Wi-Fi portal "
                           "page?)").format(name=name))
    if name.endswith(".h5") and not head.startswith(_HDF5_MAGIC):
        raise ValueError(_("{name}: not an HDF5 weights file (it starts with {start!r})").format(name=name,
                                                                                                start=head[:8]))
    if size and actual_size != size:
        raise ValueError(_("{name}: {size:,} bytes, expected {expected:,} (incomplete or a different file)").format(
            name=name, size=actual_size, expected=size))
    hashers = {k: hashlib.new(k) for k, v in (("sha256", sha256), ("md5", md5)) if v}
    if hashers:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                for h in hashers.values():
                    h.update(chunk)
        for algorithm, expected in (("sha256", sha256), ("md5", md5)):
            if algorithm in hashers and hashers[algorithm].hexdigest() != expected.lower():
                raise ValueError(_("{name}: {algorithm} {digest} does not match the expected {expected} (a corrupted "
                                   "or different file)").format(name=name, algorithm=algorithm,
                                                                digest=hashers[algorithm].hexdigest(), expected=expected))


def _disk_full(e: BaseException | None) -> bool:
    while e is not None:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        e = e.__cause__ or e.__context__
    return False


def _disk_full_error(name: str, folder: Path, needed: int | None) -> DiskFullError:
    free = shutil.disk_usage(folder).free
    if needed:
        message = _("the disk is full: {name} does not fit in {folder} ({free:,.1f} MB free; it needs {needed:,.1f} "
                    "MB). Nothing partial was kept. Free some space or set TRANSFERKIT_CACHE to a folder on a bigger "
                    "disk, then try again.")
    else:
        message = _("the disk is full: {name} does not fit in {folder} ({free:,.1f} MB free). Nothing partial was "
                    "kept. Free some space or set TRANSFERKIT_CACHE to a folder on a bigger disk, then try again.")
    return DiskFullError(errno.ENOSPC, message.format(name=name, folder=folder, free=free / 1e6,
                                                      needed=(needed or 0) / 1e6))


STALL_SECONDS = 60
"""A download that receives nothing for this long fails (and the next URL is tried)."""

MIRROR_TIMEOUT = 5
"""Seconds the mirror has to answer at all: a teacher's laptop that is off costs students no more."""


def _mirror_problem(url: str, size: int | None = None) -> str | None:
    """Why the mirror cannot give ``url`` (asked with a quick HEAD request), or None when it can.

    A mirror announcing another size than the expected one holds a different file: it is not
    downloaded at all.
    """
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=MIRROR_TIMEOUT) as r:
            announced = r.headers.get("Content-Length")
            if size and announced and announced.isdigit() and int(announced) != size:
                return _("it holds a different file: {size:,} bytes, expected {expected:,}").format(
                    size=int(announced), expected=size)
            return None
    except urllib.error.HTTPError as e:
        return None if e.code in (405, 501) else f"HTTP {e.code} {e.reason}"  # no HEAD support: try GET
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return _("not reachable: {reason}").format(reason=reason)


_timeout_lock = threading.Lock()
_timeout_users = 0
_timeout_before: float | None = None


@contextlib.contextmanager
def _stall_timeout(seconds: float):
    """Sockets opened meanwhile time out after ``seconds`` of silence (urlretrieve, inside get_file, takes
    no timeout of its own). Downloads in several threads share it; the last one out restores the default."""
    global _timeout_users, _timeout_before
    with _timeout_lock:
        if _timeout_users == 0:
            _timeout_before = socket.getdefaulttimeout()
            socket.setdefaulttimeout(seconds)
        _timeout_users += 1
    try:
        yield
    finally:
        with _timeout_lock:
            _timeout_users -= 1
            if _timeout_users == 0:
                socket.setdefaulttimeout(_timeout_before)


def _download_one(name: str, url: str, folder: Path, checks: dict) -> Path:
    import keras

    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=folder))
    try:
        with _stall_timeout(STALL_SECONDS):
            got = Path(keras.utils.get_file(name, url, cache_dir=str(tmp), cache_subdir=""))
        check_file(got, name, **checks)
        target = folder / name
        os.replace(got, target)
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch(name: str, urls: list[str], folder: str | Path, *, sha256: str | None = None, md5: str | None = None,
          size: int | None = None, what: str = "downloads") -> Path:
    """``folder/name``, downloaded first if it is not there: mirror, then each URL in turn.

    A file already in ``folder`` is trusted when its size matches (only checked files are ever put
    there). Raises :class:`DownloadError` listing every URL tried and why it failed,
    :class:`DiskFullError` when the disk fills up, PermissionError when ``folder`` is not writable.
    """
    target = Path(folder).expanduser() / name
    if target.is_file() and (not size or target.stat().st_size == size):
        return target
    folder = writable_folder(folder, what)
    checks = dict(sha256=sha256, md5=md5, size=size)
    if size and shutil.disk_usage(folder).free < size:
        raise _disk_full_error(name, folder, size)
    mirror = mirror_url()
    candidates = sources(name, urls)
    errors = []
    for i, url in enumerate(candidates):
        try:
            if mirror and i == 0:
                problem = _mirror_problem(url, size)
                if problem:
                    raise DownloadError(problem)
            return _download_one(name, url, folder, checks)
        except KeyboardInterrupt:
            raise
        except Exception as e:
            if _disk_full(e):
                raise _disk_full_error(name, folder, size) from None
            reason = " ".join(str(e).split()).replace(f"URL fetch failure on {url}: ", "").removeprefix("None -- ")
            reason = reason or type(e).__name__
            errors.append(f"  {url}: {reason}")
            if i + 1 < len(candidates):
                if mirror and i == 0:
                    line = _("transferkit: the classroom mirror could not give {name} ({reason}); trying {next}")
                else:
                    line = _("transferkit: {url} could not give {name} ({reason}); trying {next}")
                print(line.format(url=url, name=name, reason=reason, next=candidates[i + 1]))
    raise DownloadError(_("could not download {name}; tried:").format(name=name) + "\n" + "\n".join(errors))

"""Finding image files a pipeline would choke on - without ever touching the user's files.

Images are recognised by their content, not their name: a PNG or GIF saved as ``.jpg`` (the
Oxford-IIIT Pet archive has some) decodes fine, so it is kept and reported as *misnamed*. A file is
skipped (and reported) only when it cannot be used: empty, not an image at all, a format its
pipeline does not read, or data that does not decode completely (e.g. a truncated JPEG).

Every file is decoded here by the very function the pipeline reads it with
(:func:`transferkit.datasets.images.decode`, Pillow: JPEG, PNG, GIF, BMP, WebP, AVIF, and HEIC/HEIF
with ``pillow-heif``). Results are cached by file size and modification time, so a second scan of
the same folder is instant.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from PIL import features
from tqdm.auto import tqdm

from ..config import cache_dir
from ..i18n import _, language
from .images import DECODE_ERRORS, HEIC_HELP, decode, heif_support, is_avif, is_heif

_MAGIC = [
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
]
_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".jfif": "JPEG", ".png": "PNG", ".gif": "GIF", ".bmp": "BMP",
               ".webp": "WEBP", ".avif": "AVIF", ".heic": "HEIF", ".heif": "HEIF"}


@dataclass
class ScanReport:
    """The usable files and the skipped ones, each with the reason."""

    good: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    misnamed: list[tuple[str, str]] = field(default_factory=list)
    """Usable files (also in ``good``) whose name says another format than their content."""

    def summary(self, limit: int = 10, root: str | Path | None = None) -> str:
        """The counts and the skipped and misnamed files, named relative to ``root`` (default: their common folder)."""
        root = root or common_folder(self.good + [p for p, _ in self.skipped])
        if not self.skipped:
            lines = [_("all {n} image files are readable").format(n=len(self.good))]
        else:
            lines = [_("{n} readable image files; skipped {skipped} (files left untouched):").format(
                n=len(self.good), skipped=len(self.skipped))]
            lines += [f"  {relative_name(p, root)}: {why}" for p, why in self.skipped[:limit]]
            if len(self.skipped) > limit:
                lines.append("  " + _("... and {n} more (see .skipped)").format(n=len(self.skipped) - limit))
        lines += misnamed_lines(self.misnamed, limit, root)
        return "\n".join(lines)


def common_folder(paths: list[str]) -> str | None:
    """The deepest folder holding every path (None for no paths)."""
    folders = {os.path.dirname(p) for p in paths}
    return os.path.commonpath(sorted(folders)) if folders else None


def relative_name(path: str, root: str | Path | None) -> str:
    """``path`` relative to ``root`` (``cats/x4.webp``), or as given when it lies elsewhere."""
    if root is None:
        return Path(path).name
    relative = os.path.relpath(path, root)
    return path if relative.startswith("..") else Path(relative).as_posix()


def misnamed_lines(misnamed: list[tuple[str, str]], limit: int = 10, root: str | Path | None = None) -> list[str]:
    """Report lines for files kept although their name says another format (named relative to ``root``)."""
    if not misnamed:
        return []
    lines = ["  " + _("kept {n} misnamed files (decoded by their content, left untouched on disk):").format(
        n=len(misnamed))]
    lines += [f"    {relative_name(p, root)}: {note}" for p, note in misnamed[:limit]]
    if len(misnamed) > limit:
        lines.append("    " + _("... and {n} more (see .misnamed)").format(n=len(misnamed) - limit))
    return lines


def sniff_format(head: bytes) -> str | None:
    """The image format that a file's first bytes (16 are enough) announce, or None."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if is_heif(head):
        return "HEIF"
    if is_avif(head):
        return "AVIF"
    return None


def inspect_image(path: str | Path) -> tuple[str | None, str | None]:
    """``(problem, note)`` for one file: why it cannot be used (None when it can), and a note when
    its content is another format than its name says (``"PNG data in a .jpg file"``).

    The file is decoded exactly as :func:`~transferkit.load_image` and every pipeline decode it.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return _("empty file (0 bytes)"), None
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        return _("cannot be read ({reason})").format(reason=e.strerror or e), None
    fmt = sniff_format(head)
    expected = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        return _("not an image (unrecognised content)"), None
    note = _("{format} data in a {suffix} file").format(format=fmt, suffix=path.suffix) \
        if expected and fmt != expected else None
    if fmt == "HEIF" and not heif_support():
        return _("HEIC photo: reading it needs an extra package. {help}").format(help=_(HEIC_HELP)), note
    if fmt == "AVIF" and not features.check("avif"):
        return _("AVIF image, which this Pillow cannot read: pip install -U pillow, or save it as JPEG"), note
    try:
        decode(path.read_bytes())  # the one decode: load_image's and every pipeline's
    except DECODE_ERRORS as e:
        return _decode_problem(e), note
    return None, note


def _decode_problem(error: Exception) -> str:
    message = str(error)
    if "truncated" in message:
        return _("truncated (the file ends before the image does)")
    return _("does not decode ({error})").format(error=message)


def check_image(path: str | Path) -> str | None:
    """Why ``path`` cannot be used as an image, or None when it is fine (misnamed files are fine)."""
    return inspect_image(path)[0]


def _cache_file(paths: list[str]) -> Path:
    folders = sorted({os.path.dirname(p) for p in paths})
    # Pillow's decode since issue 28 (the key your own folders had); HEIC results depend on pillow-heif
    folders.append(f"decoder=pillow{'+heif' if heif_support() else ''}")
    if language() != "en":  # the cached reasons are in the kit's language
        folders.append(f"language={language()}")
    key = hashlib.sha1("\n".join(folders).encode()).hexdigest()[:16]
    return cache_dir("scans") / f"{key}.json"


def scan_images(paths: Iterable[str | Path], progress: bool = True, use_cache: bool = True) -> ScanReport:
    """Checks every file (in parallel threads) and splits them into usable and skipped."""
    paths = [str(p) for p in paths]
    cache_path = _cache_file(paths) if (use_cache and paths) else None
    cached: dict = {}
    if cache_path and cache_path.exists():
        try:
            cached = json.loads(cache_path.read_text())
        except (OSError, ValueError):
            cached = {}

    def stamp(p: str) -> list:
        st = os.stat(p)
        return [st.st_size, st.st_mtime_ns]

    results: dict[str, tuple[str | None, str | None]] = {}
    todo = []
    for p in paths:
        try:
            s = stamp(p)
        except OSError:
            results[p] = (_("cannot be read (missing)"), None)
            continue
        hit = cached.get(p)
        if hit and len(hit) == 4 and hit[:2] == s:
            results[p] = (hit[2], hit[3])
        else:
            todo.append(p)
    if todo:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            it = pool.map(inspect_image, todo, chunksize=32)
            if progress and len(todo) > 200:
                it = tqdm(it, total=len(todo), desc=_("checking images"), unit="img")
            for p, result in zip(todo, it):
                results[p] = result
                cached[p] = stamp(p) + list(result)
        if cache_path:
            tmp = cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(cached))
            os.replace(tmp, cache_path)
    report = ScanReport()
    for p in paths:
        problem, note = results[p]
        if problem is None:
            report.good.append(p)
            if note:
                report.misnamed.append((p, note))
        else:
            report.skipped.append((p, problem if note is None else f"{problem} ({note})"))
    return report

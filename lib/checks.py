"""Finding image files a pipeline would choke on - without ever touching the user's files.

Images are recognised by their content, not their name: a PNG or GIF saved as ``.jpg`` (the
Oxford-IIIT Pet archive has some) decodes fine, so it is kept and reported as *misnamed*. A file is
skipped (and reported) only when it cannot be used: empty, not an image at all, a format TensorFlow
cannot decode (WEBP), or data that does not decode completely (e.g. a truncated JPEG). Results are
cached by file size and modification time, so a second scan of the same folder is instant.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from .config import cache_dir

_MAGIC = [
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"RIFF", "WEBP"),
]
_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".bmp": "BMP", ".webp": "WEBP"}


@dataclass
class ScanReport:
    """The usable files and the skipped ones, each with the reason."""

    good: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    misnamed: list[tuple[str, str]] = field(default_factory=list)
    """Usable files (also in ``good``) whose name says another format than their content."""

    def summary(self, limit: int = 10) -> str:
        if not self.skipped:
            lines = [f"all {len(self.good)} image files are readable"]
        else:
            lines = [f"{len(self.good)} readable image files; skipped {len(self.skipped)} (files left untouched):"]
            lines += [f"  {Path(p).name}: {why}" for p, why in self.skipped[:limit]]
            if len(self.skipped) > limit:
                lines.append(f"  ... and {len(self.skipped) - limit} more (see .skipped)")
        lines += misnamed_lines(self.misnamed, limit)
        return "\n".join(lines)


def misnamed_lines(misnamed: list[tuple[str, str]], limit: int = 10) -> list[str]:
    """Report lines for files kept although their name says another format."""
    if not misnamed:
        return []
    lines = [f"  kept {len(misnamed)} misnamed files (decoded by their content, left untouched on disk):"]
    lines += [f"    {Path(p).name}: {note}" for p, note in misnamed[:limit]]
    if len(misnamed) > limit:
        lines.append(f"    ... and {len(misnamed) - limit} more (see .misnamed)")
    return lines


def sniff_format(head: bytes) -> str | None:
    """The image format that a file's first bytes announce, or None."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    return None


_TF_DECODES = {"JPEG", "PNG", "GIF", "BMP"}  # what tf.io.decode_image reads (the training pipeline)


def inspect_image(path: str | Path) -> tuple[str | None, str | None]:
    """``(problem, note)`` for one file: why it cannot be used (None when it can), and a note when
    its content is another format than its name says (``"PNG data in a .jpg file"``)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return "empty file (0 bytes)", None
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})", None
    fmt = sniff_format(head)
    expected = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        return "not an image (unrecognised content)", None
    note = f"{fmt} data in a {path.suffix} file" if expected and fmt != expected else None
    if fmt not in _TF_DECODES:
        return f"{fmt} data, which TensorFlow's image decoder cannot read", note
    try:
        with Image.open(path) as im:
            im.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        message = str(e)
        if "truncated" in message:
            return "truncated (the file ends before the image does)", note
        return f"does not decode ({message})", note
    return None, note


def check_image(path: str | Path) -> str | None:
    """Why ``path`` cannot be used as a training image, or None when it is fine (misnamed files are fine)."""
    return inspect_image(path)[0]


def _cache_file(paths: list[str]) -> Path:
    folders = sorted({os.path.dirname(p) for p in paths})
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
            results[p] = ("cannot be read (missing)", None)
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
                it = tqdm(it, total=len(todo), desc="checking images", unit="img")
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

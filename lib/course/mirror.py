"""The teacher's classroom mirror: ``python -m transferkit.mirror`` serves what the kit has downloaded.

It serves, under their original file names, the download cache (``$TRANSFERKIT_CACHE/downloads``:
dataset archives) and Keras' weights cache (``$KERAS_HOME/models``: ImageNet weights and
``imagenet_class_index.json``), plus any ``--folder``, and prints the line students set::

    python -m transferkit.mirror                 # all interfaces, port 8000
    python -m transferkit.mirror --port 8080 --bind 192.168.1.10 --folder ~/Downloads
    python -m transferkit.mirror --fetch         # first download what the lessons need, then serve

Students then download from the teacher's machine first (``TRANSFERKIT_MIRROR=http://...:8000/``)
and fall back to the public URLs only for what the mirror lacks. Plain HTTP, read-only, no
sub-folders: only regular files directly inside the served folders are visible.
"""

from __future__ import annotations

import argparse
import errno
import http.server
import os
import socket
import sys
import urllib.parse
from pathlib import Path

from ..config import cache_dir

DEFAULT_PORT = 8000


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 100_000 else f"{n / 1e3:,.1f} kB"


def default_folders() -> list[Path]:
    """The kit's download cache and Keras' weights cache, as this process's environment names them (no Keras)."""
    from ..datasets.downloads import keras_models_dir_from_environment

    return [cache_dir("downloads"), keras_models_dir_from_environment()]


def served_files(folders: list[Path]) -> dict[str, Path]:
    """File name -> path for every file the mirror serves (the first folder holding a name wins)."""
    files: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            if p.is_file() and not p.name.startswith(".") and p.name not in files:
                files[p.name] = p
    return files


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """GET/HEAD ``/<file name>`` from the first served folder that holds it; ``/`` lists the files."""

    folders: list[Path] = []
    server_version = "transferkit-mirror"

    def translate_path(self, path: str) -> str:
        name = urllib.parse.unquote(urllib.parse.urlsplit(path).path).lstrip("/")
        if name and "/" not in name and "\\" not in name and not name.startswith("."):
            p = served_files(self.folders).get(name)
            if p is not None:
                return str(p)
        return str(Path(os.devnull).parent / ".transferkit-mirror-no-such-file")

    def send_head(self):
        if urllib.parse.urlsplit(self.path).path in ("", "/"):
            return self._index()
        return super().send_head()

    def _index(self):
        import html
        import io

        files = served_files(self.folders)
        rows = "".join(f'<li><a href="{urllib.parse.quote(n)}">{html.escape(n)}</a> ({p.stat().st_size:,} bytes)</li>'
                       for n, p in files.items())
        body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>transferkit mirror</title></head><body>"
                f"<h1>transferkit classroom mirror</h1><p>{len(files)} files</p><ul>{rows}</ul></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_error(self, format: str, *args) -> None:
        pass  # the request line that follows shows the status (404) already

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


class MirrorServer(http.server.ThreadingHTTPServer):
    """One thread per request; a whole class connecting at once waits in the queue instead of being turned
    away (the standard library's queue holds 5 connections, and a refused connection costs a student
    a retry of seconds, enough to miss ``MIRROR_TIMEOUT``)."""

    daemon_threads = True
    request_queue_size = 128


def make_server(folders: list[Path], bind: str = "", port: int = DEFAULT_PORT) -> MirrorServer:
    """An HTTP server (one thread per student) for ``folders``; raises OSError if the port is taken."""
    handler = type("Handler", (MirrorHandler,), {"folders": [Path(f).expanduser() for f in folders]})
    return MirrorServer((bind, port), handler)


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or its host name."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP: picks the outgoing interface, sends nothing
            return s.getsockname()[0]
    except OSError:
        try:
            return socket.gethostbyname(socket.gethostname())
        except OSError:
            return socket.gethostname()


def student_url(server: http.server.HTTPServer, bind: str) -> str:
    host = bind if bind not in ("", "0.0.0.0", "::") else lan_address()
    return f"http://{host}:{server.server_address[1]}/"


def _port_message(e: OSError, bind: str, port: int) -> str:
    where = f"{bind or 'all interfaces'}, port {port}"
    if e.errno == errno.EADDRINUSE:
        return (f"port {port} is already in use ({where}): another mirror or program is serving there. "
                f"Stop it, or choose another port: python -m transferkit.mirror --port {port + 1}")
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"not allowed to serve on {where} (ports below 1024 need administrator rights); try --port {DEFAULT_PORT}"
    if e.errno == errno.EADDRNOTAVAIL:
        return f"{bind} is not an address of this machine; leave --bind out to serve on all interfaces"
    return f"cannot serve on {where}: {e.strerror or e}"


LESSON_DATASETS = ["cats_and_dogs_filtered", "oxford_iiit_pet", "animal_silhouettes"]
LESSON_WEIGHTS = [("mobilenet", 0.75, False), ("mobilenet", 0.75, True), ("mobilenet", 0.25, False),
                  ("mobilenet", 0.25, True)]
"""What the lessons load: their datasets' archives and the MobileNet weights (the kit's default, and
the small alpha 0.25 model notebooks 04 and 05 compare with)."""


def prefetch(datasets: list[str] | None = None) -> list[Path]:
    """Downloads what the lessons need into the caches the mirror serves (before class, on a good line)."""
    from ..models.backbones import ensure_weights
    from ..datasets.registry import dataset_info
    from ..datasets.downloads import fetch
    from ..models.imagenet import CLASS_INDEX_MD5, CLASS_INDEX_URL
    from ..datasets.downloads import keras_models_dir

    got = [fetch("imagenet_class_index.json", [CLASS_INDEX_URL], keras_models_dir(), md5=CLASS_INDEX_MD5,
                 what="weights")]
    got += [ensure_weights(name, alpha, top) for name, alpha, top in LESSON_WEIGHTS]
    for name in LESSON_DATASETS if datasets is None else datasets:
        for spec in dataset_info(name)["files"]:
            got.append(fetch(spec["name"], spec["urls"], cache_dir("downloads"), sha256=spec.get("sha256"),
                             md5=spec.get("md5"), size=spec.get("size")))
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m transferkit.mirror",
        description="Serve the datasets and ImageNet weights this machine has downloaded to a class on the "
                    "same network. Students set TRANSFERKIT_MIRROR to the URL printed.")
    parser.add_argument("--bind", default="", help="address to listen on (default: all interfaces)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--folder", action="append", default=[], type=Path,
                        help="another folder of files to serve (repeatable), e.g. where you saved archives")
    parser.add_argument("--fetch", nargs="*", metavar="DATASET",
                        help="first download what the lessons need (weights, class names and the datasets "
                             f"named, default {' '.join(LESSON_DATASETS)}), then serve; run it on a good connection")
    args = parser.parse_args(argv)
    if args.fetch is not None:
        try:
            prefetch(args.fetch or None)
        except Exception as e:  # a clear line, not a traceback; what was fetched stays in the caches
            print(f"transferkit mirror: could not fetch everything: {e}", file=sys.stderr)
            return 1

    folders = default_folders() + [f.expanduser() for f in args.folder]
    for f in args.folder:
        if not f.expanduser().is_dir():
            parser.error(f"--folder {f}: no such folder")
    try:
        server = make_server(folders, args.bind, args.port)
    except OSError as e:
        print(f"transferkit mirror: {_port_message(e, args.bind, args.port)}", file=sys.stderr)
        return 1
    files = served_files(folders)
    total = sum(p.stat().st_size for p in files.values())
    url = student_url(server, args.bind)
    print(f"transferkit mirror: serving {len(files)} files ({_size(total)}) from")
    for f in folders:
        print(f"  {f}{'' if f.is_dir() else '  (not there yet)'}")
    for name, p in files.items():
        print(f"    {name}  ({_size(p.stat().st_size)})")
    if not files:
        print("  Nothing to serve yet: run the notebooks (or load_dataset/load_backbone) once on this machine.")
    print("\nStudents set, before they start Jupyter or Python:")
    print(f"  export TRANSFERKIT_MIRROR={url}        (Windows: set TRANSFERKIT_MIRROR={url})")
    print(f"  or in a notebook's first cell:  %env TRANSFERKIT_MIRROR={url}")
    print(f"Check from a student's machine: open {url} in a browser. Ctrl+C stops the mirror.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\ntransferkit mirror: stopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Downloads end to end, against a real HTTP server on 127.0.0.1 that the tests start.

Every test here runs with ``local_only``: a connection or name lookup for anything but 127.0.0.1
fails the test, so nothing reaches the internet. The server serves bytes the tests build (a tiny
registered dataset) and can misbehave on purpose: drop the connection mid-file, answer with an
HTML page, stop sending halfway through a file.
"""

from __future__ import annotations

import errno
import hashlib
import http.server
import io
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest

import transferkit as tk
from transferkit.datasets import downloads
from transferkit.datasets.registry import registry
from test_checks import jpeg_bytes


# --------------------------------------------------------------------------- the local server


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        srv = self.server
        name = self.path.lstrip("/")
        srv.requests.append(name)
        mode = srv.behaviour.get(name)
        if mode == "html":
            body = b"<!DOCTYPE html>\n<html><body>Please log in to the Wi-Fi</body></html>"
            self._send(200, body, "text/html")
        elif name not in srv.files:
            self._send(404, b"not found", "text/plain")
        elif mode == "drop-once":
            del srv.behaviour[name]
            data = srv.files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 3])  # then the connection closes
            self.wfile.flush()
            self.close_connection = True
        elif mode == "stall":
            data = srv.files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 3])
            self.wfile.flush()
            srv.released.wait(timeout=30)  # silent, connection open, until the test ends
            self.close_connection = True
        else:
            self._send(200, srv.files[name], "application/octet-stream")

    def do_HEAD(self):
        name = self.path.lstrip("/")
        self.server.requests.append(f"HEAD {name}")
        if self.server.behaviour.get(name) == "html":  # a portal page of unannounced length
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
        elif name in self.server.files:
            self._send(200, self.server.files[name], "application/octet-stream", head=True)
        else:
            self._send(404, b"not found", "text/plain", head=True)

    def _send(self, code, body, kind, head=False):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


class LocalServer:
    """A threaded HTTP server on 127.0.0.1: ``files`` name -> bytes, ``behaviour`` name -> mode."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files, self.httpd.behaviour, self.httpd.requests = {}, {}, []
        self.httpd.released = threading.Event()
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    files = property(lambda self: self.httpd.files)
    behaviour = property(lambda self: self.httpd.behaviour)
    requests = property(lambda self: self.httpd.requests)

    def close(self):
        self.httpd.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers: a teacher's laptop whose mirror froze."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)  # the kernel completes every handshake; nobody reads or writes

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def close(self):
        self.sock.close()


def dead_url(name: str) -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


@pytest.fixture
def local_only(loopback_only):
    """Connections and name lookups are allowed to 127.0.0.1 only; anything else fails the test."""
    return loopback_only


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TRANSFERKIT_DATA", raising=False)
    monkeypatch.delenv("TRANSFERKIT_MIRROR", raising=False)
    return tmp_path / "cache"


# --------------------------------------------------------------------------- a tiny registered dataset


def tiny_zip(per_split=(("train", 3), ("validation", 2))) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for split, n in per_split:
            for c in ("cats", "dogs"):
                for i in range(n):
                    z.writestr(f"tiny/{split}/{c}/{c}.{split}.{i}.jpg", jpeg_bytes(seed=i))
    return buf.getvalue()


@pytest.fixture
def tiny(server, monkeypatch):
    """Registers dataset ``tiny`` (6 train and 4 validation images) for this test only; served by ``server``."""
    data = tiny_zip()
    server.files["tiny.zip"] = data
    info = {
        "title": "tiny test set", "licence": "test", "layout": "split_folders",
        "files": [{"name": "tiny.zip", "urls": [server.url + "tiny.zip"], "size": len(data),
                   "sha256": hashlib.sha256(data).hexdigest()}],
        "markers": ["train/cats", "train/dogs", "validation/cats", "validation/dogs"],
        "folder": "tiny", "local_hint": "tiny", "classes": ["cats", "dogs"],
        "splits": {"train": 6, "validation": 4},
    }
    monkeypatch.setitem(registry(), "tiny", info)
    return info


def leftovers(folder: Path) -> list[str]:
    """Files, and temporary folders, anywhere below ``folder`` (empty cache folders do not count)."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.name.startswith("."))


# --------------------------------------------------------------------------- the tests


def test_download_with_progress_and_checksum(tiny, server, fresh_cache, local_only, capfd):
    train = tk.load_dataset("tiny", "train", per_class=None)
    assert len(train) == 6 and train.counts() == {"cats": 3, "dogs": 3} and not train.skipped
    out = capfd.readouterr().out
    assert f"Downloading data from {server.url}tiny.zip" in out
    assert f"{len(server.files['tiny.zip'])}/{len(server.files['tiny.zip'])}" in out  # Keras' progress bar
    archive = fresh_cache / "downloads" / "tiny.zip"
    assert archive.read_bytes() == server.files["tiny.zip"]
    assert not [n for n in leftovers(fresh_cache) if "/." in n or n.startswith(".")]  # no temporary files
    # The second time everything comes from the cache: no request, and the archive is not hashed again.
    val = tk.load_dataset("tiny", "validation", per_class=None)
    assert len(val) == 4 and server.requests == ["tiny.zip"]
    assert not local_only


def test_dropped_connection_leaves_nothing_and_the_next_attempt_succeeds(tiny, server, fresh_cache, local_only):
    server.behaviour["tiny.zip"] = "drop-once"
    with pytest.raises(tk.datasets.downloads.DownloadError, match="retrieval incomplete"):
        tk.dataset_dir("tiny")
    assert leftovers(fresh_cache / "downloads") == [] and leftovers(fresh_cache / "datasets") == []
    folder = tk.dataset_dir("tiny")  # the connection holds this time
    assert (folder / "train" / "cats").is_dir() and server.requests == ["tiny.zip", "tiny.zip"]


def test_wrong_checksum_is_a_clear_error_and_caches_nothing(tiny, server, fresh_cache, local_only):
    tiny["files"][0]["sha256"] = "0" * 64
    with pytest.raises(tk.datasets.downloads.DownloadError) as e:
        tk.dataset_dir("tiny")
    msg = str(e.value)
    assert "tiny.zip: sha256" in msg and "does not match the expected " + "0" * 64 in msg and server.url in msg
    assert leftovers(fresh_cache / "downloads") == [] and leftovers(fresh_cache / "datasets") == []


def test_dead_first_url_falls_through_to_the_next(tiny, server, fresh_cache, local_only, capfd):
    dead = dead_url("tiny.zip")
    tiny["files"][0]["urls"].insert(0, dead)
    assert (tk.dataset_dir("tiny") / "validation" / "dogs").is_dir()
    out = capfd.readouterr().out
    assert f"transferkit: {dead} could not give tiny.zip" in out and f"trying {server.url}tiny.zip" in out


def test_mirror_first_then_the_public_url_with_one_line(tiny, server, fresh_cache, local_only, capfd, monkeypatch):
    mirror = LocalServer()
    try:
        monkeypatch.setenv("TRANSFERKIT_MIRROR", mirror.url.rstrip("/"))  # with or without the slash
        mirror.files["tiny.zip"] = server.files["tiny.zip"]
        tk.dataset_dir("tiny")
        assert mirror.requests == ["HEAD tiny.zip", "tiny.zip"] and server.requests == []  # no public URL used
        # A mirror without the file: one line says so, and the public URL delivers.
        (fresh_cache / "downloads" / "tiny.zip").unlink()
        for p in (fresh_cache / "datasets").iterdir():
            import shutil
            shutil.rmtree(p)
        del mirror.files["tiny.zip"]
        capfd.readouterr()
        tk.dataset_dir("tiny")
        lines = [l for l in capfd.readouterr().out.splitlines() if l.startswith("transferkit:")]
        assert lines == [f"transferkit: the classroom mirror could not give tiny.zip (HTTP 404 Not Found); "
                         f"trying {server.url}tiny.zip"]
        assert server.requests == ["tiny.zip"] and mirror.requests[-1] == "HEAD tiny.zip"  # asked, not fetched
    finally:
        mirror.close()


def test_mirror_down_costs_one_line_and_the_public_url_delivers(tiny, server, fresh_cache, local_only, capfd,
                                                               monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_MIRROR", dead_url(""))
    assert (tk.dataset_dir("tiny") / "train" / "dogs").is_dir()
    lines = [l for l in capfd.readouterr().out.splitlines() if l.startswith("transferkit:")]
    assert len(lines) == 1 and "the classroom mirror could not give tiny.zip (not reachable:" in lines[0]
    assert server.requests == ["tiny.zip"]


def test_mirror_that_accepts_and_never_answers_costs_its_timeout_once(tiny, server, fresh_cache, local_only, capfd,
                                                                     monkeypatch):
    silent = SilentServer()
    try:
        monkeypatch.setenv("TRANSFERKIT_MIRROR", silent.url)
        monkeypatch.setattr(downloads, "MIRROR_TIMEOUT", 2)
        start = time.monotonic()
        assert (tk.dataset_dir("tiny") / "train" / "cats").is_dir()
        seconds = time.monotonic() - start
    finally:
        silent.close()
    assert 2 <= seconds < 15, f"a silent mirror cost {seconds:.1f} s, expected its {downloads.MIRROR_TIMEOUT} s timeout"
    lines = [l for l in capfd.readouterr().out.splitlines() if l.startswith("transferkit:")]
    assert lines == [f"transferkit: the classroom mirror could not give tiny.zip (not reachable: timed out); "
                     f"trying {server.url}tiny.zip"]
    assert server.requests == ["tiny.zip"]


def test_download_that_stalls_midway_times_out_leaves_nothing_and_the_next_url_delivers(tiny, server, fresh_cache,
                                                                                         local_only, capfd,
                                                                                         monkeypatch):
    stalled = LocalServer()
    try:
        stalled.files["tiny.zip"] = server.files["tiny.zip"]
        stalled.behaviour["tiny.zip"] = "stall"  # a third of the file, then silence
        tiny["files"][0]["urls"].insert(0, stalled.url + "tiny.zip")
        monkeypatch.setattr(downloads, "STALL_SECONDS", 1)
        start = time.monotonic()
        assert (tk.dataset_dir("tiny") / "validation" / "dogs").is_dir()
        seconds = time.monotonic() - start
    finally:
        stalled.close()
    assert seconds < 15, f"a stalled download held the student for {seconds:.1f} s"
    out = capfd.readouterr().out
    assert f"transferkit: {stalled.url}tiny.zip could not give tiny.zip (timed out); trying {server.url}tiny.zip" in out
    assert stalled.requests == ["tiny.zip"] and server.requests == ["tiny.zip"]
    assert leftovers(fresh_cache / "downloads") == ["tiny.zip"]  # the stalled part is gone
    assert socket.getdefaulttimeout() is None  # the stall timeout does not outlive the download


def test_no_network_guard_is_not_swallowed_by_fetch(no_network, tmp_path):
    """``fetch`` turns every Exception into a DownloadError; the guard's error passes through, and its record
    fails the test at teardown even where the code under test catches everything."""
    with pytest.raises(BaseException) as e:
        downloads.fetch("x.zip", ["http://example.invalid/x.zip"], tmp_path)
    assert not isinstance(e.value, Exception) and "network access attempted" in str(e.value)
    assert no_network == ["http://example.invalid/x.zip"]  # what the teardown checks
    no_network.clear()  # this test wanted the attempt


def test_mirror_with_a_different_file_is_not_downloaded(tiny, server, fresh_cache, local_only, capfd, monkeypatch):
    mirror = LocalServer()
    try:
        monkeypatch.setenv("TRANSFERKIT_MIRROR", mirror.url)
        mirror.files["tiny.zip"] = tiny_zip((("train", 1),))  # another archive under the same name
        assert tk.dataset_dir("tiny").is_dir()
        assert mirror.requests == ["HEAD tiny.zip"] and server.requests == ["tiny.zip"]
        assert "it holds a different file" in capfd.readouterr().out
    finally:
        mirror.close()


def test_mirror_answering_with_an_html_page_is_rejected(tiny, server, fresh_cache, local_only, monkeypatch):
    mirror = LocalServer()
    try:
        monkeypatch.setenv("TRANSFERKIT_MIRROR", mirror.url)
        mirror.behaviour["tiny.zip"] = "html"
        tiny["files"][0]["urls"] = []  # nothing to fall back to: the rejection must be the error
        with pytest.raises(tk.datasets.downloads.DownloadError, match="HTML page, not the file"):
            tk.dataset_dir("tiny")
        assert leftovers(fresh_cache / "downloads") == []
        # Even with no checksum to catch it, HTML never becomes weights or JSON.
        mirror.behaviour["x.h5"] = "html"
        with pytest.raises(tk.datasets.downloads.DownloadError, match="x.h5: the server sent an HTML page"):
            downloads.fetch("x.h5", [], fresh_cache / "w")
        assert leftovers(fresh_cache / "w") == []
    finally:
        mirror.close()


def test_short_split_is_named_and_nothing_is_extracted(tiny, server, fresh_cache, local_only):
    tiny["splits"]["validation"] = 5  # the archive holds 4
    with pytest.raises(RuntimeError, match=r"'validation' has 4 images, expected 5") as e:
        tk.dataset_dir("tiny")
    assert "'train'" not in str(e.value)
    assert leftovers(fresh_cache / "datasets") == []  # no images, no temporary folder
    assert (fresh_cache / "downloads" / "tiny.zip").exists()  # the verified archive is kept


def test_counts_match_the_real_extracted_layout(shared_data):
    counts = tk.datasets.registry.count_images("cats_and_dogs_filtered", shared_data / "cats_and_dogs" / "cats_and_dogs_filtered")
    assert counts == {"train": 2000, "validation": 1000} == registry()["cats_and_dogs_filtered"]["splits"]
    tk.datasets.registry.check_counts("cats_and_dogs_filtered", shared_data / "cats_and_dogs" / "cats_and_dogs_filtered")
    pets = tk.datasets.registry.count_images("oxford_iiit_pet", shared_data / "oxford_iiit_pet")
    assert pets == {"trainval": 1832, "test": 1113}  # the partial copy: both splits are short
    with pytest.raises(ValueError, match=r"'trainval' has 1,832 images, expected 3,680; 'test' has 1,113"):
        tk.datasets.registry.check_counts("oxford_iiit_pet", shared_data / "oxford_iiit_pet")


def test_mirror_url_without_a_scheme_says_what_to_set(tiny, fresh_cache, monkeypatch, local_only):
    monkeypatch.setenv("TRANSFERKIT_MIRROR", "192.168.1.10:8000")
    with pytest.raises(ValueError, match=r"not an http:// address.*TRANSFERKIT_MIRROR=http://192.168.1.10:8000/"):
        tk.dataset_dir("tiny")
    assert leftovers(fresh_cache / "downloads") == []


def test_unwritable_cache_folder_is_a_clear_error(tiny, tmp_path, monkeypatch, local_only):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(blocker))
    monkeypatch.delenv("TRANSFERKIT_DATA", raising=False)
    with pytest.raises(PermissionError, match="Point TRANSFERKIT_CACHE at a folder you can write to"):
        tk.dataset_dir("tiny")
    with pytest.raises(PermissionError, match=r"cannot write weights to .*Point KERAS_HOME"):
        downloads.fetch("a.h5", ["http://127.0.0.1:9/a.h5"], blocker / "models", what="weights")
    assert blocker.read_text().startswith("a file")  # untouched


def test_full_disk_while_downloading_leaves_nothing(tiny, server, fresh_cache, local_only, monkeypatch):
    """ENOSPC raised by the write of the second block, as a full disk would."""
    from keras.src.utils import file_utils

    real = file_utils.urlretrieve

    def full_disk(url, filename, reporthook=None, data=None):
        def hook(block, block_size, total):
            if block >= 1:
                raise OSError(errno.ENOSPC, "No space left on device")

        return real(url, filename, hook, data)

    monkeypatch.setattr(file_utils, "urlretrieve", full_disk)
    tiny["files"][0]["urls"].append(server.url + "tiny.zip")  # a second URL must not be tried
    with pytest.raises(tk.datasets.downloads.DiskFullError, match="the disk is full: tiny.zip does not fit") as e:
        tk.dataset_dir("tiny")
    assert "Nothing partial was kept" in str(e.value)
    assert leftovers(fresh_cache / "downloads") == [] and server.requests == ["tiny.zip"]
    # Not enough space known in advance: refused before any byte is sent.
    tiny["files"][0]["size"] = 1 << 60
    with pytest.raises(tk.datasets.downloads.DiskFullError):
        tk.dataset_dir("tiny")
    assert server.requests == ["tiny.zip"]


def test_full_disk_while_extracting_keeps_the_archive_and_nothing_else(tiny, server, fresh_cache, local_only,
                                                                     monkeypatch):
    real = zipfile.ZipFile._extract_member

    def extract_member(self, member, targetpath, pwd):
        if "validation" in getattr(member, "filename", str(member)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, member, targetpath, pwd)

    with monkeypatch.context() as m:
        m.setattr(zipfile.ZipFile, "_extract_member", extract_member)
        with pytest.raises(tk.datasets.downloads.DiskFullError, match="while extracting tiny.zip.*the archive is kept"):
            tk.dataset_dir("tiny")
    assert leftovers(fresh_cache / "datasets") == [] and leftovers(fresh_cache / "downloads") == ["tiny.zip"]
    assert (tk.dataset_dir("tiny") / "validation" / "cats").is_dir() and server.requests == ["tiny.zip"]


def test_check_file_catches_each_kind_of_bad_file(tmp_path):
    f = tmp_path / "a.zip"
    f.write_bytes(b"abc")
    downloads.check_file(f, sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                         md5="900150983cd24fb0d6963f7d28e17f72", size=3)
    with pytest.raises(ValueError, match="3 bytes, expected 4"):
        downloads.check_file(f, size=4)
    with pytest.raises(ValueError, match="md5 900150983cd24fb0d6963f7d28e17f72 does not match"):
        downloads.check_file(f, md5="0" * 32)
    h5 = tmp_path / "w.h5"
    h5.write_bytes(b"PK\x03\x04 not hdf5")
    with pytest.raises(ValueError, match="not an HDF5 weights file"):
        downloads.check_file(h5)
    empty = tmp_path / "e.json"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty file"):
        downloads.check_file(empty)

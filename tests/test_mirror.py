"""The teacher's mirror (``python -m transferkit.mirror``) serving to students on 127.0.0.1."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from transferkit.datasets import downloads
from transferkit.course import mirror
from test_downloads import fresh_cache, leftovers, local_only  # noqa: F401 - fixtures


@pytest.fixture
def teacher(tmp_path, monkeypatch):
    """A teacher's machine: a download cache and a Keras folder with a few files, served on 127.0.0.1."""
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "teacher-cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "teacher-keras"))
    archives = tmp_path / "teacher-cache" / "downloads"
    models = tmp_path / "teacher-keras" / "models"
    archives.mkdir(parents=True)
    models.mkdir(parents=True)
    (archives / "tiny.zip").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    (archives / ".tiny.zip.abc.part").mkdir()  # an unfinished download is never served
    (models / "weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 5000)
    server = mirror.make_server(mirror.default_folders(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server, archives, models
    server.shutdown()
    server.server_close()


def test_serves_cache_and_keras_models_under_their_own_names(teacher, fresh_cache, local_only, monkeypatch, tmp_path):
    server, archives, models = teacher
    url = mirror.student_url(server, "127.0.0.1")
    assert url == f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("TRANSFERKIT_MIRROR", url)
    got = downloads.fetch("tiny.zip", [], tmp_path / "student")
    assert got.read_bytes() == (archives / "tiny.zip").read_bytes()
    assert downloads.fetch("weights.h5", [], tmp_path / "student").read_bytes() == (models / "weights.h5").read_bytes()
    index = urllib.request.urlopen(url).read().decode()
    assert "tiny.zip" in index and "weights.h5" in index and ".part" not in index
    for bad in ("../teacher-keras/models/weights.h5", "%2e%2e/etc/passwd", ".tiny.zip.abc.part", "nothing.zip"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + bad)
        assert e.value.code == 404, bad


STUDENTS = 30


def test_a_class_fetching_at_once_gets_identical_verified_files(teacher, local_only, monkeypatch, tmp_path, capfd):
    """Thirty students start the same download in the same second; each gets the teacher's bytes, checked."""
    server, archives, models = teacher
    payload = os.urandom(3 << 20)  # 3 MB: the transfers overlap
    (archives / "class.zip").write_bytes(b"PK\x03\x04" + payload)
    expected = (archives / "class.zip").read_bytes()
    digest = hashlib.sha256(expected).hexdigest()
    monkeypatch.setenv("TRANSFERKIT_MIRROR", mirror.student_url(server, "127.0.0.1"))
    monkeypatch.setattr(downloads, "STALL_SECONDS", 20)  # a stuck transfer fails the test, never hangs it
    start_together = threading.Barrier(STUDENTS, timeout=30)

    def student(i: int) -> tuple[bytes, float]:
        start_together.wait()
        t0 = time.monotonic()
        got = downloads.fetch("class.zip", [], tmp_path / f"student{i:02d}", sha256=digest, size=len(expected))
        return got.read_bytes(), time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(STUDENTS) as pool:
        futures = [pool.submit(student, i) for i in range(STUDENTS)]
        results = [f.result(timeout=180) for f in futures]
    assert all(data == expected for data, _ in results), "a student got different bytes"
    slowest = max(seconds for _, seconds in results)
    assert slowest < 60, f"the slowest of {STUDENTS} students waited {slowest:.1f} s"
    log = capfd.readouterr()
    served = [line for line in log.err.splitlines() if '"GET /class.zip HTTP/1.1" 200' in line]
    asked = [line for line in log.err.splitlines() if '"HEAD /class.zip HTTP/1.1" 200' in line]
    assert len(served) == len(asked) == STUDENTS  # each asked once and downloaded once: no retry, no fallback
    assert "could not give" not in log.out
    assert socket.getdefaulttimeout() is None  # the shared stall timeout was restored when the last one finished


def test_port_taken_gives_a_clear_message(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert mirror.main(["--bind", "127.0.0.1", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"port {port} is already in use" in err and f"--port {port + 1}" in err


def test_help_names_the_options(capsys):
    with pytest.raises(SystemExit):
        mirror.main(["--help"])
    out = capsys.readouterr().out
    assert "--port" in out and "--bind" in out and "--folder" in out and "TRANSFERKIT_MIRROR" in out


def test_fetch_fills_the_caches_the_mirror_serves(tmp_path, monkeypatch, local_only, shared_data):
    """``--fetch`` on the teacher's machine (here from an upstream test server standing in for the internet)."""
    import hashlib

    import keras.src.backend.config as keras_config

    from test_downloads import LocalServer

    upstream = LocalServer()
    try:
        for f in ("imagenet_class_index.json", "mobilenet_2_5_224_tf_no_top.h5"):
            upstream.files[f] = (shared_data / "weights" / f).read_bytes()
        upstream.files["tiny.zip"] = b"PK\x05\x06" + b"\0" * 18  # an empty zip archive
        monkeypatch.setitem(__import__("transferkit.datasets.registry").datasets.registry.registry(), "tiny", {"files": [{
            "name": "tiny.zip", "urls": [], "sha256": hashlib.sha256(upstream.files["tiny.zip"]).hexdigest()}]})
        monkeypatch.setattr(mirror, "LESSON_WEIGHTS", [("mobilenet", 0.25, False)])
        monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path / "keras"))
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
        monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
        monkeypatch.setenv("TRANSFERKIT_MIRROR", upstream.url)
        mirror.prefetch(["tiny"])
        assert sorted(mirror.served_files(mirror.default_folders())) == [
            "imagenet_class_index.json", "mobilenet_2_5_224_tf_no_top.h5", "tiny.zip"]
        # A second --fetch finds everything in place and asks nothing.
        asked = len(upstream.requests)
        mirror.prefetch(["tiny"])
        assert len(upstream.requests) == asked
    finally:
        upstream.close()


def test_serves_the_keras_folder_the_environment_names_even_with_keras_loaded(tmp_path, monkeypatch):
    """A teacher who points KERAS_HOME elsewhere gets that folder served, whatever Keras chose when it started."""
    pytest.importorskip("keras")  # loaded: Keras has fixed its own folder for this process
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "elsewhere"))
    assert mirror.default_folders() == [tmp_path / "cache" / "downloads", tmp_path / "elsewhere" / "models"]

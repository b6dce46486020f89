"""Shared test fixtures.

Real data: ``$TRANSFERKIT_DATA`` or ``../shared/data`` beside the checkout. Tests that need it
skip with a reason when it is absent; the rest run on small data the tests make themselves.

``TRANSFERKIT_REQUIRE_DATA=1`` (CI: ``.ci/run`` sets it) makes skipping an error: a missing data
folder or missing ImageNet weights stop the run at once with a message naming them, and any test
that skips anyway fails with its skip reason (except the few in ``ALLOWED_SKIPS``, which depend on
the stage, not on data). A bare ``pytest`` outside CI still skips with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from transferkit.config import env_flag

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRANSFERKIT_DATA") or REPO.parent / "shared" / "data")

# Keras reads KERAS_HOME when it is imported; default to the repo's git-ignored cache.
os.environ.setdefault("KERAS_HOME", str(REPO / ".keras"))
os.environ.setdefault("TRANSFERKIT_CACHE", str(REPO / ".cache" / "transferkit"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real data not found at {SHARED}")

REQUIRE_DATA = env_flag("TRANSFERKIT_REQUIRE_DATA")  # the kit's one reader of true/false variables
ALLOWED_SKIPS = ("only in `make test-colab`", "not on Colab's stack")
"""Skip reasons that are not missing data: tests that run in the other stage of CI."""
DEFAULT_WEIGHTS = ("mobilenet_7_5_224_tf_no_top.h5", "imagenet_class_index.json")


def _seed_weights() -> bool:
    """Copy ../shared/data/weights into $KERAS_HOME/models; True if the default weights are there."""
    models = Path(os.environ["KERAS_HOME"]) / "models"
    models.mkdir(parents=True, exist_ok=True)
    source = SHARED / "weights"
    if source.is_dir():
        for f in list(source.glob("*.h5")) + list(source.glob("*.json")):
            if not (models / f.name).exists():
                shutil.copy(f, models / f.name)
    return all((models / name).exists() for name in DEFAULT_WEIGHTS)


def missing_data() -> str | None:
    """What real data the tests lack (naming the folders), or None."""
    if not SHARED.is_dir():
        return (f"the real data folder {SHARED} does not exist (TRANSFERKIT_DATA, or ../shared/data beside the "
                f"checkout)")
    if not _seed_weights():
        models = Path(os.environ["KERAS_HOME"]) / "models"
        return (f"the ImageNet weights ({', '.join(DEFAULT_WEIGHTS)}) are neither in {SHARED / 'weights'} nor in "
                f"{models}")
    return None


def pytest_configure(config):
    if REQUIRE_DATA:
        problem = missing_data()
        if problem:
            raise pytest.UsageError(f"TRANSFERKIT_REQUIRE_DATA is set (CI) and {problem}: the real-data tests "
                                    f"cannot run. Provide it, or unset TRANSFERKIT_REQUIRE_DATA to let them skip.")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_if_skipped(report) -> None:
    """In CI a skip (other than ``ALLOWED_SKIPS``) becomes a failure that says why it would have skipped."""
    if not (REQUIRE_DATA and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if any(allowed in reason for allowed in ALLOWED_SKIPS):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where nothing may skip (TRANSFERKIT_REQUIRE_DATA is set): {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    _fail_if_skipped(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _fail_if_skipped(report)
    return report


def _unavailable(reason: str):
    """Skips the test (fails it in CI)."""
    if REQUIRE_DATA:
        pytest.fail(f"TRANSFERKIT_REQUIRE_DATA is set (CI): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def imagenet_weights() -> Path:
    """$KERAS_HOME/models holding the offline ImageNet weights (skips when they cannot be had)."""
    if not _seed_weights():
        _unavailable(f"ImageNet weights not in {Path(os.environ['KERAS_HOME']) / 'models'} and not in "
                     f"{SHARED / 'weights'}")
    return Path(os.environ["KERAS_HOME"]) / "models"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        _unavailable(f"real data not found at {SHARED}")
    return SHARED


class NetworkAccessAttempted(BaseException):
    """Raised by the network guards. Not an Exception, so a download's ``except Exception`` cannot swallow it."""


def _guard_network(monkeypatch, allowed_hosts: tuple[str, ...] = ()) -> list:
    """Every connection, name lookup or URL opened outside ``allowed_hosts`` is recorded and refused."""
    import socket
    import urllib.parse
    import urllib.request

    attempts: list = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def refuse(what):
        attempts.append(what)
        raise NetworkAccessAttempted(f"network access attempted: {what!r}")

    def connect(self, address):
        if isinstance(address, tuple) and address[0] in allowed_hosts:
            return real_connect(self, address)
        refuse(address)

    def getaddrinfo(host, *args, **kwargs):
        if host in allowed_hosts:
            return real_getaddrinfo(host, *args, **kwargs)
        refuse(host)

    def urlopen(url, *args, **kwargs):
        host = urllib.parse.urlsplit(getattr(url, "full_url", url)).hostname
        if host in allowed_hosts:
            return real_urlopen(url, *args, **kwargs)
        refuse(getattr(url, "full_url", url))

    real_urlopen = urllib.request.urlopen
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return attempts


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network fails the test, even if the code under test catches the error."""
    attempts = _guard_network(monkeypatch)
    yield attempts
    if attempts:
        pytest.fail(f"the test attempted network access: {attempts}", pytrace=False)


@pytest.fixture
def loopback_only(monkeypatch):
    """Connections and name lookups reach 127.0.0.1 only; any other attempt fails the test (caught or not)."""
    attempts = _guard_network(monkeypatch, ("127.0.0.1", "localhost"))
    yield attempts
    if attempts:
        pytest.fail(f"the test attempted network access outside 127.0.0.1: {attempts}", pytrace=False)


@pytest.fixture
def offline(monkeypatch):
    """A machine without network: connections and name lookups fail with OSError, as they would offline.

    For tests of what the kit does then (clear errors, every URL named); ``no_network`` is for code
    that must not try at all.
    """
    import socket

    def unreachable(*args, **kwargs):
        raise OSError(101, "Network is unreachable (test: offline)")

    def no_lookup(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, f"Temporary failure in name resolution (test: offline, {host})")

    monkeypatch.setattr(socket.socket, "connect", unreachable)
    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)


@pytest.fixture(scope="session")
def silhouettes_wheel() -> Path:
    """The animal-mnist wheel in the kit's download cache, where `make package-data` puts it (skips without it)."""
    wheel = Path(os.environ["TRANSFERKIT_CACHE"]) / "downloads" / "animal_mnist-0.4-py3-none-any.whl"
    if not wheel.is_file():
        _unavailable(f"{wheel} is missing: `make package-data` fetches it from PyPI")
    return wheel

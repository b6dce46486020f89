"""Shared test fixtures.

Real data: ``$TRANSFERKIT_DATA`` or ``../shared/data`` beside the checkout. Tests that need it
skip with a reason when it is absent; the rest run on small data the tests make themselves.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRANSFERKIT_DATA") or REPO.parent / "shared" / "data")

# Keras reads KERAS_HOME when it is imported; default to the repo's git-ignored cache.
os.environ.setdefault("KERAS_HOME", str(REPO / ".keras"))
os.environ.setdefault("TRANSFERKIT_CACHE", str(REPO / ".cache" / "transferkit"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real data not found at {SHARED}")


def _seed_weights() -> bool:
    """Copy ../shared/data/weights into $KERAS_HOME/models; True if the default weights are there."""
    models = Path(os.environ["KERAS_HOME"]) / "models"
    models.mkdir(parents=True, exist_ok=True)
    source = SHARED / "weights"
    if source.is_dir():
        for f in list(source.glob("*.h5")) + list(source.glob("*.json")):
            if not (models / f.name).exists():
                shutil.copy(f, models / f.name)
    return (models / "mobilenet_7_5_224_tf_no_top.h5").exists()


@pytest.fixture(scope="session")
def imagenet_weights() -> Path:
    """$KERAS_HOME/models holding the offline ImageNet weights (skips when they cannot be had)."""
    if not _seed_weights():
        pytest.skip("ImageNet weights not in $KERAS_HOME/models and no ../shared/data/weights")
    return Path(os.environ["KERAS_HOME"]) / "models"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED}")
    return SHARED


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a URL fails the test."""
    import socket
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:1]}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request, "urlretrieve", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)

"""CI cannot go green on skips: tests/conftest.py under TRANSFERKIT_REQUIRE_DATA=1, run on small test files.

Each case runs pytest in a subprocess on a folder holding a copy of tests/conftest.py and one test
file, with its own data folder and Keras home.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SKIPPING_TESTS = '''
import pytest

def test_needs_data(shared_data):
    assert shared_data.is_dir()

def test_skips_itself():
    pytest.skip("needs ../shared/data (TRANSFERKIT_DATA)")

@pytest.mark.skipif(True, reason="only in `make test-colab`")
def test_colab_only():
    pass
'''


def run_pytest(folder: Path, data: Path, require: bool) -> subprocess.CompletedProcess:
    (folder / "conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text())
    (folder / "test_cases.py").write_text(SKIPPING_TESTS)
    env = {**os.environ, "TRANSFERKIT_DATA": str(data), "KERAS_HOME": str(folder / "keras"),
           "TRANSFERKIT_REQUIRE_DATA": "1" if require else "", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--rootdir",
                           str(folder), str(folder / "test_cases.py")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=folder)


@pytest.fixture
def data_with_weights(tmp_path) -> Path:
    data = tmp_path / "shared" / "data"
    (data / "weights").mkdir(parents=True)
    for name in ("mobilenet_7_5_224_tf_no_top.h5", "imagenet_class_index.json"):
        (data / "weights" / name).write_bytes(b"stand-in")
    return data


def test_in_ci_a_missing_data_folder_stops_the_run_naming_it(tmp_path):
    missing = tmp_path / "nowhere" / "shared" / "data"
    run = run_pytest(tmp_path, missing, require=True)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert f"the real data folder {missing} does not exist" in run.stderr


def test_in_ci_missing_weights_stop_the_run_naming_both_places(tmp_path, data_with_weights):
    (data_with_weights / "weights" / "mobilenet_7_5_224_tf_no_top.h5").unlink()
    run = run_pytest(tmp_path, data_with_weights, require=True)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert f"are neither in {data_with_weights / 'weights'} nor in {tmp_path / 'keras' / 'models'}" in run.stderr


def test_in_ci_a_skip_fails_the_test_with_its_reason(tmp_path, data_with_weights):
    run = run_pytest(tmp_path, data_with_weights, require=True)
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    assert "1 failed, 1 passed, 1 skipped" in run.stdout  # the colab-only skip is the stage's, not missing data
    assert "skipped in CI, where nothing may skip (TRANSFERKIT_REQUIRE_DATA is set): needs ../shared/data" in run.stdout


def test_outside_ci_missing_data_skips_with_the_reason(tmp_path):
    missing = tmp_path / "nowhere"
    run = run_pytest(tmp_path, missing, require=False)
    assert run.returncode == pytest.ExitCode.OK
    assert "3 skipped" in run.stdout and f"real data not found at {missing}" in run.stdout

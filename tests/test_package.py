"""What a notebook's one import line brings."""

import types

import pytest

pytest.importorskip("keras")


def test_star_import_brings_helpers_and_keras_np_plt_but_no_submodules():
    namespace: dict = {}
    exec("from transferkit import *", namespace)
    for name in ("load_backbone", "load_dataset", "ideal_image", "adversarial_image", "fine_tune", "keras", "np", "plt"):
        assert name in namespace, name
    modules = sorted(n for n, v in namespace.items() if isinstance(v, types.ModuleType) and n not in ("keras", "np", "plt"))
    assert modules == [], f"submodules leak into notebooks: {modules}"

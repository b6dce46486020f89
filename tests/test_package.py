"""What a notebook's one import line brings."""

import ast
import subprocess
import sys
import types
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
# Each subpackage imports only those before it; config, i18n and plots serve them all.
LAYERS = ["i18n", "config", "plots", "datasets", "models", "training", "evaluation", "steering", "course", "mirror"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(LIB).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the kit's modules it imports (relative imports at any depth, inside functions too)."""
    modules = {_module_name(f): f for f in LIB.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{target}.{alias.name}" if target else alias.name
                    found = full if full in modules else target
                    if found in modules and found not in ("", module):
                        graph[module].add(found)
    return graph


def test_import_graph_has_no_cycle_and_layers_point_one_way():
    graph = import_graph()
    assert len(graph) > 30 and sum(map(len, graph.values())) > 50, "the import graph was not read"

    def layer(module: str) -> int:
        return LAYERS.index(module.split(".")[0]) if module else -1

    upward = sorted((m, t) for m, targets in graph.items() for t in targets
                    if m and m.split(".")[0] != t.split(".")[0] and layer(t) > layer(m))
    assert not upward, f"imports against the layer order {LAYERS}: {upward}"
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(f"import cycle: {' -> '.join(path[path.index(module):] + [module])}")
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_is_lazy_and_dir_lists_every_name():
    run = _fresh_python(
        "import sys, transferkit as tk\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'import transferkit imported TensorFlow'\n"
        "assert set(tk.__all__) <= set(dir(tk)), 'dir() misses exported names'\n"
        "print(len(tk.__all__))\n")
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 50


def test_mirror_help_starts_without_tensorflow():
    run = _fresh_python(
        "import runpy, sys\n"
        "sys.argv = ['transferkit.mirror', '--help']\n"
        "try:\n    runpy.run_module('transferkit.mirror', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, sorted(m for m in sys.modules if 'tensorflow' in m)[:3]\n")
    assert run.returncode == 0, run.stderr
    assert "usage:" in run.stdout


def test_star_import_brings_helpers_and_keras_np_plt_but_no_submodules():
    pytest.importorskip("keras")
    namespace: dict = {}
    exec("from transferkit import *", namespace)
    for name in ("load_backbone", "load_dataset", "ideal_image", "adversarial_image", "fine_tune", "keras", "np", "plt"):
        assert name in namespace, name
    modules = sorted(n for n, v in namespace.items() if isinstance(v, types.ModuleType) and n not in ("keras", "np", "plt"))
    assert modules == [], f"submodules leak into notebooks: {modules}"


def test_docstring_references_name_todays_modules():
    """Every ``:mod:``/``:func:``/``:class:`` reference to ``transferkit.…`` in the kit's docstrings
    resolves: a module or name moved by a reorganisation leaves no pointer to where it used to be."""
    import importlib
    import re

    pytest.importorskip("keras")
    pattern = re.compile(r":(?:mod|func|class|data|meth|attr):`~?(transferkit\.[\w.]+)`")
    stale = []
    for path in sorted(LIB.rglob("*.py")):
        for target in pattern.findall(path.read_text(encoding="utf-8")):
            parts = target.split(".")
            for cut in range(len(parts), 0, -1):
                try:
                    obj = importlib.import_module(".".join(parts[:cut]))
                    break
                except ImportError:
                    continue
            try:
                for name in parts[cut:]:
                    obj = getattr(obj, name)
            except AttributeError:
                stale.append(f"{path.relative_to(LIB.parent)}: {target}")
    assert not stale, stale

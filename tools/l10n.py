"""``python3 tools/l10n.py <command>``: the translation tools' command line (the code: the package tools/l10n/;
the workflow: locale/README.md). Also ``python3 -m tools.l10n <command>`` from the repository's root.

A script's folder is what Python puts first on its path, not the repository's root, so this file
loads the package ``tools`` (tools/__init__.py) from beside it by its location before importing
``tools.l10n``: nothing is added to the import path. Loaded by path itself (benchmarks/translations.py does),
it offers ``english_notebooks``, ``languages`` and ``language_stats`` of this repository.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

_TOOLS = Path(__file__).resolve().parent


def _tools_package():
    """The package ``tools`` of this repository (imported once; another package of that name is an error)."""
    loaded = sys.modules.get("tools")
    if loaded is None:
        spec = importlib.util.spec_from_file_location("tools", _TOOLS / "__init__.py", submodule_search_locations=[str(_TOOLS)])
        loaded = importlib.util.module_from_spec(spec)
        sys.modules["tools"] = loaded
        spec.loader.exec_module(loaded)
    elif [Path(p).resolve() for p in getattr(loaded, "__path__", [])] != [_TOOLS]:
        raise ImportError(f"another package named 'tools' is imported ({getattr(loaded, '__file__', loaded)}), not {_TOOLS}")
    return loaded


_tools_package()
_cli = importlib.import_module("tools.l10n.cli")
_stats = importlib.import_module("tools.l10n.stats")
_paths = importlib.import_module("tools.l10n.paths")

main = _cli.main
language_stats = _stats.language_stats


def english_notebooks() -> list[Path]:
    return _paths.Paths().english_notebooks()


def languages() -> list[str]:
    return _paths.Paths().languages()


if __name__ == "__main__":
    sys.exit(main())

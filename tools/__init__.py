"""The repository's tools, a package so that they import each other by name, not by path:
``tools.colab`` (install source, setup cells, Colab badges) and ``tools.l10n`` (translations).

Run them as scripts, ``python3 tools/colab.py`` and ``python3 tools/l10n.py <command>``, or from the
repository's root as ``python3 -m tools.l10n <command>``.
"""

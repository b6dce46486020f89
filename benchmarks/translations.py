"""How far the Tagalog and Pidgin (and any other) translations are, per language.

    python benchmarks/translations.py            # every language in locale/
    python benchmarks/translations.py --lang tl

Prints ``<lang>_<figure>: <value>`` for: ``entries`` (paragraphs, list items, headings, quiz texts and
kit messages in the English source), ``translated``, ``fuzzy`` (the English changed since),
``untranslated``, ``words_en`` (English words to translate, code spans and formulas left out),
``placeholder_errors`` (translations that drop or change a number, code span, formula, link target,
heading level or format field), ``code_cells_differing`` (code cells of rendered notebooks that are not
the English ones) and ``notebooks_rendered``. Targets: 100% translated, 0 fuzzy, 0 errors, 0 differing.
No TensorFlow, no data: it reads the catalogs and notebooks only.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "l10n.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("l10n", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["l10n"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", action="append", help="only this language (repeatable)")
    args = ap.parse_args()
    l10n = load_tool()
    print(f"english_notebooks: {len(l10n.english_notebooks())}")
    for lang in args.lang or l10n.languages():
        stats = l10n.language_stats(lang)
        for name in ["entries", "translated", "fuzzy", "untranslated", "words_en", "placeholder_errors",
                     "code_cells_differing", "notebooks_rendered"]:
            print(f"{lang}_{name}: {stats[name]}")
        print(f"{lang}_translated_percent: {100 * stats['translated'] / max(stats['entries'], 1):.1f}")


if __name__ == "__main__":
    main()

"""``stats`` (and benchmarks/translations.py): how far each language is."""

from __future__ import annotations

import json
from collections import Counter

from .catalogs import catalog_counts, is_done, read_catalog
from .check import code_cell_differences
from .paths import KIT_DOMAIN, Paths
from .placeholders import placeholder_errors, strip_markup

STATS = ["entries", "translated", "fuzzy", "untranslated", "obsolete", "words_en", "placeholder_errors",
         "code_cells_differing", "notebooks_rendered"]


def language_stats(lang: str, paths: Paths = Paths()) -> dict[str, int]:
    """Per language: entries, translated, fuzzy, untranslated, obsolete, words_en, placeholder_errors,
    code_cells_differing, notebooks_rendered."""
    totals = Counter()
    for path in paths.template_paths():
        template = read_catalog(path)
        target = paths.po(lang, path.stem)
        catalog = read_catalog(target) if target.is_file() else template
        counts = catalog_counts(catalog)
        if not target.is_file():
            counts = {"entries": counts["entries"], "untranslated": counts["entries"]}
        totals.update(counts)
        totals["words_en"] += sum(len(strip_markup(m.id).split()) for m in template if m.id)
        if target.is_file():
            totals["placeholder_errors"] += sum(
                1 for m in catalog if is_done(m) and placeholder_errors(m.id, m.string, path.stem == KIT_DOMAIN))
    for notebook in paths.english_notebooks():
        target = paths.rendered(notebook, lang)
        if target.is_file():
            totals["notebooks_rendered"] += 1
            english = json.loads(notebook.read_text(encoding="utf-8"))
            totals["code_cells_differing"] += len(code_cell_differences(english, json.loads(target.read_text(encoding="utf-8")), lang))
    return {k: int(totals.get(k, 0)) for k in STATS}


def print_stats(paths: Paths, langs: list[str]) -> int:
    rows = {lang: language_stats(lang, paths) for lang in langs}
    keys = list(next(iter(rows.values())).keys()) if rows else []
    print(f"{'':6}" + "".join(f"{k:>21}" for k in keys))
    for lang, stats in rows.items():
        print(f"{lang:6}" + "".join(f"{stats[k]:>21}" for k in keys))
    print(f"(English notebooks: {len(paths.english_notebooks())}; domains: {len(paths.template_paths())})")
    return 0

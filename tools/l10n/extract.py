"""``extract``: the English source -> ``locale/templates/*.pot``, one template per notebook (its markdown,
then its lesson's quiz) and one for the kit's messages (``_()`` calls in ``lib/``)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from .catalogs import entry_signature, new_catalog, po_bytes, read_catalog, write_if_changed
from .paths import KIT_DOMAIN, Paths
from .placeholders import has_format_field
from .units import notebook_units, quiz_units


def extract_notebook(notebook: Path, paths: Paths) -> Catalog:
    """The template catalog of one notebook: its markdown units, then its lesson's quiz."""
    catalog = new_catalog(notebook.stem)
    location = f"notebooks/{paths.notebook_name(notebook)}" if notebook.is_relative_to(paths.notebooks) else notebook.name
    for context, text, kind, number in notebook_units(notebook, paths):
        catalog.add(text, context=context, locations=[(location, number + 1)], auto_comments=[kind])  # cell 1 = first cell
    quiz = paths.quiz_of(notebook)
    if quiz:
        for context, text, comment in quiz_units(quiz):
            catalog.add(text, context=context, locations=[(f"lib/quizzes/{quiz.name}", None)], auto_comments=[comment])
    return catalog


def extract_kit(paths: Paths) -> Catalog:
    """The template of the kit's messages: every ``_()``, ``ngettext()``, ``pgettext()``, ``N_()`` call in lib/."""
    catalog = new_catalog(KIT_DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
            paths.lib, method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS, comment_tags=["TRANSLATORS:"],
            strip_comment_tags=True):
        catalog.add(message, locations=[(f"lib/{filename}", None)], auto_comments=comments, context=context,
                    flags=("python-brace-format",) if has_format_field(str(message)) else ())
    return catalog


def templates(paths: Paths) -> dict[str, Catalog]:
    """Every template, fresh from the English source: domain -> catalog."""
    out = {nb.stem: extract_notebook(nb, paths) for nb in paths.english_notebooks()}
    out[KIT_DOMAIN] = extract_kit(paths)
    return out


def write_templates(paths: Paths) -> int:
    """Writes the templates whose entries changed, removes those of notebooks that are gone."""
    fresh = templates(paths)
    changed = 0
    for domain, catalog in fresh.items():
        path = paths.pot(domain)
        old = read_catalog(path) if path.is_file() else None
        if old is not None and entry_signature(old) == entry_signature(catalog):
            continue
        write_if_changed(path, po_bytes(catalog))
        print(f"wrote {paths.rel(path)}: {len(catalog)} entries")
        changed += 1
    for path in paths.template_paths():
        if path.stem not in fresh:
            path.unlink()
            print(f"removed {paths.rel(path)} (its notebook is gone)")
            changed += 1
    print(f"{len(fresh)} templates, {changed} changed")
    return 0

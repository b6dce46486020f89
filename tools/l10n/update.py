"""``update`` and ``init``: the templates merged into each language's catalogs (changed English fuzzy,
new untranslated, removed obsolete), reusing translations of the same English (a translation memory)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog, Message

from .. import colab
from .catalogs import is_done, key, new_catalog, po_bytes, read_catalog, summary, write_if_changed
from .paths import BUGS, Paths
from .sentences import REVIEWED


def translation_memory(paths: Paths, lang: str) -> dict[str, str]:
    """English -> translation over every catalog of ``lang`` (done entries only, obsolete ones included)."""
    memory: dict[str, str] = {}
    for path in sorted((paths.locale / lang / "LC_MESSAGES").glob("*.po")):
        catalog = read_catalog(path)
        for message in list(catalog) + list(catalog.obsolete.values()):
            if is_done(message):
                memory.setdefault(message.id, message.string)
    return memory


def merge(catalog: Catalog, template: Catalog, memory: dict[str, str]) -> Catalog:
    """``catalog`` updated to ``template``: changed English comes back fuzzy (with the old English as
    ``#| msgid``), new English untranslated, removed English obsolete. An entry whose English is
    unchanged but moved (another cell, another paragraph number) or appears elsewhere already
    translated (the lab and its solution) keeps that translation, as msgmerge does with a compendium."""
    old = {key(m): m for m in catalog if m.id}
    old_by_text: dict[str, list[Message]] = {}
    for m in list(old.values()) + list(catalog.obsolete.values()):
        if is_done(m):
            old_by_text.setdefault(m.id, []).append(m)
    catalog.update(template, update_creation_date=True)
    for message in catalog:
        if not message.id or is_done(message):
            continue
        message.flags.discard(REVIEWED)  # a review of the sentences was of the old English
        before = old.get(key(message))
        if before is not None and before.previous_id and not message.previous_id:
            message.previous_id = list(before.previous_id)  # still fuzzy: keep the English it was translated from
        same = old_by_text.get(message.id)
        if same:
            cell = (message.context or "").rsplit(":", 1)[0]
            best = next((m for m in same if (m.context or "").rsplit(":", 1)[0] == cell), same[0])
            message.string = best.string
        elif message.id in memory:
            message.string = memory[message.id]
        else:
            continue
        message.flags.discard("fuzzy")
        message.previous_id = []
    # an obsolete entry whose English lives on in the catalog is not a loss: drop it
    live = {m.id for m in catalog if m.id}
    for k in [k for k, m in catalog.obsolete.items() if m.id in live or not m.string]:
        del catalog.obsolete[k]
    return catalog


def new_translation(domain: str, lang: str, template: Catalog) -> Catalog:
    catalog = new_catalog(domain, lang)
    catalog.language_team = f"{lang} <{BUGS}>"
    for m in template:
        if m.id:
            catalog.add(m.id, context=m.context, locations=m.locations, auto_comments=m.auto_comments, flags=m.flags)
    return catalog


def update_language(paths: Paths, lang: str, drop_obsolete: bool = False, quiet: bool = False,
                    domains: list[str] | None = None) -> list[Path]:
    memory = translation_memory(paths, lang)
    written = []
    for path in paths.template_paths():
        if domains and path.stem not in domains:
            continue
        template = read_catalog(path)
        target = paths.po(lang, path.stem)
        if target.is_file():
            catalog = merge(read_catalog(target), template, memory)
        else:
            catalog = merge(new_translation(path.stem, lang, template), template, memory)
        if write_if_changed(target, po_bytes(catalog, ignore_obsolete=drop_obsolete)):
            written.append(target)
            if not quiet:
                print(f"wrote {paths.rel(target)}: {summary(catalog)}")
    for target in sorted((paths.locale / lang / "LC_MESSAGES").glob("*.po")):
        if not paths.pot(target.stem).is_file():
            print(f"note: {paths.rel(target)} has no template any more (its notebook is gone); delete it when done with it")
    return written


def init_language(paths: Paths, code: str) -> int:
    """A new language: ``locale/<code>/LC_MESSAGES`` with a catalog for every domain."""
    if not colab.LANGUAGE_FOLDER.match(code):
        raise SystemExit(f"{code!r}: use a language code such as yo (Yoruba) or ceb (Cebuano)")
    (paths.locale / code / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    update_language(paths, code)
    print(f"locale/{code}/LC_MESSAGES holds one catalog per notebook plus transferkit.po: open them in Poedit")
    return 0

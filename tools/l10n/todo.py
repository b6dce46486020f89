"""``todo`` and ``apply``: scripted translation. ``todo`` lists the entries that need work as JSON, a
translator (or a script) fills in each ``translation``, ``apply`` writes them into the .po files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .catalogs import is_done, po_bytes, read_catalog, summary, write_if_changed
from .paths import KIT_DOMAIN, Paths
from .placeholders import placeholder_errors


def todo_items(paths: Paths, lang: str, domains: list[str] | None, everything: bool) -> list[dict]:
    """The entries of one language that need work (every entry with ``everything``), as dicts."""
    todo = []
    for domain in domains or [p.stem for p in paths.template_paths()]:
        path = paths.po(lang, domain)
        if not path.is_file():
            raise SystemExit(f"{paths.rel(path)}: missing (run `make l10n-update`)")
        for m in read_catalog(path):
            if m.id and (everything or not is_done(m)):
                item = {"domain": domain, "context": m.context, "en": m.id, "comment": " ".join(m.auto_comments),
                        "translation": m.string or ""}
                if m.previous_id:
                    item["previous_en"] = m.previous_id[0]
                todo.append(item)
    return todo


def print_todo(paths: Paths, lang: str, domains: list[str] | None, everything: bool) -> int:
    json.dump(todo_items(paths, lang, domains, everything), sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


def apply_file(paths: Paths, lang: str, file: str) -> int:
    """Writes translations from a JSON list (the output of `todo`, ``translation`` filled in) into the .po
    files: each becomes a done entry (fuzzy flag cleared) unless it breaks a placeholder of its English."""
    items = json.loads(Path(file).read_text(encoding="utf-8"))
    by_domain: dict[str, list[dict]] = {}
    for item in items:
        if item.get("translation", "").strip():
            by_domain.setdefault(item["domain"], []).append(item)
    problems = 0
    for domain, entries in by_domain.items():
        path = paths.po(lang, domain)
        catalog = read_catalog(path)
        index = {(m.context, m.id): m for m in catalog if m.id}
        for item in entries:
            message = index.get((item.get("context"), item["en"]))
            where = f"{paths.rel(path)}: {item.get('context') or item['en'][:40]!s}"
            if message is None:
                print(f"{where}: no such entry with this English (it changed? run `todo` again)")
                problems += 1
                continue
            errors = placeholder_errors(item["en"], item["translation"], kit_message=domain == KIT_DOMAIN)
            if errors:
                print(f"{where}: not applied: {'; '.join(errors)}")
                problems += 1
                continue
            message.string = item["translation"]
            message.flags.discard("fuzzy")
            message.previous_id = []
        if write_if_changed(path, po_bytes(catalog)):
            print(f"wrote {paths.rel(path)}: {summary(catalog)}")
    return 1 if problems else 0

"""The command line: ``python3 tools/l10n.py <command>`` (or ``python3 -m tools.l10n``), one job module a command."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import __doc__ as PACKAGE_DOC
from .check import print_check
from .extract import write_templates
from .paths import Paths
from .render import write_compiled, write_renders
from .stats import print_stats
from .todo import apply_file, print_todo
from .update import init_language, update_language


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=PACKAGE_DOC.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="English notebooks, quizzes and kit messages -> locale/templates/*.pot")
    p = sub.add_parser("update", help="merge the templates into every language's catalogs")
    p.add_argument("--lang", action="append")
    p.add_argument("--drop-obsolete", action="store_true", help="remove obsolete entries (after review)")
    p.add_argument("--notebook", action="append", help="only this domain (a notebook's stem, or transferkit); repeatable")
    p = sub.add_parser("init", help="start a new language: catalogs for every domain")
    p.add_argument("code", help="language code, e.g. yo or ceb")
    p = sub.add_parser("compile", help="transferkit.po -> lib/locale/<lang>/LC_MESSAGES/transferkit.mo")
    p.add_argument("--lang", action="append")
    p = sub.add_parser("render", help="write notebooks/<lang>/ and lib/quizzes/<lang>/ from the catalogs")
    p.add_argument("--lang", action="append")
    p.add_argument("--notebook", action="append", help="only this notebook (stem, e.g. 01_feature_extraction)")
    p.add_argument("--allow-missing", action="store_true", help="draft: keep the English where a translation is missing")
    p = sub.add_parser("check", help="exit 1 naming every stale, missing or broken translation")
    p.add_argument("--lang", action="append")
    p.add_argument("--draft", action="store_true",
                   help="allow untranslated/fuzzy/obsolete entries and unrendered notebooks; check the rest")
    p = sub.add_parser("stats", help="per-language counts")
    p.add_argument("--lang", action="append")
    p = sub.add_parser("todo", help="the entries that need translating, as JSON (fill in `translation`, then `apply`)")
    p.add_argument("lang")
    p.add_argument("--notebook", action="append", help="only this domain (a notebook's stem, or transferkit)")
    p.add_argument("--all", action="store_true", help="every entry, done ones included (for review)")
    p = sub.add_parser("apply", help="write the translations of a JSON file (from `todo`) into the catalogs")
    p.add_argument("lang")
    p.add_argument("file")
    return parser


def run(args: argparse.Namespace, paths: Paths) -> int:
    """Runs one parsed command on the repository ``paths`` describes; its exit code."""
    langs = getattr(args, "lang", None) or paths.languages()
    if args.command == "extract":
        return write_templates(paths)
    if args.command == "update":
        for lang in langs:
            update_language(paths, lang, drop_obsolete=args.drop_obsolete, domains=args.notebook)
        return 0
    if args.command == "init":
        return init_language(paths, args.code)
    if args.command == "compile":
        return write_compiled(paths, langs)
    if args.command == "render":
        return write_renders(paths, langs, args.notebook, args.allow_missing)
    if args.command == "check":
        return print_check(paths, langs, args.draft)
    if args.command == "stats":
        return print_stats(paths, langs)
    if args.command == "todo":
        return print_todo(paths, args.lang, args.notebook, args.all)
    return apply_file(paths, args.lang, args.file)


def main(argv: list[str] | None = None, root: Path | None = None, prog: str | None = None) -> int:
    """``python3 tools/l10n.py <command> ...``; ``root``: another repository than this one (tests pass a copy)."""
    args = parser(prog).parse_args(argv)
    return run(args, Paths(Path(root)) if root else Paths())

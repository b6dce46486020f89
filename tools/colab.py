"""Writes the kit's install source into every notebook and the README (``make colab-url``).

The repository URL lives in one place, ``pyproject.toml``'s ``[project.urls] Repository`` (and the
branch Colab opens in ``[tool.transferkit] colab-branch``). From it this script writes

* the first code cell of every notebook under ``notebooks/`` (sub-folders included): the setup cell,
  three lines, the same everywhere, which installs the kit from that URL when pip does not know it
  (Colab) and then imports ``transferkit as tk`` and ``keras`` (the kit first: it keeps TensorFlow's
  start-up notices out of the cell). IPython's ``!`` runs pip, so pip's own message shows when it
  fails, and the import after it stops the cell. In a language folder (``notebooks/tl/``,
  ``notebooks/pcm/``: the translations tools/l10n.py renders) the last line also sets the kit's
  language: ``import transferkit as tk, keras; tk.set_language("tl")``;
* a first markdown cell holding an "Open in Colab" badge for that notebook;
* the Colab badges in the README's notebook table (a column for English, one per language folder,
  built from the notebooks' paths).

Nothing else in a notebook is touched, and running it twice changes nothing the second time.

    python3 tools/colab.py                      # rewrite from the URL in pyproject.toml
    python3 tools/colab.py --url https://github.com/me/transferkit [--branch main]
    python3 tools/colab.py --check              # exit 1 and name the files that are out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

#: The repository this file is in: every function works on it unless given another ``root`` (tests pass a copy).
REPO = Path(__file__).resolve().parents[1]

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_CELL_ID = "colab-badge"

SETUP_CELL = '''\
import sys  # Setup: Colab installs the kit here (locally, `make lab` did). If pip fails, its message shows and the import stops.
!"{{sys.executable}}" -m pip show -qq transferkit || "{{sys.executable}}" -m pip install -q "transferkit[tensorflow] @ git+{url}"
import transferkit as tk, keras'''

#: A folder of notebooks/ named by a language code holds that language's rendered notebooks.
LANGUAGE_FOLDER = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")

_URL_LINE = re.compile(r'^(Repository\s*=\s*)"([^"]*)"', re.M)
_BRANCH_LINE = re.compile(r'^(colab-branch\s*=\s*)"([^"]*)"', re.M)
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


# --------------------------------------------------------------------------- the one place


def _pyproject(root: Path) -> Path:
    return root / "pyproject.toml"


def repo_url(text: str | None = None, root: Path = REPO) -> str:
    """The repository URL in pyproject.toml (``text``, or the file of the repository at ``root``)."""
    m = _URL_LINE.search(_pyproject(root).read_text() if text is None else text)
    if not m:
        raise SystemExit(f"{_pyproject(root)}: no `Repository = \"...\"` line under [project.urls]")
    return m[2]


def colab_branch(text: str | None = None, root: Path = REPO) -> str:
    m = _BRANCH_LINE.search(_pyproject(root).read_text() if text is None else text)
    return m[2] if m else "main"


def github_parts(url: str) -> tuple[str, str]:
    """``(owner, name)`` of a GitHub repository URL; Colab opens notebooks from GitHub only."""
    m = _GITHUB.match(url.strip())
    if not m:
        raise SystemExit(f"{url!r} is not a GitHub repository URL (https://github.com/<owner>/<name>): "
                         "Colab badges open notebooks from GitHub")
    return m[1], m[2]


def colab_link(url: str, branch: str, notebook: Path) -> str:
    """The Colab address that opens ``notebook`` (a path inside the repository) from ``url``."""
    owner, name = github_parts(url)
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{notebook.as_posix()}"


def setup_source(url: str, language: str | None = None) -> str:
    """The setup cell; in a translated notebook its last line also sets the kit's language."""
    text = SETUP_CELL.format(url=url)
    return text + f'; tk.set_language("{language}")' if language else text


def language_of(notebook: Path, root: Path = REPO) -> str | None:
    """``"tl"`` for ``notebooks/tl/...`` (a folder named like a language that has ``locale/<code>/LC_MESSAGES``);
    None for an English notebook. ``root``: the repository."""
    try:
        parts = notebook.relative_to(root / "notebooks").parts
    except ValueError:
        return None
    if len(parts) > 1 and LANGUAGE_FOLDER.match(parts[0]) and (root / "locale" / parts[0] / "LC_MESSAGES").is_dir():
        return parts[0]
    return None


def badge_markdown(link: str, label: str = "Open In Colab") -> str:
    return f"[![{label}]({BADGE_IMAGE})]({link})"


# --------------------------------------------------------------------------- notebooks


def notebook_paths(root: Path = REPO) -> list[Path]:
    """Every notebook under the repository's ``notebooks/``, sub-folders included, Jupyter's checkpoints left out."""
    return sorted(p for p in (root / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def is_badge_cell(cell: dict) -> bool:
    return cell.get("cell_type") == "markdown" and "".join(cell.get("source", [])).startswith("[![Open In Colab]")


def updated_notebook(text: str, link: str, url: str, language: str | None = None) -> str:
    """The notebook's JSON with its badge cell and setup cell written; every other cell as it was."""
    nb = json.loads(text)
    cells = nb["cells"]
    with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
    badge = {"cell_type": "markdown", "metadata": {}, "source": _lines(badge_markdown(link))}
    if with_ids:
        badge["id"] = BADGE_CELL_ID
    if cells and is_badge_cell(cells[0]):
        cells[0]["source"] = badge["source"]
    else:
        cells.insert(0, badge)
    code = [c for c in cells if c.get("cell_type") == "code"]
    if not code:
        raise SystemExit("a notebook without a code cell has no setup cell to write")
    setup = code[0]
    setup["source"] = _lines(setup_source(url, language))
    setup["outputs"] = []
    setup["execution_count"] = None
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- README


def _table_names(first_cell: str) -> list[str]:
    """Notebook stems named in a table row's first cell; `` `_solution` `` extends the name before it."""
    names: list[str] = []
    for token in re.findall(r"`([^`]+)`", first_cell):
        if token.startswith("_") and names:
            names.append(names[-1] + token)
        else:
            names.append(token.removesuffix(".ipynb"))
    return names


_COLAB_COLUMN = re.compile(r"^Colab( \([\w]+\))?$", re.I)


def updated_readme(text: str, url: str, branch: str, notebooks: list[Path], root: Path = REPO) -> str:
    """The README with Colab columns in its notebook table (the table whose header starts ``| notebook |``):
    ``Colab`` for the English notebooks, ``Colab (tl)`` for each language folder that has notebooks."""
    by_name = {(language_of(p, root), p.stem): p.relative_to(root) for p in notebooks}
    columns = [None] + sorted({lang for lang, _ in by_name if lang})
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not re.match(r"^\|\s*notebook\s*\|", line):
            out.append(line)
            i += 1
            continue
        header = [c.strip() for c in line.strip().strip("|").split("|")]
        managed = 0
        while managed < len(header) - 1 and _COLAB_COLUMN.match(header[-1 - managed]):
            managed += 1
        kept = header[:len(header) - managed]
        out.append("| " + " | ".join(kept + ["Colab" if lang is None else f"Colab ({lang})" for lang in columns]) + " |")
        out.append("|" + "---|" * (len(kept) + len(columns)))
        i += 2
        while i < len(lines) and lines[i].startswith("|"):
            row = lines[i].strip()[1:-1] if lines[i].strip().endswith("|") else lines[i].strip()[1:]
            cells = row.split(" | ")
            cells = cells[:len(cells) - managed] if managed else cells
            links = []
            for lang in columns:
                badges = []
                for name in _table_names(cells[0]):
                    if (lang, name) in by_name:
                        link = colab_link(url, branch, by_name[lang, name])
                        if badges:
                            badges.append(f"[{name.rsplit('_', 1)[-1]}]({link})")
                        else:
                            badges.append(badge_markdown(link) if lang is None else f"[Colab]({link})")
                links.append(" ".join(badges))
            out.append("| " + " | ".join([c.strip() for c in cells] + links) + " |")
            i += 1
    return "\n".join(out)


# --------------------------------------------------------------------------- the command


def planned_changes(url: str | None = None, branch: str | None = None, root: Path = REPO) -> dict[Path, str]:
    """Every file of the repository at ``root`` whose text differs from what it should hold, mapped to that text."""
    pyproject_path, readme = _pyproject(root), root / "README.md"
    pyproject = pyproject_path.read_text()
    if url:
        github_parts(url)
        pyproject = _URL_LINE.sub(lambda m: f'{m[1]}"{url}"', pyproject, count=1)
    if branch:
        if _BRANCH_LINE.search(pyproject):
            pyproject = _BRANCH_LINE.sub(lambda m: f'{m[1]}"{branch}"', pyproject, count=1)
        else:
            pyproject = pyproject.rstrip("\n") + f'\n\n[tool.transferkit]\ncolab-branch = "{branch}"\n'
    url, branch = repo_url(pyproject), colab_branch(pyproject)
    notebooks = notebook_paths(root)
    wanted = {pyproject_path: pyproject, readme: updated_readme(readme.read_text(), url, branch, notebooks, root)}
    for path in notebooks:
        wanted[path] = updated_notebook(path.read_text(encoding="utf-8"), colab_link(url, branch, path.relative_to(root)), url,
                                        language_of(path, root))
    return {p: t for p, t in wanted.items() if p.read_text(encoding="utf-8") != t}


def main(argv: list[str] | None = None, root: Path = REPO) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="the repository to install from, e.g. https://github.com/me/transferkit")
    parser.add_argument("--branch", help="the branch Colab badges open (default: as in pyproject.toml, else main)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    changes = planned_changes(args.url, args.branch, root)
    for path in changes:
        rel = path.relative_to(root)
        print(f"{'out of date' if args.check else 'wrote'}: {rel}")
        if not args.check:
            path.write_text(changes[path], encoding="utf-8")
    if args.check and changes:
        print("run `make colab-url` to update them")
        return 1
    print(f"install source: {repo_url(root=root)} (branch {colab_branch(root=root)}); "
          f"{len(notebook_paths(root))} notebooks, {len(changes)} file(s) {'to change' if args.check else 'changed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

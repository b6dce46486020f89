"""Where things are in a repository: one ``Paths`` object, passed to every job (tests pass a copy's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import colab

REPO = Path(__file__).resolve().parents[2]
KIT_DOMAIN = "transferkit"
PROJECT = "transferkit"
BUGS = "https://github.com/transfer-learning-kit/transferkit/issues"


@dataclass(frozen=True)
class Paths:
    """The folders and files of the repository at ``root``."""

    root: Path = REPO

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def locale(self) -> Path:
        return self.root / "locale"

    @property
    def templates(self) -> Path:
        return self.locale / "templates"

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def quizzes(self) -> Path:
        return self.lib / "quizzes"

    @property
    def mo_root(self) -> Path:
        return self.lib / "locale"

    def english_notebooks(self) -> list[Path]:
        """The English notebooks: ``notebooks/*.ipynb`` and ``notebooks/solutions/*.ipynb``."""
        return sorted(self.notebooks.glob("*.ipynb")) + sorted((self.notebooks / "solutions").glob("*.ipynb"))

    def languages(self) -> list[str]:
        """The languages with catalogs: ``locale/<code>/LC_MESSAGES``."""
        return sorted(p.parent.name for p in self.locale.glob("*/LC_MESSAGES")
                      if colab.LANGUAGE_FOLDER.match(p.parent.name))

    def template_paths(self) -> list[Path]:
        return sorted(self.templates.glob("*.pot"))

    def quiz_of(self, notebook: Path) -> Path | None:
        """The quiz of a lesson's notebook (``01_x.ipynb`` -> ``quizzes/01.json``); none for a solution."""
        if notebook.stem.endswith("_solution") or not re.match(r"^\d\d_", notebook.stem):
            return None
        path = self.quizzes / f"{notebook.stem[:2]}.json"
        return path if path.is_file() else None

    def notebook_name(self, notebook: Path) -> str:
        """``solutions/03_x.ipynb``: the notebook's path below ``notebooks/`` (its file name if elsewhere)."""
        return notebook.relative_to(self.notebooks).as_posix() if notebook.is_relative_to(self.notebooks) else notebook.name

    def po(self, lang: str, domain: str) -> Path:
        return self.locale / lang / "LC_MESSAGES" / f"{domain}.po"

    def pot(self, domain: str) -> Path:
        return self.templates / f"{domain}.pot"

    def rendered(self, notebook: Path, lang: str) -> Path:
        """``notebooks/x.ipynb`` -> ``notebooks/<lang>/x.ipynb`` (sub-folders kept: ``notebooks/<lang>/solutions/``)."""
        return self.notebooks / lang / notebook.relative_to(self.notebooks)

    def rendered_quiz(self, quiz: Path, lang: str) -> Path:
        return self.quizzes / lang / quiz.name

    def mo(self, lang: str) -> Path:
        return self.mo_root / lang / "LC_MESSAGES" / f"{KIT_DOMAIN}.mo"

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

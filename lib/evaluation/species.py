"""Coarse groups from fine classes: cat-vs-dog accuracy from breed predictions, and the species colours of the plots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..datasets.oxford import species_of
from ..i18n import _
from ..plots import finished
from .metrics import _num_classes, _pair


@dataclass
class SpeciesReport:
    """Coarse accuracy when every class maps to a group (cat/dog from breed predictions).

    ``confusion[a][b]`` counts images of group ``a`` predicted as some class of group ``b``;
    ``cross_group`` holds the indices of the mistakes that cross groups, ``within_group`` those
    that only confuse classes of the same group.
    """

    groups: list[str]
    confusion: dict[str, dict[str, int]]
    cross_group: np.ndarray
    within_group: np.ndarray
    total: int

    @property
    def accuracy(self) -> float:
        return 1.0 - len(self.cross_group) / self.total if self.total else float("nan")

    @property
    def breed_errors(self) -> int:
        return len(self.cross_group) + len(self.within_group)

    def summary(self) -> str:
        lines = [_("{first}-vs-{last} accuracy from breed predictions: {accuracy:.1%} ({right}/{total})").format(
            first=self.groups[0], last=self.groups[-1], accuracy=self.accuracy,
            right=self.total - len(self.cross_group), total=self.total)]
        for a in self.groups:
            row = ", ".join(_("predicted {group}: {count}").format(group=b, count=self.confusion[a][b]) for b in self.groups)
            lines.append("  " + _("true {group}: {row}").format(group=a, row=row))
        errors = self.breed_errors
        if errors:
            lines.append("  " + _("of {errors} wrong breeds, {cross} cross species ({share:.0%}) and {within} stay "
                                  "within it").format(errors=errors, cross=len(self.cross_group),
                                                      share=len(self.cross_group) / errors, within=len(self.within_group)))
        else:
            lines.append("  " + _("no wrong breeds"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def species_report(labels, predictions, class_names: Sequence[str],
                   species: Callable[[str], str] | Sequence[str] = species_of) -> SpeciesReport:
    """Cat-vs-dog (or any grouping) accuracy derived from fine-grained predictions.

    ``species`` maps a class name to its group (default: Oxford pets' rule, capitalised = cat),
    or is a sequence giving each class's group.
    """
    y, p = _pair(labels, predictions)
    _num_classes(y, p, len(class_names), predictions)
    group_of = [species(c) for c in class_names] if callable(species) else list(species)
    if len(group_of) != len(class_names):
        raise ValueError(_("{species} species for {classes} classes").format(species=len(group_of), classes=len(class_names)))
    groups = sorted(set(group_of))
    g = np.array([groups.index(s) for s in group_of], dtype=np.int64)
    gy, gp = g[y], g[p]
    confusion = {a: {b: int(np.sum((gy == i) & (gp == j))) for j, b in enumerate(groups)}
                 for i, a in enumerate(groups)}
    wrong = y != p
    return SpeciesReport(groups, confusion, np.flatnonzero(wrong & (gy != gp)),
                         np.flatnonzero(wrong & (gy == gp)), len(y))


def species_accuracy(labels, predictions, class_names: Sequence[str],
                     species: Callable[[str], str] | Sequence[str] = species_of) -> float:
    """Fraction of images whose predicted breed is of the right species (see :func:`species_report`)."""
    return species_report(labels, predictions, class_names, species).accuracy


def species_colors(names: Sequence[str], species: Callable[[str], str] = species_of) -> list[str]:
    palette = {"cat": "tab:orange", "dog": "tab:blue"}
    return [palette.get(species(n), "tab:gray") for n in names]


def species_legend(ax, species_names=("cat", "dog"), extra=()):
    from matplotlib.patches import Patch

    colors = {"cat": "tab:orange", "dog": "tab:blue"}
    names = {"cat": _("cat breeds"), "dog": _("dog breeds")}
    handles = [Patch(color=colors[s], label=names[s]) for s in species_names]
    ax.figure.legend(handles=handles + list(extra), loc="outside lower center", ncol=3, frameon=False)


def plot_class_counts(sets: dict[str, dict[str, int]], title: str | None = None, species=species_of):
    """Horizontal bars of images per class for each split (``{"trainval": counts, "test": counts}``).

    ``title`` defaults to "Images per breed" in the kit's language.

    Classes without any image in a split are marked with a red 0, so gaps in a partial copy show.
    """
    import matplotlib.pyplot as plt

    names = list(next(iter(sets.values())))
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(names) + 1.2))
    height = 0.8 / len(sets)
    ypos = np.arange(len(names))
    for k, (split, counts) in enumerate(sets.items()):
        values = [counts.get(n, 0) for n in names]
        ax.barh(ypos + k * height, values, height, label=split, alpha=0.9 if k == 0 else 0.55)
        for y, v in zip(ypos, values):
            if v == 0:
                ax.text(0.5, y + k * height, "0", color="red", va="center", fontsize=7)
    ax.set_yticks(ypos + height * (len(sets) - 1) / 2, names, fontsize=8)
    for label, color in zip(ax.get_yticklabels(), species_colors(names, species)):
        label.set_color(color)
    ax.invert_yaxis()
    ax.set_xlabel(_("images (tick labels: orange = cat breed, blue = dog breed)"))
    ax.set_title(_("Images per breed") if title is None else title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return finished(fig)

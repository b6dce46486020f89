"""Per-class figures: each class's accuracy (recall) and precision, as a table and as bars."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..datasets.oxford import species_of
from ..i18n import _, pgettext
from ..plots import finished
from .confusion import confusion_matrix
from .species import species_colors, species_legend


def per_class_accuracy(labels, predictions, num_classes: int | None = None) -> np.ndarray:
    """Accuracy (recall) of each class; NaN for classes without any images."""
    cm = confusion_matrix(labels, predictions, num_classes)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)


@dataclass
class ClassReport:
    """Per-class figures: ``support`` (images of the class), ``correct``, ``predicted`` (images
    predicted as the class), ``accuracy`` (= recall, NaN without images) and ``precision``
    (NaN when the class was never predicted)."""

    class_names: list[str]
    support: np.ndarray
    correct: np.ndarray
    predicted: np.ndarray

    @property
    def accuracy(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.support > 0, self.correct / np.maximum(self.support, 1), np.nan)

    @property
    def precision(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.predicted > 0, self.correct / np.maximum(self.predicted, 1), np.nan)

    @property
    def overall(self) -> float:
        """Top-1 accuracy over all images."""
        n = self.support.sum()
        return float(self.correct.sum() / n) if n else float("nan")

    @property
    def missing(self) -> list[str]:
        """Classes with no images in the evaluated set."""
        return [c for c, s in zip(self.class_names, self.support) if s == 0]

    def worst(self, n: int = 5) -> list[tuple[str, float, int]]:
        """The ``n`` classes with the lowest accuracy as ``(name, accuracy, support)``."""
        order = [i for i in np.argsort(self.accuracy, kind="stable") if self.support[i] > 0]
        return [(self.class_names[i], float(self.accuracy[i]), int(self.support[i])) for i in order[:n]]

    def table(self, sort: str | None = "accuracy") -> str:
        """A text table, one class per line; ``sort`` = ``"accuracy"``, ``"support"`` or None."""
        idx = list(range(len(self.class_names)))
        if sort == "accuracy":
            idx.sort(key=lambda i: (np.nan_to_num(self.accuracy[i], nan=2.0), -self.support[i]))
        elif sort == "support":
            idx.sort(key=lambda i: -self.support[i])
        first, overall = pgettext("table column", "class"), pgettext("table row", "overall")
        heads = [pgettext("table column", "images"), pgettext("table column", "correct"),
                 pgettext("table column", "accuracy"), pgettext("table column", "precision")]
        width = max(len(c) for c in [*self.class_names, first, overall])
        widths = [max(w, len(h)) for w, h in zip((6, 7, 8, 9), heads)]

        def line(name: str, cells) -> str:
            return "  ".join([f"{name:<{width}}", *(f"{c:>{w}}" for c, w in zip(cells, widths))]).rstrip()

        def share(x: float) -> str:
            return "-" if np.isnan(x) else f"{x:.1%}"

        lines = [line(first, heads)]
        for i in idx:
            lines.append(line(self.class_names[i], [str(self.support[i]), str(self.correct[i]),
                                                    share(self.accuracy[i]), share(self.precision[i])]))
        lines.append(line(overall, [str(self.support.sum()), str(self.correct.sum()), share(self.overall)]))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def class_report(labels, predictions, class_names: Sequence[str]) -> ClassReport:
    """Per-class support, correct predictions, accuracy and precision (see :class:`ClassReport`)."""
    cm = confusion_matrix(labels, predictions, len(class_names))
    return ClassReport(list(class_names), cm.sum(axis=1), np.diag(cm).copy(), cm.sum(axis=0))


def plot_class_accuracy(report: ClassReport, title: str | None = None, species=species_of,
                        compare: ClassReport | None = None, compare_label: str | None = None):
    """Horizontal bars of per-class accuracy, worst at the top, coloured by species.

    Each bar is annotated with its number of test images (few images = a noisy figure); classes
    without test images are listed in the title. ``compare`` adds another report as black ticks.
    ``title`` and ``compare_label`` default to "Test accuracy per breed" and "baseline" in the kit's language.
    """
    import matplotlib.pyplot as plt

    idx = [i for i in np.argsort(report.accuracy, kind="stable") if report.support[i] > 0]
    names = [report.class_names[i] for i in idx]
    acc = report.accuracy[idx]
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(idx) + 1.8), layout="constrained")
    ypos = np.arange(len(idx))
    ax.barh(ypos, acc, color=species_colors(names, species))
    for y, i in zip(ypos, idx):
        ax.text(1.01, y, f"n={report.support[i]}", va="center", fontsize=7)
    extra = []
    if compare is not None:
        extra = ax.plot(compare.accuracy[idx], ypos, "k|", markersize=10, mew=2, label=_("baseline") if compare_label is None else compare_label)
    ax.set_yticks(ypos, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.axvline(report.overall, color="gray", ls="--", lw=1)
    ax.set_xlabel(_("accuracy (dashed: overall {overall:.1%})").format(overall=report.overall))
    missing = report.missing
    title = _("Test accuracy per breed") if title is None else title
    if missing:
        title += "\n" + _("(no test images: {names})").format(names=", ".join(missing))
    ax.set_title(title, fontsize=10)
    species_legend(ax, extra=extra)
    return finished(fig)

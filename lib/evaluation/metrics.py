"""Reading a classifier's predictions: top-k accuracy, per-class reports, confused pairs, species.

Every function takes ``labels`` (N integer class ids) first, then ``predictions`` - either N
predicted class ids or an N x C array of scores/probabilities (its argmax is the prediction); the
counting is ``sklearn.metrics``' (confusion matrix, accuracy), the rest reads that matrix.
The ``plot_*``/``show_*`` helpers at the end draw the same numbers (matplotlib is imported lazily).

>>> top_k_accuracy([0, 1], [[0.6, 0.3, 0.1], [0.5, 0.2, 0.3]], k=2)
0.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

import numpy as np

from ..datasets.oxford import species_of
from ..i18n import _, pgettext
from ..plots import finished


# --------------------------------------------------------------------------- inputs


def _labels(labels) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(_("labels must be a 1-D array of class ids, got shape {shape}").format(shape=y.shape))
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(_("labels must be integer class ids (one per image), not scores"))
    return y.astype(np.int64)


def predicted_labels(predictions) -> np.ndarray:
    """Class ids from predictions: an N x C score array becomes its row-wise argmax, ids stay ids."""
    p = np.asarray(predictions)
    if p.ndim == 2:
        return p.argmax(axis=1).astype(np.int64)
    return _labels(p)


def _pair(labels, predictions) -> tuple[np.ndarray, np.ndarray]:
    y, p = _labels(labels), predicted_labels(predictions)
    if len(y) != len(p):
        raise ValueError(_("{labels} labels but {predictions} predictions").format(labels=len(y), predictions=len(p)))
    return y, p


def _num_classes(y: np.ndarray, p: np.ndarray, num_classes: int | None, predictions=None) -> int:
    if num_classes is not None:
        n = int(num_classes)
    elif predictions is not None and np.ndim(predictions) == 2:
        n = np.shape(predictions)[1]
    else:
        n = int(max(y.max(initial=-1), p.max(initial=-1))) + 1
    top = max(y.max(initial=-1), p.max(initial=-1))
    if top >= n or min(y.min(initial=0), p.min(initial=0)) < 0:
        raise ValueError(_("class ids must lie in 0..{last}; found {found}").format(last=n - 1, found=int(top)))
    return n


# --------------------------------------------------------------------------- accuracy


def top_k_accuracy(labels, probabilities, k: int = 1) -> float:
    """Fraction of images whose true class is among the ``k`` highest-scoring classes: ``sklearn.metrics.top_k_accuracy_score``.

    ``probabilities`` is the N x C score array (any monotone scores work: logits too).
    Returns NaN for an empty set.
    """
    from sklearn.metrics import top_k_accuracy_score

    y = _labels(labels)
    scores = np.asarray(probabilities, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(_("top-k needs the N x C score array, got shape {shape}").format(shape=scores.shape))
    if len(scores) != len(y):
        raise ValueError(_("{labels} labels but {rows} rows of scores").format(labels=len(y), rows=len(scores)))
    num_classes = scores.shape[1]
    if not 1 <= k <= num_classes:
        raise ValueError(_("k must be between 1 and the number of classes ({classes}), got {k}").format(classes=num_classes, k=k))
    if len(y) == 0:
        return float("nan")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(_("labels must lie in 0..{last}").format(last=num_classes - 1))
    if k == num_classes:  # every class is in the top C (scikit-learn would warn that the score is perfect)
        return 1.0
    if num_classes == 2:  # scikit-learn takes one score per image for two classes: how much class 1 leads
        scores = scores[:, 1] - scores[:, 0]
    return float(top_k_accuracy_score(y, scores, k=k, labels=np.arange(num_classes)))


def accuracy(labels, predictions) -> float:
    """Top-1 accuracy from class ids or scores (NaN for an empty set): ``sklearn.metrics.accuracy_score``."""
    from sklearn.metrics import accuracy_score

    y, p = _pair(labels, predictions)
    return float(accuracy_score(y, p)) if len(y) else float("nan")


def confusion_matrix(labels, predictions, num_classes: int | None = None) -> np.ndarray:
    """C x C counts, row = true class, column = predicted class: ``sklearn.metrics.confusion_matrix``.

    ``num_classes`` (default: the score array's width, else the largest id + 1) keeps rows and
    columns for classes that never occur.
    """
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    y, p = _pair(labels, predictions)
    n = _num_classes(y, p, num_classes, predictions)
    return sklearn_confusion_matrix(y, p, labels=np.arange(n))


def per_class_accuracy(labels, predictions, num_classes: int | None = None) -> np.ndarray:
    """Accuracy (recall) of each class; NaN for classes without any images."""
    cm = confusion_matrix(labels, predictions, num_classes)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)


# --------------------------------------------------------------------------- per-class report


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


# --------------------------------------------------------------------------- confusions


class ConfusedPair(NamedTuple):
    """``count`` images of class ``actual`` were predicted as ``predicted``.

    With ``most_confused(..., symmetric=True)`` ``count`` covers both directions and
    ``reverse`` holds the ``predicted -> actual`` part.
    """

    actual: str
    predicted: str
    count: int
    actual_id: int
    predicted_id: int
    reverse: int = 0

    def __str__(self) -> str:
        if self.reverse:
            return (f"{self.actual} <-> {self.predicted}: {self.count} "
                    f"({self.count - self.reverse} + {self.reverse})")
        return f"{self.actual} -> {self.predicted}: {self.count}"


def most_confused(labels, predictions, class_names: Sequence[str], top: int = 10, min_count: int = 1,
                  symmetric: bool = False) -> list[ConfusedPair]:
    """The off-diagonal cells of the confusion matrix with the most images, largest first.

    ``symmetric=True`` adds up ``A -> B`` and ``B -> A`` (``actual`` is the direction with more
    mistakes). Ties are ordered by class id.
    """
    cm = confusion_matrix(labels, predictions, len(class_names))
    off = cm.copy()
    np.fill_diagonal(off, 0)
    if symmetric:
        both = np.triu(off + off.T, 1)
        cells = [(int(both[i, j]), i, j) for i, j in zip(*np.nonzero(both))]
    else:
        cells = [(int(off[i, j]), i, j) for i, j in zip(*np.nonzero(off))]
    cells = [c for c in cells if c[0] >= min_count]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    pairs = []
    for count, i, j in cells[:top]:
        if symmetric:
            if off[j, i] > off[i, j]:
                i, j = j, i
            pairs.append(ConfusedPair(class_names[i], class_names[j], count, int(i), int(j), int(off[j, i])))
        else:
            pairs.append(ConfusedPair(class_names[i], class_names[j], count, int(i), int(j)))
    return pairs


def mistakes_between(labels, predictions, actual: int, predicted: int) -> np.ndarray:
    """Indices of the images of class ``actual`` that were predicted as ``predicted``."""
    y, p = _pair(labels, predictions)
    return np.flatnonzero((y == actual) & (p == predicted))


# --------------------------------------------------------------------------- species from breeds


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


# --------------------------------------------------------------------------- plots


def _species_colors(names: Sequence[str], species: Callable[[str], str] = species_of) -> list[str]:
    palette = {"cat": "tab:orange", "dog": "tab:blue"}
    return [palette.get(species(n), "tab:gray") for n in names]


def _species_legend(ax, species_names=("cat", "dog"), extra=()):
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
    for label, color in zip(ax.get_yticklabels(), _species_colors(names, species)):
        label.set_color(color)
    ax.invert_yaxis()
    ax.set_xlabel(_("images (tick labels: orange = cat breed, blue = dog breed)"))
    ax.set_title(_("Images per breed") if title is None else title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return finished(fig)


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
    ax.barh(ypos, acc, color=_species_colors(names, species))
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
    _species_legend(ax, extra=extra)
    return finished(fig)


def show_confused_pairs(images, predictions, pairs: Sequence[ConfusedPair], reference=None, per_pair: int = 2,
                        size: int | None = None):
    """One row per confused pair: mistaken images of ``actual`` (titled with what the model said)
    beside correctly labelled examples of ``predicted`` from ``reference`` (e.g. the training set),
    so the two breeds can be compared side by side.

    ``images`` and ``reference`` are :class:`transferkit.ImageSet` objects; ``predictions`` are
    the predictions for ``images``. ``size`` resizes to squares (default: photos as they are).
    """
    import matplotlib.pyplot as plt

    reference = reference if reference is not None else images
    pred = predicted_labels(predictions)
    if not pairs:
        print(_("(no confused pairs to show)"))
        return None
    ncols = 2 * per_pair
    fig, axes = plt.subplots(len(pairs), ncols, figsize=(1.9 * ncols, 2.1 * len(pairs)), squeeze=False)
    for row, pair in zip(axes, pairs):
        wrong = mistakes_between(images.labels, pred, pair.actual_id, pair.predicted_id)[:per_pair]
        examples = np.flatnonzero(reference.labels == pair.predicted_id)[:per_pair]
        cells = [(images, i, _("{actual}\npredicted {predicted}").format(actual=pair.actual, predicted=pair.predicted), "red")
                 for i in wrong]
        cells += [None] * (per_pair - len(wrong))
        cells += [(reference, i, _("a real\n{breed}").format(breed=pair.predicted), "green") for i in examples]
        for ax in row:
            ax.axis("off")
        for ax, cell in zip(row, cells):
            if cell is None:
                continue
            source, i, title, color = cell
            ax.imshow(source.images([i], size)[0])
            ax.set_title(title, fontsize=8, color=color)
    fig.suptitle(_("left: mistakes (true breed, what the model said)  |  right: the breed it was taken for"), fontsize=9)
    fig.tight_layout()
    return finished(fig)

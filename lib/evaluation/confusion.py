"""The confusion matrix: its counts, the pairs of classes most often confused, and their plots."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from ..i18n import _
from ..plots import finished
from .metrics import _num_classes, _pair, predicted_labels


def confusion_matrix(labels, predictions, num_classes: int | None = None) -> np.ndarray:
    """C x C counts, row = true class, column = predicted class: ``sklearn.metrics.confusion_matrix``.

    ``num_classes`` (default: the score array's width, else the largest id + 1) keeps rows and
    columns for classes that never occur.
    """
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    y, p = _pair(labels, predictions)
    n = _num_classes(y, p, num_classes, predictions)
    return sklearn_confusion_matrix(y, p, labels=np.arange(n))


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


def plot_confusion_matrix(cm: np.ndarray, class_names: Sequence[str], *, normalize: bool = False,
                          title: str | None = None, ax=None):
    """The confusion matrix as a heat map (``sklearn.metrics.ConfusionMatrixDisplay``), each cell
    labelled with its count and row percentage; ``normalize`` colours by the row percentage.
    ``title`` defaults to "Confusion matrix" in the kit's language."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    cm = np.asarray(cm)
    rows = cm.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(rows > 0, cm / np.maximum(rows, 1), 0.0)
    n = len(class_names)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(1.2 * n + 2.2, 1.2 * n + 1.6))
    display = ConfusionMatrixDisplay(share if normalize else cm, display_labels=list(class_names))
    display.plot(ax=ax, cmap="Blues", colorbar=False, include_values=n <= 12,
                 xticks_rotation=45 if n > 4 else "horizontal")
    if display.text_ is not None:
        for (i, j), text in np.ndenumerate(display.text_):
            text.set_text(f"{cm[i, j]}\n{share[i, j]:.1%}")
            text.set_fontsize(9)
    ax.set_xlabel(_("predicted"))
    ax.set_ylabel(_("true"))
    ax.set_title(_("Confusion matrix") if title is None else title)
    if own:
        fig.tight_layout()
    return finished(ax.figure, own)


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

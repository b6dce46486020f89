"""Scoring a classifier's predictions: top-1 and top-k accuracy, and the checks every evaluation module
uses on its inputs (:mod:`~transferkit.evaluation.confusion`, :mod:`~transferkit.evaluation.per_class`,
:mod:`~transferkit.evaluation.species` read the confusion matrix further).

Every function takes ``labels`` (N integer class ids) first, then ``predictions`` - either N
predicted class ids or an N x C array of scores/probabilities (its argmax is the prediction); the
counting is ``sklearn.metrics``' (matplotlib is imported lazily by the plot).

>>> top_k_accuracy([0, 1], [[0.6, 0.3, 0.1], [0.5, 0.2, 0.3]], k=2)
0.5
"""

from __future__ import annotations

import numpy as np

from ..i18n import _
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


def plot_accuracy_comparison(accuracies: dict[str, float], title: str | None = None, ax=None):
    """Side-by-side bars, e.g. ``{"frozen backbone": 0.975, "fine-tuned": 0.986}``, each labelled with its value.

    ``title`` defaults to "Validation accuracy" in the kit's language."""
    import matplotlib.pyplot as plt

    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(1.6 * len(accuracies) + 2, 3.2))
    names, values = list(accuracies), [float(v) for v in accuracies.values()]
    bars = ax.bar(names, values, color=[f"C{i}" for i in range(len(names))])
    for bar, v in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.2%}", ha="center", va="bottom")
    low = min(values)
    ax.set_ylim(max(0.0, low - 2 * (1 - low) - 0.01), 1.0)
    ax.set_ylabel(_("accuracy"))
    ax.set_title(_("Validation accuracy") if title is None else title)
    if own:
        fig.tight_layout()
    return finished(ax.figure, own)

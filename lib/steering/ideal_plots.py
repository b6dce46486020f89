"""Plots for ideal images: the images with their probabilities, and how a run got there."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt

from ..i18n import _
from ..plots import finished, show_images
from .ideal import IdealImageResult


def _labelled(results) -> list[tuple[str, IdealImageResult]]:
    if isinstance(results, IdealImageResult):
        return [(results.target_name, results)]
    if isinstance(results, Mapping):
        return list(results.items())
    return [(r.target_name, r) for r in results]


def show_ideal(results: Mapping[str, IdealImageResult] | Sequence[IdealImageResult] | IdealImageResult, ncols: int = 4, size: float = 3.0, suptitle: str | None = None):
    """Ideal images side by side, titled with their label, p(target) and total variation.

    ``results`` is one result, a list (labelled by target name) or a ``{label: result}`` dict.
    """
    items = _labelled(results)
    titles = [f"{label}\np({r.target_name})={r.probability:.3f}, TV={r.total_variation:.3f}" for label, r in items]
    return show_images([r.image for _, r in items], titles, ncols=ncols, size=size, suptitle=suptitle)


def plot_ideal_history(results: Mapping[str, IdealImageResult] | Sequence[IdealImageResult] | IdealImageResult, metrics: Sequence[str] = ("prob", "tv"), threshold: float | None = 0.99):
    """Per-step curves of several runs: by default p(target) and total variation.

    ``threshold`` draws a dotted line on the probability panel (e.g. 0.99).
    """
    items = _labelled(results)
    labels = {"prob": _("p(target)"), "tv": _("total variation"), "loss": _("loss"),
              "class_score": _("class score (minimised)")}
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for label, r in items:
            if metric in r.history:
                ax.plot(r.history["step"], r.history[metric], label=label)
        if metric == "prob" and threshold is not None:
            ax.axhline(threshold, color="gray", ls=":", lw=1)
            ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(_("step"))
        ax.set_title(labels.get(metric, metric))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return finished(fig)

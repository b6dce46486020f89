"""Plots the notebooks share: image grids and training curves.

Every plot function of the kit returns its figure and never calls pyplot's ``show``. A figure the
function made itself is closed (pyplot forgets it), so Jupyter shows it exactly once: as the cell's
value when the call ends the cell, or where the cell says ``display(fig)``; a script saves it with
``fig.savefig(...)``. Given ``ax=``, a function draws into the caller's figure and leaves it open.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np

from .i18n import _


def finished(fig, made_here: bool = True):
    """``fig``, closed if the kit made it (see the module docstring), so Jupyter shows it once."""
    if made_here:
        plt.close(fig)
    return fig


def show_images(
    images: Sequence,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.6,
    title_colors: Sequence[str] | None = None,
    suptitle: str | None = None,
):
    """A grid of images (uint8 or 0-255 float arrays, H x W or H x W x 3) with optional titles."""
    n = len(images)
    if n == 0:
        print(_("(no images to show)"))
        return None
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = np.asarray(images[i])
        if img.dtype != np.uint8:
            img = np.clip(img, 0, 255).astype(np.uint8)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        if titles is not None:
            color = title_colors[i] if title_colors is not None else "black"
            ax.set_title(titles[i], fontsize=9, color=color)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return finished(fig)


def plot_history(history, metrics: Sequence[str] = ("accuracy", "loss"), marker_at: int | None = None,
                 marker_label: str | None = None):
    """Training curves (train and validation) from a ``keras.callbacks.History`` or a dict of lists.

    ``marker_at`` draws a vertical line at that epoch, labelled ``marker_label`` (default: "fine-tuning
    starts", in the kit's language).
    """
    marker_label = _("fine-tuning starts") if marker_label is None else marker_label
    hist = getattr(history, "history", history)
    metrics = [m for m in metrics if m in hist]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.6), squeeze=False)
    for ax, m in zip(axes.flat, metrics):
        epochs = np.arange(1, len(hist[m]) + 1)
        style = "o-" if len(epochs) <= 30 else "-"
        ax.plot(epochs, hist[m], style, label=_("train {metric}").format(metric=m))
        if f"val_{m}" in hist:
            ax.plot(epochs, hist[f"val_{m}"], style, label=_("validation {metric}").format(metric=m))
        if marker_at is not None:
            ax.axvline(marker_at + 0.5, color="gray", ls="--", label=marker_label)
        ax.set_xlabel(_("epoch"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.set_title(m)
        ax.legend()
    fig.tight_layout()
    return finished(fig)


def plot_feature_maps(maps: Sequence[np.ndarray], titles: Sequence[str], channels: int = 8, size: float = 1.6):
    """One row per layer: the ``channels`` most active feature maps of each layer's activations."""
    fig, axes = plt.subplots(len(maps), channels, figsize=(size * channels, size * len(maps) + 0.3), squeeze=False)
    for row, (m, title) in zip(axes, zip(maps, titles)):
        strongest = np.argsort(m.mean(axis=(0, 1)))[::-1][:channels]
        for ax, c in zip(row, strongest):
            ax.imshow(m[..., c], cmap="viridis")
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"{title}\n{m.shape[0]}x{m.shape[1]}x{m.shape[2]}", fontsize=8)
    fig.tight_layout()
    return finished(fig)

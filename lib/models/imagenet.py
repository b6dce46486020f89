"""ImageNet class names: index <-> name look-ups (:func:`~transferkit.top_k` decodes a prediction)."""

from __future__ import annotations

import functools
import json

import numpy as np

from ..datasets.downloads import fetch, keras_models_dir
from ..i18n import _
from .names import find_name

CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # as in keras.applications.imagenet_utils


@functools.lru_cache(maxsize=1)
def class_names() -> list[str]:
    """The 1000 ImageNet class names in index order, e.g. ``class_names()[284] == "Siamese_cat"``."""
    path = fetch("imagenet_class_index.json", [CLASS_INDEX_URL], keras_models_dir(), md5=CLASS_INDEX_MD5,
                 what="weights")
    with open(path) as f:
        index = json.load(f)
    return [index[str(i)][1] for i in range(len(index))]


def class_index(target: int | str) -> int:
    """ImageNet class index from an index or a name (``"Siamese_cat"``, ``"zebra"``, ``"tabby"``).

    Names are matched ignoring case, spaces and hyphens; an unknown name raises a ValueError
    that lists the closest names.
    """
    names = class_names()
    if isinstance(target, (int, np.integer)):
        if not 0 <= int(target) < len(names):
            raise ValueError(_("class index {index} is outside 0..{last}").format(index=target, last=len(names) - 1))
        return int(target)
    index, close = find_name(str(target), names)
    if index is not None:
        return index
    hint = ", ".join(close) or _("none")
    raise ValueError(_("{name!r} is not an ImageNet class name; closest: {closest}").format(name=target, closest=hint))

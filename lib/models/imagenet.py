"""ImageNet's 1000 class names in index order (:func:`~transferkit.models.classes.class_index` finds a name,
:func:`~transferkit.top_k` decodes a prediction)."""

from __future__ import annotations

import functools
import json

from ..datasets.downloads import fetch, keras_models_dir

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

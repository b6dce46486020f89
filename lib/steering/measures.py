"""How much an image was changed: measures that compare a changed image with its original."""

from __future__ import annotations

import numpy as np

from ..i18n import _


def psnr(original, changed, peak: float = 255.0) -> float:
    """Peak signal-to-noise ratio between two H x W x C images of 0-255 pixels, in dB (``inf`` if identical).

    ``tf.image.psnr`` in float64 (``20 log10(peak) - 10 log10(MSE)``).
    """
    import tensorflow as tf

    a = np.asarray(original, dtype=np.float64)
    b = np.asarray(changed, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(_("the images differ in shape: {original} vs {changed}").format(original=a.shape, changed=b.shape))
    return float(tf.image.psnr(a, b, max_val=peak))

"""Batch prediction benchmark: the 1,000 Cats vs Dogs validation images through ``predict_dataset``.

    python benchmarks/predict_path.py            # 5 alternating rounds
    ROUNDS=3 python benchmarks/predict_path.py

Prints one ``key: value`` line per figure: images per second of each round (files on disk -> class
probabilities, the kit's tf.data pipeline and compiled forward pass, no progress bar), their median,
minimum and maximum. The model is notebook 02's: MobileNet v1 alpha 0.75 at 224 with a new 2-class head.
The forward pass is traced once before the first timing.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit.models.inference import inference_fn  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))


def main() -> None:
    validation = tk.load_dataset("cats_and_dogs_filtered", "validation")
    model = tk.build_classifier(tk.load_backbone(), 2, seed=0)
    inference_fn(model)(tf.zeros((32, 224, 224, 3)))  # trace once, outside every timing
    rates = []
    for i in range(ROUNDS):
        t0 = time.perf_counter()
        p, y = tk.predict_dataset(model, validation, progress=False)
        rates.append(len(validation) / (time.perf_counter() - t0))
        assert p.shape == (len(validation), 2) and len(y) == len(validation)
        print(f"round{i + 1}_images_per_s: {rates[-1]:.1f}")
    print(f"images: {len(validation)}")
    print(f"median_images_per_s: {statistics.median(rates):.1f}")
    print(f"min_images_per_s: {min(rates):.1f}")
    print(f"max_images_per_s: {max(rates):.1f}")


if __name__ == "__main__":
    main()

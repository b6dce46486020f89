"""Feature-extraction benchmark: pipeline vs bare model throughput, cache speed-up, linear-probe accuracy.

    python benchmarks/feature_extraction.py        # full: all 3,000 cats_and_dogs_filtered images
    TRANSFERKIT_QUICK=1 python benchmarks/feature_extraction.py

Prints one ``key: value`` line per figure. Uses MobileNet v1 alpha 0.75 at 224 (the kit's default).
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# A fresh cache, so the first extraction really computes.
os.environ["TRANSFERKIT_CACHE"] = tempfile.mkdtemp(prefix="transferkit-bench-")

import tensorflow as tf  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit.features import inference_fn  # noqa: E402

BATCH = 32


def main() -> None:
    train = tk.load_dataset("cats_and_dogs_filtered", "train")
    val = tk.load_dataset("cats_and_dogs_filtered", "validation")
    model = tk.load_backbone()
    forward = inference_fn(model)
    forward(tf.zeros((BATCH, 224, 224, 3)))  # trace once, outside every timing

    # Files on disk -> pooled features through the kit's pipeline (fresh cache: really computed).
    t0 = time.perf_counter()
    x_train, y_train = tk.extract_features(model, train, batch_size=BATCH, progress=False)
    x_val, y_val = tk.extract_features(model, val, batch_size=BATCH, progress=False)
    first = time.perf_counter() - t0
    n = len(train) + len(val)
    pipeline = n / first

    # Same model, same batch size, on tensors already in memory (decoding excluded).
    subset = val.take_per_class(tk.pick(128, 32))
    in_memory = [x for x, _ in subset.as_tf(224, BATCH)]
    t0 = time.perf_counter()
    count = 0
    while time.perf_counter() - t0 < tk.pick(20.0, 5.0) or count == 0:
        for x in in_memory:
            forward(x).numpy()
            count += int(x.shape[0])
    bare = count / (time.perf_counter() - t0)

    # Re-running reads the cache.
    t0 = time.perf_counter()
    tk.extract_features(model, train, progress=False)
    tk.extract_features(model, val, progress=False)
    cached = time.perf_counter() - t0

    clf, _ = tk.train_classifier((x_train, y_train), (x_val, y_val), epochs=tk.pick(200, 40))
    accuracy = float((clf.predict(x_val, verbose=0).argmax(1) == y_val).mean())

    print(f"images: {n}")
    print(f"pipeline_images_per_s: {pipeline:.1f}")
    print(f"bare_model_images_per_s: {bare:.1f}")
    print(f"pipeline_ratio: {pipeline / bare:.3f}")
    print(f"cached_rerun_speedup: {first / cached:.0f}")
    print(f"linear_probe_val_accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()

"""Feature-extraction benchmark: pipeline vs bare model throughput, cache speed-up, linear-probe accuracy.

    python benchmarks/feature_extraction.py        # full: all 3,000 cats_and_dogs_filtered images
    TRANSFERKIT_QUICK=1 python benchmarks/feature_extraction.py
    python benchmarks/feature_extraction.py --throughput-only --rounds 5   # only the pipeline ratio (a minute)

Prints one ``key: value`` line per figure. Uses the kit's default backbone, MobileNet v1 alpha 0.75
at 224. Throughputs are the best of a few alternating rounds (pipeline, bare, pipeline, bare...),
so that load from other processes does not favour either side. The linear probe (notebook 01's)
stops early on a split carved from ``train``; its accuracy is on the 1,000 ``validation`` images,
which chose nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TRANSFERKIT_CACHE"] = tempfile.mkdtemp(prefix="transferkit-bench-")  # a fresh, empty cache

import tensorflow as tf  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit.models.inference import inference_fn  # noqa: E402

BATCH = 32
ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--throughput-only", action="store_true", help="only the pipeline vs bare model figures")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="alternating throughput rounds (the best counts)")
    args = parser.parse_args()
    val = tk.load_dataset("cats_and_dogs_filtered", "validation")
    model = tk.load_backbone()
    forward = inference_fn(model)
    forward(tf.zeros((BATCH, 224, 224, 3)))  # trace once, outside every timing
    if args.throughput_only:
        pipeline, bare = throughput(model, forward, val, args.rounds)
        print(f"pipeline_images_per_s: {pipeline:.1f}")
        print(f"bare_model_images_per_s: {bare:.1f}")
        print(f"pipeline_ratio: {pipeline / bare:.3f}")
        return
    train = tk.load_dataset("cats_and_dogs_filtered", "train")

    # 1. Cached features: the first run computes (files on disk -> pooled features), the second reads.
    t0 = time.perf_counter()
    x_train, y_train = tk.extract_features(model, train, batch_size=BATCH, progress=False)
    x_val, y_val = tk.extract_features(model, val, batch_size=BATCH, progress=False)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    tk.extract_features(model, train, batch_size=BATCH, progress=False)
    tk.extract_features(model, val, batch_size=BATCH, progress=False)
    cached = time.perf_counter() - t0

    # 2. Throughput: the kit's pipeline vs the same model on tensors already in memory.
    pipeline, bare = throughput(model, forward, val, args.rounds)

    # 3. Logistic regression on the pooled features: early stopping on a split carved from train (notebook 01),
    #    accuracy on the 1,000 validation images, which chose nothing.
    fit, carved = tk.carve_validation(train)
    fit_f, carved_f = tk.extract_features(model, fit, progress=False), tk.extract_features(model, carved, progress=False)
    clf, _ = tk.train_classifier(fit_f, carved_f, epochs=tk.pick(200, 40))
    accuracy = float((clf.predict(x_val, verbose=0).argmax(1) == y_val).mean())

    print(f"images: {len(train) + len(val)}")
    print(f"pipeline_images_per_s: {pipeline:.1f}")
    print(f"bare_model_images_per_s: {bare:.1f}")
    print(f"pipeline_ratio: {pipeline / bare:.3f}")
    print(f"cached_rerun_speedup: {first / cached:.0f}")
    print(f"linear_probe_val_accuracy: {accuracy:.4f}")


def throughput(model, forward, val, rounds: int) -> tuple[float, float]:
    """Images per second through the kit's pipeline (files -> features) and through the bare model, best of ``rounds``."""
    subset = val.take_per_class(tk.pick(160, 48))
    in_memory = [x for x, _ in subset.as_tf(224, BATCH)]
    pipeline, bare = 0.0, 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        tk.extract_features(model, subset, batch_size=BATCH, cache=False, progress=False)
        pipeline = max(pipeline, len(subset) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for x in in_memory:
            forward(x).numpy()
        bare = max(bare, len(subset) / (time.perf_counter() - t0))
    return pipeline, bare


if __name__ == "__main__":
    main()

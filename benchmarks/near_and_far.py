"""Near and far: learning curves of a CNN from scratch, a linear probe and a fine-tune (notebook 06's settings).

    python benchmarks/near_and_far.py                        # 5, 10, 20, 50 per class and all
    TRANSFERKIT_QUICK=1 python benchmarks/near_and_far.py    # 60 images per class and split, fewer steps

Near domain: Cats vs Dogs (``cats_and_dogs_filtered``: 2,000 train images, the 1,000 validation
images held out). Far domain: scikit-learn's 8x8 handwritten digits (1,797 images, written once as
PNG files by ``digits_folder()``), a seeded 80/20 split, the 20% held out. Subsets of the training
images are seeded and nested; every setting is fixed in advance, and the held-out images are only
scored. Prints ``<domain>_<method>_accuracy_<n>_per_class`` and ``<domain>_<method>_accuracy_all``
for ``near``/``far`` and ``scratch``/``probe``/``finetuned``, and the seconds (inflated when other
processes share the CPU; feature extraction is cached, so a second run is faster).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import transferkit as tk  # noqa: E402
from transferkit import curves  # noqa: E402

POINTS = tk.pick((5, 10, 20, 50, None), (10, None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--domains", default="near,far")
    args = ap.parse_args()

    t_start = time.perf_counter()
    backbone = tk.load_backbone()
    for domain in args.domains.split(","):
        t0 = time.perf_counter()
        if domain == "near":
            train = tk.load_dataset("cats_and_dogs_filtered", "train", seed=args.seed)
            test = tk.load_dataset("cats_and_dogs_filtered", "validation", seed=args.seed)
            settings = dict(scratch_size=64, scratch_augment=True)
        elif domain == "far":
            root = curves.digits_folder()
            train = tk.load_dataset(root, "train", seed=args.seed)
            test = tk.load_dataset(root, "validation", seed=args.seed)
            settings = dict(scratch_size=8, scratch_augment=False)
        else:
            raise SystemExit(f"unknown domain {domain!r}: use near and/or far")
        result = curves.learning_curves(train, test, points=POINTS, backbone=backbone, domain=domain,
                                        seed=args.seed, progress=False, **settings)
        print(f"{domain}_dataset: {train.name} ({len(train)} train) vs {test.name} ({len(test)} held out)")
        for key, value in result.figures(f"{domain}_").items():
            print(f"{key}: {value:.4f}")
        for key, value in result.seconds.items():
            print(f"{domain}_{key}_seconds: {value:.0f}")
        print(f"{domain}_seconds: {time.perf_counter() - t0:.0f}")
    print(f"total_seconds: {time.perf_counter() - t_start:.0f}")


if __name__ == "__main__":
    main()

"""Near and far: learning curves of raw-pixel logistic regression, a CNN from scratch, a linear probe and a fine-tune.

    python benchmarks/near_and_far.py                        # 5, 10, 20, 50 per class and all (notebook 06's settings)
    python benchmarks/near_and_far.py --domains shapes       # one domain (near, far, shapes)
    TRANSFERKIT_QUICK=1 python benchmarks/near_and_far.py    # 60 images per class and split, 10 per class and all

Near domain: Cats vs Dogs (``cats_and_dogs_filtered``: 2,000 train images, the 1,000 validation
images held out); the raw-pixel learners see 32x32 photos. Far domain: scikit-learn's 8x8
handwritten digits (1,797 images, written once as PNG files by ``digits_folder()``), a seeded
80/20 split, the 20% held out; the raw-pixel learners see the 8x8 digits. MobileNet sees 224 px.
Far with many images ("shapes"): the animal silhouettes (``animal_silhouettes``, 9,716 distinct 28x28
images, a seeded 80/20 split of each animal); the raw-pixel learners see 28x28, MobileNet 64 px, and
the fine-tune trains the whole network (``fine_tune_from="conv1"``) for more steps.
The loop is notebook 06's (``curves.learning_curves``, held to the notebook's cells by
``tests/test_curves.py``): seeded, nested subsets, settings fixed in advance, held-out images only
scored. Prints ``<domain>_<learner>_accuracy_<n>_per_class`` and ``<domain>_<learner>_accuracy_all``
for ``near``/``far``/``shapes`` and ``pixels``/``scratch``/``probe``/``finetuned``, and the seconds (inflated
when other processes share the CPU; the activations are cached, so a second run is faster).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import transferkit as tk  # noqa: E402
from transferkit.training import curves  # noqa: E402

# notebook 06's settings
SIZES = tk.pick([5, 10, 20, 50, None], [10, None])
STEPS = dict(scratch_steps=tk.pick(200, 40), probe_steps=tk.pick(1000, 300))
FINE_TUNE_STEPS = {"near": tk.pick(150, 20), "far": tk.pick(150, 20), "shapes": tk.pick(1000, 300)}
SHAPES_PER_CLASS = tk.pick(None, 200)
PIXEL_SIZE = {"near": 32, "far": 8, "shapes": 28}
AUGMENT = {"near": True, "far": False, "shapes": True}  # a mirrored 2 is no 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--domains", default="near,far,shapes")
    args = ap.parse_args()

    t_start = time.perf_counter()
    backbone = tk.load_backbone()
    for domain in args.domains.split(","):
        fine_tune_from, net = "conv_dw_13", backbone
        t0 = time.perf_counter()
        if domain == "near":
            train = tk.load_dataset("cats_and_dogs_filtered", "train", seed=args.seed)
            test = tk.load_dataset("cats_and_dogs_filtered", "validation", seed=args.seed)
        elif domain == "far":
            root = tk.digits_folder()
            train = tk.load_dataset(root, "train", seed=args.seed)
            test = tk.load_dataset(root, "validation", seed=args.seed)
        elif domain == "shapes":
            train = tk.load_dataset("animal_silhouettes", "train", per_class=SHAPES_PER_CLASS, seed=args.seed)
            test = tk.load_dataset("animal_silhouettes", "validation", per_class=SHAPES_PER_CLASS, seed=args.seed)
            fine_tune_from, net = "conv1", tk.load_backbone(input_size=64)
        else:
            raise SystemExit(f"unknown domain {domain!r}: use near, far and/or shapes")
        data = tk.prepare_domain(train, test, net, PIXEL_SIZE[domain], fine_tune_from=fine_tune_from, progress=False)
        t1 = time.perf_counter()
        accuracy = curves.learning_curves(data, SIZES, augment=AUGMENT[domain], seed=args.seed,
                                          fine_tune_steps=FINE_TUNE_STEPS[domain], **STEPS)
        print(f"{domain}_dataset: {data}")
        for learner, accs in accuracy.items():
            for n, acc in zip(SIZES, accs):
                print(f"{domain}_{learner}_accuracy_{'all' if n is None else f'{n}_per_class'}: {acc:.4f}")
        print(f"{domain}_prepare_seconds: {t1 - t0:.0f}")
        print(f"{domain}_curves_seconds: {time.perf_counter() - t1:.0f}")
    print(f"total_seconds: {time.perf_counter() - t_start:.0f}")


if __name__ == "__main__":
    main()

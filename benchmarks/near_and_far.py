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
The loop is notebook 06's own: its helper and loop cells (ids ``HELPERS_CELL`` and ``LOOP_CELL``) run
here with the settings below, so there is no copy to drift: seeded, nested subsets, settings fixed in
advance, held-out images only scored. Prints ``<domain>_<learner>_accuracy_<n>_per_class`` and ``<domain>_<learner>_accuracy_all``
for ``near``/``far``/``shapes`` and ``pixels``/``scratch``/``probe``/``finetuned``, and the seconds (inflated
when other processes share the CPU; the activations are cached, so a second run is faster).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import transferkit as tk  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_near_and_far.ipynb"
HELPERS_CELL, LOOP_CELL = "0f6b2d48", "8c1d4e97"  # sample_per_class & co; learning_curves

# notebook 06's settings
SIZES = tk.pick([5, 10, 20, 50, None], [10, None])
STEPS = dict(SCRATCH_STEPS=tk.pick(200, 40), PROBE_STEPS=tk.pick(1000, 300), BATCH_SIZE=32)
FINE_TUNE_STEPS = {"near": tk.pick(150, 20), "far": tk.pick(150, 20), "shapes": tk.pick(1000, 300)}
SHAPES_PER_CLASS = tk.pick(None, 200)
PIXEL_SIZE = {"near": 32, "far": 8, "shapes": 28}
AUGMENT = {"near": True, "far": False, "shapes": True}  # a mirrored 2 is no 2


def notebook_loop(**settings) -> dict:
    """The functions notebook 06's helper and loop cells define (``sample_per_class``, ``learning_curves``, ...),
    run with ``settings`` (``SEED``, ``BATCH_SIZE``, ``SCRATCH_STEPS``, ``PROBE_STEPS``, ``FINE_TUNE_STEPS``) as
    the notebook's constants; the cells' other lines (a demonstration on ``near``) are left out."""
    import keras
    import numpy as np
    import tensorflow as tf
    from sklearn.linear_model import LogisticRegression

    cells = {cell.get("id"): cell for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]}
    names = dict(tk=tk, keras=keras, np=np, tf=tf, LogisticRegression=LogisticRegression, **settings)
    for cell_id in (HELPERS_CELL, LOOP_CELL):
        tree = ast.parse("".join(cells[cell_id]["source"]))
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        exec(compile(ast.Module(functions, []), f"notebook 06, cell {cell_id}", "exec"), names)
    return names


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
        loop = notebook_loop(SEED=args.seed, FINE_TUNE_STEPS=FINE_TUNE_STEPS[domain], **STEPS)
        accuracy = loop["learning_curves"](data, SIZES, augment=AUGMENT[domain])
        print(f"{domain}_dataset: {data}")
        for learner, accs in accuracy.items():
            for n, acc in zip(SIZES, accs):
                print(f"{domain}_{learner}_accuracy_{'all' if n is None else f'{n}_per_class'}: {acc:.4f}")
        print(f"{domain}_prepare_seconds: {t1 - t0:.0f}")
        print(f"{domain}_curves_seconds: {time.perf_counter() - t1:.0f}")
    print(f"total_seconds: {time.perf_counter() - t_start:.0f}")


if __name__ == "__main__":
    main()

"""Benchmark: ideal images of Siamese_cat, tabby and zebra from MobileNet v1 alpha 0.75 (224 px).

    python benchmarks/ideal_image.py                        # 200 steps per run (the default)
    TRANSFERKIT_QUICK=1 python benchmarks/ideal_image.py    # 20 steps per run

First notebook 04's own loop (the cell with id "ascent-loop", run as written: class logit + total
variation, no jitter) for Siamese_cat:

* ``notebook_loop_steps_to_p99_Siamese_cat`` - first step with p >= 0.99 (target: <= 100; the step
                                 cap if never; ``notebook_loop_reached_p99_Siamese_cat`` says which)

Then, for each class, two runs of the kit's loop with ``param="pixels"``, the same seed and number
of steps (no early stop): the pixels' default objective (class logit + total variation, random shift
and zoom) and the same without the TV term (``regularizers=[]``). Figures are for the TV run:

* ``steps_to_p99_<class>``     - first step with p(class) >= 0.99 (target: <= 100; the step cap if never;
                                 ``reached_p99_<class>`` says which)
* ``final_prob_<class>``       - p(class) of the final uint8 image
* ``tv_ratio_<class>``         - total variation of the uint8 image with TV loss / without
* ``second_model_prob_<class>``- p(class) from MobileNet alpha 0.25 (never optimised against) on
                                 the final uint8 image; ``second_model_top1_<class>`` its top-1,
                                 ``second_model_rank_<class>`` the target's rank (1 = top-1)
* ``seconds_per_step``         - wall-clock, mean over all runs (compilation excluded)

Then, for each class, the kit's loop with ``param="fourier"`` (its default; notebook 04's last step:
decorrelated Fourier coefficients seen through its standard transforms) at its default steps (256; quick: 20) and
the same seed, measured with
notebook 04's own ``contrast`` and ``colourfulness`` (cell "compare-images"):

* ``contrast_<class>_fourier``      - RMS contrast of the uint8 image (grey levels' std, 0..1; target >= 0.12)
* ``colourfulness_<class>_fourier`` - Hasler and Suesstrunk's colourfulness
* ``p_<class>_fourier``             - p(class) of the uint8 image (target >= 0.99)
* ``second_model_top1_<class>_fourier`` - 1 when MobileNet alpha 0.25's top-1 is the class, else 0 (target: 1)
* ``seconds_per_image_fourier``     - wall-clock per image, compilation included (target <= 15)
* ``contrast_photos_median``        - median RMS contrast of the lesson's photos (``transferkit/photos``)

The images (Fourier, and the TV runs above as ``<class>_pixels.png``) are written to ``build/ideal/``.

Prints ``key: value`` lines. Timings are wall-clock on this machine, shared with other jobs.
"""

from __future__ import annotations

import ast
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from PIL import Image  # noqa: E402

from transferkit import class_index, demo_image, load_backbone, load_image, pick, top_k  # noqa: E402
from transferkit.steering.ideal import (  # noqa: E402
    DEFAULT_FOURIER_STEPS, DEFAULT_LEARNING_RATE, DEFAULT_SCORE, DEFAULT_STEPS, DEFAULT_TV_WEIGHT, default_transforms, ideal_image,
)
from transferkit.steering.transform import describe_transforms  # noqa: E402

CLASSES = ("Siamese_cat", "tabby", "zebra")
SEED = 0
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_ideal_cat.ipynb"
IMAGES = ROOT / "build" / "ideal"


def notebook_optimize():
    """``optimize`` as notebook 04's loop cell (id "ascent-loop") defines it."""
    cells = {cell.get("id"): cell for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]}
    names = {"np": np, "tf": tf, "keras": keras}
    exec("".join(cells["ascent-loop"]["source"]), names)
    return names["optimize"]


def notebook_measures():
    """``contrast`` and ``colourfulness`` as notebook 04's cell "compare-images" defines them (its functions only)."""
    cells = {cell.get("id"): cell for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]}
    tree = ast.parse("".join(cells["compare-images"]["source"]))
    names = {"np": np}
    exec(compile(ast.Module([node for node in tree.body if isinstance(node, ast.FunctionDef)], []), "compare-images", "exec"), names)
    return names["contrast"], names["colourfulness"]


def main() -> int:
    steps = pick(DEFAULT_STEPS, 20)
    model = load_backbone(include_top=True, classifier_activation=None)  # logits for the objective
    second = load_backbone(include_top=True, alpha=0.25)  # softmax probabilities
    print(f"model: {model.name} (logits); second_model: {second.name}")
    print(f"steps: {steps}")
    print(f"seed: {SEED}")
    print(f"tv_weight: {DEFAULT_TV_WEIGHT:g}")
    print(f"score: {DEFAULT_SCORE}")
    print(f"jitter: {describe_transforms(default_transforms('pixels', 224, SEED))}")
    print(f"learning_rate: {DEFAULT_LEARNING_RATE:g}")

    start = time.perf_counter()
    _, probs = notebook_optimize()(model, class_index("Siamese_cat"), steps, DEFAULT_TV_WEIGHT)
    reached = np.flatnonzero(probs >= 0.99)
    print(f"# notebook loop Siamese_cat: p={probs[-1]:.4f} before the last step ({time.perf_counter() - start:.1f}s)")
    print(f"notebook_loop_steps_to_p99_Siamese_cat: {int(reached[0]) if reached.size else steps}")
    print(f"notebook_loop_reached_p99_Siamese_cat: {bool(reached.size)}", flush=True)

    step_times = []
    for name in CLASSES:
        runs = {}
        for label, regularizers in (("tv", None), ("plain", [])):  # None: the pixels' default, TotalVariation(3000)
            result = ideal_image(model, name, steps=steps, param="pixels", regularizers=regularizers, seed=SEED, progress=False)
            runs[label] = result
            if label == "tv":
                IMAGES.mkdir(parents=True, exist_ok=True)
                result.save(IMAGES / f"{name}_pixels.png")
            step_times.append(result.seconds_per_step)  # the first step, which compiles, excluded
            print(f"# {name} {label}: {result!r} (first step with compilation {result.first_step_seconds:.1f}s)", flush=True)
        tv, plain = runs["tv"], runs["plain"]
        reached = tv.steps_to(0.99)
        probs2 = second.predict(tv.image[None].astype("float32"), verbose=0)[0]
        print(f"steps_to_p99_{name}: {reached if reached is not None else steps}")
        print(f"reached_p99_{name}: {reached is not None}")
        print(f"final_prob_{name}: {tv.probability:.4f}")
        print(f"tv_{name}: {tv.total_variation:.4f}")
        print(f"tv_without_tv_loss_{name}: {plain.total_variation:.4f}")
        print(f"tv_ratio_{name}: {tv.total_variation / plain.total_variation:.3f}")
        plain_reached = plain.steps_to(0.99)
        print(f"steps_to_p99_without_tv_{name}: {plain_reached if plain_reached is not None else steps}")
        print(f"second_model_prob_{name}: {probs2[tv.target]:.4f}")
        print(f"second_model_top1_{name}: {top_k(probs2, 1)[0][0]}")
        print(f"second_model_rank_{name}: {int((probs2 > probs2[tv.target]).sum()) + 1}")
        plain2 = second.predict(plain.image[None].astype("float32"), verbose=0)[0]
        print(f"second_model_prob_without_tv_{name}: {plain2[tv.target]:.4f}", flush=True)
    print(f"seconds_per_step: {np.mean(step_times):.3f}", flush=True)

    contrast, colourfulness = notebook_measures()
    fourier_steps = pick(DEFAULT_FOURIER_STEPS, 20)
    print(f"fourier_steps: {fourier_steps}")
    seconds = []
    for name in CLASSES:
        result = ideal_image(model, name, steps=fourier_steps, param="fourier", seed=SEED, progress=False)
        seconds.append(result.seconds)
        path = result.save(IMAGES / f"{name}_fourier.png")
        probs2 = second.predict(result.image[None].astype("float32"), verbose=0)[0]
        print(f"# {name} fourier: {result!r} -> {path.relative_to(ROOT)}")
        print(f"contrast_{name}_fourier: {contrast(result.image):.3f}")
        print(f"colourfulness_{name}_fourier: {colourfulness(result.image):.1f}")
        print(f"p_{name}_fourier: {result.probability:.4f}")
        print(f"second_model_top1_{name}_fourier: {int(top_k(probs2, 1)[0][0] == result.target_name)}")
        print(f"second_model_prob_{name}_fourier: {probs2[result.target]:.4f}", flush=True)
    print(f"seconds_per_image_fourier: {np.mean(seconds):.1f}")
    photos = sorted(path.name for path in demo_image().parent.glob("*.jpg"))
    print(f"contrast_photos_median: {np.median([contrast(load_image(demo_image(n), 224)) for n in photos]):.3f} ({len(photos)} photos)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

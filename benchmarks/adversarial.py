"""Benchmark: the dog -> "tabby" attack on the Cats-vs-Dogs validation dogs.

    python benchmarks/adversarial.py            # all 500 validation dogs (transfer: the first 50)
    TRANSFERKIT_QUICK=1 python benchmarks/adversarial.py   # the first 50 (transfer: the first 10)

Every photo is resized to 224x224 uint8 and attacked with ``adversarial_image`` (MobileNet v1
alpha 0.75, ImageNet head): notebook 05's loop, steps of 1 level, at most 20 steps. Success =
top-1 is "tabby" after the adversarial image is written to a PNG file and read back. Transfer = MobileNet alpha 0.25, never attacked, also says
"tabby" on that PNG. Prints ``key: value`` lines; timings are wall-clock on this machine,
with the load average at the end to read them by.

Attacks that travel (notebook 05's last section): on the first 50 dogs only (10 in
quick mode), to keep the run's time reasonable, each dog is attacked at epsilon 2, 8 and 16 with the
plain loop and the diverse one (``momentum=1.0, diversity=0.7``, ``seed`` = the dog's number), all 20
steps (``early_stop=False``) of ``max(1, round(epsilon / 10))`` levels. ``transfer_rate_eps<E>_<method>``
is the share of them whose PNG the alpha 0.25 network sees as "tabby" (top-1).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tqdm.auto import tqdm  # noqa: E402

from transferkit import class_index, load_backbone, load_image, pick  # noqa: E402
from transferkit.config import data_root  # noqa: E402
from transferkit.steering.adversarial import adversarial_image  # noqa: E402

TARGET = "tabby"
STEPS = 20
DOG_CLASSES = range(151, 269)  # ImageNet indices 151..268 are dog breeds
TRANSFER_EPSILONS = (2, 8, 16)
TRANSFER_METHODS = {"plain": {}, "diverse": {"momentum": 1.0, "diversity": 0.7}}


def main() -> int:
    root = data_root()
    folder = (root or Path("?")) / "cats_and_dogs" / "cats_and_dogs_filtered" / "validation" / "dogs"
    if not folder.is_dir():
        print(f"error: no validation dogs at {folder} (set TRANSFERKIT_DATA)", file=sys.stderr)
        return 1
    files = sorted(folder.glob("*.jpg"))
    files = pick(files, files[:50])
    model = load_backbone(include_top=True)  # MobileNet alpha 0.75, 224 px
    second = load_backbone(include_top=True, alpha=0.25)
    target = class_index(TARGET)

    def top1(m, image) -> int:
        return int(np.argmax(m.predict(image[None].astype("float32"), verbose=0)[0]))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "adversarial.png"

        def round_trip(image: np.ndarray) -> np.ndarray:
            from PIL import Image

            Image.fromarray(image).save(png)
            return load_image(png)

        for f in tqdm(files, desc="attacking dogs"):
            dog = load_image(f, 224)
            row = {"orig_top1": top1(model, dog), "second_orig_top1": top1(second, dog)}
            for eps in (1, 2):
                t0 = time.perf_counter()
                r = adversarial_image(model, dog, TARGET, epsilon=eps, steps=STEPS)
                row[f"seconds_eps{eps}"] = time.perf_counter() - t0
                back = round_trip(r.image)
                assert np.array_equal(back, r.image)
                row[f"success_eps{eps}"] = top1(model, back) == target
                row[f"loop_success_eps{eps}"] = r.success
                row[f"steps_eps{eps}"] = r.steps
                row[f"psnr_eps{eps}"] = r.psnr
                row[f"max_change_eps{eps}"] = r.max_change
                row[f"p_target_eps{eps}"] = float(r.probabilities[target])
                if eps == 2:
                    second_top = top1(second, back)
                    row["transfer_eps2"] = second_top == target
                    row["second_changed_eps2"] = second_top != row["second_orig_top1"]
            rows.append(row)

        transfer_files = files[: pick(50, 10)]
        travelled = {(e, m): [] for e in TRANSFER_EPSILONS for m in TRANSFER_METHODS}
        own = {key: [] for key in travelled}
        t0 = time.perf_counter()
        for i, f in enumerate(tqdm(transfer_files, desc="attacks that travel")):
            dog = load_image(f, 224)
            for (eps, method) in travelled:
                r = adversarial_image(model, dog, TARGET, epsilon=eps, steps=STEPS, step_size=max(1, round(eps / 10)),
                                      early_stop=False, seed=i, **TRANSFER_METHODS[method])
                back = round_trip(r.image)
                own[eps, method].append(top1(model, back) == target)
                travelled[eps, method].append(top1(second, back) == target)
        transfer_seconds = (time.perf_counter() - t0) / (len(transfer_files) * len(travelled))

    def col(key):
        return np.array([r[key] for r in rows])

    ok2 = col("success_eps2")
    figures = {
        "mode": pick("full", "quick"),
        "images": len(rows),
        "target": TARGET,
        "steps_max": STEPS,
        "originally_dog_breed_top1": f"{np.mean([r['orig_top1'] in DOG_CLASSES for r in rows]):.3f}",
        "originally_target_top1": int(np.sum(col("orig_top1") == target)),
        "success_rate_eps1": f"{col('success_eps1').mean():.3f}",
        "success_rate_eps2": f"{ok2.mean():.3f}",
        "png_agrees_with_attack_loop": bool(
            all(r[f"success_eps{e}"] == r[f"loop_success_eps{e}"] for r in rows for e in (1, 2))
        ),
        "median_steps_eps1": f"{np.median(col('steps_eps1')):g}",
        "median_steps_eps2": f"{np.median(col('steps_eps2')):g}",
        "max_steps_eps2": int(col("steps_eps2").max()),
        "mean_p_target_eps2": f"{col('p_target_eps2').mean():.3f}",
        "max_change_levels_eps2": int(col("max_change_eps2").max()),
        "mean_psnr_db_eps1": f"{col('psnr_eps1').mean():.2f}",
        "mean_psnr_db_eps2": f"{col('psnr_eps2').mean():.2f}",
        "transfer_rate_second_model_eps2": f"{col('transfer_eps2').mean():.3f}",
        "second_model_prediction_changed_eps2": f"{col('second_changed_eps2').mean():.3f}",
        "seconds_per_image": f"{col('seconds_eps2').mean():.2f}",
        "seconds_per_image_eps1": f"{col('seconds_eps1').mean():.2f}",
        "transfer_images": len(transfer_files),
        **{f"transfer_rate_eps{e}_{m}": f"{np.mean(v):.3f}" for (e, m), v in travelled.items()},
        **{f"own_model_success_eps{e}_{m}": f"{np.mean(v):.3f}" for (e, m), v in own.items()},
        "seconds_per_transfer_attack": f"{transfer_seconds:.2f}",
        "load_average_1min": f"{os.getloadavg()[0]:.1f}",  # timings on a busy machine are slower
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cats vs Dogs stage 2: how deep, how fast, constant or decaying, judged on the carved validation split only.

    python benchmarks/fine_tune_schedules.py                                  # the five settings below
    python benchmarks/fine_tune_schedules.py --settings conv_dw_6:3e-5:cosine  # one of them

How notebook 02's and ``cats_vs_dogs.py``'s stage 2 was chosen. Every setting starts from the same
stage 1 (the head trained on cached features, seed 0) and runs all ``--epochs`` with no early stopping,
so the whole validation curve is seen. The dataset's ``validation`` photos (the test set) are never
loaded. A setting is ``first_layer:learning_rate:constant|cosine``; cosine decays to 0 over the epochs.

Prints ``key: value`` lines per setting: the validation loss and errors after the last epoch, and the
range of the loss over the epochs (how much luck early stopping's choice of epoch would involve).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit.training import fit as training  # noqa: E402
from transferkit.models import heads  # noqa: E402

HEAD_EPOCHS = 20  # notebook 02's stage 1: every epoch over the cached features, no early stopping

SETTINGS = "conv_dw_10:3e-5:constant,conv_dw_10:3e-5:cosine,conv_dw_10:1e-4:cosine,conv_dw_6:3e-5:cosine,conv1:3e-5:cosine"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", default=SETTINGS)
    ap.add_argument("--epochs", type=int, default=tk.pick(8, 1))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    train = tk.load_dataset("cats_and_dogs_filtered", "train")
    fit, validation = tk.carve_validation(train, seed=args.seed)
    features = tk.load_backbone()
    fit_f = tk.extract_features(features, fit, progress=False)
    val_f = tk.extract_features(features, validation, progress=False)
    fit_ds = fit.as_tf(224, shuffle=True, seed=args.seed, cache=True)
    val_ds = validation.as_tf(224, cache=True)
    print(f"dataset: {len(fit)} fit / {len(validation)} carved validation images; {args.epochs} epochs per setting")

    for setting in args.settings.split(","):
        first, rate, schedule = setting.split(":")
        keras.utils.set_random_seed(args.seed)
        model = heads.build_classifier(tk.load_backbone(), train.num_classes, seed=args.seed)
        tk.train_classifier(fit_f, val_f, head_of=model, epochs=HEAD_EPOCHS, batch_size=32, patience=None, seed=args.seed)
        training.compile_for_training(model)
        start_loss, start_acc = model.evaluate(val_ds, verbose=0)
        heads.unfreeze_top(model, first)
        t0 = time.perf_counter()
        h = training.fine_tune(model, fit_ds, val_ds, epochs=args.epochs, learning_rate=float(rate), patience=None,
                               decay=schedule == "cosine", verbose=0)
        loss, acc = h.history["val_loss"], h.history["val_accuracy"]
        key = f"{first}_{rate}_{schedule}"
        print(f"{key}_start_val_loss: {start_loss:.4f} ({round((1 - start_acc) * len(validation))} errors)")
        print(f"{key}_last_val_loss: {loss[-1]:.4f} ({round((1 - acc[-1]) * len(validation))} errors)")
        print(f"{key}_val_loss_range: {min(loss):.4f}-{max(loss):.4f} "
              f"(errors {round((1 - max(acc)) * len(validation))}-{round((1 - min(acc)) * len(validation))})")
        print(f"{key}_seconds: {time.perf_counter() - t0:.0f}", flush=True)


if __name__ == "__main__":
    main()

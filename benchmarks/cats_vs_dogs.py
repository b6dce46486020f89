"""Cats vs Dogs benchmark: from scratch, linear probe, frozen head and fine-tune, tested on the same 1,000 images.

    python benchmarks/cats_vs_dogs.py                         # 2,000 train / 1,000 test images
    TRANSFERKIT_QUICK=1 python benchmarks/cats_vs_dogs.py     # 60 per class and split, 1 epoch per stage

The recipe of notebook 02. Every choice is made on a seeded validation split carved from ``train``
(:func:`~transferkit.carve_validation`); the dataset's 1,000 ``validation`` images are the
test set and choose nothing. Four models:

* ``scratch``: :func:`~transferkit.scratch_cnn` from random weights (128 px), early stopping;
* ``linear_probe``: notebook 01's logistic regression on cached pooled MobileNet features;
* ``frozen``: the classifier of :func:`~transferkit.build_classifier` on the frozen MobileNet v1
  (alpha 0.75, 224 px), its own head layers fitted on the cached features for 20 epochs, as in
  notebook 02 (``tk.train_classifier(..., head_of=model)``);
* ``finetuned``: that model with blocks 6-13 unfrozen (BatchNorm frozen), recompiled with a low
  learning rate that decays to 0 along a cosine, trained with augmentation for a fixed number of
  epochs; the last epoch is kept.

Prints ``key: value`` lines. The seconds of the frozen head and the fine-tune include the feature
extraction their head was trained on (0 s when the features are cached); timings are inflated when
other processes share the CPU.

What was tried on the carved validation split (seed 0, 400 images; the head from features, early-stopped
in that run: loss 0.0372, 5 errors; the linear probe: 0.0488, 7 errors), 8 epochs each, the loss after every epoch:

* from ``conv_dw_10`` at a constant 3e-5 (the earlier recipe, with early stopping): the loss jumped
  between 0.026 and 0.080 (3-13 errors) from epoch to epoch, so the epoch early stopping restored
  was a matter of luck (the test accuracy of that recipe ranged 0.984-0.991 over seeds 0-2);
* cosine decay from 3e-5 to 0: from ``conv_dw_10`` it ended at 0.0329 (4 errors), at 1e-4 at 0.0322
  (4), from ``conv_dw_6`` at **0.0273** (4), from ``conv1`` (the whole network) at 0.0298 (4; 0.04-0.05 in
  the middle epochs); label smoothing 0.1 (one-hot labels) gave no fewer errors in its first 3 epochs
  (it was stopped there).

``benchmarks/fine_tune_schedules.py`` runs these settings. Its runs ended at: cosine from ``conv_dw_6``
0.0281 (5 errors), from ``conv_dw_10`` 0.0279 (2) at 3e-5 and 0.0349 (4) at 1e-4, constant 3e-5 from
``conv_dw_10`` 0.0396 (7; 0.030-0.088 over its epochs). How deep to unfreeze is within run-to-run
noise; the constant rate's jumps are not.
So stage 2 decays its rate; it unfreezes from ``conv_dw_6`` (the first exploration's pick) and decays 3e-5 to 0 over 8 epochs, keeping the last epoch.
Notebook 02's stage-2 epochs take 30-45 s each on 2 quiet cores.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit.evaluation import predict as evaluation  # noqa: E402
from transferkit.training import fit as training  # noqa: E402
from transferkit.models import heads  # noqa: E402

HEAD_EPOCHS = 20  # notebook 02's stage 1: every epoch over the cached features, no early stopping

# The notebook's settings (notebooks/02_cats_vs_dogs_finetune.ipynb).
SCRATCH_SIZE = tk.pick(128, 64)
SCRATCH_EPOCHS = tk.pick(9, 1)
FINE_TUNE_EPOCHS = tk.pick(8, 1)
UNFREEZE_FROM = "conv_dw_6"
FINE_TUNE_LR = 3e-5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scratch-epochs", type=int, default=SCRATCH_EPOCHS)
    ap.add_argument("--scratch-size", type=int, default=SCRATCH_SIZE)
    ap.add_argument("--fine-tune-epochs", type=int, default=FINE_TUNE_EPOCHS)
    ap.add_argument("--unfreeze", default=UNFREEZE_FROM, help="first layer to unfreeze, a layer count or a fraction")
    ap.add_argument("--fine-tune-lr", type=float, default=FINE_TUNE_LR)
    ap.add_argument("--patience", type=int, default=None,
                    help="early stopping on the carved split with a constant learning rate (the earlier recipe); "
                         "default: cosine decay to 0, every epoch run, the last kept")
    ap.add_argument("--dataset", default="cats_and_dogs_filtered")
    ap.add_argument("--history", default=None, help="write the fine-tune's curves to this JSON file")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    unfreeze = args.unfreeze
    unfreeze = float(unfreeze) if "." in unfreeze else int(unfreeze) if unfreeze.isdigit() else unfreeze

    keras.utils.set_random_seed(args.seed)
    train = tk.load_dataset(args.dataset, "train")
    test = tk.load_dataset(args.dataset, "validation")
    fit, validation = tk.carve_validation(train, seed=args.seed)
    fit_ds = fit.as_tf(224, shuffle=True, seed=args.seed, cache=True)
    val_ds = validation.as_tf(224, cache=True)
    test_ds = test.as_tf(224, cache=True)
    accuracy, seconds = {}, {}

    # From scratch: random weights, the same photos (smaller), early stopping on the carved split.
    t0 = time.perf_counter()
    scratch = tk.scratch_cnn(train.num_classes, image_size=args.scratch_size, seed=args.seed)
    training.compile_for_training(scratch, 1e-3)
    stop = keras.callbacks.EarlyStopping("val_loss", patience=3, restore_best_weights=True)
    hs = scratch.fit(fit.as_tf(args.scratch_size, shuffle=True, seed=args.seed, cache=True),
                     validation_data=validation.as_tf(args.scratch_size, cache=True),
                     epochs=args.scratch_epochs, callbacks=[stop], verbose=2, shuffle=False)
    seconds["scratch"] = time.perf_counter() - t0
    p, y = evaluation.predict_dataset(scratch, test.as_tf(args.scratch_size, cache=True), progress=False)
    accuracy["scratch"] = tk.accuracy(y, p)

    # Linear probe (notebook 01): cached pooled features, logistic regression, early stopping on the carved split.
    features = tk.load_backbone()
    t0 = time.perf_counter()
    fit_f = tk.extract_features(features, fit, progress=False)
    val_f = tk.extract_features(features, validation, progress=False)
    t_features = time.perf_counter() - t0
    probe, hp = tk.train_classifier(fit_f, val_f, epochs=tk.pick(300, 40), seed=args.seed)
    seconds["linear_probe"] = time.perf_counter() - t0
    test_x, test_y = tk.extract_features(features, test, progress=False)
    accuracy["linear_probe"] = tk.accuracy(test_y, probe.predict(test_x, verbose=0))

    # Stage 1: the classifier on the frozen network, its head trained on the cached features.
    model = heads.build_classifier(tk.load_backbone(), train.num_classes, seed=args.seed)
    t0 = time.perf_counter()
    _, hh = tk.train_classifier(fit_f, val_f, head_of=model, epochs=HEAD_EPOCHS, batch_size=32, patience=None, seed=args.seed)
    seconds["frozen"] = t_features + time.perf_counter() - t0
    p, y = evaluation.predict_dataset(model, test_ds, progress=False)
    accuracy["frozen"] = tk.accuracy(y, p)

    # Stage 2: unfreeze the top (BatchNorm stays frozen), recompile with a low learning rate decaying to 0.
    trainable = heads.unfreeze_top(model, unfreeze)
    t0 = time.perf_counter()
    h2 = training.fine_tune(model, fit_ds, val_ds, epochs=args.fine_tune_epochs, learning_rate=args.fine_tune_lr,
                            patience=args.patience, decay=args.patience is None, verbose=2)
    seconds["finetuned"] = seconds["frozen"] + time.perf_counter() - t0
    p, y = evaluation.predict_dataset(model, test_ds, progress=False)
    accuracy["finetuned"] = tk.accuracy(y, p)
    if args.history:
        with open(args.history, "w") as f:
            json.dump({k: list(v) for k, v in h2.history.items()}, f, indent=1)

    print(f"dataset: {args.dataset} ({len(fit)} fit / {len(validation)} carved validation / {len(test)} test images)")
    print(f"backbone: {heads.pretrained_part(model).name}")
    print(f"unfreeze: {unfreeze} ({trainable} trainable weight tensors), fine-tune learning rate {args.fine_tune_lr:g}"
          f"{' with cosine decay to 0' if args.patience is None else f', early stopping (patience {args.patience})'}")
    for name in ("scratch", "linear_probe", "frozen", "finetuned"):
        print(f"{name}_val_accuracy: {accuracy[name]:.4f}")
    print(f"finetuned_errors: {round((1 - accuracy['finetuned']) * len(test))} of {len(test)}")
    for name in ("scratch", "linear_probe", "frozen", "finetuned"):
        print(f"{name}_seconds: {seconds[name]:.0f}")
    print(f"feature_seconds: {t_features:.0f}")
    print(f"epochs_run: scratch {len(hs.epoch)}, probe {len(hp.epoch)}, head {len(hh.epoch)}, fine-tune {len(h2.epoch)} "
          f"(lowest validation loss at {training.best_epoch(h2)}; kept: "
          f"{'the last' if args.patience is None else 'that one'})")


if __name__ == "__main__":
    main()

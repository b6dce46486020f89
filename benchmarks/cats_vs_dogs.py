"""Cats vs Dogs fine-tune benchmark: the two-stage recipe of notebook 02 at full settings.

    python benchmarks/cats_vs_dogs.py                         # 2,000 train / 1,000 validation images
    TRANSFERKIT_QUICK=1 python benchmarks/cats_vs_dogs.py     # 60 per class and split, 1 + 1 epochs

Stage 1 trains a softmax head (with flip/rotation/zoom augmentation) on the frozen default backbone,
MobileNet v1 alpha 0.75 at 224; stage 2 unfreezes the top of the network (BatchNorm frozen),
recompiles with a 10x lower learning rate and trains with early stopping on the validation loss,
restoring the best epoch. Prints ``key: value`` lines; ``--history FILE`` also writes both stages'
curves as JSON. Timings include validation passes and are inflated when other processes share the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit import evaluation, training  # noqa: E402

# The notebook's defaults (notebooks/02_cats_vs_dogs_finetune.ipynb uses the same recipe).
HEAD_EPOCHS = tk.pick(2, 1)
FINE_TUNE_EPOCHS = tk.pick(5, 1)
UNFREEZE = training.DEFAULT_UNFREEZE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--head-epochs", type=int, default=HEAD_EPOCHS)
    ap.add_argument("--fine-tune-epochs", type=int, default=FINE_TUNE_EPOCHS)
    ap.add_argument("--unfreeze", default=str(UNFREEZE), help="fraction, layer count or first layer name")
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--fine-tune-lr", type=float, default=1e-4)
    ap.add_argument("--patience", type=int, default=2)
    ap.add_argument("--dataset", default="cats_and_dogs_filtered")
    ap.add_argument("--history", default=None, help="write both stages' curves to this JSON file")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    unfreeze = args.unfreeze
    unfreeze = float(unfreeze) if "." in unfreeze else int(unfreeze) if unfreeze.isdigit() else unfreeze

    keras.utils.set_random_seed(args.seed)
    train = tk.load_dataset(args.dataset, "train")
    val = tk.load_dataset(args.dataset, "validation")
    model = training.build_classifier(tk.load_backbone(), train.num_classes, seed=args.seed)
    train_ds = training.training_pipeline(train, 224, shuffle=True, seed=args.seed)
    val_ds = training.training_pipeline(val, 224)

    t0 = time.perf_counter()
    h1 = training.train_head(model, train_ds, val_ds, epochs=args.head_epochs, learning_rate=args.head_lr, verbose=2)
    t_frozen = time.perf_counter() - t0
    frozen_acc = h1.history["val_accuracy"][-1]

    trainable = training.unfreeze_top(model, unfreeze)
    t0 = time.perf_counter()
    h2 = training.fine_tune(model, train_ds, val_ds, epochs=args.fine_tune_epochs, learning_rate=args.fine_tune_lr,
                            patience=args.patience, initial_epoch=len(h1.epoch), verbose=2)
    t_fine = time.perf_counter() - t0

    probs, labels = evaluation.predict_dataset(model, val_ds, progress=False)
    fine_acc = evaluation.accuracy_of(probs, labels)
    if args.history:
        with open(args.history, "w") as f:
            json.dump({"head_epochs": len(h1.epoch), **training.merge_histories(h1, h2)}, f, indent=1)

    print(f"dataset: {args.dataset} ({len(train)} train / {len(val)} validation images)")
    print(f"backbone: {model.get_layer(tk.backbones.base_layer_name(model)).name}")
    print(f"unfreeze: {unfreeze} ({trainable} trainable weight tensors)")
    print(f"frozen_val_accuracy: {frozen_acc:.4f}")
    print(f"finetuned_val_accuracy: {fine_acc:.4f}")
    print(f"finetuned_best_epoch: {training.best_epoch(h2) + len(h1.epoch)}")
    print(f"train_seconds_frozen: {t_frozen:.0f}")
    print(f"train_seconds_finetune: {t_fine:.0f}")
    print(f"epochs_run: {len(h1.epoch)} frozen + {len(h2.epoch)} fine-tune")


if __name__ == "__main__":
    main()

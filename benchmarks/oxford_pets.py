"""Oxford-IIIT Pet, 37 breeds: frozen-feature baseline, then fine-tuning, on the data found locally.

    python benchmarks/oxford_pets.py [--alpha 0.75] [--fine-tune-epochs 3] [--learning-rate 1e-5] [--unfreeze 0.3]

Official split: validation (20% of every breed, seed 0) carved from ``trainval``; ``test`` only
for the final figures. Prints ``key: value`` lines. The figures depend on the copy found: with a
partial copy (few images for many dog breeds) they are not comparable to published ones
(fastbook's fine-tuned ResNet-34/50 ~ 94.5% top-1 on the full data; the dataset paper's best 59.2%).
``TRANSFERKIT_QUICK=1`` caps images per breed and epochs for a smoke run.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit import metrics  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alpha", type=float, default=0.75, help="MobileNet width (0.75 or 0.25 offline)")
    ap.add_argument("--per-breed", type=int, default=tk.pick(None, 10), help="cap images per breed and split")
    ap.add_argument("--fine-tune-epochs", type=int, default=tk.pick(3, 1), help="fine-tuning epochs (early stopping on val loss)")
    ap.add_argument("--unfreeze", type=float, default=0.3, help="backbone layers to unfreeze from the top: a fraction (<1) or a count")
    ap.add_argument("--learning-rate", type=float, default=1e-5,
                    help="fine-tuning learning rate (1e-4 made the validation loss rise after epoch 1 here)")
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()

    t0 = time.time()
    trainval = tk.load_dataset("oxford_iiit_pet", "trainval", per_class=None)
    test = tk.load_dataset("oxford_iiit_pet", "test", per_class=None)
    skipped = len(trainval.skipped) + len(test.skipped)
    trainval, test = trainval.take_per_class(args.per_breed), test.take_per_class(args.per_breed)
    train, val = trainval.split(0.2, seed=0)
    print(f"images_trainval: {len(trainval)}")
    print(f"images_test: {len(test)}")
    print(f"breeds: {trainval.num_classes}")
    print(f"breeds_with_test_images: {int(sum(n > 0 for n in test.counts().values()))}")
    print(f"skipped_files: {skipped}")
    print(f"images_train: {len(train)}")
    print(f"images_validation: {len(val)}")
    print(f"backbone: mobilenet alpha {args.alpha}, 224 px")

    # 1. frozen features + linear classifier
    backbone = tk.load_backbone(alpha=args.alpha)
    t = time.time()
    xtr, ytr = tk.extract_features(backbone, train)
    xva, yva = tk.extract_features(backbone, val)
    xte, yte = tk.extract_features(backbone, test)
    print(f"features_seconds: {time.time() - t:.0f} (near 0 when cached from an earlier run)")
    probe, _ = tk.train_classifier((xtr, ytr), (xva, yva), epochs=tk.pick(200, 40))
    val_loss, val_acc = probe.evaluate(xva, yva, verbose=0)[:2]
    print(f"frozen_val_loss: {val_loss:.4f}")
    print(f"frozen_val_top1: {val_acc:.4f}")
    p_frozen = probe.predict(xte, verbose=0)
    print(f"frozen_test_top1: {metrics.top_k_accuracy(yte, p_frozen, 1):.4f}")
    print(f"frozen_test_top3: {metrics.top_k_accuracy(yte, p_frozen, 3):.4f}")
    print(f"frozen_species_accuracy: {metrics.species_accuracy(yte, p_frozen, test.class_names):.4f}")

    # 2. fine-tuning: the probe is a trained head for these very features, so it starts the new
    #    model's head (no head-only epochs needed); then the top of the backbone is unfrozen.
    t = time.time()
    model = tk.build_classifier(backbone, test.num_classes, seed=0)
    model.get_layer("classifier").set_weights(probe.get_layer("classifier").get_weights())
    tk.unfreeze_top(model, int(args.unfreeze) if args.unfreeze >= 1 else args.unfreeze)
    history = tk.fine_tune(model, train, val, epochs=args.fine_tune_epochs,
                           learning_rate=args.learning_rate, batch_size=args.batch_size, verbose=0)
    print(f"fine_tune_epochs_run: {len(history.epoch)} (best {tk.best_epoch(history)})")
    print(f"fine_tune_val_loss: {' '.join(f'{v:.4f}' for v in history.history['val_loss'])}")
    print(f"fine_tune_val_top1: {' '.join(f'{v:.4f}' for v in history.history['val_accuracy'])}")
    print(f"fine_tune_seconds: {time.time() - t:.0f}")
    probs, labels = tk.predict_dataset(model, test)
    report = metrics.species_report(labels, probs, test.class_names)
    print(f"finetuned_test_top1: {metrics.top_k_accuracy(labels, probs, 1):.4f}")
    print(f"finetuned_test_top3: {metrics.top_k_accuracy(labels, probs, 3):.4f}")
    print(f"species_accuracy: {report.accuracy:.4f}")
    print(f"cross_species_errors: {len(report.cross_group)} of {report.breed_errors}")
    per_breed = metrics.class_report(labels, probs, test.class_names)
    worst = ", ".join(f"{n} {a:.0%} (n={s})" for n, a, s in per_breed.worst(3))
    print(f"worst_breeds: {worst}")
    pairs = metrics.most_confused(labels, probs, test.class_names, top=3)
    print(f"most_confused: {'; '.join(str(p) for p in pairs) or 'none'}")
    print(f"total_seconds: {time.time() - t0:.0f}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()

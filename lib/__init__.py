"""transferkit: reuse ImageNet-pretrained CNNs with Keras 3 - the course kit's helpers.

``from transferkit import *`` brings the helpers plus ``keras``, ``np`` and ``plt`` into a notebook.
"""

from .config import import_tensorflow as _import_tensorflow

# Keras runs on TensorFlow: without it, one sentence says what to install. TensorFlow's C++ start-up
# notices (oneDNN, CPU features, absl) stay out of a lesson's first cell (see config.import_tensorflow).
_import_tensorflow()

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .config import cache_dir, data_root, mode_banner, pick, quick_mode
from .backbones import BACKBONES, DEFAULT_BACKBONE, ImageNetPreprocessing, load_backbone
from .imagenet import class_index, class_names, top_k
from .images import ImageError, as_batch, load_image
from .plots import plot_feature_maps, plot_history, show_images
from .checks import ScanReport, check_image, scan_images
from .datasets import OXFORD_BREEDS, ImageSet, dataset_dir, dataset_info, demo_image, load_dataset
from .features import extract_features, linear_classifier, train_classifier
from .adversarial import (
    AdversarialResult, adversarial_image, fgsm, perturbation_image, predict_top, psnr, show_attack,
)
from .metrics import (
    ClassReport, ConfusedPair, SpeciesReport, class_report, confusion_counts, most_confused, per_class_accuracy,
    plot_class_accuracy, plot_class_counts, show_confused_pairs, species_accuracy, species_report, top_k_accuracy,
)
from .lab import check, describe_counts, hint
from .training import (
    augmentation_layers, best_epoch, build_classifier, compile_for_training, fine_tune, freeze_backbone,
    merge_histories, pretrained_part, show_augmentation, train_head, training_pipeline, unfreeze_top,
    carve_validation, head_from_features,
)
from .evaluation import (
    Prediction, accuracy_of, confusion_matrix, most_confident_wrong, plot_accuracy_comparison,
    plot_confusion_matrix, predict_dataset, predict_image, show_most_confident_wrong, show_prediction, upload_photo,
)
from .objectives import ClassScore, ImageNorm, Jitter, TotalVariation
from .ideal import IdealImageResult, ideal_image, ideal_images
from .quiz import self_check
from .i18n import set_language
from .scratch import scratch_cnn
from .folders import load_folder, upload_folder
from .curves import digits_folder, plot_learning_curves, prepare_domain
from .ideal_plots import plot_ideal_history, show_ideal

__version__ = "0.1.0"

# What `from transferkit import *` brings: the helpers and keras/np/plt, not the submodule names.
import types as _types

__all__ = sorted(
    name for name, value in list(globals().items())
    if not name.startswith("_") and (not isinstance(value, _types.ModuleType) or name in ("keras", "np", "plt"))
)

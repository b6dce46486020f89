"""transferkit: reuse ImageNet-pretrained CNNs with Keras 3 - the course kit's helpers.

``import transferkit as tk`` is instant: each name loads its module on first use (PEP 562), so
TensorFlow is imported only when a name that needs it is (``python -m transferkit.mirror`` never).
``from transferkit import *`` brings the helpers plus ``keras``, ``np`` and ``plt`` into a notebook.

The subpackages, one concept each; each imports only those before it in this list:
``datasets`` (registry, downloads, checks, ``ImageSet`` and its tf.data pipeline, folders, Oxford pets,
digits) -> ``models`` (backbones, ImageNet classes, heads, scratch CNN) -> ``training`` (compile, fit
recipes, cached features, learning curves) -> ``evaluation`` (predictions, metrics, their plots) ->
``steering`` (objectives, ideal images, adversarial images) -> ``course`` (lab checks, quizzes, uploads,
the classroom mirror). ``config``, ``i18n`` and ``plots`` (image grids, curves) serve them all.
"""

import importlib as _importlib

from .config import filter_tensorflow_import as _filter_tensorflow_import

# TensorFlow's C++ start-up notices (oneDNN, CPU features, absl) stay out of a lesson's first cell
# whoever imports TensorFlow first, the kit or the notebook's ``import keras`` (config.import_tensorflow).
_filter_tensorflow_import()

__version__ = "0.1.0"

#: module (below transferkit) -> the public names it defines.
_MODULES: dict[str, tuple[str, ...]] = {
    "config": ("cache_dir", "pick",),
    "i18n": ("set_language",),
    "plots": ("plot_feature_maps", "plot_history", "show_images",),
    "datasets.images": ("ImageError", "load_image",),
    "datasets.checks": ("ScanReport",),
    "datasets.imageset": ("carve_validation", "ImageSet",),
    "datasets.registry": ("dataset_dir", "demo_image", "load_dataset",),
    "datasets.oxford": ("describe_counts", "OXFORD_BREEDS",),
    "datasets.digits": ("digits_folder",),
    "models.backbones": ("load_backbone",),
    "models.imagenet": ("class_names",),
    "models.classes": ("class_index", "top_k",),
    "models.heads": ("augmentation_layers", "build_classifier", "freeze_backbone", "pretrained_part", "show_augmentation", "unfreeze_top",),
    "models.scratch": ("scratch_cnn",),
    "training.fit": ("compile_for_training", "fine_tune", "train_head",),
    "training.features": ("extract_features", "train_classifier",),
    "training.curves": ("plot_learning_curves", "prepare_domain",),
    "evaluation.predict": ("predict_dataset", "predict_image", "predict_top", "Prediction", "show_most_confident_wrong", "show_prediction",),
    "evaluation.metrics": ("accuracy", "plot_accuracy_comparison", "top_k_accuracy",),
    "evaluation.confusion": ("confusion_matrix", "ConfusedPair", "most_confused", "plot_confusion_matrix", "show_confused_pairs",),
    "evaluation.per_class": ("class_report", "ClassReport", "plot_class_accuracy",),
    "evaluation.species": ("plot_class_counts", "species_accuracy", "species_report", "SpeciesReport",),
    "steering.objectives": ("ClassScore", "ImageNorm", "TotalVariation",),
    "steering.transform": ("Jitter", "standard_transforms",),
    "steering.callbacks": ("Callback", "History", "Timer",),
    "steering.ideal": ("ideal_image", "ideal_images", "IdealImageResult",),
    "steering.ideal_plots": ("plot_ideal_history", "show_ideal",),
    "steering.measures": ("psnr",),
    "steering.adversarial": ("adversarial_image", "AdversarialResult", "fgsm", "show_attack",),
    "course.lab": ("check", "hint",),
    "course.quiz": ("self_check",),
    "course.upload": ("upload_folder", "upload_photo",),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}
_LIBRARIES = {"keras": "keras", "np": "numpy", "plt": "matplotlib.pyplot"}
#: modules that import no TensorFlow (TensorFlow is imported, with its notices filtered, before any other).
_TENSORFLOW_FREE = ("config", "i18n", "plots", "datasets.", "steering.callbacks", "course.quiz", "course.upload")

# What `from transferkit import *` brings: the helpers and keras/np/plt, not the submodule names.
__all__ = sorted([*_EXPORTS, *_LIBRARIES])


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is not None:
        if not module.startswith(_TENSORFLOW_FREE):
            from .config import import_tensorflow

            import_tensorflow()  # a clear ImportError when TensorFlow is missing
        value = getattr(_importlib.import_module(f".{module}", __name__), name)
    elif name in _LIBRARIES:
        if name == "keras":
            from .config import import_tensorflow

            import_tensorflow()
        value = _importlib.import_module(_LIBRARIES[name])
    else:
        raise AttributeError(f"module 'transferkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

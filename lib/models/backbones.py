"""Pretrained ImageNet backbones that take raw 0-255 RGB pixels.

Every ``keras.applications`` network expects its own input scaling (``preprocess_input``).
Forgetting it is the classic transfer-learning bug, so here the scaling is a layer *inside*
the model: feed it images exactly as they come off the disk.

>>> backbone = load_backbone()                      # MobileNet v1, alpha 0.75, 224 px, trainable
>>> backbone.trainable = False                      # freezing is your step, as with keras.applications
>>> classifier = load_backbone(include_top=True)    # the same network with its 1000-class head
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import keras
from keras import ops

from ..datasets.downloads import fetch, keras_models_dir
from ..i18n import _


@dataclass(frozen=True)
class BackboneSpec:
    """What the kit knows about one ``keras.applications`` family."""

    constructor: str  # attribute of keras.applications
    module: str  # keras.applications sub-module holding its preprocess_input
    preprocess_mode: str  # "tf" (-1..1), "caffe" (BGR, mean-centred), "torch", or "none"
    default_size: int
    takes_alpha: bool = False
    default_alpha: float | None = None


BACKBONES: dict[str, BackboneSpec] = {
    "vgg16": BackboneSpec("VGG16", "vgg16", "caffe", 224),
    "resnet50": BackboneSpec("ResNet50", "resnet50", "caffe", 224),
    "mobilenet": BackboneSpec("MobileNet", "mobilenet", "tf", 224, True, 0.75),
    "mobilenet_v2": BackboneSpec("MobileNetV2", "mobilenet_v2", "tf", 224, True, 1.0),
    "efficientnet_b0": BackboneSpec("EfficientNetB0", "efficientnet", "none", 224),
}
"""Backbone name -> spec. ``mobilenet`` (alpha 0.75) is the offline default."""

DEFAULT_BACKBONE = "mobilenet"

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


@keras.saving.register_keras_serializable(package="transferkit")
class ImageNetPreprocessing(keras.layers.Layer):
    """Maps raw 0-255 RGB pixels to what an ImageNet network was trained on.

    ``mode`` is the ``keras.applications.imagenet_utils.preprocess_input`` mode of the network:
    ``"tf"`` scales to -1..1, ``"caffe"`` flips to BGR and subtracts the ImageNet mean,
    ``"torch"`` scales to 0..1 and standardises, ``"none"`` passes pixels through (EfficientNet
    rescales inside its own graph).
    """

    def __init__(self, mode: str = "tf", **kwargs):
        super().__init__(**kwargs)
        if mode not in {"tf", "caffe", "torch", "none"}:
            raise ValueError(_("unknown preprocessing mode {mode!r}").format(mode=mode))
        self.mode = mode

    def call(self, images):
        x = ops.cast(images, "float32")
        if self.mode == "tf":
            return x / 127.5 - 1.0
        if self.mode == "caffe":
            return ops.flip(x, axis=-1) - ops.convert_to_tensor(_CAFFE_MEAN_BGR, "float32")
        if self.mode == "torch":
            mean = ops.convert_to_tensor(_TORCH_MEAN, "float32")
            std = ops.convert_to_tensor(_TORCH_STD, "float32")
            return (x / 255.0 - mean) / std
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/"
_KERAS_MD5 = {  # (backbone, include_top) -> the md5 keras.applications checks; its MobileNets have none
    ("vgg16", True): "64373286793e3c8b2b4e3219cbf3544b",
    ("vgg16", False): "6d6bbae143d832006294945121d1f1fc",
    ("resnet50", True): "2cb95161c43110f7111970584f804107",
    ("resnet50", False): "4d473c1dd8becc155b73f8504c6f6626",
    ("efficientnet_b0", True): "902e53a9f72be733fc0bcb005b3ebbac",
    ("efficientnet_b0", False): "50bc09e76180e00e4465e1a485ddc09d",
}


def weights_file(name: str, alpha: float | None = None, include_top: bool = False,
                 input_size: int | None = None) -> tuple[str, str, str | None]:
    """``(file name, public URL, md5 or None)`` of the ImageNet weights ``keras.applications`` loads.

    The names, URLs and hashes are those of the installed Keras (``keras/src/applications/*.py``):
    the kit fetches the file into ``$KERAS_HOME/models`` under that name, where Keras finds it.
    """
    spec = backbone_spec(name)
    size = input_size or spec.default_size
    top = "" if include_top else {"vgg16": "_notop", "resnet50": "_notop", "efficientnet_b0": "_notop"}.get(name, "_no_top")
    md5 = _KERAS_MD5.get((name, include_top))
    if name == "mobilenet":
        alpha = spec.default_alpha if alpha is None else alpha
        text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
        rows = size if size in (128, 160, 192, 224) else 224
        file = f"mobilenet_{text}_{rows}_tf{top}.h5"
        return file, f"{_KERAS_WEIGHTS}mobilenet/{file}", md5
    if name == "mobilenet_v2":
        alpha = spec.default_alpha if alpha is None else alpha
        rows = size if size in (96, 128, 160, 192, 224) else 224
        file = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
        return file, f"{_KERAS_WEIGHTS}mobilenet_v2/{file}", md5
    if name == "vgg16":
        file = f"vgg16_weights_tf_dim_ordering_tf_kernels{top}.h5"
        return file, f"{_KERAS_WEIGHTS}vgg16/{file}", md5
    if name == "resnet50":
        file = f"resnet50_weights_tf_dim_ordering_tf_kernels{top}.h5"
        return file, f"{_KERAS_WEIGHTS}resnet/{file}", md5
    if name == "efficientnet_b0":
        file = f"efficientnetb0{top}.h5"
        return file, f"https://storage.googleapis.com/keras-applications/{file}", md5
    raise ValueError(_("no ImageNet weights known for {name!r}").format(name=name))  # pragma: no cover - registry error


def ensure_weights(name: str, alpha: float | None = None, include_top: bool = False,
                   input_size: int | None = None):
    """Path of a backbone's ImageNet weights in ``$KERAS_HOME/models``, fetched there first if missing.

    The fetch tries ``$TRANSFERKIT_MIRROR`` before Keras' public URL and checks Keras' own hash
    where it has one, so ``keras.applications`` then loads the file without any network.
    """
    file, url, md5 = weights_file(name, alpha, include_top, input_size)
    return fetch(file, [url], keras_models_dir(), md5=md5, what="weights")


def backbone_spec(name: str) -> BackboneSpec:
    """The spec of a registered backbone, with a helpful error for unknown names."""
    try:
        return BACKBONES[name]
    except KeyError:
        raise ValueError(_("unknown backbone {name!r}; choose one of {names}").format(name=name, names=sorted(BACKBONES))) from None


def preprocess_input(name: str):
    """The ``keras.applications`` ``preprocess_input`` of a backbone (for comparisons)."""
    module = getattr(keras.applications, backbone_spec(name).module)
    return module.preprocess_input


def load_backbone(
    name: str = DEFAULT_BACKBONE,
    *,
    alpha: float | None = None,
    input_size: int | None = None,
    include_top: bool = False,
    pooling: str | None = "avg",
    weights: str | None = "imagenet",
    trainable: bool = True,
    classifier_activation: str | None = "softmax",
) -> keras.Model:
    """A pretrained network that takes raw 0-255 RGB images of ``input_size`` x ``input_size``.

    Without the top it returns pooled features (``pooling="avg"``) or feature maps
    (``pooling=None``); with ``include_top=True`` the 1000 ImageNet class probabilities
    (or logits with ``classifier_activation=None``).

    The pretrained network is the layer ``model.get_layer(base_layer_name(model))``; it is called
    with ``training=False`` so its BatchNorm layers stay in inference mode even after unfreezing.
    It comes back **trainable**, as ``keras.applications`` returns it: freezing it
    (``backbone.trainable = False``) is the caller's step, as in the lab; :func:`build_classifier`
    and :func:`train_head` freeze it themselves, and computing features needs no freezing (they
    run in inference mode). ``trainable=False`` returns it frozen.
    ImageNet weights live in Keras' usual cache, ``$KERAS_HOME/models``; a missing file is fetched
    there first (the classroom mirror ``$TRANSFERKIT_MIRROR`` before the public URL).
    """
    spec = backbone_spec(name)
    size = input_size or spec.default_size
    kwargs: dict = dict(include_top=include_top, weights=weights, input_shape=(size, size, 3))
    if spec.takes_alpha:
        kwargs["alpha"] = alpha if alpha is not None else spec.default_alpha
    elif alpha is not None:
        raise ValueError(_("backbone {name!r} has no alpha (width multiplier)").format(name=name))
    if include_top:
        kwargs["classifier_activation"] = classifier_activation
    else:
        kwargs["pooling"] = pooling
    if weights == "imagenet":
        ensure_weights(name, kwargs.get("alpha"), include_top, size)
    with warnings.catch_warnings():
        # Keras warns that sizes other than 128-224 get the 224 px weights: that is what we ask for
        # (notebook 06 runs MobileNet on 64 px silhouettes); the convolutions work at any size.
        warnings.filterwarnings("ignore", message=".*Weights for input shape", category=UserWarning)
        base = getattr(keras.applications, spec.constructor)(**kwargs)
    base.trainable = trainable

    inputs = keras.Input((size, size, 3), name="image")
    x = ImageNetPreprocessing(spec.preprocess_mode, name="preprocess")(inputs)
    outputs = base(x, training=False)
    head = "classifier" if include_top else "features"
    return keras.Model(inputs, outputs, name=f"{base.name}_{head}")


def base_layer_name(model: keras.Model) -> str:
    """Name of the nested pretrained network inside a model built by :func:`load_backbone`."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            return layer.name
    raise ValueError(_("{model} holds no nested pretrained network").format(model=model.name))


def input_size(model: keras.Model) -> int | None:
    """Square side length, in pixels, of the images a model expects (None if it takes any size)."""
    shape = model.input_shape
    if isinstance(shape, list):
        raise ValueError(_("{model} has {n} inputs; the kit expects one image input").format(model=model.name, n=len(shape)))
    h, w = shape[1], shape[2]
    if h is not None and w is not None and h != w:
        raise ValueError(_("{model} expects {height}x{width} images; the kit expects a square input").format(
            model=model.name, height=h, width=w))
    return None if h is None else int(h)

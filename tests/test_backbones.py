"""Backbones: offline ImageNet weights, preprocessing inside the model."""

import keras
import numpy as np
import pytest

from transferkit import load_backbone, top_k
from transferkit.datasets.images import as_batch
from transferkit.models.backbones import ImageNetPreprocessing
from transferkit.models.backbones import BACKBONES, backbone_spec, base_layer_name, preprocess_input
from conftest import SHARED, needs_shared
from test_downloads import LocalServer, local_only  # noqa: F401 - fixture


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_preprocessing_layer_matches_keras_preprocess_input(name):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    ours = np.asarray(ImageNetPreprocessing(backbone_spec(name).preprocess_mode)(x))
    theirs = np.asarray(preprocess_input(name)(x.copy()))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


def test_registry_has_the_usual_backbones():
    assert {"vgg16", "resnet50", "mobilenet", "mobilenet_v2", "efficientnet_b0"} <= set(BACKBONES)
    with pytest.raises(ValueError, match="choose one of"):
        load_backbone("alexnet")
    with pytest.raises(ValueError, match="no alpha"):
        load_backbone("vgg16", alpha=0.5, weights=None)


def test_untrained_backbone_shapes_and_trainable_as_keras_returns_it():
    """Trainable, as keras.applications returns its networks: freezing is the caller's step (issue 26)."""
    m = load_backbone("mobilenet_v2", alpha=0.35, input_size=96, weights=None)
    assert m.input_shape == (None, 96, 96, 3) and m.output_shape == (None, 1280)
    keras_net = keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), include_top=False, weights=None)
    assert m.get_layer(base_layer_name(m)).trainable
    assert len(m.trainable_weights) == len(keras_net.trainable_weights) > 0
    frozen = load_backbone("mobilenet_v2", alpha=0.35, input_size=96, weights=None, trainable=False)
    assert not frozen.get_layer(base_layer_name(frozen)).trainable and not frozen.trainable_weights


@needs_shared
def test_imagenet_weights_load_offline(imagenet_weights, no_network):
    features = load_backbone()  # MobileNet alpha 0.75, 224, no top
    assert features.output_shape == (None, 768)
    v2 = load_backbone("mobilenet_v2", alpha=0.35, include_top=False)
    assert v2.output_shape == (None, 1280)
    small = load_backbone(alpha=0.25, include_top=True)
    assert small.output_shape == (None, 1000)


@needs_shared
def test_raw_pixels_give_the_same_predictions_as_manual_preprocessing(imagenet_weights):
    import keras

    images = as_batch(sorted((SHARED / "demo").glob("*.jpg")), 224)
    ours = load_backbone(include_top=True).predict(images, verbose=0)
    plain = keras.applications.MobileNet(alpha=0.75, weights="imagenet")
    manual = plain.predict(keras.applications.mobilenet.preprocess_input(images.copy()), verbose=0)
    np.testing.assert_allclose(ours, manual, atol=1e-5)
    # and the predictions are real ImageNet predictions: the Siamese photo is a Siamese cat
    names = sorted(p.name for p in (SHARED / "demo").glob("*.jpg"))
    assert top_k(ours[names.index("Siamese_108.jpg")], 1)[0][0] == "Siamese_cat"


WEIGHT_CASES = [("mobilenet", 0.75, False, 224), ("mobilenet", 0.5, True, 160), ("mobilenet_v2", 1.0, True, 96),
                ("vgg16", None, False, 224)]


@pytest.mark.parametrize("case", WEIGHT_CASES, ids=lambda c: "-".join(map(str, c)))
def test_weights_file_is_what_keras_applications_asks_for(case, monkeypatch):
    """Names, URLs and hashes as the installed Keras requests them (its get_file is intercepted)."""
    import keras
    from keras.src.utils import file_utils

    from transferkit.models.backbones import weights_file

    name, alpha, top, size = case
    asked = []

    def intercept(fname, origin, **kwargs):
        asked.append((fname, origin, kwargs.get("file_hash")))
        raise KeyboardInterrupt  # stop before any download or weight loading

    monkeypatch.setattr(file_utils, "get_file", intercept)
    spec = BACKBONES[name]
    kwargs = dict(include_top=top, weights="imagenet", input_shape=(size, size, 3))
    if alpha is not None:
        kwargs["alpha"] = alpha
    with pytest.raises(KeyboardInterrupt):
        getattr(keras.applications, spec.constructor)(**kwargs)
    assert asked == [weights_file(name, alpha, top, size)]


def test_weights_file_uses_keras_own_hashes_for_the_larger_backbones():
    """ResNet50 and EfficientNetB0 take seconds to build: compared with Keras' tables instead."""
    from keras.src.applications import efficientnet, resnet

    from transferkit.models.backbones import weights_file

    for top, i, suffix in ((True, 0, ".h5"), (False, 1, "_notop.h5")):
        name = f"resnet50_weights_tf_dim_ordering_tf_kernels{suffix}"
        assert weights_file("resnet50", include_top=top) == (
            name, resnet.BASE_WEIGHTS_PATH + name, resnet.WEIGHTS_HASHES["resnet50"][i])
        assert weights_file("efficientnet_b0", include_top=top) == (
            f"efficientnetb0{suffix}", f"{efficientnet.BASE_WEIGHTS_PATH}efficientnetb0{suffix}",
            efficientnet.WEIGHTS_HASHES["b0"][i])


@needs_shared
def test_load_backbone_downloads_weights_through_the_mirror(tmp_path, monkeypatch, local_only, capfd):
    """An empty $KERAS_HOME and a classroom mirror holding the real weights: load_backbone() just works."""
    import shutil

    import keras.src.backend.config as keras_config

    from transferkit import top_k
    from transferkit.course import mirror

    served = tmp_path / "teacher"
    served.mkdir()
    for f in ("mobilenet_2_5_224_tf.h5", "imagenet_class_index.json"):
        shutil.copy(SHARED / "weights" / f, served / f)
    home = tmp_path / "empty-keras-home"
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))  # what KERAS_HOME sets when Keras starts
    server = mirror.make_server([served], "127.0.0.1", 0)
    import threading

    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        monkeypatch.setenv("TRANSFERKIT_MIRROR", mirror.student_url(server, "127.0.0.1"))
        model = load_backbone(alpha=0.25, include_top=True)
        images = as_batch([SHARED / "demo" / "Siamese_108.jpg"], 224)
        from transferkit.models import imagenet

        imagenet.class_names.cache_clear()
        assert top_k(model.predict(images, verbose=0)[0], 5)[0][0] in {"Siamese_cat", "Egyptian_cat", "lynx"}
    finally:
        server.shutdown()
        server.server_close()
        from transferkit.models import imagenet

        imagenet.class_names.cache_clear()
    assert sorted(p.name for p in (home / "models").iterdir()) == ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5"]
    assert (home / "models" / "mobilenet_2_5_224_tf.h5").read_bytes() == (served / "mobilenet_2_5_224_tf.h5").read_bytes()
    assert "Downloading data from http://127.0.0.1" in capfd.readouterr().out
    assert not local_only  # nothing went past 127.0.0.1

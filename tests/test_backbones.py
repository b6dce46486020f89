"""Backbones: offline ImageNet weights, preprocessing inside the model."""

import numpy as np
import pytest

from transferkit import ImageNetPreprocessing, as_batch, load_backbone, top_k
from transferkit.backbones import BACKBONES, backbone_spec, base_layer_name, preprocess_input
from conftest import SHARED, needs_shared


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


def test_untrained_backbone_shapes_and_frozen():
    m = load_backbone("mobilenet_v2", alpha=0.35, input_size=96, weights=None)
    assert m.input_shape == (None, 96, 96, 3) and m.output_shape == (None, 1280)
    assert not m.get_layer(base_layer_name(m)).trainable and not m.trainable_weights


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

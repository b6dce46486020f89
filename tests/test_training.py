"""The transfer-learning recipes: head on a frozen backbone, unfreezing with BatchNorm frozen, fine-tuning."""

import keras
import numpy as np
import pytest

import transferkit as tk
from transferkit.training import fit as training
from transferkit.models import backbones
from transferkit.models import heads


@pytest.fixture
def small_model():
    """A randomly initialised MobileNet (alpha 0.25, 64 px) with a 3-class head: for structure only.

    Its ReLU6s saturate (constant outputs, no gradient), so tests about values use :func:`pretrained`.
    """
    backbone = tk.load_backbone("mobilenet", alpha=0.25, input_size=64, weights=None)
    return heads.build_classifier(backbone, 3, seed=0)


@pytest.fixture
def pretrained(imagenet_weights):
    """The small pretrained MobileNet (alpha 0.25, 224 px) with a new 3-class head."""
    import keras

    keras.utils.set_random_seed(0)
    return heads.build_classifier(tk.load_backbone(alpha=0.25), 3, seed=0)


def _pixels(n, size=224, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, size, size, 3)).astype("float32")


def _bn_layers(model):
    import keras

    return [l for l in heads.pretrained_part(model).layers if isinstance(l, keras.layers.BatchNormalization)]


def test_classifier_takes_raw_pixels_and_gives_probabilities(pretrained):
    assert pretrained.input_shape == (None, 224, 224, 3)
    assert pretrained.output_shape == (None, 3)
    x = _pixels(4)
    p = np.asarray(pretrained(x, training=False))
    assert np.allclose(p.sum(axis=1), 1, atol=1e-5) and (p >= 0).all()
    assert np.abs(p - p.mean(axis=0)).max() > 1e-3  # different images, different answers
    # augmentation and dropout act in training only: inference is deterministic, training calls differ
    np.testing.assert_array_equal(p, np.asarray(pretrained(x, training=False)))
    assert not np.allclose(p, np.asarray(pretrained(x, training=True)), atol=1e-4)
    names = [l.name for l in pretrained.layers]
    assert {"random_flip", "random_rotation", "random_zoom", "preprocess", "classifier"} <= set(names)
    # only the new head is trainable at first: its kernel and bias
    assert [w.path.split("/")[0] for w in pretrained.trainable_weights] == ["classifier", "classifier"]
    assert backbones.base_layer_name(pretrained) == heads.pretrained_part(pretrained).name


def test_no_augmentation_and_two_classes_use_softmax():
    backbone = tk.load_backbone("mobilenet", alpha=0.25, input_size=64, weights=None, pooling=None)
    model = heads.build_classifier(backbone, 2, augment=False, dropout=0)
    names = [l.name for l in model.layers]
    assert not any(n.startswith("random_") for n in names) and "pool" in names and "dropout" not in names
    assert model.output_shape == (None, 2)
    assert model.get_layer("classifier").activation.__name__ == "softmax"
    with pytest.raises(ValueError, match="at least 2 classes"):
        heads.build_classifier(backbone, 1)


def test_unfreeze_top_counts_and_keeps_batchnorm_frozen(small_model):
    base = heads.pretrained_part(small_model)
    n = len(base.layers)
    counts = [heads.unfreeze_top(small_model, k) for k in (0, 0.1, 0.3, 1.0)]
    assert counts[0] == 2  # head only
    assert counts == sorted(counts) and len(set(counts)) == 4
    # every conv layer of the network unfrozen: 27 conv kernels (no BN gamma/beta) + the head's 2 tensors
    assert counts[-1] == sum(1 for l in base.layers if l.weights and "bn" not in l.name) + 2 == 29
    assert all(not l.trainable and not l.trainable_weights for l in _bn_layers(small_model))

    k = heads.unfreeze_top(small_model, "conv_dw_13")  # depthwise 13, pointwise 13, head
    assert k == 4
    assert [l.name for l in base.layers if l.trainable_weights] == ["conv_dw_13", "conv_pw_13"]
    assert heads.unfreeze_top(small_model, 10) == len(small_model.trainable_weights)
    assert all(l.trainable is False for l in base.layers[: n - 10])
    assert heads.freeze_backbone(small_model) == 2
    with pytest.raises(ValueError, match="no layer"):
        heads.unfreeze_top(small_model, "conv_dw_99")
    with pytest.raises(ValueError):
        heads.unfreeze_top(small_model, 1.5)
    with pytest.raises(TypeError):
        heads.unfreeze_top(small_model, None)


def test_fine_tune_refuses_a_frozen_network(small_model):
    with pytest.raises(ValueError, match="unfreeze_top"):
        training.fine_tune(small_model, None, None, epochs=1)


def _head_on_frozen_network():
    keras.utils.set_random_seed(0)
    network = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, name="block")], name="network")
    network.trainable = False
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="head")(network(inputs, training=False)))
    return model, network


def _moved_by_one_fit(model) -> list[str]:
    x = np.random.default_rng(0).uniform(size=(16, 4)).astype("float32")
    y = np.arange(16) % 2
    before = [np.array(w) for w in model.weights]
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    return sorted({w.path.split("/")[-2] for w, b in zip(model.weights, before) if not np.allclose(np.array(w), b)})


@pytest.mark.filterwarnings("ignore:A layer's `trainable` state has changed")
def test_what_fit_does_when_the_recompile_after_unfreezing_is_forgotten():
    """What notebooks 02 and 03 say about the recompile, on Keras as installed: a model compiled and fitted
    with its network frozen goes on training only its head after unfreezing; a new compile trains the
    unfrozen layers; a model that was never compiled (02's and 03's `model`: stage 1 fits `head`) makes
    `fit` ask for compile(); and a compile with no fit before the unfreezing trains everything, at stage 1's rate."""
    model, network = _head_on_frozen_network()
    training.compile_for_training(model, 1e-3)
    assert _moved_by_one_fit(model) == ["head"]  # stage 1
    network.trainable = True
    assert _moved_by_one_fit(model) == ["head"]  # the recompile forgotten: only the head trains
    training.compile_for_training(model, 1e-4)
    assert _moved_by_one_fit(model) == ["block", "head"]

    model, network = _head_on_frozen_network()
    network.trainable = True
    with pytest.raises(ValueError, match=r"compile\(\)"):
        _moved_by_one_fit(model)

    model, network = _head_on_frozen_network()
    training.compile_for_training(model, 1e-3)  # compiled in stage 1, never fitted
    network.trainable = True
    assert _moved_by_one_fit(model) == ["block", "head"]


def test_fine_tune_recompiles_trains_the_top_and_leaves_batchnorm_statistics(imagenet_weights):
    import tensorflow as tf

    # pretrained weights: a randomly initialised network saturates its ReLU6s and passes no gradient
    model = heads.build_classifier(tk.load_backbone(alpha=0.25), 2, seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")  # a stale compile fine_tune must replace
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (8, 224, 224, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(8, dtype="int32") % 2)).batch(4)
    base = heads.pretrained_part(model)
    before = {w.path: np.array(w) for w in base.weights}
    heads.unfreeze_top(model, "conv_dw_13")
    h = training.fine_tune(model, ds, ds, epochs=1, learning_rate=3e-4, initial_epoch=2, verbose=0)
    assert h.epoch == [2]
    assert isinstance(model.optimizer, keras.optimizers.Adam)  # recompiled: the stale SGD is gone
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-4)
    after = {w.path: np.array(w) for w in base.weights}
    changed = {p for p in before if not np.array_equal(before[p], after[p])}
    assert {p.split("/")[-2] for p in changed} == {"conv_dw_13", "conv_pw_13"}, changed
    assert not any("_bn/" in p for p in changed)  # moving means/variances and gamma/beta untouched


def test_fine_tune_with_decay_runs_every_epoch_keeps_the_last_and_ends_at_rate_zero(small_model):
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(2)
    x = rng.uniform(0, 255, (16, 64, 64, 3)).astype("float32")
    y = rng.integers(0, 3, 16).astype("int32")
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)  # 2 steps per epoch
    val = tf.data.Dataset.from_tensor_slices((x, (y + 1) % 3)).batch(8)  # worse the better the fit: early stopping would stop
    heads.unfreeze_top(small_model, 0.3)
    rates, seen = [], []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda e, logs: rates.append(float(small_model.optimizer.learning_rate)),
        on_epoch_end=lambda e, logs: seen.append(small_model.get_weights()))
    h = training.fine_tune(small_model, train, val, epochs=4, learning_rate=1e-2, patience=None, decay=True,
                           callbacks=[record], verbose=0)
    assert h.epoch == [0, 1, 2, 3]  # no early stopping
    assert rates[0] == pytest.approx(1e-2) and rates == sorted(rates, reverse=True) and rates[-1] > 0
    assert float(small_model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)  # the cosine ends at 0
    assert all(np.array_equal(a, b) for a, b in zip(small_model.get_weights(), seen[-1]))  # the last epoch is kept
    training.fine_tune(small_model, train, None, epochs=1, patience=None, verbose=0)  # no validation needed then
    with pytest.raises(ValueError, match="patience=None"):
        training.fine_tune(small_model, train, None, epochs=1)


def test_fine_tune_restores_the_best_epoch(small_model):
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(1)
    x = rng.uniform(0, 255, (16, 64, 64, 3)).astype("float32")
    y = rng.integers(0, 3, 16).astype("int32")
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    # validation asks for other labels of the same images: the better the fit, the worse the validation loss
    val = tf.data.Dataset.from_tensor_slices((x, (y + 1) % 3)).batch(8)
    heads.unfreeze_top(small_model, 0.3)
    seen = []
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(small_model.get_weights()))
    h = training.fine_tune(small_model, train, val, epochs=4, learning_rate=1e-2, patience=10, callbacks=[record],
                           verbose=0)
    best = training.best_epoch(h) - 1
    assert best < len(seen) - 1, h.history  # the last epoch was not the best...
    final = small_model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(final, seen[best]))  # ...and the best one's weights are back
    assert not all(np.array_equal(a, b) for a, b in zip(final, seen[-1]))


def test_best_epoch_is_the_lowest_validation_loss():
    assert training.best_epoch({"val_loss": [0.5, 0.3, 0.4]}) == 2


def test_save_and_load_round_trip_predicts_identically(pretrained, tmp_path):
    import keras

    heads.unfreeze_top(pretrained, 0.3)
    path = tmp_path / "model.keras"
    pretrained.save(path)
    loaded = keras.models.load_model(path)
    x = _pixels(3, seed=2)
    p = np.asarray(pretrained(x, training=False))
    assert np.abs(p - p.mean(axis=0)).max() > 1e-3
    np.testing.assert_array_equal(p, np.asarray(loaded(x, training=False)))
    assert [l.name for l in loaded.layers] == [l.name for l in pretrained.layers]
    assert len(loaded.trainable_weights) == len(pretrained.trainable_weights) > 2
    assert all(not l.trainable for l in _bn_layers(loaded))


def test_cached_pipeline_decodes_once_into_raw_pixels(shared_data):
    images = tk.load_dataset("cats_and_dogs_filtered", "validation", per_class=5)
    ds = images.as_tf(96, batch_size=4, cache=True)
    batches = list(ds)
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    assert x.shape == (10, 96, 96, 3) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 255 and x.max() > 200
    assert (y == images.labels).all()
    again = np.concatenate([b[0] for b in ds])
    np.testing.assert_array_equal(x, again)
    plain = np.concatenate([b[0] for b in images.as_tf(96, 4)])  # the kit's uncached pipeline
    assert np.abs(x - plain).max() <= 0.5 + 1e-4  # the same pixels, rounded to uint8 for the cache


def test_frozen_stage_learns_cats_vs_dogs(imagenet_weights, shared_data):
    """Quick settings on real data: a head on the frozen pretrained network beats chance clearly."""
    import keras

    keras.utils.set_random_seed(0)
    train = tk.load_dataset("cats_and_dogs_filtered", "train", per_class=50)
    val = tk.load_dataset("cats_and_dogs_filtered", "validation", per_class=30)
    model = heads.build_classifier(tk.load_backbone(alpha=0.25), 2, seed=0)
    train_ds = train.as_tf(224, batch_size=10, shuffle=True, cache=True)
    val_ds = val.as_tf(224, batch_size=30, cache=True)
    h = training.train_head(model, train_ds, val_ds, epochs=2, learning_rate=3e-3, verbose=0)
    assert len(model.trainable_weights) == 2
    assert h.history["val_accuracy"][-1] >= 0.75, h.history  # chance is 0.5 (30 cats, 30 dogs)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_scratch_cnn_starts_random_learns_and_shrinks_for_tiny_images():
    from transferkit import compile_for_training, scratch_cnn

    keras.utils.set_random_seed(0)
    model = scratch_cnn(3, image_size=32, augment=False, seed=0)
    assert model.output_shape == (None, 3)
    assert all(layer.trainable for layer in model.layers)
    # Three classes a CNN can tell apart: bright, dark and striped images with noise.
    rng = np.random.default_rng(0)
    x = rng.normal(128, 20, (96, 32, 32, 3))
    y = np.arange(96) % 3
    x[y == 0] += 60
    x[y == 1] -= 60
    x[y == 2, :, ::4] = 255
    x = np.clip(x, 0, 255).astype("float32")
    compile_for_training(model, 3e-3)
    before = model.evaluate(x, y, verbose=0)[1]
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0)[1]
    assert after > 0.9 and after > before
    tiny = scratch_cnn(10, image_size=8, channels=1)
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in tiny.layers) == 1
    with pytest.raises(ValueError, match="at least 2 classes"):
        scratch_cnn(1)


def test_carve_validation_is_seeded_stratified_and_disjoint(shared_data):
    train = tk.load_dataset("cats_and_dogs_filtered", "train", per_class=None, check=False)
    fit, validation = tk.carve_validation(train)
    assert len(fit) + len(validation) == len(train) == 2000
    assert validation.counts() == {"cats": 200, "dogs": 200}  # 20% of each class
    assert not set(fit.paths) & set(validation.paths)
    assert set(fit.paths) | set(validation.paths) == set(train.paths)
    assert all(train.labels[train.paths.index(p)] == y for p, y in zip(validation.paths, validation.labels))
    again, validation_again = tk.carve_validation(train)
    assert validation_again.paths == validation.paths  # seeded: the same photos every run
    _, other = tk.carve_validation(train, seed=1)
    assert other.paths != validation.paths
    assert len(tk.carve_validation(train, 0.1)[1]) == 200


def test_train_classifier_fits_the_models_own_head(imagenet_weights, shared_data):
    """Stage 1 on cached pooled features trains the model's own head layers: the full model answers as the head did."""
    import keras

    fit = tk.load_dataset("cats_and_dogs_filtered", "train", per_class=40)
    val = tk.load_dataset("cats_and_dogs_filtered", "validation", per_class=25)
    features = tk.load_backbone(alpha=0.25)
    fit_f = tk.extract_features(features, fit, cache=False, progress=False)
    val_f = tk.extract_features(features, val, cache=False, progress=False)
    keras.utils.set_random_seed(0)
    model = heads.build_classifier(tk.load_backbone(alpha=0.25), 2, seed=0)
    classifier = model.get_layer("classifier")
    before = [np.array(w) for w in classifier.weights]
    head, history = tk.train_classifier(fit_f, val_f, head_of=model, epochs=100, batch_size=32,
                                        patience=None)  # 80 photos: 3 steps an epoch
    assert head.get_layer("classifier") is classifier
    assert len(history.epoch) == 100  # every epoch runs: no early stopping
    after = classifier.get_weights()
    assert not np.allclose(before[0], after[0])
    # the full model (raw pixels in, frozen network, pooled features, its own fitted head) answers as the head did
    probs = np.asarray(model.predict(np.concatenate([x for x, _ in val.as_tf(224, 25)]), verbose=0))
    direct = keras.ops.softmax(val_f[0] @ after[0] + after[1]).numpy()
    np.testing.assert_allclose(probs, direct, atol=1e-4)
    assert (probs.argmax(1) == val.labels).mean() >= 0.85  # chance is 0.5
    assert len(model.trainable_weights) == 2  # the backbone is still frozen
    with pytest.raises(ValueError, match="256 features"):
        tk.train_classifier((np.zeros((4, 10)), np.zeros(4)), head_of=model)

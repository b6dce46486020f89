"""The adversarial attack: notebook 05's loop, exact L∞ bound, PNG round trip, FGSM as one step, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from transferkit import load_image  # noqa: E402
from transferkit.steering.adversarial import adversarial_image, fgsm, perturbation_image  # noqa: E402
from transferkit.steering.measures import psnr  # noqa: E402
from transferkit.datasets.registry import demo_image  # noqa: E402
from transferkit.datasets.images import ImageError  # noqa: E402

SIZE = 32
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_adversarial_dog.ipynb"


def _noise_data(n: int, seed: int):
    """Random uint8 noise images labelled by the sign of a fixed random projection (a linear rule)."""
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(0).normal(size=(SIZE, SIZE, 3))
    x = rng.integers(0, 256, size=(n, SIZE, SIZE, 3), dtype=np.uint8)
    y = (np.tensordot(x.astype(np.float32) - 127.5, w, axes=3) > 0).astype("int32")
    return x, y


def _train(head: str) -> keras.Model:
    """A tiny classifier on raw 0-255 pixels, trained here in about a second."""
    keras.utils.set_random_seed(1)
    x, y = _noise_data(512, seed=1)
    outputs = {"logits": keras.layers.Dense(2), "softmax": keras.layers.Dense(2, activation="softmax"),
               "sigmoid": keras.layers.Dense(1, activation="sigmoid")}[head]
    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 3)),
        keras.layers.Rescaling(1 / 127.5, offset=-1.0),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu"),
        outputs,
    ])
    if head == "sigmoid":
        loss = "binary_crossentropy"
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=head == "logits")
    model.compile("adam", loss, metrics=["accuracy"])
    model.fit(x.astype("float32"), y, epochs=5, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="module")
def softmax_model():
    return _train("softmax")


@pytest.fixture(scope="module")
def logits_model():
    return _train("logits")


@pytest.fixture(scope="module")
def sigmoid_model():
    return _train("sigmoid")


def _predict(model, image) -> np.ndarray:
    p = model.predict(np.asarray(image, np.float32)[None], verbose=0)[0]
    return np.array([1 - p[0], p[0]]) if p.shape == (1,) else p


def _image_of_class(model, cls: int, seed: int = 7) -> np.ndarray:
    """A held-out noise image the model assigns to ``cls``, with some saturated 0/255 pixels."""
    x, _ = _noise_data(64, seed)
    x[:, :4, :4] = 0
    x[:, -4:, -4:] = 255
    probs = model.predict(x.astype("float32"), verbose=0)
    top = (probs[:, 0] > 0.5).astype(int) if probs.shape[1] == 1 else probs.argmax(1)
    return x[np.flatnonzero(top == cls)[0]]


@pytest.mark.parametrize("epsilon", [1, 2, 3, 2.5])
def test_bound_holds_exactly(softmax_model, epsilon):
    image = _image_of_class(softmax_model, 0)
    r = adversarial_image(softmax_model, image, 1, epsilon=epsilon, steps=10, early_stop=False)
    assert r.image.dtype == np.uint8 and r.image.shape == image.shape
    diff = np.abs(r.image.astype(int) - image.astype(int))
    assert diff.max() <= np.floor(epsilon)  # integer levels; 2.5 allows 2
    assert diff.max() == r.max_change >= 1  # it did move pixels
    assert all(m <= epsilon for m in r.history["max_change"])
    assert len(r.history["step"]) == 11  # original + 10 steps


def test_png_round_trip_keeps_target(softmax_model, tmp_path):
    image = _image_of_class(softmax_model, 0)
    r = adversarial_image(softmax_model, image, 1, epsilon=2, steps=20)
    assert r.success and r.predicted_class == 1
    path = tmp_path / "adversarial.png"
    keras.utils.save_img(path, r.image, scale=False)
    reloaded = load_image(path)
    np.testing.assert_array_equal(reloaded, r.image)
    # The reported probabilities are those of the uint8 image, i.e. of the PNG file.
    np.testing.assert_allclose(_predict(softmax_model, reloaded), r.probabilities, atol=1e-5)
    assert _predict(softmax_model, reloaded).argmax() == 1
    assert _predict(softmax_model, image).argmax() == 0


def test_early_stop_and_history(softmax_model):
    image = _image_of_class(softmax_model, 0)
    r = adversarial_image(softmax_model, image, 1, epsilon=2, steps=20)
    h = r.history
    assert r.steps == h["step"][-1] < 20
    assert h["success"][-1] and not any(h["success"][:-1])
    assert h["top1"][0] == 0 and h["top1"][-1] == 1
    assert h["score"][-1] > h["score"][0]  # p(target) went up


@pytest.mark.parametrize("targeted", [False, True])
def test_fgsm_equals_one_step(logits_model, targeted):
    image = _image_of_class(logits_model, 0)
    eps = 3
    # The textbook FGSM, written out: x' = clip(round(x -/+ eps * sign(grad of the loss)), 0, 255).
    x = tf.constant(image[None].astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        logp = tf.nn.log_softmax(logits_model(x, training=False), axis=-1)
        loss = -logp[0, 1] if targeted else -logp[0, 0]  # cross-entropy of the target / true class
    g = tape.gradient(loss, x)[0].numpy()
    step = -eps * np.sign(g) if targeted else eps * np.sign(g)
    expected = np.clip(np.round(image + step), 0, 255).astype(np.uint8)

    target = 1 if targeted else None
    one = fgsm(logits_model, image, target, epsilon=eps)
    general = adversarial_image(logits_model, image, target, epsilon=eps, steps=1, step_size=eps,
                                early_stop=False)
    np.testing.assert_array_equal(one.image, expected)
    np.testing.assert_array_equal(general.image, expected)
    assert one.steps == 1 and len(one.history["step"]) == 2


def test_zero_gradient_is_a_zero_step():
    """A model blind to its input has a zero gradient: the attack leaves the image as it is (no 0/0 from
    the momentum's L1 normalisation), with and without momentum and diversity."""
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Rescaling(0.0), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    image = np.random.default_rng(5).integers(0, 256, size=(SIZE, SIZE, 3), dtype=np.uint8)
    for options in ({}, {"momentum": 1.0, "diversity": 0.7}):
        r = adversarial_image(model, image, None, epsilon=2, steps=3, early_stop=False, **options)
        np.testing.assert_array_equal(r.image, image)
        assert r.steps == 3 and not r.success


def test_untargeted_changes_the_class(softmax_model):
    image = _image_of_class(softmax_model, 1)
    r = adversarial_image(softmax_model, image, None, epsilon=2)
    assert r.success and r.label == 1 and r.predicted_class != 1
    assert _predict(softmax_model, r.image).argmax() != 1


def test_single_sigmoid_output_model(sigmoid_model):
    """A student's Cats-vs-Dogs style model with one sigmoid unit works too."""
    image = _image_of_class(sigmoid_model, 0)
    r = adversarial_image(sigmoid_model, image, 1, epsilon=2, class_names=["cat", "dog"])
    assert r.success and r.name(r.predicted_class) == "dog"
    assert _predict(sigmoid_model, r.image)[1] > 0.5
    assert r.probabilities.shape == (2,)


def test_target_equal_to_current_class_returns_at_once(softmax_model):
    image = _image_of_class(softmax_model, 0)
    r = adversarial_image(softmax_model, image, 0, epsilon=2)
    assert r.success and r.steps == 0 and len(r.history["step"]) == 1
    np.testing.assert_array_equal(r.image, image)
    assert any("already" in n for n in r.notes)


@pytest.mark.parametrize("epsilon", [0, -1, 0.5, float("nan")])
def test_bad_epsilon_refused(softmax_model, epsilon):
    image = _image_of_class(softmax_model, 0)
    with pytest.raises(ValueError, match="epsilon"):
        adversarial_image(softmax_model, image, 1, epsilon=epsilon)


@pytest.mark.parametrize("step_size", [0.5, 0, -1])
def test_steps_below_one_level_refused(softmax_model, step_size):
    image = _image_of_class(softmax_model, 0)
    with pytest.raises(ValueError, match="step_size"):
        adversarial_image(softmax_model, image, 1, step_size=step_size)


def test_bad_target_refused(softmax_model):
    image = _image_of_class(softmax_model, 0)
    with pytest.raises(ValueError, match="outside"):
        adversarial_image(softmax_model, image, 5)
    with pytest.raises(ValueError, match="class_names"):
        adversarial_image(softmax_model, image, "tabby")


def test_wrong_size_and_dtype_converted(softmax_model):
    image = np.random.default_rng(3).integers(0, 256, size=(40, 56, 3)).astype("float64")
    with pytest.warns(UserWarning) as caught:
        r = adversarial_image(softmax_model, image, None, epsilon=1, steps=2)
    messages = [str(w.message) for w in caught]
    assert "image resized from 56x40 to 32x32, the model's input size" in messages
    assert "float64 pixels converted to uint8" in messages and r.notes[:2] == messages
    assert r.original.shape == (SIZE, SIZE, 3) and r.original.dtype == np.uint8
    gray = np.full((SIZE, SIZE), 100, np.uint8)
    assert adversarial_image(softmax_model, gray, None, epsilon=1, steps=1).image.shape == (SIZE, SIZE, 3)



def test_any_size_model_is_attacked_at_the_images_own_size():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3)(keras.layers.Rescaling(1 / 255)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(x)))
    image = np.random.default_rng(4).integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    r = adversarial_image(model, image, None, epsilon=2, steps=3)
    assert r.image.shape == (20, 30, 3) and r.original.shape == (20, 30, 3)
    assert int(np.abs(r.image.astype(int) - image.astype(int)).max()) <= 2

def test_unusable_images_refused(softmax_model):
    with pytest.raises(ImageError, match="0-1 floats"):
        adversarial_image(softmax_model, np.random.default_rng(0).random((SIZE, SIZE, 3)), None)
    with pytest.raises(ImageError, match="0-255"):
        adversarial_image(softmax_model, np.full((SIZE, SIZE, 3), 300.0), None)
    with pytest.raises(ImageError, match="batch"):
        adversarial_image(softmax_model, np.zeros((2, SIZE, SIZE, 3), np.uint8), None)
    with pytest.raises(FileNotFoundError):
        adversarial_image(softmax_model, "/no/such/dog.jpg", None)


def test_psnr_and_perturbation_image():
    a = np.full((8, 8, 3), 100, np.uint8)
    b = a + 1
    assert psnr(a, a) == float("inf")
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2), abs=1e-5)  # MSE 1 (tf.image.psnr computes in float32)
    vis = perturbation_image(a, b)
    assert vis.dtype == np.uint8 and (vis == 255).all()  # largest change -> full range
    assert (perturbation_image(a, a) == 128).all()


def test_real_dog_becomes_tabby_after_png(imagenet_weights, shared_data, tmp_path):
    """The lesson itself: MobileNet's beagle becomes a tabby cat, 2 levels, after a PNG round trip."""
    from transferkit import load_backbone, predict_top, top_k

    model = load_backbone(include_top=True)
    dog = load_image(demo_image("beagle_111.jpg"), 224)
    assert top_k(_predict(model, dog), 1)[0][0] == "beagle"
    assert predict_top(model, dog, 1)[0][0] == "beagle"  # ImageNet's names by default, all 1000 (two repeat)
    r = adversarial_image(model, dog, "tabby", epsilon=2)
    assert r.success and r.max_change <= 2 and r.psnr > 40
    path = tmp_path / "dog.png"
    keras.utils.save_img(path, r.image, scale=False)
    assert top_k(_predict(model, load_image(path)), 1)[0][0] == "tabby"


def test_predict_top(sigmoid_model):
    from transferkit.evaluation.predict import predict_top

    image = _image_of_class(sigmoid_model, 0)
    top = predict_top(sigmoid_model, image, k=2, class_names=["cat", "dog"])
    assert [name for name, _ in top] == ["cat", "dog"] and sum(p for _, p in top) == pytest.approx(1)


def test_one_photo_prediction_reads_sigmoid_logits_and_softmax(sigmoid_model, logits_model, softmax_model):
    """predict_image (and predict_top, notebook 05's) give class probabilities for every kind of output."""
    from transferkit.evaluation.predict import predict_image, predict_top

    image = _image_of_class(sigmoid_model, 0)
    x = image[None].astype("float32")
    p = float(sigmoid_model.predict(x, verbose=0)[0, 0])
    assert predict_image(sigmoid_model, image, ["cat", "dog"]).probabilities == pytest.approx({"cat": 1 - p, "dog": p}, abs=1e-6)
    z = logits_model.predict(x, verbose=0)[0]
    from_logits = predict_image(logits_model, image)
    np.testing.assert_allclose(from_logits.scores, np.exp(z) / np.exp(z).sum(), atol=1e-6)
    assert list(from_logits.probabilities) == ["class 0", "class 1"]
    np.testing.assert_allclose(predict_image(softmax_model, image).scores, softmax_model.predict(x, verbose=0)[0], atol=1e-6)
    assert predict_top(logits_model, image, 1) == [(from_logits.label, from_logits.confidence)]


def _notebook_cells(*cell_ids: str) -> dict:
    """Run notebook 05's cells with these ids (its attack code) and return what they define."""
    cells = {cell.get("id"): cell for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]}
    namespace = {"np": np, "tf": tf}  # the notebook's imports these cells use
    for cell_id in cell_ids:
        exec("".join(cells[cell_id]["source"]), namespace)
    return namespace


@pytest.mark.parametrize(
    "photo, epsilon, steps, confidence, projection_acts",
    [
        ("beagle_111.jpg", 2, 20, 0.0, False),   # the notebook's attack: 2 steps, too few for the projection to act
        ("beagle_111.jpg", 2, 20, 0.9, True),    # the notebook's epsilon, pushed on to p >= 0.9: 4 steps
        ("dog.2001.jpg", 1, 4, 0.0, True),       # out of steps before success
        ("beagle_111.jpg", 8, 20, 0.99, False),  # the notebook's strong version: 4 steps, within 8 levels anyway
    ],
)
def test_kit_attack_is_the_notebooks_loop(imagenet_weights, shared_data, photo, epsilon, steps, confidence, projection_acts):
    """adversarial_image and FGSM give exactly the image of notebook 05's own loop and step.

    Where the projection onto the epsilon-ball or the clip to 0..255 acts, removing it from either loop
    makes the images differ (or, removed from both, breaks the bound): the test checks that they act.
    """
    from transferkit import class_index, load_backbone

    notebook = _notebook_cells("fgsm-step", "attack-loop")
    model = load_backbone(include_top=True)
    dog = load_image(demo_image(photo), 224)
    target = class_index("tabby")

    image, steps_taken = notebook["targeted_attack"](model, dog, target, epsilon, steps=steps, confidence=confidence)
    kit = adversarial_image(model, dog, "tabby", epsilon=epsilon, steps=steps, confidence=confidence)
    np.testing.assert_array_equal(kit.image, image, err_msg="the kit's loop drifted from notebook 05's")
    assert kit.steps == steps_taken >= 1
    assert kit.success == (steps_taken < steps)  # the notebook's loop stops early only on success
    assert kit.max_change <= epsilon

    # The clip to 0..255 acts at the first step: the photo has values at 255 (or 0) that it pushes outward.
    _, gradient = notebook["loss_gradient"](model, tf.constant(dog, tf.float32), target)
    outward = np.sum((dog == 255) & (gradient.numpy() < 0)) + np.sum((dog == 0) & (gradient.numpy() > 0))
    assert outward > 0, "no value at 0 or 255 is pushed outward: the clip to 0..255 does not act here"
    if projection_acts:
        # Without the projection (a bound of `steps` levels, which no path of steps of one level reaches)
        # the same loop leaves the epsilon-ball; both runs are the same until it first does, so there the
        # projection acted.
        unbounded, _ = notebook["targeted_attack"](model, dog, target, steps, steps=steps, confidence=confidence)
        assert np.abs(unbounded.astype(int) - dog.astype(int)).max() > epsilon, "the projection does not act here"
        assert np.any(np.abs(image.astype(int) - dog.astype(int)) == epsilon)

    one_step = notebook["fgsm_step"](model, dog, target, epsilon)
    np.testing.assert_array_equal(fgsm(model, dog, "tabby", epsilon=epsilon).image, one_step,
                                  err_msg="the kit's FGSM drifted from notebook 05's")


@pytest.mark.parametrize(
    "photo, epsilon, steps, step_size, seed",
    [
        ("beagle_111.jpg", 8, 6, 1, 0),  # the notebook's epsilon 8 attack that travels, first steps
        ("dog.2013.jpg", 16, 4, 2, 3),   # its epsilon 16 (steps of 2 levels), another seed
    ],
)
def test_kit_diverse_attack_is_the_notebooks_loop(imagenet_weights, shared_data, photo, epsilon, steps, step_size, seed):
    """With momentum and input diversity (the same seed, so the same random views), adversarial_image gives
    exactly the image of notebook 05's loop. Both options act here: without either one, the image differs."""
    from transferkit import class_index, load_backbone

    notebook = _notebook_cells("fgsm-step", "attack-loop", "travel-views")
    model = load_backbone(include_top=True)
    dog = load_image(demo_image(photo), 224)
    target = class_index("tabby")
    travel = dict(steps=steps, step_size=step_size, early_stop=False, seed=seed)

    image, steps_taken = notebook["targeted_attack"](model, dog, target, epsilon, momentum=1.0, diversity=0.7, **travel)
    kit = adversarial_image(model, dog, "tabby", epsilon=epsilon, momentum=1.0, diversity=0.7, **travel)
    np.testing.assert_array_equal(kit.image, image, err_msg="the kit's diverse attack drifted from notebook 05's loop")
    assert kit.steps == steps_taken == steps and kit.max_change <= epsilon
    np.testing.assert_allclose(kit.probabilities, _predict(model, kit.image), atol=1e-5)  # of the image, not a view

    for without in ({"momentum": 0.0, "diversity": 0.7}, {"momentum": 1.0, "diversity": 0.0}):
        other = adversarial_image(model, dog, "tabby", epsilon=epsilon, **without, **travel).image
        assert not np.array_equal(other, image), f"the option left out ({without}) does not act here"

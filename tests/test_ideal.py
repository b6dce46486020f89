"""Ideal images: the loss terms against hand-computed values, the ascent on a tiny classifier, and the
kit's loop against notebook 04's own loop on MobileNet."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from PIL import Image  # noqa: E402

from transferkit.steering.ideal import ideal_image, ideal_images  # noqa: E402
from transferkit.steering.objectives import ClassScore, ImageNorm, Sum, TotalVariation  # noqa: E402
from transferkit.steering.transform import Jitter  # noqa: E402
from transferkit.models.classes import output_kind  # noqa: E402

SIZE = 24


# ---------------------------------------------------------------- loss terms


def _tiny_image() -> np.ndarray:
    """A 2 x 2 image, the same in all three channels: [[0, 102], [51, 51]] (0, 0.4, 0.2, 0.2 of 255)."""
    grey = np.array([[0, 102], [51, 51]], dtype="float32")
    return np.repeat(grey[None, :, :, None], 3, axis=-1)


def test_total_variation_matches_hand_computation():
    x = _tiny_image()
    # vertical |51-0|, |51-102| -> 0.2, 0.2 (mean 0.2); horizontal |102-0|, |51-51| -> 0.4, 0 (mean 0.2)
    assert TotalVariation().per_sample(x).numpy() == pytest.approx([0.4], abs=1e-6)
    # squared: vertical 0.04, 0.04 -> 0.04; horizontal 0.16, 0 -> 0.08
    assert TotalVariation(power=2).per_sample(x).numpy() == pytest.approx([0.12], abs=1e-6)
    assert float(TotalVariation(weight=10)(x)) == pytest.approx(4.0, abs=1e-5)
    assert TotalVariation().per_sample(np.full((1, 5, 5, 3), 200.0, "float32")).numpy() == pytest.approx([0.0])


def test_total_variation_does_not_depend_on_image_size():
    rng = np.random.default_rng(0)
    small = rng.uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    large = rng.uniform(0, 255, (1, 256, 256, 3)).astype("float32")
    tv_small, tv_large = TotalVariation().per_sample(small).numpy()[0], TotalVariation().per_sample(large).numpy()[0]
    assert tv_small == pytest.approx(2 / 3, abs=0.03)  # E|u - v| = 1/3 for two uniforms in 0..1, twice
    assert tv_large == pytest.approx(2 / 3, abs=0.01)


def test_class_score_from_logits_probabilities_and_one_sigmoid_output():
    logits = np.array([[0.0, math.log(3.0)], [math.log(3.0), 0.0]], "float32")
    expected = -math.log(0.75)
    assert ClassScore([1, 0]).per_sample(logits).numpy() == pytest.approx([expected] * 2, abs=1e-6)
    probs = np.array([[0.25, 0.75]], "float32")
    assert ClassScore(1, from_logits=False).per_sample(probs).numpy() == pytest.approx([expected], abs=1e-6)
    assert ClassScore(1).probability(logits[:1]).numpy() == pytest.approx([0.75])
    one_logit = np.array([[math.log(3.0)]], "float32")  # binary model, logit of class 1
    assert ClassScore(1).per_sample(one_logit).numpy() == pytest.approx([expected], abs=1e-6)
    centred = [-math.log(3.0) / 2]  # -(z_t - mean z) for logits (0, ln 3)
    assert ClassScore(1, mode="logit").per_sample(logits[:1]).numpy() == pytest.approx(centred, abs=1e-6)
    assert ClassScore(1, mode="logit", from_logits=False).per_sample(probs).numpy() == pytest.approx(centred, abs=1e-6)
    assert ClassScore(0, from_logits=False).probability(np.array([[0.75]], "float32")).numpy() == pytest.approx([0.25])


def test_terms_compose_like_numbers():
    x = _tiny_image()
    logits = np.array([[0.0, math.log(3.0)]], "float32")
    loss = ClassScore(1) + 10 * TotalVariation() + ImageNorm(2.0)
    assert isinstance(loss, Sum) and [t.name for t in loss.terms()] == ["class_score", "total_variation", "image_norm"]
    norm = np.mean((x / 255.0 - 0.5) ** 2)
    expected = -math.log(0.75) + 10 * 0.4 + 2 * norm
    assert float(loss(outputs=logits, images=x)) == pytest.approx(expected, rel=1e-5)
    assert float((loss * 2)(outputs=logits, images=x)) == pytest.approx(2 * expected, rel=1e-5)


def test_jitter_only_moves_pixels_and_only_in_training():
    x = tf.constant(np.random.default_rng(0).uniform(0, 255, (1, 16, 16, 3)).astype("float32"))
    moved = Jitter(4, seed=1)(x).numpy()
    assert not np.array_equal(moved, x.numpy())
    assert np.sort(moved.ravel()) == pytest.approx(np.sort(x.numpy().ravel()))
    assert Jitter(4, scale=0.2)(x).shape == x.shape
    np.testing.assert_array_equal(Jitter(4, scale=0.2)(x, training=False), x)  # as Keras' random layers
    np.testing.assert_array_equal(Jitter(4, seed=1)(x), moved)  # seeded
    with pytest.raises(ValueError, match="scale"):
        Jitter(4, scale=-1)


# ---------------------------------------------------------------- the ascent on a tiny classifier


def _train(head: str) -> keras.Model:
    """A classifier on raw 0-255 pixels: class 1 when the left half is brighter than the right half."""
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 255, (600, SIZE, SIZE, 3)).astype("float32")
    shift = rng.uniform(-60, 60, (600, 1, 1, 1)).astype("float32")
    x[:, :, : SIZE // 2] = np.clip(x[:, :, : SIZE // 2] + shift, 0, 255)
    y = (x[:, :, : SIZE // 2].mean(axis=(1, 2, 3)) > x[:, :, SIZE // 2 :].mean(axis=(1, 2, 3))).astype("int32")
    top = {"logits": keras.layers.Dense(2), "softmax": keras.layers.Dense(2, activation="softmax"),
           "sigmoid": keras.layers.Dense(1, activation="sigmoid")}[head]
    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 3)),
        keras.layers.Rescaling(1 / 127.5, offset=-1.0),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        top,
    ])
    loss = "binary_crossentropy" if head == "sigmoid" else keras.losses.SparseCategoricalCrossentropy(from_logits=head == "logits")
    model.compile(keras.optimizers.Adam(3e-3), loss, metrics=["accuracy"])
    model.fit(x, y, epochs=6, batch_size=64, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.85
    return model


@pytest.fixture(scope="module")
def logits_model():
    return _train("logits")


# The tiny classifiers' rule depends on where the bright half is, so pixels and no random shifts here;
# their logits are small, so a lighter TV weight than the ImageNet default.
STILL = dict(param="pixels", regularizers=[TotalVariation(30.0)], transforms=[], progress=False)


def _start_probability(model, target: int, seed: int = 0) -> float:
    """p(target) of the image ideal_images starts from (0 steps)."""
    return ideal_image(model, target, steps=0, seed=seed, **STILL).probability


@pytest.mark.parametrize("target", [0, 1])
def test_ascent_raises_the_target_probability(logits_model, target):
    start = _start_probability(logits_model, target)
    result = ideal_image(logits_model, target, steps=30, learning_rate=4.0, **STILL)
    assert start < 0.9
    assert result.probability > max(0.8, start + 0.25)
    h = result.history
    assert len(h["step"]) == 31 and h["step"][0] == 0 and h["step"][-1] == 30
    assert h["prob"][0] == pytest.approx(start, abs=0.02)
    assert h["prob"][-1] > h["prob"][0]
    assert result.steps_to(0.8) is not None


@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_models_that_output_probabilities(head):
    model = _train(head)
    assert output_kind(model) == "probabilities"
    start = _start_probability(model, 1)
    result = ideal_image(model, "dog", class_names=["cat", "dog"], steps=30, learning_rate=4.0, **STILL)
    assert result.target == 1 and result.target_name == "dog"
    assert result.probability > max(0.8, start + 0.25)


def test_total_variation_smooths_the_image(logits_model):
    plain = ideal_image(logits_model, 1, steps=40, param="pixels", regularizers=[], transforms=[], progress=False)
    smooth = ideal_image(logits_model, 1, steps=40, **STILL)
    assert smooth.total_variation < 0.7 * plain.total_variation
    assert plain.history["tv"][-1] > plain.history["tv"][0]  # unregularised ascent adds noise
    assert "total_variation" in smooth.history and "total_variation" not in plain.history


def test_output_is_uint8_survives_png_and_is_reproducible(logits_model, tmp_path):
    a, b = (ideal_image(logits_model, 1, steps=8, param="pixels", regularizers=[TotalVariation(30.0)],
                        transforms=[Jitter(2, seed=5)], progress=False) for _ in range(2))
    assert a.image.dtype == np.uint8 and a.image.shape == (SIZE, SIZE, 3)
    assert a.image.min() >= 0 and a.image.max() <= 255
    np.testing.assert_array_equal(a.image, b.image)
    path = a.save(tmp_path / "cat.png")
    np.testing.assert_array_equal(np.asarray(Image.open(path)), a.image)
    buffer = io.BytesIO()
    Image.fromarray(a.image).save(buffer, format="PNG")
    again = np.asarray(Image.open(io.BytesIO(buffer.getvalue())), dtype="float32")[None]
    p_again = keras.ops.convert_to_numpy(keras.ops.softmax(logits_model(again)))[0, 1]
    assert p_again == pytest.approx(a.probability, abs=1e-5)


def test_early_stop_returns_the_image_that_reached_the_threshold(logits_model):
    result = ideal_image(logits_model, 1, steps=200, stop_at=0.9, learning_rate=4.0, **STILL)
    assert result.steps < 200 and result.probability >= 0.9
    assert result.history["step"][-1] == result.steps


def test_batch_of_targets(logits_model):
    results = ideal_images(logits_model, [0, 1], steps=30, learning_rate=4.0, **STILL)
    assert [r.target for r in results] == [0, 1]
    assert all(r.probability > 0.8 for r in results)
    assert not np.array_equal(results[0].image, results[1].image)


# ---------------------------------------------------------------- parameterisation, regularisers, transforms


@pytest.mark.parametrize("param", ["pixels", "fourier"])
def test_none_means_the_params_defaults_and_fourier_is_the_default(logits_model, param):
    """``None``: TV 3000 and a seeded jitter for pixels, no regulariser and the standard transforms for Fourier."""
    from transferkit.steering.transform import standard_transforms

    regularizers, transforms = {
        "pixels": ([TotalVariation(3000)], [Jitter(24, scale=0.3, seed=7)]),
        "fourier": ([], standard_transforms(SIZE, seed=7)),
    }[param]
    default = ideal_image(logits_model, 1, steps=4, seed=7, param=param, progress=False)
    explicit = ideal_image(logits_model, 1, steps=4, seed=7, param=param, regularizers=regularizers,
                           transforms=transforms, progress=False)
    np.testing.assert_array_equal(default.image, explicit.image)
    assert default.objective == explicit.objective and default.objective.startswith(param)
    assert ("total_variation" in default.history) == (param == "pixels")
    again = ideal_image(logits_model, 1, steps=4, seed=7, param=param, progress=False)  # the defaults are made anew
    np.testing.assert_array_equal(default.image, again.image)
    if param == "fourier":
        unset = ideal_image(logits_model, 1, steps=4, seed=7, progress=False)
        np.testing.assert_array_equal(unset.image, default.image)
    none = ideal_image(logits_model, 1, steps=4, seed=7, param=param, regularizers=[], transforms=[], progress=False)
    assert not np.array_equal(none.image, default.image) and "total_variation" not in none.history


def test_regularisers_compose_into_the_loss(logits_model):
    result = ideal_image(logits_model, 1, steps=3, param="pixels", transforms=[Jitter(2)], progress=False,
                         regularizers=[TotalVariation(30.0) + ImageNorm(2.0)])
    h = result.history
    np.testing.assert_allclose(h["loss"], h["class_score"] + 30 * h["total_variation"] + 2 * h["image_norm"], rtol=1e-5)
    assert "30 * TotalVariation" in result.objective and "Jitter(pixels=2" in result.objective


def test_wrong_regularisers_transforms_and_params_say_what_to_give(logits_model):
    def run(**kwargs):
        return ideal_image(logits_model, 1, steps=0, progress=False, **kwargs)

    with pytest.raises(TypeError, match=r"list of loss terms, e\.g\. \[TotalVariation\(3000\)\]"):
        run(regularizers=TotalVariation(3000))
    with pytest.raises(TypeError, match="3000 is not a loss term"):
        run(regularizers=[3000])
    with pytest.raises(TypeError, match=r"transforms must be a list, e\.g\. \[Jitter\(8\)\]"):
        run(transforms=Jitter(8))
    with pytest.raises(TypeError, match="'shift' is not a transform"):
        run(transforms=["shift"])
    with pytest.raises(ValueError, match="'total_variation'"):
        run(param="pixels", regularizers=[TotalVariation(1), TotalVariation(1, power=2)])
    with pytest.raises(ValueError, match="pixels, fourier, not 'wavelets'"):
        run(param="wavelets")
    with pytest.raises(ValueError, match="init='noise'"):
        run(param="fourier", init="grey")


def test_messages_and_plots_speak_the_students_language(logits_model):
    import gettext

    from transferkit import i18n
    from transferkit.steering.ideal_plots import plot_ideal_history

    with (Path(__file__).resolve().parents[1] / "lib/locale/tl/LC_MESSAGES/transferkit.mo").open("rb") as f:
        tagalog = gettext.GNUTranslations(f)
    english = "param must be one of {params}, not {param!r}"
    saved = dict(i18n._state)
    try:
        i18n.set_language("tl")
        with pytest.raises(ValueError) as caught:
            ideal_image(logits_model, 1, steps=0, param="wavelets", progress=False)
        result = ideal_image(logits_model, 1, steps=0, param="pixels", progress=False)
        figure = plot_ideal_history(result, metrics=("prob", "class_score"))
        titles = {ax.get_title() for ax in figure.axes}
        summary_in_tagalog = repr(result)
    finally:
        i18n._state.update(saved)
    assert tagalog.gettext(english) != english
    assert str(caught.value) == tagalog.gettext(english).format(params="pixels, fourier", param="wavelets")
    assert tagalog.gettext("class score (minimised)") in titles and "class score (minimised)" not in titles
    summary = "IdealImageResult({name}: p={p:.4f} after {steps} steps, TV={tv:.3f}, {seconds:.1f}s; top: {top})"
    assert tagalog.gettext(summary) != summary
    assert summary_in_tagalog == tagalog.gettext(summary).format(
        name="'class 1'", p=result.probability, steps=0, tv=result.total_variation, seconds=result.seconds,
        top=", ".join(f"{n} {p:.2f}" for n, p in result.top[:3]))


# ---------------------------------------------------------------- class names


def _thousand_class_model() -> keras.Model:
    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1000)])


def test_imagenet_names_resolve(imagenet_weights):
    model = _thousand_class_model()
    for name, index in [("Siamese_cat", 284), ("tabby", 281), ("zebra", 340), ("siamese cat", 284)]:
        result = ideal_image(model, name, steps=0, progress=False)
        assert (result.target, result.history["step"].tolist()) == (index, [0])
    assert ClassScore("zebra").target == 340


def test_unknown_names_list_close_matches(imagenet_weights):
    with pytest.raises(ValueError, match="Siamese_cat"):
        ideal_image(_thousand_class_model(), "siamese_kat", steps=0, progress=False)
    with pytest.raises(ValueError, match="zebra"):
        ClassScore("zebr")
    two = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="dog"):
        ideal_image(two, "dgo", class_names=["cat", "dog"], steps=0, progress=False)
    with pytest.raises(ValueError, match="class_names"):
        ideal_image(two, "dog", steps=0, progress=False)
    with pytest.raises(ValueError, match="outside"):
        ideal_image(two, 2, steps=0, progress=False)


# ---------------------------------------------------------------- the kit's loop is notebook 04's loop

NOTEBOOK_04 = Path(__file__).resolve().parents[1] / "notebooks" / "04_ideal_cat.ipynb"
LOOP_CELL = "ascent-loop"  # the id of the cell that defines total_variation and optimize


def _notebook_loop() -> dict:
    """Run notebook 04's loop cell (found by its id) and return the names it defines."""
    cells = {cell.get("id"): cell for cell in json.loads(NOTEBOOK_04.read_text(encoding="utf-8"))["cells"]}
    assert LOOP_CELL in cells, f"notebook 04 has no cell with id {LOOP_CELL!r}"
    names = {"np": np, "tf": tf, "keras": keras}
    exec("".join(cells[LOOP_CELL]["source"]), names)
    return names


@pytest.fixture(scope="module")
def imagenet_logits(imagenet_weights):
    from transferkit import load_backbone

    return load_backbone(include_top=True, classifier_activation=None)


def test_notebook_total_variation_is_the_kits():
    images = np.random.default_rng(1).integers(0, 256, (2, 32, 32, 3)).astype("float32")
    notebook_tv = _notebook_loop()["total_variation"]
    for image in images:
        assert float(notebook_tv(image[None])) == pytest.approx(float(TotalVariation().per_sample(image[None])[0]), abs=1e-6)


def _pixels_without_transforms(tv_weight: float) -> dict:
    """The kit's options for the notebook loop's ``optimize(..., tv_weight)``: its default TV (3000) or none."""
    assert tv_weight in (0, 3000)
    return dict(param="pixels", regularizers=None if tv_weight else [], transforms=[])


@pytest.mark.parametrize("tv_weight", [0.0, 3000.0])
def test_kit_without_jitter_makes_the_notebook_loops_image(imagenet_logits, tv_weight):
    """The compiled loop the kit runs against the notebook's, with the lesson's settings.

    3 steps: too few for any value to reach 0 or 255 (the clip is tested below), and after 10 the
    compiled and eager loops differ by about 2 levels on average (30 steps: 13 levels), as any small
    difference grows step by step.
    """
    steps = 3
    image, probs = _notebook_loop()["optimize"](imagenet_logits, 284, steps, tv_weight)  # 284: Siamese_cat
    kit = ideal_image(imagenet_logits, "Siamese_cat", steps=steps, **_pixels_without_transforms(tv_weight), progress=False)
    assert kit.target == 284 and image.dtype == kit.image.dtype == np.uint8
    # Eager (notebook) and compiled (kit) arithmetic round differently. Where a gradient is near 0 its
    # sign can differ, and Adam's first steps move such a value by the whole step size: on some CPUs
    # (AVX-512 and AMX kernels) 1.7% of the values end more than one level apart, 0.22 levels on
    # average. A different score, step size (5 instead of 6), schedule or TV weight moves most values
    # by more than one level, about 2 levels on average.
    difference = np.abs(image.astype(int) - kit.image.astype(int))
    assert difference.mean() < 0.5 and np.mean(difference > 1) < 0.05, (difference.mean(), np.mean(difference > 1))
    np.testing.assert_allclose(probs, kit.history["prob"][:steps], atol=2e-3)


@pytest.mark.parametrize("tv_weight", [0.0, 3000.0])
def test_kit_clips_to_0_255_as_the_notebook_loop_does(imagenet_logits, tv_weight):
    """The clip to 0..255 binds, and the kit's loop and notebook 04's still give the same image.

    From the grey start (96..160) the lesson's steps of 6 levels first reach 0 or 255 after 20-30
    steps, and after 10 steps the two loops have already drifted apart (a value whose gradient is near
    0 can take the other sign in one loop and move the other way by the whole step). So here the
    first step is 100 levels: it carries many values past 0 or 255 at once. Both loops run op by op
    (the kit's compiled step run eagerly), which keeps them within a small fraction of a level for
    3 steps. Measured: with the clip, values at 0 or 255 are 68% (TV 0) and 7% (TV 3000); the loops
    differ by 0.001 and 0.04 levels on average, 0.01% and 0.1% of values by more than one level.
    Without the kit's clip they differ by 2.7 and 1.2 levels, 28% and 24% of values; without the
    notebook's, its own assert (values within 0..255) stops it.
    """
    steps, learning_rate = 3, 100.0
    eager = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        image, probs = _notebook_loop()["optimize"](imagenet_logits, 284, steps, tv_weight, learning_rate=learning_rate)
        kit = ideal_image(imagenet_logits, "Siamese_cat", steps=steps, **_pixels_without_transforms(tv_weight),
                          learning_rate=learning_rate, progress=False)
    finally:
        tf.config.run_functions_eagerly(eager)
    at_bound = np.mean((image == 0) | (image == 255))
    assert at_bound > 0.01, f"only {at_bound:.2%} of the values at 0 or 255: the clip hardly binds"
    difference = np.abs(image.astype(int) - kit.image.astype(int))
    assert difference.mean() < 0.2 and np.mean(difference > 1) < 0.02, (
        f"the kit's image is not the notebook loop's: {difference.mean():.2f} levels apart on average, "
        f"{np.mean(difference > 1):.1%} of the values by more than one level")
    np.testing.assert_allclose(probs, kit.history["prob"][:steps], rtol=1e-2)


def test_many_calls_compile_without_a_retracing_warning_and_without_a_log_filter(logits_model):
    """Each call compiles its own step; TensorFlow must not warn of excessive retracing, and the kit hides nothing."""
    import logging

    import tensorflow as tf

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger = tf.get_logger()
    logger.addHandler(handler)
    try:
        for seed in range(7):
            ideal_image(logits_model, 1, steps=2, param="pixels", transforms=[], seed=seed, progress=False)
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if "retracing" in r], records
    assert not logger.filters, "the kit should not filter TensorFlow's log"


# ---------------------------------------------------------------- the kit's Fourier image is notebook 04's

FOURIER_CELL = "fourier-param"  # defines fourier_image and transforms, then runs optimize with them


def _notebook_fourier(run_optimize) -> dict:
    """Run notebook 04's Fourier cell with ``run_optimize`` standing in for its ``optimize``; return its names."""
    cells = {cell.get("id"): cell for cell in json.loads(NOTEBOOK_04.read_text(encoding="utf-8"))["cells"]}
    assert FOURIER_CELL in cells, f"notebook 04 has no cell with id {FOURIER_CELL!r}"
    names = {"np": np, "tf": tf, "keras": keras, "optimize": run_optimize, "model": None, "TARGET": 284, "STEPS": 3,
             "probability": lambda image: 1.0}
    exec("".join(cells[FOURIER_CELL]["source"]), names)
    return names


def test_notebook_fourier_image_is_the_kits():
    """Same start, same coefficients -> same image: 1/frequency scaling, colour matrix, sigmoid."""
    from transferkit.steering.param import fourier_image

    calls = []
    names = _notebook_fourier(lambda *args, **kwargs: (calls.append((args, kwargs)) or (np.zeros((224, 224, 3), "uint8"), np.ones(3))))
    _, kwargs = calls[0]
    assert kwargs["tv_weight"] == 0 and kwargs["param"] is names["fourier_image"]
    notebook_variable, notebook_image = names["fourier_image"](seed=4)
    kit_variable, kit_image = fourier_image(2, 224, seed=4)
    np.testing.assert_array_equal(notebook_variable.numpy(), kit_variable.numpy()[0])  # the same start
    coefficients = np.random.default_rng(1).normal(0, 0.05, notebook_variable.shape).astype("float32")
    notebook_variable.assign(coefficients)
    kit_variable.assign(np.stack([coefficients, coefficients]))
    np.testing.assert_allclose(notebook_image().numpy()[0], kit_image().numpy()[1], atol=1e-3)
    image = notebook_image().numpy()
    assert image.shape == (1, 224, 224, 3) and image.min() >= 0 and image.max() <= 255 and image.std() > 2


def test_notebook_transforms_are_the_kits():
    from transferkit.steering.ideal import LEARNING_RATES
    from transferkit.steering.transform import standard_transforms

    calls = []
    names = _notebook_fourier(lambda *args, **kwargs: (calls.append(kwargs) or (np.zeros((224, 224, 3), "uint8"), np.ones(3))))
    assert calls[0]["learning_rate"] == LEARNING_RATES["fourier"]
    notebook, kit = names["transforms"], standard_transforms(224, seed=0)
    assert [type(t) for t in notebook] == [type(t) for t in kit]
    strip = lambda config: {k: v for k, v in config.items() if k not in ("name", "function")}  # noqa: E731
    for a, b in zip(notebook, kit):
        assert strip(a.get_config()) == strip(b.get_config()), (a, b)
    x = tf.constant(np.random.default_rng(0).uniform(0, 255, (1, 224, 224, 3)).astype("float32"))
    np.testing.assert_allclose(notebook[0](x).numpy(), kit[0](x).numpy())  # the grey padding


def test_kit_default_makes_the_notebook_fourier_cells_image(imagenet_logits):
    """3 steps of the notebook's loop with its Fourier cell's parameterisation and transforms, against the kit's
    default (``param="fourier"``, its default transforms and no regulariser).

    Both run op by op: with the kit's step compiled, the two images end 1.7 levels apart on average (47%
    of the values by more than one level), as eager and compiled arithmetic round differently.
    """
    from transferkit.steering.ideal import LEARNING_RATES

    loop = _notebook_loop()

    def run(model, target, steps, tv_weight, **kwargs):
        return loop["optimize"](imagenet_logits, 284, steps, tv_weight, **kwargs)

    eager = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)  # the kit's compiled step run op by op, as the notebook's loop
    try:
        names = _notebook_fourier(run)
        kit = ideal_image(imagenet_logits, "Siamese_cat", steps=3, progress=False)
    finally:
        tf.config.run_functions_eagerly(eager)
    image = names["fourier_cat"]
    difference = np.abs(image.astype(int) - kit.image.astype(int))
    assert difference.mean() < 0.5 and np.mean(difference > 1) < 0.05, (difference.mean(), np.mean(difference > 1))
    start = ideal_image(imagenet_logits, "Siamese_cat", steps=0, progress=False).image
    moved = np.abs(start.astype(int) - kit.image.astype(int)).mean()
    assert moved > 2, f"3 steps at learning rate {LEARNING_RATES['fourier']} moved the image by only {moved:.2f} levels"

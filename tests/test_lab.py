"""The lab's checks: right answers get ✓, placeholders lend the reference, kit answers are refused,
hints are words, and no ✗ message gives the expected value away. Small models the tests make."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

import transferkit as tk
from transferkit.course import exercises, lab
from transferkit.evaluation import metrics


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    """The checks' own behaviour (✗, ○, a lent reference) whatever TRANSFERKIT_STRICT the shell has."""
    monkeypatch.delenv("TRANSFERKIT_STRICT", raising=False)


# --------------------------------------------------------------------------- a student's answers


def add_head(backbone, num_classes):
    backbone.trainable = False
    inputs = keras.Input(backbone.input_shape[1:])
    x = backbone(inputs, training=False)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def unfreeze_top_layers(network, n):
    network.trainable = True
    for layer in network.layers[:-n]:
        layer.trainable = False
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def recompile(model, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def my_top_k_accuracy(labels, probs, k):
    top = np.argsort(-np.asarray(probs), axis=1)[:, :k]
    return float(np.mean((top == np.asarray(labels)[:, None]).any(axis=1)))


def my_species_accuracy(labels, probs, class_names):
    species = np.array(["cat" if n[0].isupper() else "dog" for n in class_names])
    return float(np.mean(species[np.asarray(labels)] == species[np.asarray(probs).argmax(axis=1)]))


@pytest.fixture
def backbone():
    """A small stand-in for load_backbone: raw pixels in, a nested conv network, pooled features out; trainable."""
    network = exercises._toy_network("tiny_net")
    network.trainable = True  # as load_backbone returns it (and keras.applications): freezing is the answer's step
    inputs = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, -1, name="preprocess")(inputs)
    return keras.Model(inputs, network(x, training=False), name="tiny_net_features")


def test_checking_an_answer_does_not_reseed_the_students_generators(backbone):
    """A check runs in the student's kernel: it may draw random numbers (Keras does, for every new layer)
    but must not reseed the generators their own cells use. After a reseed, what the student draws next
    would not depend on their own seed."""
    import random

    def draws_after_checks(seed: int) -> tuple:
        random.seed(seed)
        np.random.seed(seed)
        for name, answer in (("recompile", recompile), ("unfreeze", unfreeze_top_layers)):
            lab.verify(name, answer)
        lab.verify("head", add_head, backbone=backbone, num_classes=37)
        return random.random(), float(np.random.random())

    first, second = draws_after_checks(5), draws_after_checks(6)
    assert first[0] != second[0], "a check reseeded Python's random module"
    assert first[1] != second[1], "a check reseeded NumPy's global generator"


# --------------------------------------------------------------------------- right answers


def test_right_answers_pass(backbone):
    assert lab.verify("head", add_head, backbone=backbone, num_classes=37) == ("correct", "correct!")
    assert lab.verify("unfreeze", unfreeze_top_layers)[0] == "correct"
    assert lab.verify("recompile", recompile)[0] == "correct"
    assert lab.verify("fine_tune_learning_rate", 1e-5)[0] == "correct"
    assert lab.verify("top_k_accuracy", my_top_k_accuracy)[0] == "correct"
    assert lab.verify("species_accuracy", my_species_accuracy)[0] == "correct"
    assert lab.verify("breed_from_filename", lambda name: name.rsplit("/", 1)[-1].rsplit("_", 1)[0])[0] == "correct"


def test_check_returns_a_right_answer_with_a_tick(capsys):
    assert lab.check("unfreeze", unfreeze_top_layers) is unfreeze_top_layers
    out = capsys.readouterr().out
    assert out.startswith("✓ unfreeze") and "LENT" not in out


def forgets_to_freeze(backbone, num_classes):
    """add_head without its freeze line."""
    inputs = keras.Input(backbone.input_shape[1:])
    x = backbone(inputs, training=False)
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))


def test_a_head_that_does_not_freeze_the_backbone_is_wrong(backbone, imagenet_weights, monkeypatch):
    """load_backbone returns the network trainable, as keras.applications does, so the lab's freeze step is
    the student's: a head without it would train every pretrained weight, and the check says so (issue 26:
    when load_backbone returned it frozen, this answer got a tick and strict mode passed)."""
    pretrained = tk.load_backbone(alpha=0.25)
    for b in (pretrained, backbone):
        n = len(b.trainable_weights)
        status, message = lab.verify("head", forgets_to_freeze, backbone=b, num_classes=37)
        assert status == "wrong" and f"{n} pretrained weight tensors are trainable" in message, message
    assert len(pretrained.trainable_weights) == len(tk.pretrained_part(pretrained).trainable_weights) == 27 * 3
    monkeypatch.setenv("TRANSFERKIT_STRICT", "1")
    with pytest.raises(lab.AnswerNotAccepted, match=r"exercise 'head' is wrong .*pretrained weight tensors are trainable"):
        lab.check("head", forgets_to_freeze, backbone=pretrained, num_classes=37)
    assert lab.verify("head", add_head, backbone=pretrained, num_classes=37)[0] == "correct"  # the freeze line fixes it


def test_the_real_pipeline_on_mobilenet(imagenet_weights):
    """The student's three steps on MobileNet alpha 0.25: frozen in stage 1, top unfrozen with BN frozen, trains."""
    backbone = tk.load_backbone(alpha=0.25)
    assert lab.verify("head", add_head, backbone=backbone, num_classes=37)[0] == "correct"
    model = add_head(backbone, 37)
    network = tk.pretrained_part(backbone)
    assert model.output_shape == (None, 37) and len(model.trainable_weights) == 2
    unfreeze_top_layers(network, 12)
    recompile(model, 1e-5)
    trainable = {id(w) for w in model.trainable_weights}
    assert 2 < len(trainable) and not any(l.trainable for l in network.layers if isinstance(l, keras.layers.BatchNormalization))
    assert float(np.asarray(model.optimizer.learning_rate)) == pytest.approx(1e-5)


# --------------------------------------------------------------------------- placeholders


def test_placeholders_give_no_tick_and_lend_the_reference(capsys, backbone):
    def head_stub(backbone, num_classes):
        """Stage 1."""
        ...  # ✏️ your code here

    def unfreeze_stub(network, n):
        ...

    def recompile_stub(model, learning_rate):
        pass

    def top_k_stub(labels, probs, k):
        ...

    assert lab.verify("head", head_stub, backbone=backbone)[0] == "missing"
    assert lab.verify("unfreeze", unfreeze_stub)[0] == "missing"
    assert lab.verify("unfreeze", lambda network, n: None)[0] == "missing"  # does nothing: not answered
    assert lab.verify("recompile", recompile_stub)[0] == "missing"
    assert lab.verify("recompile", lambda model, lr: None)[0] == "missing"
    assert lab.verify("fine_tune_learning_rate", ...)[0] == "missing"
    lent = lab.check("top_k_accuracy", top_k_stub)
    assert lent(np.array([0, 1]), np.array([[0.9, 0.1], [0.8, 0.2]]), 1) == 0.5
    assert lab.check("fine_tune_learning_rate", ...) == pytest.approx(1e-4)
    lent_head = lab.check("head", head_stub, backbone=backbone, num_classes=4)
    assert lent_head(backbone, 4).output_shape == (None, 4)
    out = capsys.readouterr().out
    assert "✓" not in out and out.count("○") == 3 and out.count("REFERENCE ANSWER LENT") == 3


# --------------------------------------------------------------------------- kit answers are refused


def test_kit_functions_handed_in_are_refused(backbone):
    star = {name: getattr(tk, name) for name in tk.__all__}  # what `from transferkit import *` brings
    top_k_accuracy, species_accuracy, species_report = star["top_k_accuracy"], star["species_accuracy"], star["species_report"]
    unfreeze_top, compile_for_training, fine_tune = star["unfreeze_top"], star["compile_for_training"], star["fine_tune"]
    cases = {
        "top_k_accuracy": [top_k_accuracy, metrics.top_k_accuracy,
                           lambda y, p, k: top_k_accuracy(y, p, k),
                           lambda y, p, k: tk.evaluation.metrics.top_k_accuracy(y, p, k) + 0.0],
        "species_accuracy": [species_accuracy, lambda y, p, n: species_report(y, p, n).accuracy],
        "unfreeze": [unfreeze_top, lambda network, n: tk.unfreeze_top(network, n),
                     exercises._reference_unfreeze],
        "recompile": [compile_for_training, lambda m, lr: fine_tune(m, None, None, epochs=1, learning_rate=lr)],
    }
    for name, answers in cases.items():
        for answer in answers:
            status, message = lab.verify(name, answer)
            assert status == "wrong" and "kit" in message, (name, answer, message)


def test_models_made_or_unfrozen_by_the_kit_are_refused(imagenet_weights):
    backbone = tk.load_backbone(alpha=0.25)
    prebuilt = tk.build_classifier(backbone, 37)
    for answer in (lambda b, n: tk.build_classifier(b, n), tk.build_classifier,
                   lambda b, n: prebuilt):  # a kit model made earlier, handed back
        status, message = lab.verify("head", answer, backbone=backbone, num_classes=37)
        assert status == "wrong", message

    def unfreeze_via_kit(network, n):
        model = keras.Sequential([network])  # any wrapping: the call is what is watched
        tk.unfreeze_top(model, n)

    assert "unfreeze_top" in lab.verify("unfreeze", unfreeze_via_kit)[1]


# --------------------------------------------------------------------------- wrong answers: precise, never the answer


def test_wrong_heads_are_explained(backbone):
    def trainable_backbone(b, n):
        model = add_head(b, n)
        b.trainable = True
        return model

    def no_softmax(b, n):
        b.trainable = False
        inputs = keras.Input(b.input_shape[1:])
        return keras.Model(inputs, keras.layers.Dense(n)(b(inputs)))

    def fixed_37(b, n):
        return add_head(b, 37)

    def ten(b, n):
        return add_head(b, 10)

    msg = {name: lab.verify("head", f, backbone=backbone, num_classes=37)[1]
           for name, f in [("trainable", trainable_backbone), ("logits", no_softmax), ("fixed", fixed_37), ("ten", ten)]}
    backbone.trainable = False
    assert "frozen" in msg["trainable"]
    assert "probabilities" in msg["logits"]
    assert "ignores num_classes" in msg["fixed"]
    assert "10 outputs" in msg["ten"]


def test_wrong_unfreezing_is_explained():
    def bn_too(network, n):
        network.trainable = True
        for layer in network.layers[:-n]:
            layer.trainable = False

    def off_by_one(network, n):
        unfreeze_top_layers(network, n + 1)

    def all_of_it(network, n):
        unfreeze_top_layers(network, len(network.layers))

    assert "BatchNorm" in lab.verify("unfreeze", bn_too)[1]
    assert "below the top" in lab.verify("unfreeze", off_by_one)[1]
    assert "below the top" in lab.verify("unfreeze", all_of_it)[1]
    assert "still frozen" in lab.verify("unfreeze", lambda network, n: unfreeze_top_layers(network, n - 1))[1]


def test_wrong_recompiles_and_rates_are_explained():
    def no_recompile(model, learning_rate):
        model.optimizer.learning_rate.assign(learning_rate)

    def fixed_rate(model, learning_rate):
        recompile(model, 1e-4)

    def one_hot_loss(model, learning_rate):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy")

    assert "compile it again" in lab.verify("recompile", no_recompile)[1]
    msg = lab.verify("recompile", fixed_rate)[1]
    assert "0.0001" in msg and "3e-05" not in msg
    assert "loss" in lab.verify("recompile", one_hot_loss)[1]
    assert "not lower than the head" in lab.verify("fine_tune_learning_rate", 1e-3)[1]
    assert lab.verify("fine_tune_learning_rate", 0)[0] == "wrong"
    assert lab.verify("fine_tune_learning_rate", "1e-5")[0] == "wrong"


def test_recompile_is_tried_with_a_schedule_as_the_lab_passes_one():
    def floats_only(model, learning_rate):
        recompile(model, float(learning_rate))

    def constant_for_schedules(model, learning_rate):
        recompile(model, learning_rate if isinstance(learning_rate, float) else 1e-3)

    assert "TypeError" in lab.verify("recompile", floats_only)[1]
    assert "0.001" in lab.verify("recompile", constant_for_schedules)[1]


def compiled_toy(learning_rate):
    model = exercises._toy_model(exercises._toy_network())
    recompile(model, learning_rate)
    return model


def test_the_compiled_model_holds_the_rate_the_lab_asks_for(capsys):
    """Read from the optimizer the model was compiled with, schedules included: stage 1 at the lab's own rate
    (1e-3), stage 2 at the FINE_TUNE_LR the student chose."""
    fine_tune_lr, schedule = 1e-4, keras.optimizers.schedules.CosineDecay
    assert lab.verify("compiled_learning_rate", compiled_toy(1e-3)) == ("correct", "correct!")
    assert lab.verify("compiled_learning_rate", compiled_toy(schedule(fine_tune_lr, 100)),
                      learning_rate=fine_tune_lr)[0] == "correct"
    for model, asked in [(compiled_toy(1e-2), 1e-3), (compiled_toy(schedule(10 * fine_tune_lr, 100)), fine_tune_lr),
                         (compiled_toy(fine_tune_lr), 1e-3)]:
        status, message = lab.verify("compiled_learning_rate", model, learning_rate=asked)
        assert status == "wrong" and f"{exercises._learning_rate(model.optimizer):g}" in message, message
    uncompiled = exercises._toy_model(exercises._toy_network())
    assert "not compiled" in lab.verify("compiled_learning_rate", uncompiled)[1]
    # wrong: the kit compiles the same model at the rate asked for and lends it
    model = compiled_toy(schedule(10 * fine_tune_lr, 100))
    assert lab.check("compiled_learning_rate", model, learning_rate=fine_tune_lr) is model
    assert exercises._learning_rate(model.optimizer) == pytest.approx(fine_tune_lr)
    assert "✗ compiled_learning_rate" in capsys.readouterr().out


def test_a_model_compiled_by_the_lent_recompile_gets_no_tick(capsys):
    """The unanswered lab: its recompile is the kit's, so the compiled model is not the student's answer."""
    lent_recompile = lab.check("recompile", lambda model, learning_rate: None)
    model = exercises._toy_model(exercises._toy_network())
    lent_recompile(model, keras.optimizers.schedules.CosineDecay(1e-4, 100))
    optimizer = model.optimizer
    assert lab.verify("compiled_learning_rate", model, learning_rate=1e-4)[0] == "missing"
    assert lab.check("compiled_learning_rate", model, learning_rate=1e-4) is model
    assert model.optimizer is optimizer  # right already: the lab goes on with its schedule
    out = capsys.readouterr().out
    assert "✓" not in out and out.count("○") == 2
    recompile(model, 1e-3)  # the student's own compile
    assert lab.verify("compiled_learning_rate", model)[0] == "correct"


def test_wrong_numbers_never_show_the_expected_value():
    rng = np.random.default_rng(1)  # the top-k check's own test case
    probs, labels = rng.dirichlet(np.ones(6), size=50), rng.integers(0, 6, size=50)
    status, msg = lab.verify("top_k_accuracy", lambda y, p, k: my_top_k_accuracy(y, p, 1))
    want = metrics.top_k_accuracy(labels, probs, 2)
    assert status == "wrong" and "k=2" in msg and f"{want:.3f}" not in msg and "expected" not in msg
    status, msg = lab.verify("species_accuracy", lambda y, p, n: 0.5)
    assert status == "wrong" and "expected" not in msg and not re.search(r"0\.[0-9]{3}[1-9]?", msg.replace("0.5000", ""))
    status, msg = lab.verify("breed_from_filename", lambda n: n.split("_")[0])
    assert status == "wrong" and "expected" not in msg and "not the breed" in msg


def test_hints_are_words_not_code(capsys):
    code = re.compile(r"\w\(|\)\.\w|=|\[|\]|\bimport\b|\blambda\b|\bdef\b|\w\.\w+\(|\.(rsplit|split|argsort|mean|stem)\b")
    for name, ex in lab.EXERCISES.items():
        assert ex.hints, name
        for h in ex.hints:
            assert not code.search(h), (name, h)
        lab.hint(name)
    assert "1. " in capsys.readouterr().out


# --------------------------------------------------------------------------- strict mode (worked solutions in CI)


def test_strict_mode_raises_on_a_wrong_answer_and_names_the_exercise(monkeypatch, capsys):
    monkeypatch.setenv("TRANSFERKIT_STRICT", "1")
    assert lab.strict_mode()
    with pytest.raises(AssertionError, match="'top_k_accuracy' is wrong"):
        lab.check("top_k_accuracy", lambda y, p, k: my_top_k_accuracy(y, p, 1))
    with pytest.raises(lab.AnswerNotAccepted, match="'fine_tune_learning_rate' is not answered"):
        lab.check("fine_tune_learning_rate", ...)
    assert "LENT" not in capsys.readouterr().out  # nothing is lent: the solution stops here


def test_strict_mode_passes_a_right_answer(monkeypatch, capsys):
    monkeypatch.setenv("TRANSFERKIT_STRICT", "1")
    assert lab.check("top_k_accuracy", my_top_k_accuracy) is my_top_k_accuracy
    assert lab.check("fine_tune_learning_rate", 3e-5) == 3e-5
    assert capsys.readouterr().out.count("✓") == 2


def test_without_strict_mode_a_wrong_answer_is_a_cross_and_the_lab_goes_on(monkeypatch, capsys):
    for value in (None, "0", ""):
        if value is None:
            monkeypatch.delenv("TRANSFERKIT_STRICT", raising=False)
        else:
            monkeypatch.setenv("TRANSFERKIT_STRICT", value)
        assert not lab.strict_mode()
        lent = lab.check("top_k_accuracy", lambda y, p, k: my_top_k_accuracy(y, p, 1))
        assert lent is not None
    out = capsys.readouterr().out
    assert out.count("✗ top_k_accuracy") == 3 and "✓" not in out


def test_an_error_in_the_answer_is_a_cross_with_its_message(backbone, capsys):
    """The student's own code fails: their function, or the model it returns when the check runs it."""

    class Broken(keras.layers.Layer):
        def compute_output_shape(self, shape):  # builds without running call: fails on images only
            return shape

        def call(self, x):
            raise ValueError("my layer is broken")

    def model_that_fails(b, n):
        model = add_head(b, n)
        return keras.Model(model.input, Broken()(model.output))

    status, message = lab.verify("top_k_accuracy", lambda y, p, k: 1 / 0)
    assert status == "wrong" and "ZeroDivisionError" in message
    for answer, error in [(model_that_fails, "my layer is broken"), (lambda b, n: [][0], "IndexError")]:
        status, message = lab.verify("head", answer, backbone=backbone, num_classes=37)
        assert status == "wrong" and error in message, message
    lab.check("head", model_that_fails, backbone=backbone, num_classes=37)
    out = capsys.readouterr().out
    assert "✗ head: your model raised ValueError" in out and "my layer is broken" in out


@pytest.mark.parametrize("strict", ["0", "1"])
def test_an_error_in_a_checks_own_code_is_the_kits_internal_error(monkeypatch, capsys, backbone, strict):
    """Raised as an internal error naming the check, whatever the answer and the mode: never a ✗ blaming the
    answer, never a lent reference."""
    monkeypatch.setenv("TRANSFERKIT_STRICT", strict)

    def broken_test(answer):
        return {}["no such key"]  # a bug in the check itself, whatever the answer

    def broken_reference(**_):
        raise TypeError("the reference is broken")

    monkeypatch.setitem(lab.EXERCISES, "broken", lab.Exercise("broken", broken_test, lambda **_: 0, ["a hint"]))
    monkeypatch.setitem(lab.EXERCISES, "broken_reference",
                        lab.Exercise("broken_reference", lambda answer: "wrong", broken_reference, ["a hint"]))
    for call in (lab.verify, lab.check):
        with pytest.raises(lab.InternalCheckError, match="internal error in the kit's check 'broken'") as error:
            call("broken", 42)
        assert isinstance(error.value.__cause__, KeyError) and "no such key" in str(error.value)
    if strict == "0":
        with pytest.raises(lab.InternalCheckError, match="'broken_reference'.*the reference is broken"):
            lab.check("broken_reference", 42)
    # the head check's own batch of images is wrong (a bug in the kit): the student's right model is not blamed
    monkeypatch.setattr(exercises, "_images_for", lambda model: np.zeros((2, 8, 8), "float32"))
    with pytest.raises(lab.InternalCheckError, match="'head'"):
        lab.check("head", add_head, backbone=backbone, num_classes=37)
    out = capsys.readouterr().out
    assert "✗" not in out and "LENT" not in out


@pytest.mark.parametrize("value, on", [("1", True), ("yes", True), (" TRUE ", True), ("on", True),
                                       ("", False), ("0", False), ("false", False), (" No ", False), ("OFF", False)])
def test_quick_and_strict_mode_read_their_variables_the_one_way(monkeypatch, value, on):
    from transferkit.config import env_flag, quick_mode

    monkeypatch.setenv("TRANSFERKIT_QUICK", value)
    monkeypatch.setenv("TRANSFERKIT_STRICT", value)
    assert env_flag("TRANSFERKIT_QUICK") is quick_mode() is lab.strict_mode() is on
    monkeypatch.delenv("TRANSFERKIT_STRICT")
    assert lab.strict_mode() is False

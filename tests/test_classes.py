"""Targets by index or name, and telling logits from probabilities (shared by ideal images and attacks)."""

from __future__ import annotations

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from transferkit.models.classes import class_name, log_probabilities, output_kind, resolve_class  # noqa: E402


def test_names_resolve_case_insensitively_and_typos_list_close_matches():
    names = ["cat", "dog"]
    assert resolve_class("Dog", names, 1) == 1
    assert resolve_class(np.int64(0), names, 2) == 0
    with pytest.raises(ValueError, match="closest: cat"):
        resolve_class("cats", names, 2)
    with pytest.raises(ValueError, match="outside 0..1"):
        resolve_class(2, None, 1)  # one sigmoid output is two classes
    with pytest.raises(ValueError, match="needs class_names"):
        resolve_class("cat", None, 2)
    with pytest.raises(TypeError):
        resolve_class(1.0, names, 2)
    assert class_name(1, names, 2) == "dog" and class_name(3, None, 5) == "class 3"


def test_one_resolver_behind_imagenet_names_and_objectives(imagenet_weights):
    """class_index (ImageNet's) and ClassScore's targets are resolve_class: the same matching, the same errors."""
    from transferkit import class_index
    from transferkit.steering.objectives import ClassScore

    assert class_index("siamese cat") == resolve_class("Siamese-cat") == resolve_class("SIAMESE_CAT", None, 1000) == 284
    assert ClassScore("Siamese cat").target == 284 and ClassScore(["tabby", 3]).target == [281, 3]
    with pytest.raises(ValueError, match="not an ImageNet class name; closest: .*tabby"):
        class_index("taby")
    with pytest.raises(ValueError, match="not an ImageNet class name"):
        ClassScore("taby")
    with pytest.raises(ValueError, match="outside 0..999"):
        class_index(1000)
    with pytest.raises(ValueError, match="negative"):
        ClassScore(-1)
    with pytest.raises(TypeError):
        ClassScore(True)


def test_output_kind_reads_the_final_activation_and_can_be_overridden():
    inputs = keras.Input((4,))
    soft = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    linear = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    relu = keras.Model(inputs, keras.layers.Dense(3, activation="relu")(inputs))
    assert output_kind(soft) == "probabilities" and output_kind(linear) == "logits"
    assert output_kind(soft, "logits") == "logits"
    with pytest.raises(ValueError, match="relu"):
        output_kind(relu)
    with pytest.raises(ValueError, match="outputs must be"):
        output_kind(soft, "scores")


def test_log_probabilities_of_a_binary_sigmoid_output():
    logp = log_probabilities(np.array([[0.75]], "float32"), from_logits=False).numpy()
    np.testing.assert_allclose(logp, [[math.log(0.25), math.log(0.75)]], rtol=1e-5)
    logp = log_probabilities(np.array([[math.log(3.0)]], "float32"), from_logits=True).numpy()
    np.testing.assert_allclose(np.exp(logp), [[0.25, 0.75]], rtol=1e-5)


def test_top_k_names_the_highest_scores_with_your_names_or_class_numbers():
    from transferkit import top_k

    scores = [0.1, 0.7, 0.2]
    assert top_k(scores, 2, ["cat", "dog", "fox"]) == [("dog", pytest.approx(0.7)), ("fox", pytest.approx(0.2))]
    assert [name for name, _ in top_k(scores, 3)] == ["class 1", "class 2", "class 0"]
    assert top_k(np.array([[0.3, 0.7]]), 1, ["cats", "dogs"])[0][0] == "dogs"  # a batch of one image

"""Metrics on hand-made predictions whose answers can be worked out on paper."""

import math

import numpy as np
import pytest

from transferkit.evaluation import confusion, metrics as m, per_class, species

# 5 images, 4 classes. Ranked classes per row:
#   row 0: 0 > 1 > 2 > 3   (label 0: top-1 hit)
#   row 1: 2 > 1 > 0 > 3   (label 1: top-2 hit)
#   row 2: 3 > 0 > 1 > 2   (label 2: only top-4)
#   row 3: 1 > 3 > 2 > 0   (label 3: top-2 hit)
#   row 4: 2 > 0 > 3 > 1   (label 0: top-2 hit)
PROBS = np.array([
    [0.70, 0.20, 0.06, 0.04],
    [0.20, 0.30, 0.45, 0.05],
    [0.30, 0.20, 0.10, 0.40],
    [0.05, 0.50, 0.15, 0.30],
    [0.30, 0.10, 0.40, 0.20],
])
LABELS = np.array([0, 1, 2, 3, 0])


def test_top_k_accuracy_by_hand():
    assert m.top_k_accuracy(LABELS, PROBS, 1) == pytest.approx(1 / 5)
    assert m.top_k_accuracy(LABELS, PROBS, 2) == pytest.approx(4 / 5)
    assert m.top_k_accuracy(LABELS, PROBS, 3) == pytest.approx(4 / 5)
    assert m.top_k_accuracy(LABELS, PROBS, 4) == 1.0
    # any monotone score works: logits give the same answer
    assert m.top_k_accuracy(LABELS, np.log(PROBS), 2) == pytest.approx(4 / 5)
    assert m.accuracy(LABELS, PROBS) == pytest.approx(1 / 5)


def test_top_k_rejects_bad_input_with_clear_messages():
    with pytest.raises(ValueError, match="between 1 and the number of classes"):
        m.top_k_accuracy(LABELS, PROBS, 5)
    with pytest.raises(ValueError, match="N x C"):
        m.top_k_accuracy(LABELS, PROBS.argmax(1), 1)
    with pytest.raises(ValueError, match="5 labels but 4 rows"):
        m.top_k_accuracy(LABELS, PROBS[:4], 1)
    with pytest.raises(ValueError, match="0..3"):
        m.top_k_accuracy(np.array([0, 1, 2, 4, 0]), PROBS, 1)
    assert math.isnan(m.top_k_accuracy([], np.zeros((0, 3)), 1))


def test_confusion_and_per_class_accuracy_with_a_missing_class():
    y = [0, 0, 0, 1, 1, 3]
    p = [0, 0, 1, 1, 0, 3]
    cm = confusion.confusion_matrix(y, p, 4)
    assert cm.tolist() == [[2, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
    acc = per_class.per_class_accuracy(y, p, 4)
    assert acc[0] == pytest.approx(2 / 3) and acc[1] == 0.5 and acc[3] == 1.0
    assert math.isnan(acc[2])  # class 2 has no images: no accuracy, not 0
    with pytest.raises(ValueError, match="0..2"):
        confusion.confusion_matrix(y, p, 3)


def test_class_report_figures_and_table():
    names = ["Abyssinian", "beagle", "pug", "Sphynx"]
    r = per_class.class_report([0, 0, 0, 1, 1, 3], [0, 0, 1, 1, 0, 1], names)
    assert r.support.tolist() == [3, 2, 0, 1]
    assert r.correct.tolist() == [2, 1, 0, 0]
    assert r.predicted.tolist() == [3, 3, 0, 0]
    assert r.precision[0] == pytest.approx(2 / 3) and r.precision[1] == pytest.approx(1 / 3)
    assert math.isnan(r.precision[2]) and math.isnan(r.accuracy[2])
    assert r.overall == pytest.approx(3 / 6)
    assert r.missing == ["pug"]
    assert [w[0] for w in r.worst(3)] == ["Sphynx", "beagle", "Abyssinian"]
    table = r.table().splitlines()
    assert table[1].startswith("Sphynx") and table[-1].startswith("overall")
    assert any(line.startswith("pug") and line.rstrip().endswith("-") for line in table)


def test_most_confused_directed_and_symmetric():
    names = ["a", "b", "c"]
    #          a->b x3, b->a x2, c->a x1, correct ones mixed in
    y = [0, 0, 0, 0, 1, 1, 1, 2, 2]
    p = [1, 1, 1, 0, 0, 0, 1, 0, 2]
    directed = confusion.most_confused(y, p, names)
    assert [(c.actual, c.predicted, c.count) for c in directed] == [("a", "b", 3), ("b", "a", 2), ("c", "a", 1)]
    assert str(directed[0]) == "a -> b: 3"
    assert confusion.most_confused(y, p, names, min_count=2, top=1) == directed[:1]
    sym = confusion.most_confused(y, p, names, symmetric=True)
    assert [(c.actual, c.predicted, c.count, c.reverse) for c in sym] == [("a", "b", 5, 2), ("c", "a", 1, 0)]
    idx = confusion.mistakes_between(y, p, 1, 0)
    assert idx.tolist() == [4, 5]
    assert confusion.most_confused([0, 1], [0, 1], names) == []


def test_species_from_breed_predictions():
    names = ["Abyssinian", "beagle", "pug", "Sphynx"]  # cat, dog, dog, cat
    y = [0, 0, 1, 1, 2, 3, 3]
    p = [0, 3, 2, 0, 1, 3, 2]
    #    ok, cat->cat (wrong breed, right species), dog->dog, dog->cat (crosses), dog->dog, ok, cat->dog (crosses)
    r = species.species_report(y, p, names)
    assert r.groups == ["cat", "dog"]
    assert r.confusion == {"cat": {"cat": 3, "dog": 1}, "dog": {"cat": 1, "dog": 2}}
    assert r.cross_group.tolist() == [3, 6]
    assert r.within_group.tolist() == [1, 2, 4]
    assert r.accuracy == pytest.approx(5 / 7)
    assert species.species_accuracy(y, p, names) == pytest.approx(5 / 7)
    assert "2 cross species" in r.summary()
    # probabilities work as well as class ids; groups can be given per class
    probs = np.eye(4)[p]
    assert species.species_accuracy(y, probs, names, species=["x", "y", "y", "x"]) == pytest.approx(5 / 7)
    with pytest.raises(ValueError, match="3 species for 4 classes"):
        species.species_report(y, p, names, species=["x", "y", "y"])


def test_predicted_labels_and_mismatched_lengths():
    assert m.predicted_labels(PROBS).tolist() == [0, 2, 3, 1, 2]
    assert m.predicted_labels([1, 0]).tolist() == [1, 0]
    with pytest.raises(ValueError, match="3 labels but 2 predictions"):
        m.accuracy([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="integer class ids"):
        m.accuracy([0.5, 1.0], [0, 1])


def _top_k_by_hand(labels, scores, k):
    """The lab's teaching reference: sort each row, keep k class ids, ask whether the label is among them."""
    top = np.argsort(-np.asarray(scores), axis=1)[:, :k]
    return float(np.mean(np.any(top == np.asarray(labels)[:, None], axis=1)))


@pytest.mark.parametrize("num_classes", [2, 3, 37])
def test_top_k_accuracy_is_scikit_learns_and_agrees_with_the_hand_written_reference(num_classes):
    rng = np.random.default_rng(num_classes)
    probs = rng.dirichlet(np.ones(num_classes), size=300)
    labels = rng.integers(0, num_classes, size=300)
    for k in sorted({1, 2, min(5, num_classes), num_classes}):
        expected = _top_k_by_hand(labels, probs, k)
        assert m.top_k_accuracy(labels, probs, k) == pytest.approx(expected)
        assert m.top_k_accuracy(labels, np.log(probs), k) == pytest.approx(expected)  # logits too
    assert m.top_k_accuracy(labels, probs, 1) == pytest.approx(m.accuracy(labels, probs))

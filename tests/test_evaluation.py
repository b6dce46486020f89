"""Evaluation helpers: predictions over a data set, confusion matrix, confident mistakes, one-photo prediction."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit.evaluation import predict as evaluation  # noqa: E402
from transferkit.training import fit as training  # noqa: E402
from transferkit.models import heads  # noqa: E402
from transferkit.course import upload  # noqa: E402

NAMES = ["cats", "dogs"]


@pytest.fixture(scope="module")
def model(imagenet_weights):
    """The small pretrained MobileNet (alpha 0.25, 224 px) with a new, untrained 2-class head.

    Untrained, but its answer depends on the image (a randomly initialised network would not: its
    saturated activations give 50/50 for everything), which is all these tests need.
    """
    import keras

    keras.utils.set_random_seed(0)
    return heads.build_classifier(tk.load_backbone(alpha=0.25), 2, seed=0)


@pytest.fixture
def photo():
    """A smooth RGB test photo with distinct channels (100 x 150)."""
    yy, xx = np.mgrid[0:100, 0:150]
    return np.stack([xx * 255 // 149, yy * 255 // 99, (xx + yy) * 255 // 248], axis=-1).astype(np.uint8)


@pytest.fixture
def toy_set(tmp_path, photo):
    paths = []
    for i in range(6):
        p = tmp_path / f"img_{i}.png"
        Image.fromarray(np.roll(photo, 20 * i, axis=1)).save(p)
        paths.append(str(p))
    return tk.ImageSet("toy", paths, np.array([0, 0, 0, 1, 1, 1]), NAMES)


# --------------------------------------------------------------------------- numbers


def test_confusion_matrix_rows_are_true_classes():
    labels = [0, 0, 1, 1, 1, 2]
    probs = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0, 1, 0], [0.6, 0.4, 0], [0, 0.8, 0.2], [0, 0, 1]])
    cm = tk.confusion_matrix(labels, probs)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [1, 2, 0], [0, 0, 1]])
    np.testing.assert_array_equal(tk.confusion_matrix(labels, probs.argmax(1), 4)[:3, :3], cm)


def test_most_confident_wrong_orders_mistakes_by_confidence():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.02, 0.98], [0.3, 0.7], [0.85, 0.15]])
    labels = np.array([0, 0, 0, 1, 1])
    np.testing.assert_array_equal(evaluation.most_confident_wrong(labels, probs, k=5), [2, 4, 1])
    np.testing.assert_array_equal(evaluation.most_confident_wrong(labels, probs, k=2), [2, 4])
    assert evaluation.most_confident_wrong(probs.argmax(1), probs).size == 0
    with pytest.raises(ValueError):
        evaluation.most_confident_wrong(labels[:3], probs)
    assert tk.accuracy(labels, probs) == pytest.approx(0.4)


def test_plots_draw_the_numbers(toy_set, capsys):
    fig = tk.plot_confusion_matrix(np.array([[480, 20], [7, 493]]), NAMES)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "480\n96.0%" in texts and "7\n1.4%" in texts
    fig = tk.plot_accuracy_comparison({"frozen": 0.975, "fine-tuned": 0.987})
    assert {t.get_text() for t in fig.axes[0].texts} == {"97.50%", "98.70%"}
    probs = np.array([[0.1, 0.9], [0.6, 0.4], [0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.95, 0.05]])
    fig = evaluation.show_most_confident_wrong(toy_set, None, probs, k=4)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 2
    assert titles[0].startswith("true dogs\npredicted cats 95%") and "img_5.png" in titles[0]
    assert titles[1].startswith("true cats\npredicted dogs 90%")
    assert evaluation.show_most_confident_wrong(toy_set, None, np.eye(2)[toy_set.labels]) is None
    assert "No mistakes" in capsys.readouterr().out


# --------------------------------------------------------------------------- predictions over a set


def test_predict_dataset_from_an_image_set_or_a_pipeline(model, toy_set):
    p, y = evaluation.predict_dataset(model, toy_set, batch_size=4, progress=False)
    assert p.shape == (6, 2) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert np.ptp(p[:, 0]) > 1e-3  # the six images get different answers
    np.testing.assert_array_equal(y, toy_set.labels)
    p2, y2 = evaluation.predict_dataset(model, toy_set.as_tf(224, 3), progress=False)
    np.testing.assert_allclose(p2, p, atol=1e-5)  # batch size changes float summation order
    p3, y3 = evaluation.predict_dataset(model, toy_set.as_tf(224, 5, labels=False), progress=False)
    assert y3 is None
    np.testing.assert_allclose(p3, p, atol=1e-5)
    np.testing.assert_allclose(p, model.predict(np.concatenate([x for x, _ in toy_set.as_tf(224, 6)]), verbose=0),
                               atol=1e-5)


def test_one_batch_loop_calls_its_callbacks_and_serves_features_and_predictions(model, toy_set, tmp_path, monkeypatch, capsys):
    """predict_batches: callbacks see every batch (a progress bar is one); predict_dataset and extract_features use it."""
    from transferkit.models.inference import BatchCallback, predict_arrays, predict_batches

    class Record(BatchCallback):
        def __init__(self):
            self.events = []

        def on_begin(self, total):
            self.events.append(("begin", total))

        def on_batch(self, outputs, labels):
            self.events.append(("batch", len(outputs), None if labels is None else labels.tolist()))

        def on_end(self):
            self.events.append(("end",))

    seen = Record()
    p, y = predict_batches(model, toy_set, batch_size=4, callbacks=[seen])
    assert seen.events == [("begin", 6), ("batch", 4, [0, 0, 0, 1]), ("batch", 2, [1, 1]), ("end",)]
    np.testing.assert_array_equal(y, toy_set.labels)
    watched = Record()
    p2, _labels = evaluation.predict_dataset(model, toy_set, batch_size=4, progress=True, callbacks=[watched])
    assert watched.events == seen.events and "predicting" in capsys.readouterr().err
    np.testing.assert_array_equal(p2, p)
    unlabelled = Record()
    assert predict_batches(model, toy_set.as_tf(224, 5, labels=False), callbacks=[unlabelled])[1] is None
    assert unlabelled.events == [("begin", None), ("batch", 5, None), ("batch", 1, None), ("end",)]
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "cache"))
    features, labels = tk.extract_features(model, toy_set, batch_size=4, progress=False)
    np.testing.assert_array_equal(features, p)  # the classifier's "features" are its outputs: the same loop
    np.testing.assert_array_equal(labels, toy_set.labels)
    pixels = np.concatenate([x for x, _ in toy_set.as_tf(224, 6)])
    np.testing.assert_allclose(predict_arrays(model, pixels, batch_size=4), p, atol=1e-5)  # in-memory arrays
    empty = predict_batches(model, toy_set.as_tf(224, 4).take(0))
    assert empty[0].shape == (0, 2) and empty[1] is None


# --------------------------------------------------------------------------- one photo, any kind


def test_predict_image_from_path_bytes_or_array(model, photo, tmp_path):
    path = tmp_path / "photo.jpg"
    Image.fromarray(photo).save(path, quality=95)
    pred = evaluation.predict_image(model, path, NAMES)
    assert pred.label in NAMES and pred.image.shape == (224, 224, 3) and pred.image.dtype == np.uint8
    assert pred.confidence == max(pred.probabilities.values())
    assert sum(pred.probabilities.values()) == pytest.approx(1, abs=1e-5)
    assert pred.label in str(pred) and "%" in str(pred)
    from_bytes = evaluation.predict_image(model, path.read_bytes(), NAMES)  # a Colab upload
    assert from_bytes.probabilities == pytest.approx(pred.probabilities, abs=1e-6)
    from_str = evaluation.predict_image(model, str(path), NAMES)
    assert from_str.probabilities == pred.probabilities
    other = evaluation.predict_image(model, 255 - photo, NAMES)
    assert abs(other.probabilities["cats"] - pred.probabilities["cats"]) > 1e-3


def test_grayscale_rgba_and_odd_sizes_predict_like_rgb(model, photo, tmp_path):
    gray = photo[..., 1]
    Image.fromarray(gray, "L").save(tmp_path / "gray.png")
    Image.fromarray(np.stack([gray] * 3, -1)).save(tmp_path / "gray_as_rgb.png")
    g = evaluation.predict_image(model, tmp_path / "gray.png", NAMES)
    g3 = evaluation.predict_image(model, tmp_path / "gray_as_rgb.png", NAMES)
    assert g.probabilities == pytest.approx(g3.probabilities, abs=1e-6)

    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(photo).save(tmp_path / "rgb.png")
    a = evaluation.predict_image(model, tmp_path / "rgba.png", NAMES)
    b = evaluation.predict_image(model, tmp_path / "rgb.png", NAMES)
    assert a.probabilities == pytest.approx(b.probabilities, abs=1e-6)

    assert abs(a.probabilities["cats"] - g.probabilities["cats"]) > 1e-3  # colour matters, so the checks bite

    for shape in [(7, 900), (1200, 31), (224, 224), (1, 1)]:
        odd = np.array(Image.fromarray(photo).resize(shape[::-1]))
        Image.fromarray(odd).save(tmp_path / "odd.png")
        pred = evaluation.predict_image(model, tmp_path / "odd.png", NAMES)
        assert pred.image.shape == (224, 224, 3)
    for array in (gray, gray[..., None], rgba, photo.astype("float32")):
        pred = evaluation.predict_image(model, array, NAMES)
        assert pred.image.shape == (224, 224, 3) and pred.label in NAMES


def test_bad_photos_give_clear_errors(model, photo, tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match="no_such_cat.jpg"):
        evaluation.predict_image(model, tmp_path / "no_such_cat.jpg", NAMES)
    (tmp_path / "notes.txt").write_text("this is not a photo")
    with pytest.raises(tk.ImageError, match="notes.txt is not a readable image"):
        evaluation.predict_image(model, tmp_path / "notes.txt", NAMES)
    Image.fromarray(photo).save(tmp_path / "full.jpg")
    (tmp_path / "cut.jpg").write_bytes((tmp_path / "full.jpg").read_bytes()[:300])
    with pytest.raises(tk.ImageError, match="cut.jpg"):
        evaluation.predict_image(model, tmp_path / "cut.jpg", NAMES)
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(tk.ImageError, match="empty"):
        evaluation.predict_image(model, tmp_path / "empty.jpg", NAMES)
    with pytest.raises(tk.ImageError, match="folder"):
        evaluation.predict_image(model, tmp_path, NAMES)
    with pytest.raises(tk.ImageError, match="not a readable image"):
        evaluation.predict_image(model, b"GIF89a but not really", NAMES)
    with pytest.raises(TypeError, match="file path"):
        evaluation.predict_image(model, 42, NAMES)
    with pytest.raises(ValueError, match="3 class names"):
        evaluation.predict_image(model, photo, ["a", "b", "c"])

    assert evaluation.show_prediction(model, tmp_path / "no_such_cat.jpg", NAMES) is None
    assert evaluation.show_prediction(model, tmp_path / "notes.txt", NAMES) is None
    out = capsys.readouterr().out
    assert out.count("Cannot classify this photo") == 2 and "no_such_cat.jpg" in out and "Traceback" not in out
    figure = evaluation.show_prediction(model, photo, NAMES)
    label = evaluation.predict_image(model, photo, NAMES).label
    assert label in capsys.readouterr().out and label in figure.axes[0].get_title()


def test_upload_outside_colab_explains(capsys):
    assert upload.upload_photo() is None
    assert "PHOTO" in capsys.readouterr().out

"""Callbacks of the ideal-image and attack loops: when they are called, with what, and that History,
Timer and Progress agree with what the loops return."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("tensorflow")

from transferkit.steering import callbacks as callbacks_module  # noqa: E402
from transferkit.steering.adversarial import adversarial_image  # noqa: E402
from transferkit.steering.callbacks import Callback, History, Progress, Timer  # noqa: E402
from transferkit.steering.ideal import ideal_image, ideal_images  # noqa: E402
from transferkit.steering.objectives import TotalVariation  # noqa: E402
from transferkit.steering.transform import Jitter  # noqa: E402

SIZE = 16


class Recorder(Callback):
    """Every call, in order: ("begin", total_steps), ("step", step, sorted log keys), ("end",)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_begin(self, total_steps: int) -> None:
        self.calls.append(("begin", total_steps))

    def on_step(self, step: int, logs: dict) -> None:
        self.calls.append(("step", step, sorted(logs)))

    def on_end(self) -> None:
        self.calls.append(("end",))

    def steps(self) -> list[int]:
        return [call[1] for call in self.calls if call[0] == "step"]


class FakeBar:
    """Stands in for tqdm: remembers its total, position, postfix and whether it was closed."""

    made: list["FakeBar"] = []

    def __init__(self, total: int, desc: str, disable: bool, leave: bool) -> None:
        self.total, self.desc, self.disable, self.leave = total, desc, disable, leave
        self.n, self.postfix, self.closed = 0, None, False
        FakeBar.made.append(self)

    def update(self, n: int) -> None:
        self.n += n

    def set_postfix(self, postfix: dict) -> None:
        self.postfix = postfix

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_bars(monkeypatch):
    FakeBar.made = []
    monkeypatch.setattr(callbacks_module, "tqdm", FakeBar)
    return FakeBar.made


def _brightness_model() -> keras.Model:
    """Two logits that only look at mean brightness m (0-255): class 1 from m = 123.5 up.

    Logit 1 - logit 0 = 600 (m - 123.5) / 255, so a targeted attack on a uniform grey-120 image
    (every pixel +1 per step) first succeeds after exactly 4 steps.
    """
    dense = keras.layers.Dense(2)
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.GlobalAveragePooling2D(), dense])
    dense.set_weights([np.tile([[-100.0, 100.0]], (3, 1)).astype("float32"),
                       np.array([0.0, -600 * 123.5 / 255], "float32")])
    return model


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return _brightness_model()


GREY = np.full((SIZE, SIZE, 3), 120, np.uint8)


# ---------------------------------------------------------------- the callbacks alone


def test_history_timer_and_progress_alone(fake_bars):
    history, timer, progress = History(), Timer(), Progress("demo", "p")
    for callback in (history, timer, progress):
        callback.on_begin(3)
    for step, p in enumerate([0.5, 0.25, 0.125, 0.75]):
        for callback in (history, timer, progress):
            callback.on_step(step, {"step": step, "p": np.array([p, 1.0])})
    for callback in (history, timer, progress):
        callback.on_end()
    assert history.history["step"] == [0, 1, 2, 3]
    np.testing.assert_array_equal(history.arrays()["p"][:, 0], [0.5, 0.25, 0.125, 0.75])
    assert history.arrays()["p"].shape == (4, 2)
    assert 0 < timer.first_step_seconds <= timer.seconds
    (bar,) = fake_bars
    assert (bar.total, bar.desc, bar.n, bar.leave, bar.closed) == (3, "demo", 3, False, True)
    assert bar.postfix == {"p": "0.750"}  # the smallest value of the batch
    history.on_begin(1)  # a new run starts a new record
    assert history.history == {}


# ---------------------------------------------------------------- ideal images


def test_ideal_images_calls_callbacks_once_per_history_entry(model):
    recorder, history, timer = Recorder(), History(), Timer()
    results = ideal_images(model, [0, 1], steps=5, param="pixels", regularizers=[TotalVariation(1.0)], transforms=[], progress=False,
                           callbacks=[recorder, history, timer])
    keys = sorted(results[0].history)
    assert {"step", "prob", "tv", "loss", "class_score", "total_variation"} <= set(keys)
    assert recorder.calls == [("begin", 5), *[("step", k, keys) for k in range(6)], ("end",)]
    batch = history.arrays()
    for i, result in enumerate(results):
        assert result.history.keys() == batch.keys()
        for key, values in result.history.items():
            np.testing.assert_array_equal(values, batch[key][:, i])
    assert 0 < timer.first_step_seconds <= timer.seconds
    for result in results:
        assert 0 < result.first_step_seconds <= result.seconds
        assert result.seconds_per_step > 0


def test_ideal_image_early_stop_and_reused_history(model):
    history = History()
    ideal_image(model, 1, steps=4, param="pixels", transforms=[], progress=False, callbacks=[history])
    recorder = Recorder()
    result = ideal_image(model, 1, steps=50, param="pixels", transforms=[], stop_at=0.0, progress=False,
                         callbacks=[recorder, history])
    assert result.steps == 0 and recorder.steps() == [0]  # p >= 0 at once: the starting image
    assert recorder.calls[-1] == ("end",)
    assert history.history["step"][0].tolist() == [0] and len(history.history["step"]) == 1


def test_ideal_progress_bar_by_default(model, fake_bars):
    ideal_image(model, 1, steps=3)  # the default: Fourier
    (bar,) = fake_bars
    assert (bar.total, bar.n, bar.closed, bar.desc) == (3, 3, True, "ideal class 1")
    assert set(bar.postfix) == {"prob"}
    ideal_image(model, 1, steps=3, progress=False)
    assert len(fake_bars) == 1


def test_callbacks_do_not_change_the_image(model):
    pixels = dict(steps=6, seed=3, param="pixels", regularizers=[TotalVariation(3000)])
    plain = ideal_image(model, 1, **pixels, transforms=[Jitter(2, seed=3)], progress=False)
    watched = ideal_image(model, 1, **pixels, transforms=[Jitter(2, seed=3)], progress=True,
                          callbacks=[Recorder(), History(), Timer()])
    np.testing.assert_array_equal(plain.image, watched.image)
    for key, values in plain.history.items():
        np.testing.assert_array_equal(values, watched.history[key])


# ---------------------------------------------------------------- the attack


def test_attack_early_stop_calls_on_step_for_each_image(model):
    recorder, history, timer = Recorder(), History(), Timer()
    r = adversarial_image(model, GREY, 1, epsilon=10, steps=20, callbacks=[recorder, history, timer])
    keys = sorted(r.history)
    assert r.success and r.steps == 4  # grey 120 -> 124 crosses 123.5
    assert recorder.calls == [("begin", 20), *[("step", k, keys) for k in range(5)], ("end",)]
    assert history.history == r.history
    assert r.history["max_change"] == [0, 1, 2, 3, 4]
    assert 0 < timer.first_step_seconds <= timer.seconds


def test_attack_without_early_stop_and_when_already_there(model):
    recorder = Recorder()
    r = adversarial_image(model, GREY, 1, epsilon=10, steps=7, early_stop=False, callbacks=[recorder])
    assert r.steps == 7 and recorder.steps() == list(range(8))
    recorder = Recorder()
    r = adversarial_image(model, GREY, 0, epsilon=10, callbacks=[recorder])  # class 0 already
    assert r.steps == 0 and recorder.calls == [("begin", 20), ("step", 0, sorted(r.history)), ("end",)]


def test_attack_progress_bar_only_when_asked(model, fake_bars):
    adversarial_image(model, GREY, 1, epsilon=10, steps=20)
    assert fake_bars == []
    adversarial_image(model, GREY, 1, epsilon=10, steps=20, progress=True)
    (bar,) = fake_bars
    assert (bar.total, bar.n, bar.closed, bar.desc) == (20, 4, True, "attack")
    assert float(bar.postfix["score"]) > 0.5  # p(target) of the image that succeeded

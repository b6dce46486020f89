"""Callbacks for the kit's optimisation loops (ideal images, adversarial attacks), in the style of
tf-keras-vis' ``Callback``: the loop does the maths, callbacks watch it.

A loop calls ``on_begin(total_steps)`` once, ``on_step(step, logs)`` once per image it records
(``step`` = updates made so far, so 0 is the starting image; ``logs`` = that image's measures as
numbers or NumPy arrays, the same keys as the result's ``history``), and ``on_end()`` once.

>>> history, timer = History(), Timer()
>>> result = ideal_image(model, "tabby", callbacks=[history, timer])
>>> history.history["prob"], timer.seconds, timer.first_step_seconds
"""

from __future__ import annotations

import time
from typing import Any, Iterable

import numpy as np
from tqdm.auto import tqdm

__all__ = ["Callback", "CallbackList", "History", "Progress", "Timer"]


class Callback:
    """Does nothing; subclass it and override what you need."""

    def on_begin(self, total_steps: int) -> None:
        """Before the first step; ``total_steps`` is the most updates the loop will make."""

    def on_step(self, step: int, logs: dict[str, Any]) -> None:
        """After measuring the image that ``step`` updates made."""

    def on_end(self) -> None:
        """After the last step (also after an early stop)."""


class CallbackList(Callback):
    """Several callbacks called in turn, in order."""

    def __init__(self, callbacks: Iterable[Callback] = ()):
        self.callbacks = list(callbacks)

    def on_begin(self, total_steps: int) -> None:
        for callback in self.callbacks:
            callback.on_begin(total_steps)

    def on_step(self, step: int, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_step(step, logs)

    def on_end(self) -> None:
        for callback in self.callbacks:
            callback.on_end()


class History(Callback):
    """Every step's logs: ``history[key]`` is the list of ``logs[key]``, one entry per step.

    Starts empty at each ``on_begin``; :meth:`arrays` stacks the lists into arrays.
    """

    def __init__(self) -> None:
        self.history: dict[str, list] = {}

    def on_begin(self, total_steps: int) -> None:
        self.history = {}

    def on_step(self, step: int, logs: dict[str, Any]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def arrays(self) -> dict[str, np.ndarray]:
        """``{key: np.stack(values)}``: steps along the first axis."""
        return {key: np.stack(values) for key, values in self.history.items()}


class Timer(Callback):
    """Wall-clock seconds: ``seconds`` from begin to end, ``first_step_seconds`` to the first step,
    which includes compiling the loop's step function."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.first_step_seconds = 0.0
        self._start: float | None = None
        self._first_seen = False

    def on_begin(self, total_steps: int) -> None:
        self.seconds = self.first_step_seconds = 0.0
        self._first_seen = False
        self._start = time.perf_counter()

    def on_step(self, step: int, logs: dict[str, Any]) -> None:
        if not self._first_seen:
            self.first_step_seconds = time.perf_counter() - self._start
            self._first_seen = True

    def on_end(self) -> None:
        self.seconds = time.perf_counter() - self._start


class Progress(Callback):
    """A ``tqdm.auto`` bar of the updates made, showing the smallest value of ``logs[key]``.

    Hidden when the loop makes no updates; cleared when it ends (``leave=False``).
    """

    def __init__(self, description: str, key: str) -> None:
        self.description = description
        self.key = key
        self.bar: tqdm | None = None  # made by on_begin

    def on_begin(self, total_steps: int) -> None:
        self.bar = tqdm(total=total_steps, desc=self.description, disable=total_steps == 0, leave=False)

    def on_step(self, step: int, logs: dict[str, Any]) -> None:
        self.bar.update(step - self.bar.n)
        self.bar.set_postfix({self.key: f"{np.min(logs[self.key]):.3f}"})

    def on_end(self) -> None:
        self.bar.close()

"""Transfer-learning recipes: a new head on a frozen backbone, then a real fine-tune.

The two-stage recipe (Chollet, *Deep Learning with Python*; the Keras transfer-learning guide):

1. :func:`build_classifier` puts light augmentation and a fresh softmax head on a frozen backbone;
   :func:`train_head` trains only that head (or :func:`~transferkit.train_classifier` with ``head_of=model``
   fits the model's own head layers in seconds on cached pooled features, as notebook 02 does).
2. :func:`unfreeze_top` makes the top of the pretrained network trainable (BatchNorm layers stay
   frozen), and :func:`fine_tune` **recompiles** with a lower learning rate and continues, either
   with early stopping on the validation loss (keeping the best epoch's weights) or, as notebook 02
   does, for a fixed number of epochs while the learning rate decays to zero (``decay=True``). (The Keras guide
   unfreezes the whole base at 1e-5; TensorFlow's tutorial unfreezes the top layers at a rate
   10x below the head's; fastai uses smaller rates for earlier layers, "discriminative" rates.)

Recompiling matters: ``compile`` sets up a new optimizer, and the first ``fit`` after it fixes which
weights that optimizer updates, so a model compiled and fitted with its backbone frozen goes on
training only its head until it is compiled again; and a large learning rate on pretrained weights
wrecks them in the first few steps. :func:`~transferkit.load_backbone` returns the network
trainable, as ``keras.applications`` does: :func:`build_classifier` and :func:`train_head` freeze it. Choose settings on
a split carved from the training set (:func:`~transferkit.carve_validation`) and test once.

>>> fit, validation = carve_validation(train)
>>> model = build_classifier(load_backbone(), num_classes=2)
>>> h1 = train_head(model, fit, validation, epochs=3)
>>> unfreeze_top(model, 0.3)
>>> h2 = fine_tune(model, fit, validation, epochs=10)
>>> plot_history(h1), plot_history(h2)
"""

from __future__ import annotations

import keras

from ..models.backbones import input_size
from ..models.heads import freeze_backbone, pretrained_part
from ..datasets.imageset import ImageSet
from ..i18n import _



# --------------------------------------------------------------------------- model


def compile_for_training(model: keras.Model,
                         learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 1e-3) -> keras.Model:
    """Compiles with Adam, sparse categorical cross-entropy (integer labels) and accuracy; returns the model.

    ``learning_rate`` is a number or a schedule such as ``keras.optimizers.schedules.CosineDecay``.
    """
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def early_stopping(patience: int | None) -> list[keras.callbacks.Callback]:
    """The kit's one early-stopping recipe, as a list for ``callbacks=``: stop once the validation loss
    has not improved for ``patience`` epochs and keep the best epoch's weights (Keras 3 restores them
    also when every epoch ran); ``patience=None``: no callback, every epoch runs."""
    if patience is None:
        return []
    return [keras.callbacks.EarlyStopping("val_loss", patience=patience, restore_best_weights=True, verbose=0)]


# --------------------------------------------------------------------------- data


def _as_dataset(data, model: keras.Model, batch_size: int, shuffle: bool):
    if isinstance(data, ImageSet):
        return data.as_tf(input_size(model), batch_size, shuffle=shuffle, cache=True)
    return data


# --------------------------------------------------------------------------- training


def _fit(model, train_ds, val_ds, epochs, callbacks, verbose, batch_size, initial_epoch=0):
    train = _as_dataset(train_ds, model, batch_size, shuffle=True)
    val = _as_dataset(val_ds, model, batch_size, shuffle=False) if val_ds is not None else None
    return model.fit(train, validation_data=val, epochs=initial_epoch + epochs, initial_epoch=initial_epoch, shuffle=False,
                     callbacks=list(callbacks or []), verbose=verbose)


def train_head(model: keras.Model, train_ds, val_ds, *, epochs: int, learning_rate: float = 1e-3,
               callbacks=None, verbose="auto", batch_size: int = 32) -> keras.callbacks.History:
    """Stage 1: freezes the pretrained network, compiles, and trains the new head for ``epochs``.

    ``train_ds``/``val_ds`` are ``tf.data`` pipelines of ``(images, labels)`` or :class:`ImageSet`\\ s
    (read through ``ImageSet.as_tf(..., cache=True)``).
    """
    freeze_backbone(model)
    compile_for_training(model, learning_rate)
    return _fit(model, train_ds, val_ds, epochs, callbacks, verbose, batch_size)


def fine_tune(model: keras.Model, train_ds, val_ds, *, epochs: int, learning_rate: float = 1e-4,
              patience: int | None = 3, decay: bool = False, initial_epoch: int = 0, callbacks=None, verbose="auto",
              batch_size: int = 32) -> keras.callbacks.History:
    """Stage 2: recompiles with a low learning rate and trains the unfrozen top of the network.

    Call :func:`unfreeze_top` first. With ``patience``, training stops once the validation loss has
    not improved for ``patience`` epochs and the weights of the best epoch are restored (Keras 3
    does that also when all ``epochs`` ran). With ``decay=True`` the learning rate falls from
    ``learning_rate`` to 0 along a cosine over the ``epochs`` (``keras.optimizers.schedules.CosineDecay``),
    so the weights settle; pass ``patience=None`` to run every epoch and keep the last one, the
    schedule's end, rather than an epoch a noisy validation loss happened to favour.
    ``initial_epoch`` only numbers the epochs (e.g. continue after the head's epochs).
    """
    if not pretrained_part(model).trainable_weights:
        raise ValueError(_("nothing in the pretrained network is trainable: call unfreeze_top(model) before fine_tune"))
    if val_ds is None and patience is not None:
        raise ValueError(_("early stopping watches the validation loss: pass validation data, or patience=None"))
    train = _as_dataset(train_ds, model, batch_size, shuffle=True)
    rate = learning_rate
    if decay:
        steps = int(train.cardinality())
        if steps <= 0:
            raise ValueError(_("decay=True needs a training set of known, finite length (a batched tf.data pipeline)"))
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps)
    compile_for_training(model, rate)
    return _fit(model, train, val_ds, epochs, [*early_stopping(patience), *(callbacks or [])], verbose, batch_size,
                initial_epoch)


# --------------------------------------------------------------------------- honest evaluation


def best_epoch(history, monitor: str = "val_loss") -> int:
    """1-based epoch with the lowest ``monitor`` value (the one ``fine_tune`` restores)."""
    values = getattr(history, "history", history)[monitor]
    return int(min(range(len(values)), key=values.__getitem__)) + 1

"""A small CNN trained from random weights: the baseline that answers "why transfer?".

Same input as every model of the kit (raw 0-255 pixels; grey images have ``channels=1``), so the
same pipelines feed it. Each block is ``Conv 3x3 -> BatchNorm -> ReLU -> MaxPool``; the convolutions
start from He-normal random weights (the initialisation made for ReLU networks), BatchNorm keeps each
layer's activations in a trainable range, and dropout before the softmax head fights memorisation.

>>> model = scratch_cnn(num_classes=2, image_size=128)
>>> compile_for_training(model, 1e-3).fit(train_ds, validation_data=val_ds, epochs=20)
"""

from __future__ import annotations

import keras

from .heads import augmentation_layers, classifier_head


def scratch_cnn(num_classes: int, image_size: int = 128, *, channels: int = 3, filters: tuple[int, ...] = (32, 64, 128, 256),
                dropout: float = 0.3, augment: bool = True, batchnorm_momentum: float = 0.99, seed: int | None = None,
                name: str = "scratch_cnn") -> keras.Model:
    """A small convolutional network with random weights: ``len(filters)`` conv blocks, pooling, dropout, softmax.

    Pooling stops once the feature maps are 4x4, so tiny images (8x8 digits) are pooled only once.
    ``augment`` adds the kit's light flip/rotation/zoom layers (active in training only).
    ``batchnorm_momentum`` sets how slowly BatchNorm's running mean and variance (used for prediction)
    follow the batches: Keras' 0.99 needs a few hundred steps to forget its start, 0.9 a few dozen.
    """
    inputs = keras.Input((image_size, image_size, channels), name="image")
    x = inputs
    for layer in augmentation_layers(seed=seed) if augment else []:
        x = layer(x)
    x = keras.layers.Rescaling(1 / 255, name="rescale")(x)
    size = image_size
    for i, f in enumerate(filters, 1):
        x = keras.layers.Conv2D(f, 3, padding="same", use_bias=False, kernel_initializer="he_normal", name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(momentum=batchnorm_momentum, name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        if size >= 8:
            x = keras.layers.MaxPooling2D(name=f"pool{i}")(x)
            size //= 2
    for layer in classifier_head(num_classes, dropout=dropout):
        x = layer(x)
    return keras.Model(inputs, x, name=name)

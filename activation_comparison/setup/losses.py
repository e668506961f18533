"""The training losses a comparison can use, and the metrics each one records.

One registry, as `activations.ACTIVATIONS` is for activations: the folder name, the loss
object, the history columns and the command line's choices all read it.
"""

from dataclasses import dataclass
from typing import Callable

import keras


@dataclass(frozen=True)
class LossSpec:
    name: str
    short_name: str  # Used in run-folder names.
    make: Callable[[], keras.losses.Loss]
    # Metrics recorded beside top-1 accuracy, e.g. the article's binary accuracy.
    extra_metrics: tuple[str, ...] = ()


LOSSES: dict[str, LossSpec] = {
    "categorical_crossentropy": LossSpec(
        "categorical_crossentropy", "cce", keras.losses.CategoricalCrossentropy
    ),
    # With binary cross-entropy Keras would report binary accuracy as "accuracy" (~0.998 for
    # any decent model), the article's mistake; here it is a separately named column.
    "binary_crossentropy": LossSpec(
        "binary_crossentropy", "bce", keras.losses.BinaryCrossentropy, ("binary_accuracy",)
    ),
}


def get(name: str) -> LossSpec:
    """Return the spec for `name`, or raise `ValueError` naming the valid choices."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}: choose from {', '.join(LOSSES)}")
    return LOSSES[name]


def metrics(spec: LossSpec) -> list[keras.metrics.Metric]:
    """Top-1 classification accuracy always, then the loss's extra metrics."""
    extra = {"binary_accuracy": keras.metrics.BinaryAccuracy}
    return [keras.metrics.CategoricalAccuracy(name="accuracy")] + [
        extra[name](name=name) for name in spec.extra_metrics
    ]

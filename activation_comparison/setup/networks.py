"""The networks a comparison can train, as a registry: `--model NAME` picks one.

Each entry builds its layers for an activation spec and a dropout rate; the activation
spec decides the activation, and where it needs them its own weight initialiser and
dropout layer (SELU: LeCun-normal and AlphaDropout); nothing here branches on an
activation's name. Every activation is a layer of its own (`layers.Activation`) after the
layer it acts on, so that the diagnostics can read its input and output: code that walks a
network finds its layers by role, not by name.
"""

from dataclasses import dataclass
from typing import Callable

import keras
from keras import layers, ops

import activations
from activation_comparison.setup.image_format import IMAGE_SHAPE, NUM_CLASSES


class UnitNormGaussian(keras.initializers.RandomNormal):
    """Standard Gaussian weights with each unit's incoming weight vector scaled to unit L2
    norm, as Hendrycks & Gimpel (2016, "Gaussian Error Linear Units", section 3.1) initialise
    their MNIST network. Seeded like Keras' own RandomNormal."""

    def __init__(self, seed=None):
        super().__init__(mean=0.0, stddev=1.0, seed=seed)

    def __call__(self, shape, dtype=None):
        weights = super().__call__(shape, dtype=dtype)
        # A Dense kernel is (inputs, units): column j holds unit j's incoming weights.
        return weights / ops.sqrt(ops.sum(ops.square(weights), axis=0, keepdims=True))

    def get_config(self):
        return {"seed": self.seed}


def cnn_layers(spec: activations.ActivationSpec, dropout: float | None) -> list[layers.Layer]:
    """Keras' classic mnist_cnn.py; `dropout` replaces both of its rates (0.25 and 0.5)."""
    kernel = {"kernel_initializer": spec.kernel_initializer or "glorot_uniform"}
    first_rate, second_rate = (0.25, 0.5) if dropout is None else (dropout, dropout)
    return [
        layers.Conv2D(32, 3, name="conv1", **kernel),
        layers.Activation(spec.function, name="act_conv1"),
        layers.Conv2D(64, 3, name="conv2", **kernel),
        layers.Activation(spec.function, name="act_conv2"),
        layers.MaxPooling2D(2, name="pool"),
        spec.dropout_layer(first_rate, name="dropout1"),
        layers.Flatten(name="flatten"),
        layers.Dense(128, name="dense1", **kernel),
        layers.Activation(spec.function, name="act_dense1"),
        spec.dropout_layer(second_rate, name="dropout2"),
        # Softmax and loss in float32 whatever the precision policy, as Keras advises.
        layers.Dense(NUM_CLASSES, activation="softmax", name="output", dtype="float32"),
    ]


MLP_HIDDEN_LAYERS = 8
MLP_UNITS = 128


def mlp_layers(spec: activations.ActivationSpec, dropout: float | None) -> list[layers.Layer]:
    """The GELU paper's MNIST classifier: 8 hidden layers of 128 units and a 10-way softmax,
    every weight matrix (the output's too) unit-norm Gaussian, zero biases, and dropout at
    `dropout` after every hidden layer (none by default).

    An activation that needs its own initialiser keeps it in the hidden layers (SELU's
    LeCun-normal), as in the CNN, whose output layer also keeps the network's own.
    """
    hidden = [layers.Flatten(name="flatten")]
    for number in range(1, MLP_HIDDEN_LAYERS + 1):
        hidden += [
            layers.Dense(MLP_UNITS, kernel_initializer=spec.kernel_initializer or UnitNormGaussian(),
                         name=f"dense{number}"),  # fmt: skip
            layers.Activation(spec.function, name=f"act_dense{number}"),
        ]
        if dropout:
            hidden.append(spec.dropout_layer(dropout, name=f"dropout{number}"))
    output = layers.Dense(NUM_CLASSES, activation="softmax", kernel_initializer=UnitNormGaussian(),
                          name="output", dtype="float32")  # fmt: skip
    return [*hidden, output]


def cnn1d_layers(spec: activations.ActivationSpec, dropout: float | None) -> list[layers.Layer]:
    """A small 1-D CNN for MNIST-1D, after the ConvNet of Greydanus & Kobak (2020, "Scaling
    Down Deep Learning with MNIST-1D"): three convolutions of 32 channels, each halving the
    length (40, 20, 10, 5), then a linear 10-way softmax; dropout at `dropout` after every
    convolution (none by default)."""
    kernel = {"kernel_initializer": spec.kernel_initializer or "glorot_uniform"}
    hidden = []
    for number, width in enumerate((5, 3, 3), start=1):
        hidden += [
            layers.Conv1D(32, width, strides=2, padding="same", name=f"conv{number}", **kernel),
            layers.Activation(spec.function, name=f"act_conv{number}"),
        ]
        if dropout:
            hidden.append(spec.dropout_layer(dropout, name=f"dropout{number}"))
    output = layers.Dense(NUM_CLASSES, activation="softmax", name="output", dtype="float32", **kernel)
    return [*hidden, layers.Flatten(name="flatten"), output]


def small_mlp_layers(spec: activations.ActivationSpec, dropout: float | None) -> list[layers.Layer]:
    """A small MLP for the 8x8 digits: two dense hidden layers of 64 units and a 10-way
    softmax, dropout at `dropout` after each hidden layer (none by default)."""
    kernel = {"kernel_initializer": spec.kernel_initializer or "glorot_uniform"}
    hidden = [layers.Flatten(name="flatten")]
    for number in (1, 2):
        hidden += [layers.Dense(64, name=f"dense{number}", **kernel), layers.Activation(spec.function, name=f"act_dense{number}")]
        if dropout:
            hidden.append(spec.dropout_layer(dropout, name=f"dropout{number}"))
    return [*hidden, layers.Dense(NUM_CLASSES, activation="softmax", name="output", dtype="float32", **kernel)]


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    description: str  # One line, for --help and the README.
    make_layers: Callable[[activations.ActivationSpec, float | None], list[layers.Layer]]
    # The network's own dropout rate where it has a single one (the MLP's 0), so that
    # --dropout at that rate names the same network; None where it has several.
    own_dropout: float | None = None


NETWORKS: dict[str, NetworkSpec] = {
    "cnn": NetworkSpec(
        "cnn", "Keras' classic mnist_cnn.py: two 3x3 convolutions, max-pooling, dense 128, "
        "dropout 0.25 and 0.5 (1,199,882 parameters)", cnn_layers),
    "mlp": NetworkSpec(
        "mlp", "the GELU paper's MNIST classifier: 8 dense hidden layers of 128 units, unit-norm "
        "Gaussian weights, no dropout unless --dropout (217,354 parameters)", mlp_layers, own_dropout=0.0),
    "cnn1d": NetworkSpec(
        "cnn1d", "a small 1-D CNN for MNIST-1D: three convolutions of 32 channels with stride 2, a linear "
        "softmax, no dropout unless --dropout (8,010 parameters)", cnn1d_layers, own_dropout=0.0),
    "mlp_small": NetworkSpec(
        "mlp_small", "a small MLP for the 8x8 digits: two dense hidden layers of 64 units, no dropout "
        "unless --dropout (8,970 parameters)", small_mlp_layers, own_dropout=0.0),
}  # fmt: skip


def get(name: str) -> NetworkSpec:
    """Return the spec for `name`, or raise `ValueError` naming the valid choices."""
    if name not in NETWORKS:
        raise ValueError(f"unknown network {name!r}: choose from {', '.join(NETWORKS)}")
    return NETWORKS[name]


def describe_choices() -> str:
    return "; ".join(f"{spec.name}: {spec.description}" for spec in NETWORKS.values())


def input_layer(shape: tuple[int, ...] = (*IMAGE_SHAPE, 1)) -> keras.KerasTensor:
    """The input of one example, channels last: MNIST's (28, 28, 1) unless the data say otherwise."""
    return keras.Input(shape=tuple(shape))

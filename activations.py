"""What differs per activation: the function, its weight initialiser and dropout layer.

The experiment's scientific variable is the activation; everything else in the model is
fixed. `ACTIVATIONS` holds one `ActivationSpec` per registered activation, `ACTIVATION_SETS`
the named sets a command can compare (`article`, the default six; `wide`, those and four
more), and `get()` also accepts any other built-in Keras activation (`hard_sigmoid`,
`celu`, ...) with default settings. The model builder reads a spec and never branches on a
name.
"""

import math
from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np
from keras import layers, ops


def gelu_tanh(x):
    """GELU, tanh approximation, written exactly as the article does.

    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))`
    (Hendrycks & Gimpel, 2016, "Gaussian Error Linear Units", eq. after (2)).
    """
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * ops.power(x, 3))
    return 0.5 * x * (1.0 + ops.tanh(inner))


def fused(function: Callable) -> Callable:
    """`function` computed by one kernel for its forward pass and one for its gradient.

    Composed element-wise activations (the article's GELU is nine TensorFlow ops forward and
    more backward) spend their time reading and writing the whole tensor once per op; fusing
    them makes GELU cost about what ReLU does (benchmarks/bench_training.py). The value and the
    gradient are those of `function` itself, to float32 rounding. Other backends get
    `function` unfused. On every backend a bfloat16 or float16 input (mixed precision) is
    computed in float32 and rounded once at the end.
    """
    function = computed_in_float32(function)
    if keras.backend.backend() == "tensorflow":
        return _fused_tensorflow(function)
    return function


def computed_in_float32(function: Callable) -> Callable:
    """`function` evaluated in float32 whatever the input's dtype, returned in that dtype.

    Under mixed precision the input is bfloat16 or float16, and XLA's CPU backend runs such
    element-wise math several times slower than float32 (the fused GELU's forward and
    backward on a conv2 output: 28.6 ms in bfloat16 against 8.2 in float32, and 8.1 when
    computed in float32 inside the kernel). It is also more exact. For float32 input both
    casts vanish, so float32 results are unchanged.
    """

    def in_float32(x):
        dtype = keras.backend.standardize_dtype(x.dtype)
        return ops.cast(function(ops.cast(x, "float32")), dtype)

    in_float32.__name__ = getattr(function, "__name__", "in_float32")
    in_float32.__doc__ = function.__doc__
    return in_float32


def _fused_tensorflow(function):
    """`function` with forward and backward pass each compiled by XLA, for the TF backend.

    Only the activation is compiled, not the model: XLA for the whole CNN is several times
    slower on CPU. The backward pass differentiates `function` itself, so the gradient is the
    same formula that automatic differentiation would give without fusion.
    """
    import tensorflow as tf

    forward = tf.function(function, jit_compile=True, autograph=False)

    @tf.function(jit_compile=True, autograph=False)
    def backward(x, upstream):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = function(x)
        return tape.gradient(y, x, output_gradients=upstream)

    @tf.custom_gradient
    def fused_function(x):
        x = tf.convert_to_tensor(x)
        return forward(x), lambda upstream: backward(x, upstream)

    fused_function.__name__ = getattr(function, "__name__", "fused")
    fused_function.__doc__ = function.__doc__
    return fused_function


def leaky_relu_02(x):
    """Leaky ReLU with negative slope 0.2, as in the article: `x if x > 0 else 0.2 * x`.

    Maas et al., 2013, "Rectifier Nonlinearities Improve Neural Network Acoustic Models".
    """
    return keras.activations.leaky_relu(x, negative_slope=0.2)


def swish(x):
    """SiLU / Swish: `x * sigmoid(x)`.

    Elfwing, Uchibe & Doya, 2018, "Sigmoid-Weighted Linear Units for Neural Network Function
    Approximation in Reinforcement Learning"; Ramachandran, Zoph & Le, 2017, "Searching for
    Activation Functions" (Swish with beta = 1).
    """
    return keras.activations.silu(x)


def mish(x):
    """Mish: `x * tanh(softplus(x))`, softplus(x) = log(1 + exp(x)).

    Misra, 2019, "Mish: A Self Regularized Non-Monotonic Activation Function".
    """
    return keras.activations.mish(x)


def softplus(x):
    """Softplus: `log(1 + exp(x))`, a smooth ReLU.

    Dugas et al., 2001, "Incorporating Second-Order Functional Knowledge for Better Option
    Pricing"; Glorot, Bordes & Bengio, 2011, "Deep Sparse Rectifier Neural Networks".
    """
    return keras.activations.softplus(x)


def tanh(x):
    """Hyperbolic tangent: `(exp(x) - exp(-x)) / (exp(x) + exp(-x))`.

    LeCun, Bottou, Orr & Müller, 1998, "Efficient BackProp" (section 4.4).
    """
    return keras.activations.tanh(x)


@dataclass(frozen=True)
class ActivationSpec:
    """Everything about one activation that the model and the plots need."""

    name: str
    function: Callable
    label: str
    color: str
    # SELU self-normalises only with LeCun-normal weights and AlphaDropout, which keeps
    # the mean and variance that plain Dropout would disturb (Klambauer et al., 2017).
    # None: the network's own initialiser (Glorot-uniform in the CNN, unit-norm Gaussian in
    # the MLP).
    kernel_initializer: str | None = None
    dropout_layer: type = layers.Dropout


ACTIVATIONS: dict[str, ActivationSpec] = {
    "sigmoid": ActivationSpec("sigmoid", keras.activations.sigmoid, "Sigmoid", "#1f77b4"),
    "relu": ActivationSpec("relu", keras.activations.relu, "ReLU", "#d62728"),
    "elu": ActivationSpec("elu", keras.activations.elu, "ELU", "#2ca02c"),
    "leaky_relu": ActivationSpec("leaky_relu", leaky_relu_02, "Leaky ReLU (0.2)", "#ff7f0e"),
    "selu": ActivationSpec(
        "selu",
        keras.activations.selu,
        "SELU",
        "#9467bd",
        kernel_initializer="lecun_normal",
        dropout_layer=layers.AlphaDropout,
    ),
    # Only GELU is fused: TensorFlow already computes the other five with one kernel forward
    # and one backward (Relu/ReluGrad, Elu/EluGrad, ...), and XLA's versions are no faster.
    "gelu": ActivationSpec("gelu", fused(gelu_tanh), "GELU (tanh approx.)", "#8c564b"),
    # The wider set's four: each is one TensorFlow kernel forward or a short chain of them.
    "swish": ActivationSpec("swish", swish, "SiLU/Swish", "#e377c2"),
    "mish": ActivationSpec("mish", mish, "Mish", "#7f7f7f"),
    "softplus": ActivationSpec("softplus", softplus, "Softplus", "#bcbd22"),
    "tanh": ActivationSpec("tanh", tanh, "tanh", "#17becf"),
}

# The six of the article: the default run. Its own list, so that registering another
# activation makes it available to --activations without changing what the default compares.
DEFAULT_ACTIVATIONS = ("sigmoid", "relu", "elu", "leaky_relu", "selu", "gelu")

# Named sets, which `--activations` also takes: `--activations wide` compares all ten.
ACTIVATION_SETS = {
    "article": DEFAULT_ACTIVATIONS,
    "wide": (*DEFAULT_ACTIVATIONS, "swish", "mish", "softplus", "tanh"),
}

# Colours for activations outside the registry, chosen not to clash with the ten above.
_EXTRA_COLORS = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#000000")

# Keras names that are not element-wise activations and so cannot be compared here.
_NOT_ELEMENTWISE = {"softmax", "log_softmax", "linear", "glu", "sparsemax", "sparse_plus", "threshold"}


def expand_sets(names) -> tuple[str, ...]:
    """`names` with each named set (`ACTIVATION_SETS`) replaced by its activations, in order."""
    return tuple(member for name in names for member in ACTIVATION_SETS.get(name, (name,)))


def set_name(names) -> str:
    """The name of the set `names` is (in any order), else the names joined by "+": a folder
    name that tells one activation set from another."""
    for name, members in ACTIVATION_SETS.items():
        if sorted(names) == sorted(members):
            return name
    return "+".join(names)


def builtin_names() -> list[str]:
    """Element-wise activations that Keras itself provides."""
    names = keras.activations.__dict__
    return sorted(
        name
        for name, value in names.items()
        if callable(value)
        and not name.startswith("_")
        and name not in _NOT_ELEMENTWISE
        and name not in {"get", "serialize", "deserialize"}
    )


def get(name: str) -> ActivationSpec:
    """Return the spec for `name`, or raise `ValueError` naming the valid choices."""
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    if name in builtin_names():
        extra = sorted(set(builtin_names()) - set(ACTIVATIONS))
        color = _EXTRA_COLORS[extra.index(name) % len(_EXTRA_COLORS)]
        return ActivationSpec(name, keras.activations.get(name), name, color)
    raise ValueError(
        f"unknown activation {name!r}: choose from {', '.join(ACTIVATIONS)}, a set ({', '.join(ACTIVATION_SETS)}) "
        f"or a Keras built-in such as {', '.join(sorted(set(builtin_names()) - set(ACTIVATIONS))[:6])}"
    )


def evaluate(spec: ActivationSpec, x: np.ndarray) -> np.ndarray:
    """The activation the model uses, applied to a NumPy array."""
    return ops.convert_to_numpy(spec.function(ops.convert_to_tensor(x)))


def derivative(spec: ActivationSpec, x: np.ndarray) -> np.ndarray:
    """d activation / dx at each element of a NumPy array, as the model's gradients see it."""
    return ops.convert_to_numpy(elementwise_derivative(spec.function, ops.convert_to_tensor(x)))


def elementwise_derivative(function: Callable, x):
    """f'(x) for an element-wise `function` and a backend tensor `x`, by automatic
    differentiation (the gradient of sum(f(x))); also usable inside a compiled step."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _elementwise_gradient_tensorflow(function, x)
    if backend == "torch":
        return _elementwise_gradient_torch(function, x)
    if backend == "jax":
        return _elementwise_gradient_jax(function, x)
    raise ValueError(f"backend {backend!r} is not supported: use tensorflow, torch or jax")


def _elementwise_gradient_tensorflow(function, x):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
    return tape.gradient(y, x)


def _elementwise_gradient_torch(function, x):
    import torch

    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(function(x).sum(), x)
    return gradient


def _elementwise_gradient_jax(function, x):
    import jax

    return jax.grad(lambda t: function(t).sum())(x)

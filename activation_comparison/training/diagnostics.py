"""Why an activation wins or loses: gradient flow, clipping and dead units, measured.

`measure()` runs a model once on a fixed probe batch and returns flat, clearly named columns
for the training history, one per layer and quantity:

- `grad_norm_<layer>`: L2 norm of the loss gradient with respect to the layer's kernel,
  before clipping. Small values in early layers are the vanishing-gradient picture.
- `clipped_fraction` and `clipped_fraction_<layer>`: the fraction of gradient elements
  (kernels and biases) that the configured clip would change.
- `dead_fraction_<activation layer>`: the fraction of units (channels of a convolution,
  features of a dense layer) whose activation derivative is below 1e-6 on every probe image
  and position: dead ReLUs, or saturated sigmoids.
- `act_mean_<activation layer>`, `act_std_<activation layer>`: mean and standard deviation
  of the activation layer's output over the probe batch (SELU claims 0 and 1 through depth).

Trainable layers are those with a `kernel`; activation layers are `layers.Activation`
instances. The probe runs in inference mode and never touches the optimizer, so measuring
does not change training: dropout draws no random numbers and no weight moves.
"""

import functools

import keras
import numpy as np
from keras import layers, ops

import activations

# A unit whose derivative stays below this on every probe input passes no gradient back.
DEAD_DERIVATIVE_THRESHOLD = 1e-6


def kernel_layers(model: keras.Model) -> list[layers.Layer]:
    """The model's trainable layers that have a kernel, in order."""
    return [
        layer
        for layer in model.layers
        if getattr(layer, "kernel", None) is not None and layer.trainable_weights
    ]


def activation_layers(model: keras.Model) -> list[layers.Layer]:
    """The model's `layers.Activation` layers, in order."""
    return [layer for layer in model.layers if isinstance(layer, layers.Activation)]


def measure(model, x_probe, y_probe, loss_fn, clip_value=None, clip_norm=None) -> dict[str, float]:
    """Gradient norms, clipped fractions, dead units and activation statistics on a probe batch.

    `model` is a built Sequential or functional model with one input and one output;
    `x_probe` and `y_probe` are the probe images and one-hot labels; `loss_fn` is the Keras
    loss used for training (pass the same loss object every epoch, so the step is traced once).
    `clip_value` and `clip_norm` are the optimizer's `clipvalue` and `clipnorm`; at most one
    may be set, as in Keras. The gradient is that of the mean loss over the whole probe batch
    in inference mode (no dropout), so it is a steadier, somewhat smaller estimate than the
    gradient of one training batch; the clipped fractions are estimates in the same sense.
    """
    if clip_value is not None and clip_norm is not None:
        raise ValueError(
            "clip_value and clip_norm are both set: Keras optimizers accept only one of "
            "clipvalue and clipnorm, so pass only the one the optimizer uses"
        )
    step, layer_variable_indices, activation_names = _compiled_step(model, loss_fn)
    gradients, activation_summaries = step(
        ops.convert_to_tensor(np.asarray(x_probe, dtype="float32")),
        ops.convert_to_tensor(np.asarray(y_probe, dtype="float32")),
    )
    gradients = [np.asarray(ops.convert_to_numpy(gradient), dtype="float64") for gradient in gradients]

    columns = {}
    for layer_name, indices in layer_variable_indices.items():
        # The first variable of a layer with a kernel is its kernel (see `_compiled_step`).
        columns[f"grad_norm_{layer_name}"] = float(np.linalg.norm(gradients[indices[0]]))

    clipped_counts = {}
    for layer_name, indices in layer_variable_indices.items():
        layer_gradients = [gradients[index] for index in indices]
        clipped_counts[layer_name] = (
            sum(_clipped_elements(gradient, clip_value, clip_norm) for gradient in layer_gradients),
            sum(gradient.size for gradient in layer_gradients),
        )
    total_clipped = sum(clipped for clipped, _ in clipped_counts.values())
    total_elements = sum(size for _, size in clipped_counts.values())
    columns["clipped_fraction"] = total_clipped / total_elements if total_elements else 0.0
    for layer_name, (clipped, size) in clipped_counts.items():
        columns[f"clipped_fraction_{layer_name}"] = clipped / size

    for layer_name, (dead_fraction, mean, std) in zip(activation_names, activation_summaries):
        columns[f"dead_fraction_{layer_name}"] = float(ops.convert_to_numpy(dead_fraction))
        columns[f"act_mean_{layer_name}"] = float(ops.convert_to_numpy(mean))
        columns[f"act_std_{layer_name}"] = float(ops.convert_to_numpy(std))
    return columns


def _clipped_elements(gradient: np.ndarray, clip_value, clip_norm) -> int:
    """How many elements of one variable's gradient the optimizer's clip would change."""
    if clip_value is not None:
        return int(np.count_nonzero(np.abs(gradient) > clip_value))
    if clip_norm is not None:
        # Keras 3 `clipnorm` rescales each variable's gradient by its own norm (not the
        # global norm, which is `global_clipnorm`), so a variable is changed all or nothing.
        return gradient.size if np.linalg.norm(gradient) > clip_norm else 0
    return 0


# Measuring runs once per epoch on the same model; keeping the latest compiled step means
# it is traced once per run (for one model and loss object), and holding only one lets earlier runs' models be freed.
@functools.lru_cache(maxsize=1)
def _compiled_step(model, loss_fn):
    """Build the probe step for `model`: (step, variable indices per layer, activation names)."""
    if not getattr(model, "inputs", None) or len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            "diagnostics need a built Sequential or functional model with one input and one "
            "output; build the model (e.g. with keras.Input) before measuring"
        )
    trainable = kernel_layers(model)
    probed_layers = activation_layers(model)
    variables = []
    layer_variable_indices = {}
    for layer in trainable:
        # Kernel first, so `measure()` finds it at the layer's first index.
        layer_weights = [layer.kernel] + [w for w in layer.trainable_weights if w is not layer.kernel]
        layer_variable_indices[layer.name] = list(range(len(variables), len(variables) + len(layer_weights)))
        variables.extend(layer_weights)
    # A second view of the same layers that also returns each activation layer's input.
    probe = keras.Model(model.inputs, [model.outputs[0]] + [layer.input for layer in probed_layers])
    activation_functions = [layer.activation for layer in probed_layers]
    gradients_function = _backend_gradients_function()

    def step(x, y):
        def forward():
            outputs = keras.tree.flatten(probe(x, training=False))
            return loss_fn(y, outputs[0]), outputs[1:]

        gradients, activation_inputs = gradients_function(forward, variables)
        summaries = [
            _summarise_activation(
                function(activation_input),
                activations.elementwise_derivative(function, activation_input),
            )
            for function, activation_input in zip(activation_functions, activation_inputs)
        ]
        return gradients, summaries

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        step = tf.function(step)
    return step, layer_variable_indices, [layer.name for layer in probed_layers]


def _summarise_activation(output, derivative):
    """(dead fraction, mean, std) of one activation layer; units are the last axis."""
    # Under mixed precision the activations are bfloat16 or float16; the statistics are
    # taken in float32 (a float16 derivative cannot even hold the 1e-6 threshold).
    output, derivative = ops.cast(output, "float32"), ops.cast(derivative, "float32")
    position_axes = tuple(range(len(derivative.shape) - 1))
    largest_derivative = ops.max(ops.abs(derivative), axis=position_axes)
    dead_fraction = ops.mean(ops.cast(largest_derivative < DEAD_DERIVATIVE_THRESHOLD, "float32"))
    return dead_fraction, ops.mean(output), ops.std(output)


def _backend_gradients_function():
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _gradients_tensorflow
    if backend == "torch":
        return _gradients_torch
    raise ValueError(f"diagnostics support the tensorflow and torch backends, not {backend!r}")


def _gradients_tensorflow(forward, variables):
    """Loss gradients for `variables`, and the input of each activation layer.

    `forward()` returns the loss and the input of each activation layer.
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss, activation_inputs = forward()
    gradients = tape.gradient(loss, variables)
    gradients = [tf.zeros_like(v) if g is None else g for v, g in zip(variables, gradients)]
    return gradients, [tf.stop_gradient(x) for x in activation_inputs]


def _gradients_torch(forward, variables):
    """The torch twin of `_gradients_tensorflow`."""
    import torch

    with torch.enable_grad():
        loss, activation_inputs = forward()
        parameters = [variable.value for variable in variables]
        gradients = torch.autograd.grad(loss, parameters, allow_unused=True)
    gradients = [torch.zeros_like(p) if g is None else g for p, g in zip(parameters, gradients)]
    return gradients, [x.detach() for x in activation_inputs]

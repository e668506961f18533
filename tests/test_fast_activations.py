"""The activations the model uses compute the textbook functions and their derivatives.

Each registry function (fused or not) is compared with a NumPy reference written from the
formula, in float64, on tiny arrays: near zero, in the curved part and at +-30, where
exponentials overflow if written carelessly. The tests run under whichever Keras backend is
active (`KERAS_BACKEND=torch pytest tests/test_fast_activations.py` checks the torch path).
"""

import math

import keras
import numpy as np
import pytest

import activations

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
GELU_C = math.sqrt(2.0 / math.pi)

# Zero is only used for values: at a kink the derivative is a convention that backends
# differ on (TensorFlow's SELU gradient at 0 is `scale`, torch's is `scale * alpha`).
VALUE_INPUTS = np.array([-30.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 1.0, 5.0, 30.0], np.float32)
DERIVATIVE_INPUTS = VALUE_INPUTS[VALUE_INPUTS != 0.0]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gelu_tanh_inner(x):
    return GELU_C * (x + 0.044715 * x**3)


def softplus(x):
    return np.logaddexp(0.0, x)


REFERENCES = {
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * (1.0 - sigmoid(x))),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64)),
    "elu": (
        lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
        lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0))),
    ),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.2 * x), lambda x: np.where(x > 0, 1.0, 0.2)),
    "selu": (
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
        lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0))),
    ),
    "gelu": (
        lambda x: 0.5 * x * (1.0 + np.tanh(gelu_tanh_inner(x))),
        lambda x: 0.5 * (1.0 + np.tanh(gelu_tanh_inner(x)))
        + 0.5 * x * (1.0 - np.tanh(gelu_tanh_inner(x)) ** 2) * GELU_C * (1.0 + 3 * 0.044715 * x**2),
    ),
    "swish": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) + x * sigmoid(x) * (1.0 - sigmoid(x))),
    "mish": (
        lambda x: x * np.tanh(softplus(x)),
        lambda x: np.tanh(softplus(x)) + x * (1.0 - np.tanh(softplus(x)) ** 2) * sigmoid(x),
    ),
    "softplus": (softplus, sigmoid),
    "tanh": (np.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
}


def test_every_registered_activation_has_a_reference():
    assert set(REFERENCES) == set(activations.ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_value_matches_numpy_reference(name):
    reference, _ = REFERENCES[name]
    value = activations.evaluate(activations.get(name), VALUE_INPUTS)
    assert value.dtype == np.float32
    assert np.all(np.isfinite(value))
    np.testing.assert_allclose(value, reference(VALUE_INPUTS.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_derivative_matches_numpy_reference(name):
    _, reference_derivative = REFERENCES[name]
    derivative = activations.derivative(activations.get(name), DERIVATIVE_INPUTS)
    assert np.all(np.isfinite(derivative))
    # float32 tanh saturates near |x| = 5, so GELU's tiny tail slopes (~1e-6) round to zero.
    np.testing.assert_allclose(
        derivative, reference_derivative(DERIVATIVE_INPUTS.astype(np.float64)), rtol=1e-5, atol=1e-5
    )


def test_fused_gelu_equals_the_article_formula_and_its_autodiff_gradient():
    x = np.linspace(-8.0, 8.0, 401, dtype=np.float32)
    article = activations.ActivationSpec("gelu", activations.gelu_tanh, "GELU", "#000000")
    fused = activations.ActivationSpec("gelu", activations.fused(activations.gelu_tanh), "GELU", "#000000")
    # Where tanh is close to -1, `1 + tanh` cancels, so a one-ulp difference between two
    # float32 tanh kernels (XLA's and Eigen's) shows up as up to ~4e-6 in the derivative;
    # measured against float64, both kernels are off by that much there, and no more.
    np.testing.assert_allclose(activations.evaluate(fused, x), activations.evaluate(article, x), rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(
        activations.derivative(fused, x), activations.derivative(article, x), rtol=2e-6, atol=5e-6
    )


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_fused_gelu_keeps_a_low_precision_dtype_and_is_exact_to_its_rounding(dtype):
    from keras import ops

    x64 = np.linspace(-6.0, 6.0, 241)
    x = ops.cast(ops.convert_to_tensor(x64.astype(np.float32)), dtype)
    inputs = ops.convert_to_numpy(ops.cast(x, "float32")).astype(np.float64)
    function = activations.ACTIVATIONS["gelu"].function
    value = function(x)
    gradient = activations.elementwise_derivative(function, x)
    standardize = keras.backend.standardize_dtype
    assert standardize(value.dtype) == dtype and standardize(gradient.dtype) == dtype
    # Computed in float32 inside, so only the final rounding to `dtype` is lost
    # (bfloat16 keeps 8 significant bits, float16 11).
    tolerance = {"bfloat16": 2**-8, "float16": 2**-11}[dtype]
    value_ref, derivative_ref = REFERENCES["gelu"]
    np.testing.assert_allclose(ops.convert_to_numpy(ops.cast(value, "float32")), value_ref(inputs),
                               rtol=tolerance, atol=tolerance)  # fmt: skip
    np.testing.assert_allclose(ops.convert_to_numpy(ops.cast(gradient, "float32")), derivative_ref(inputs),
                               rtol=tolerance, atol=tolerance)  # fmt: skip


@pytest.mark.slow
def test_fused_activation_trains_in_a_keras_model_like_the_unfused_one():
    x = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(64, 1)).astype(np.float32)

    def final_loss(function):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Activation(function), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(clipvalue=0.5), loss="mse")
        return model.fit(x, y, batch_size=16, epochs=2, verbose=0).history["loss"][-1]

    fused_loss = final_loss(activations.fused(activations.gelu_tanh))
    assert math.isfinite(fused_loss)
    assert fused_loss == pytest.approx(final_loss(activations.gelu_tanh), rel=1e-5)


@pytest.mark.slow  # Reruns this file under torch in a fresh process.
@pytest.mark.skipif(keras.backend.backend() == "torch", reason="this test is the torch run")
def test_activation_math_also_holds_under_the_torch_backend():
    pytest.importorskip("torch")
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = dict(os.environ, KERAS_BACKEND="torch")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout

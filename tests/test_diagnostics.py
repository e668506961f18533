"""Diagnostics on tiny synthetic models whose answer is known in advance."""

import keras
import numpy as np
import pytest
from keras import layers

import activations
from activation_comparison.training import diagnostics, keras_model
from activation_comparison.setup.config import ExperimentConfig

LOSS = keras.losses.CategoricalCrossentropy()


def probe_batch(n=64, features=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, classes, size=n), classes).astype("float32")
    return x, y


def one_hidden_relu_model(hidden_bias):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, bias_initializer=keras.initializers.Constant(hidden_bias), name="hidden"),
            layers.Activation("relu", name="act_hidden"),
            layers.Dense(3, activation="softmax", name="output"),
        ]
    )


def deep_sigmoid_model(depth=8):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,))])
    for index in range(depth):
        model.add(layers.Dense(16, name=f"dense{index}"))
        model.add(layers.Activation("sigmoid", name=f"act{index}"))
    model.add(layers.Dense(3, activation="softmax", name="output"))
    return model


def small_cnn():
    """The real model's layout, shrunk: the same layer names and layer types."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            layers.Conv2D(4, 3, kernel_initializer="lecun_normal", name="conv1"),
            layers.Activation("selu", name="act_conv1"),
            layers.Conv2D(6, 3, kernel_initializer="lecun_normal", name="conv2"),
            layers.Activation("selu", name="act_conv2"),
            layers.MaxPooling2D(2, name="pool"),
            layers.AlphaDropout(0.25, name="dropout1"),
            layers.Flatten(name="flatten"),
            layers.Dense(8, kernel_initializer="lecun_normal", name="dense1"),
            layers.Activation("selu", name="act_dense1"),
            layers.Dropout(0.5, name="dropout2"),
            layers.Dense(10, activation="softmax", name="output"),
        ]
    )


def image_probe(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 10, 10, 1)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 10, size=n), 10).astype("float32")
    return x, y


def test_columns_are_one_per_layer_and_quantity():
    columns = diagnostics.measure(small_cnn(), *image_probe(), LOSS, clip_value=0.5)
    expected = {"clipped_fraction"}
    for layer in ("conv1", "conv2", "dense1", "output"):
        expected |= {f"grad_norm_{layer}", f"clipped_fraction_{layer}"}
    for layer in ("act_conv1", "act_conv2", "act_dense1"):
        expected |= {f"dead_fraction_{layer}", f"act_mean_{layer}", f"act_std_{layer}"}
    assert set(columns) == expected
    assert all(isinstance(value, float) and np.isfinite(value) for value in columns.values())


def test_relu_with_strongly_negative_bias_is_all_dead():
    columns = diagnostics.measure(one_hidden_relu_model(hidden_bias=-100.0), *probe_batch(), LOSS)
    assert columns["dead_fraction_act_hidden"] == 1.0
    # A dead layer passes no gradient back to its own kernel.
    assert columns["grad_norm_hidden"] == 0.0
    assert columns["act_mean_act_hidden"] == 0.0 and columns["act_std_act_hidden"] == 0.0


def test_healthy_relu_has_no_dead_units():
    columns = diagnostics.measure(one_hidden_relu_model(hidden_bias=0.0), *probe_batch(), LOSS)
    assert columns["dead_fraction_act_hidden"] == 0.0
    assert columns["grad_norm_hidden"] > 0.0


def test_saturated_sigmoid_counts_as_dead():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(4, bias_initializer=keras.initializers.Constant(50.0), name="hidden"),
            layers.Activation("sigmoid", name="act_hidden"),
            layers.Dense(3, activation="softmax", name="output"),
        ]
    )
    columns = diagnostics.measure(model, *probe_batch(), LOSS)
    assert columns["dead_fraction_act_hidden"] == 1.0
    assert columns["act_mean_act_hidden"] == pytest.approx(1.0)


def test_deep_sigmoid_stack_has_vanishing_gradients():
    columns = diagnostics.measure(deep_sigmoid_model(depth=8), *probe_batch(), LOSS)
    first, last = columns["grad_norm_dense0"], columns["grad_norm_dense7"]
    # sigmoid' <= 1/4, so eight layers shrink the gradient by orders of magnitude.
    assert 0.0 < first < last / 100


def test_no_clip_clips_nothing_where_any_clip_would():
    model, (x, y) = deep_sigmoid_model(), probe_batch()
    # Every gradient element is non-zero here, so the tiniest clip changes all of them...
    assert diagnostics.measure(model, x, y, LOSS, clip_value=1e-30)["clipped_fraction"] > 0.9
    # ...and no clip changes none.
    assert diagnostics.measure(model, x, y, LOSS)["clipped_fraction"] == 0.0


def test_clip_value_fraction_is_zero_when_huge_and_positive_when_tiny():
    model, (x, y) = deep_sigmoid_model(), probe_batch()
    huge = diagnostics.measure(model, x, y, LOSS, clip_value=1e6)
    tiny = diagnostics.measure(model, x, y, LOSS, clip_value=1e-12)
    assert huge["clipped_fraction"] == 0.0
    assert tiny["clipped_fraction"] > 0.5
    assert 0.0 < tiny["clipped_fraction_output"] <= 1.0


def test_clip_value_counts_elements_above_the_value():
    model, (x, y) = deep_sigmoid_model(depth=2), probe_batch()
    norm = diagnostics.measure(model, x, y, LOSS)["grad_norm_output"]
    # A value well under the kernel's norm clips its large elements and spares its small ones.
    columns = diagnostics.measure(model, x, y, LOSS, clip_value=norm / 10)
    assert 0.0 < columns["clipped_fraction_output"] < 1.0


def test_clip_norm_scales_each_variable_by_its_own_norm_as_keras_does():
    # Keras 3 `clipnorm` is per variable (global clipping is `global_clipnorm`).
    optimizer = keras.optimizers.Adam(clipnorm=1.0)
    large, small = keras.ops.ones((4,)) * 10.0, keras.ops.ones((4,)) * 0.1
    clipped_large, clipped_small = optimizer._clip_gradients([large, small])
    assert np.allclose(keras.ops.convert_to_numpy(clipped_small), 0.1)
    assert np.linalg.norm(keras.ops.convert_to_numpy(clipped_large)) == pytest.approx(1.0)


def test_clip_norm_marks_whole_variables_whose_norm_exceeds_it():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, use_bias=False, name="hidden"),
            layers.Activation("sigmoid", name="act_hidden"),
            layers.Dense(3, use_bias=False, activation="softmax", name="output"),
        ]
    )
    x, y = probe_batch()
    norms = diagnostics.measure(model, x, y, LOSS)
    low, high = sorted([norms["grad_norm_hidden"], norms["grad_norm_output"]])
    assert low < high
    between = diagnostics.measure(model, x, y, LOSS, clip_norm=(low + high) / 2)
    larger = "hidden" if norms["grad_norm_hidden"] == high else "output"
    smaller = "output" if larger == "hidden" else "hidden"
    assert between[f"clipped_fraction_{larger}"] == 1.0
    assert between[f"clipped_fraction_{smaller}"] == 0.0
    assert 0.0 < between["clipped_fraction"] < 1.0
    assert diagnostics.measure(model, x, y, LOSS, clip_norm=1e6)["clipped_fraction"] == 0.0
    assert diagnostics.measure(model, x, y, LOSS, clip_norm=1e-12)["clipped_fraction"] == 1.0


def test_both_clips_at_once_is_an_error():
    with pytest.raises(ValueError, match="only one"):
        diagnostics.measure(deep_sigmoid_model(depth=1), *probe_batch(), LOSS, clip_value=1.0, clip_norm=1.0)


def test_measure_leaves_weights_and_seed_generators_unchanged():
    model = small_cnn()
    model.compile(optimizer=keras.optimizers.Adam(clipvalue=0.5), loss=LOSS)
    before = [np.array(variable.numpy()) for variable in model.variables]
    seed_states = [v for v in model.non_trainable_variables if "seed_generator" in v.path]
    assert len(seed_states) == 2  # One per dropout layer, so the check below means something.
    diagnostics.measure(model, *image_probe(), LOSS, clip_value=0.5)
    after = [np.array(variable.numpy()) for variable in model.variables]
    assert all(np.array_equal(b, a) for b, a in zip(before, after))
    assert int(model.optimizer.iterations.numpy()) == 0


def test_measure_is_deterministic():
    model, probe = small_cnn(), image_probe()
    assert diagnostics.measure(model, *probe, LOSS) == diagnostics.measure(model, *probe, LOSS)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.function tracing")
def test_measure_traces_once_per_model():
    model, probe = small_cnn(), image_probe()
    for clip_value in (None, 0.5, 1e-3):
        diagnostics.measure(model, *probe, LOSS, clip_value=clip_value)
    step = diagnostics._compiled_step(model, LOSS)[0]
    assert step.experimental_get_tracing_count() == 1


def test_the_mlps_nine_weighted_and_eight_activation_layers_are_each_measured():
    model = keras_model.build_model(activations.get("gelu"), ExperimentConfig(model="mlp"))
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype("float32")
    y = np.eye(10, dtype="float32")[np.arange(16) % 10]
    columns = diagnostics.measure(model, x, y, keras.losses.CategoricalCrossentropy(), clip_value=0.5)
    assert sorted(name for name in columns if name.startswith("grad_norm_")) == sorted(
        [f"grad_norm_dense{number}" for number in range(1, 9)] + ["grad_norm_output"]
    )
    for number in range(1, 9):
        assert 0 <= columns[f"dead_fraction_act_dense{number}"] <= 1
        assert columns[f"act_std_act_dense{number}"] > 0

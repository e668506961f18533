"""The activation registry and the model built from it."""

import keras
import numpy as np
import pytest

import activations
from activation_comparison.setup import data, networks
from activation_comparison.results import history_files
from activation_comparison.training import keras_model
from activation_comparison.setup.config import ExperimentConfig

ARTICLE_PARAMETERS = 1_199_882  # Keras' mnist_cnn.py, as the article uses it.
# The GELU paper's MLP: 784*128 + 128, then 7 x (128*128 + 128), then 128*10 + 10.
GELU_PAPER_MLP_PARAMETERS = 217_354
MLP = ExperimentConfig(model="mlp")


def test_the_default_run_compares_the_six_activations_of_the_article():
    assert activations.DEFAULT_ACTIVATIONS == ("sigmoid", "relu", "elu", "leaky_relu", "selu", "gelu")
    assert set(activations.DEFAULT_ACTIVATIONS) <= set(activations.ACTIVATIONS)
    assert ExperimentConfig().activations == activations.DEFAULT_ACTIVATIONS


def test_the_registry_holds_the_article_six_and_the_wide_sets_four():
    assert tuple(activations.ACTIVATIONS) == (*activations.DEFAULT_ACTIVATIONS, "swish", "mish", "softplus", "tanh")
    assert activations.ACTIVATION_SETS["wide"] == tuple(activations.ACTIVATIONS)
    assert activations.ACTIVATION_SETS["article"] == activations.DEFAULT_ACTIVATIONS


def test_a_set_name_stands_for_its_activations_and_names_its_folder():
    assert ExperimentConfig(activations=("wide",)).activations == activations.ACTIVATION_SETS["wide"]
    assert ExperimentConfig(activations=("article", "tanh")).activations[-1] == "tanh"
    assert activations.set_name(reversed(activations.DEFAULT_ACTIVATIONS)) == "article"
    assert activations.set_name(("relu", "gelu")) == "relu+gelu"


def test_registering_an_activation_changes_no_default_run(monkeypatch):
    extra = activations.ActivationSpec("celu", activations.ACTIVATIONS["relu"].function, "CELU", "#000000")
    monkeypatch.setitem(activations.ACTIVATIONS, "celu", extra)
    assert "celu" not in ExperimentConfig().activations
    assert ExperimentConfig(activations=("relu", "celu")).activations == ("relu", "celu")


def test_every_activation_has_its_own_colour():
    colours = [spec.color for spec in activations.ACTIVATIONS.values()]
    colours += [activations.get(name).color for name in ("celu", "exponential", "hard_shrink")]
    assert len(set(colours)) == len(colours)


def test_unknown_activation_error_names_the_valid_choices():
    with pytest.raises(ValueError, match="unknown activation 'relu7'.*sigmoid, relu, elu"):
        activations.get("relu7")


@pytest.mark.parametrize("name", ["silu", "celu", "hard_tanh"])
def test_keras_builtin_activations_get_default_settings(name):
    spec = activations.get(name)
    assert spec.kernel_initializer is None  # The network's own.
    assert spec.dropout_layer is keras.layers.Dropout
    x = np.array([-1.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(
        activations.evaluate(spec, x), keras.ops.convert_to_numpy(keras.activations.get(name)(x)), rtol=1e-6
    )


def test_softmax_is_not_offered_as_an_elementwise_activation():
    with pytest.raises(ValueError):
        activations.get("softmax")


@pytest.mark.parametrize("name", [*activations.ACTIVATIONS, "swish"])
def test_model_has_the_articles_parameter_count(name):
    model = keras_model.build_model(activations.get(name))
    assert model.count_params() == ARTICLE_PARAMETERS


# The small networks of the MNIST-1D and digits tasks, with the inputs of their datasets:
# cnn1d 1*5*32+32, then 2 x (32*3*32+32), then 5*32*10+10; mlp_small 64*64+64, 64*64+64, 64*10+10.
SMALL_NETWORKS = {"cnn1d": (8_010, "mnist1d"), "mlp_small": (8_970, "digits")}


def test_every_network_has_a_one_line_description_and_its_pinned_parameter_count():
    pinned = {"cnn": ARTICLE_PARAMETERS, "mlp": GELU_PAPER_MLP_PARAMETERS} | {
        name: count for name, (count, _) in SMALL_NETWORKS.items()}
    assert set(networks.NETWORKS) == set(pinned)
    for name, spec in networks.NETWORKS.items():
        assert spec.description and "\n" not in spec.description
        assert f"{pinned[name]:,} parameters" in spec.description
        dataset = SMALL_NETWORKS.get(name, (None, "mnist"))[1]
        for activation in ("relu", "selu"):
            model = keras_model.build_model(activations.get(activation), ExperimentConfig(model=name, dataset=dataset))
            assert model.count_params() == pinned[name]


def test_mlp_has_eight_hidden_layers_of_128_units_each_followed_by_its_activation():
    model = keras_model.build_model(activations.get("gelu"), MLP)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [128] * 8 + [10]
    names = [layer.name for layer in model.layers]
    for layer in dense[:-1]:
        assert isinstance(model.layers[names.index(layer.name) + 1], keras.layers.Activation)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)  # Dropout 0.


def test_mlp_weights_are_unit_norm_gaussian_per_unit_and_biases_zero():
    keras.utils.set_random_seed(3)
    model = keras_model.build_model(activations.get("relu"), MLP)
    for layer in [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]:
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        # Each unit's incoming weight vector (a column) has length 1 ...
        np.testing.assert_allclose(np.linalg.norm(kernel, axis=0), 1.0, rtol=1e-5)
        # ... and points in a Gaussian direction: its entries, scaled back by sqrt(fan-in),
        # have unit variance (a uniform or truncated draw would not have kurtosis 3).
        scaled = kernel * np.sqrt(kernel.shape[0])
        assert 0.9 < scaled.std() < 1.1 and abs(np.mean(scaled**4) / np.mean(scaled**2) ** 2 - 3) < 0.3
        assert not keras.ops.convert_to_numpy(layer.bias).any()


def test_mlp_dropout_follows_every_hidden_layer_and_selu_keeps_lecun_normal_and_alpha_dropout():
    config = ExperimentConfig(model="mlp", dropout=0.5)
    relu = keras_model.build_model(activations.get("relu"), config)
    assert [layer.rate for layer in relu.layers if isinstance(layer, keras.layers.Dropout)] == [0.5] * 8
    selu = keras_model.build_model(activations.get("selu"), config)
    dropouts = [layer for layer in selu.layers if "dropout" in layer.name]
    assert len(dropouts) == 8 and all(isinstance(layer, keras.layers.AlphaDropout) for layer in dropouts)
    assert isinstance(selu.get_layer("dense3").kernel_initializer, keras.initializers.LecunNormal)
    assert isinstance(selu.get_layer("output").kernel_initializer, networks.UnitNormGaussian)


def test_dropout_replaces_both_cnn_rates_and_the_mlps_own_rate_names_the_same_network():
    model = keras_model.build_model(activations.get("relu"), ExperimentConfig(dropout=0.1))
    assert [model.get_layer(name).rate for name in ("dropout1", "dropout2")] == [0.1, 0.1]
    assert ExperimentConfig(model="mlp", dropout=0.0) == MLP
    assert MLP.run_name() == "mnist-mlp-e12-b128-lr0.001-clipvalue0.5-cce-val0.1"
    assert ExperimentConfig(model="mlp", dropout=0.5).run_name().endswith("-val0.1-dropout0.5")


@pytest.mark.slow
def test_loss_without_dropout_is_the_inference_loss_of_each_batch_before_its_update(mnist_arrays):
    x = data.prepare_images(mnist_arrays["x_train"][:256])
    y = data.one_hot(mnist_arrays["y_train"][:256])
    config = ExperimentConfig(model="mlp", dropout=0.5, loss_without_dropout=True, learning_rate=0.01)
    keras.utils.set_random_seed(0)
    model = keras_model.compile_model(keras_model.build_model(activations.get("relu"), config), config)
    loss = keras.losses.CategoricalCrossentropy()
    for start in (0, 128):
        batch_x, batch_y = x[start:start + 128], y[start:start + 128]
        # Measured independently, on the weights this batch's step starts from.
        expected = float(loss(batch_y, model(batch_x, training=False)))
        logs = model.train_on_batch(batch_x, batch_y, return_dict=True)  # Metrics of this batch.
        assert logs["loss_without_dropout"] == pytest.approx(expected, rel=1e-5)
        assert logs["loss"] != pytest.approx(expected, rel=1e-3)  # Dropout changes the loss.


def test_selu_model_uses_lecun_normal_weights_and_alpha_dropout():
    model = keras_model.build_model(activations.get("selu"))
    for layer_name in ("conv1", "conv2", "dense1"):
        initializer = model.get_layer(layer_name).kernel_initializer
        assert isinstance(initializer, keras.initializers.LecunNormal)
    dropouts = [model.get_layer("dropout1"), model.get_layer("dropout2")]
    assert all(isinstance(layer, keras.layers.AlphaDropout) for layer in dropouts)
    assert [layer.rate for layer in dropouts] == [0.25, 0.5]


def test_relu_model_uses_glorot_weights_and_plain_dropout():
    model = keras_model.build_model(activations.get("relu"))
    assert isinstance(model.get_layer("dense1").kernel_initializer, keras.initializers.GlorotUniform)
    assert type(model.get_layer("dropout2")) is keras.layers.Dropout


def test_the_activation_follows_both_convolutions_and_the_hidden_dense_layer():
    model = keras_model.build_model(activations.get("elu"))
    names = [layer.name for layer in model.layers]
    for weighted in ("conv1", "conv2", "dense1"):
        following = model.layers[names.index(weighted) + 1]
        assert isinstance(following, keras.layers.Activation)
        assert following.activation is activations.ACTIVATIONS["elu"].function
    assert model.get_layer("output").activation is keras.activations.softmax


def test_default_config_reproduces_the_articles_optimiser():
    model = keras_model.compile_model(keras_model.build_model(activations.get("relu")), ExperimentConfig())
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.clipvalue == 0.5
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)


def test_binary_crossentropy_still_reports_classification_accuracy():
    config = ExperimentConfig(loss="binary_crossentropy")
    model = keras_model.compile_model(keras_model.build_model(activations.get("relu")), config)
    x = np.zeros((4, 28, 28, 1), np.float32)
    # The untrained model predicts some class for all four blank images; the labels say
    # class 0 for each, so top-1 accuracy is 1 or 0 while binary accuracy is ~0.9.
    y = data.one_hot(np.zeros(4, int))
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    assert scores["accuracy"] in (0.0, 1.0)
    assert 0.7 < scores["binary_accuracy"] < 1.0


def test_run_name_differs_for_another_clip_value_but_not_for_seeds_or_activations():
    base = ExperimentConfig()
    assert base.run_name() == "mnist-e12-b128-lr0.001-clipvalue0.5-cce-val0.1"
    assert ExperimentConfig(clip_value=1.0).run_name() != base.run_name()
    assert ExperimentConfig(clip_value=None, clip_norm=1.0).run_name().endswith("clipnorm1-cce-val0.1")
    assert ExperimentConfig(seeds=5, activations=("relu",)).run_name() == base.run_name()


def test_history_columns_put_the_articles_binary_accuracy_beside_top1_accuracy():
    config = ExperimentConfig(loss="binary_crossentropy")
    columns = history_files.history_columns(config, [{"epoch": 0, "grad_norm_conv1": 0.1}])
    assert columns == [
        "epoch", "loss", "accuracy", "binary_accuracy", "val_loss", "val_accuracy",
        "val_binary_accuracy", "seconds", "grad_norm_conv1",
    ]  # fmt: skip
    assert "binary_accuracy" not in history_files.history_columns(ExperimentConfig(), [])

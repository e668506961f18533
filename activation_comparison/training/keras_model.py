"""The Keras model of one run: the network `config.model` with one activation, its
optimiser (Adam, with the run's clipping) and its loss and metrics."""

import keras

import activations
from activation_comparison.setup import datasets, losses, networks
from activation_comparison.setup.config import ExperimentConfig


class Network(keras.Sequential):
    """A Sequential network that can also measure, on every training batch and before the
    batch's update, the loss of the same network without dropout (inference mode), as the
    GELU paper plots it. That forward pass draws no random numbers and updates nothing, so
    it does not change what is trained; it is one more forward pass per step, so it runs
    only when asked for (`inference_loss`, the training loss object, or None).
    """

    def __init__(self, *args, inference_loss=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inference_loss = inference_loss
        self.loss_without_dropout = None if inference_loss is None else keras.metrics.Mean(name="loss_without_dropout")

    def train_step(self, data):
        if self.inference_loss is not None:
            x, y = data[0], data[1]
            self.loss_without_dropout.update_state(self.inference_loss(y, self(x, training=False)))
        return super().train_step(data)

    def test_step(self, data):
        # Validation measures no training batch: leave the training-only column out.
        logs = super().test_step(data)
        return {name: value for name, value in logs.items() if name != "loss_without_dropout"}


def build_model(spec: activations.ActivationSpec, config: ExperimentConfig | None = None,
                input_shape: tuple[int, ...] | None = None) -> keras.Model:  # fmt: skip
    """The network `config.model` (the CNN by default) with `spec` deciding the activation,
    for inputs of `input_shape` (default: the registered shape of `config.dataset`)."""
    config = config or ExperimentConfig()
    network = networks.get(config.model)
    shape = input_shape or datasets.get(config.dataset).input_shape
    return Network(
        [networks.input_layer(shape), *network.make_layers(spec, config.dropout)],
        name=f"{network.name}_{spec.name}",
        inference_loss=losses.get(config.loss).make() if config.loss_without_dropout else None,
    )


def make_optimizer(config: ExperimentConfig) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(
        learning_rate=config.learning_rate,
        clipvalue=config.clip_value,
        clipnorm=config.clip_norm,
    )


def compile_model(model: keras.Model, config: ExperimentConfig) -> keras.Model:
    # Accuracy is always top-1 classification accuracy, whatever the loss.
    loss = losses.get(config.loss)
    model.compile(optimizer=make_optimizer(config), loss=loss.name, metrics=losses.metrics(loss))
    return model

"""One (activation, seed) run: the model, its training loop and its test score.

`train_run` is a function of plain values that returns the run's record (its history
dict). It knows nothing about who called it; the caller decides where the checkpoint lives
and what happens to each epoch's partial record.
"""

import time
from pathlib import Path
from typing import Callable

import keras
import numpy as np
from keras import layers

import activations
from activation_comparison import checkpoints, diagnostics, hardware, losses, storage
from activation_comparison.config import ExperimentConfig
from activation_comparison.data import IMAGE_SHAPE, NUM_CLASSES, Split

# Validation and test passes need no gradients, so they can use far larger batches than
# training; the batch size does not change what they compute.
EVALUATION_BATCH_SIZE = 1000


def build_model(spec: activations.ActivationSpec) -> keras.Model:
    """The article's CNN (Keras' classic mnist_cnn.py), with `spec` deciding the activation.

    The activation is a layer of its own after each convolution and the hidden dense
    layer, so that diagnostics can read its input and output; this adds no parameters.
    """
    dense_options = {"kernel_initializer": spec.kernel_initializer}
    return keras.Sequential(
        [
            keras.Input(shape=(*IMAGE_SHAPE, 1)),
            layers.Conv2D(32, 3, name="conv1", **dense_options),
            layers.Activation(spec.function, name="act_conv1"),
            layers.Conv2D(64, 3, name="conv2", **dense_options),
            layers.Activation(spec.function, name="act_conv2"),
            layers.MaxPooling2D(2, name="pool"),
            spec.dropout_layer(0.25, name="dropout1"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, name="dense1", **dense_options),
            layers.Activation(spec.function, name="act_dense1"),
            spec.dropout_layer(0.5, name="dropout2"),
            # Softmax and loss in float32 whatever the precision policy, as Keras advises.
            layers.Dense(NUM_CLASSES, activation="softmax", name="output", dtype="float32"),
        ],
        name=f"cnn_{spec.name}",
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


def make_deterministic() -> None:
    """Same seed, same numbers: ask the backend for deterministic kernels."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # Every run builds a fresh model, which TensorFlow reports as "retracing".
        tf.get_logger().setLevel("ERROR")
    elif keras.backend.backend() == "torch":
        import torch

        torch.use_deterministic_algorithms(True)


class EpochProgress(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, numbered against the whole run although each fit() call
    trains one epoch."""

    def __init__(self, total_epochs: int):
        super().__init__()
        self.total_epochs = total_epochs

    def set_params(self, params):
        super().set_params({**params, "epochs": self.total_epochs})


class EpochLine(keras.callbacks.Callback):
    """One line per finished epoch, prefixed with its run, for runs that share a terminal."""

    def __init__(self, prefix: str, total_epochs: int):
        super().__init__()
        self.prefix = prefix
        self.total_epochs = total_epochs

    def on_epoch_end(self, epoch, logs=None):
        scores = ", ".join(
            f"{name} {value:.4f}"
            for name, value in (logs or {}).items()
            if name in ("loss", "accuracy", "val_loss", "val_accuracy")
        )
        print(f"{self.prefix} epoch {epoch + 1}/{self.total_epochs}: {scores}", flush=True)


def diagnostics_probe(config: ExperimentConfig, split: Split):
    """The same first validation images for every activation and seed, and one loss object
    for the whole run (so the probe step is traced once), or None without diagnostics."""
    if not config.diagnostics:
        return None
    count = config.probe_size
    return split.x_val[:count], split.y_val[:count], losses.get(config.loss).make()


def measure_diagnostics(model, config: ExperimentConfig, probe) -> dict:
    started = time.perf_counter()
    values = diagnostics.measure(
        model, *probe, clip_value=config.clip_value, clip_norm=config.clip_norm
    )
    values = {name: storage.finite_or_none(value) for name, value in values.items()}
    values["diagnostics_seconds"] = round(time.perf_counter() - started, 3)
    return values


def restore(checkpoint: Path, model):
    """(best_weights, state) from the checkpoint, or None to start from epoch 1.

    A damaged checkpoint is never used silently: the run says so and starts again.
    """
    if not checkpoint.exists():
        return None
    try:
        return checkpoints.load_checkpoint(checkpoint, model)
    except ValueError as error:
        print(f"checkpoint {checkpoint} is {error}; restarting this run from epoch 1", flush=True)
        checkpoint.unlink(missing_ok=True)
        return None


def train_run(
    config: ExperimentConfig,
    spec: activations.ActivationSpec,
    seed: int,
    split: Split,
    checkpoint: Path,
    save_progress: Callable[[dict], None],
    verbose=2,
    callbacks: tuple = (),
) -> dict:
    """Train one (activation, seed) run to the end, resuming from `checkpoint` if any.

    Each epoch sees the training images in an order drawn from (seed, epoch) alone, and
    the checkpoint holds every variable that changes during training, so a resumed run
    computes exactly what an uninterrupted one would. `save_progress(record)` is called
    after every epoch but the last, with the checkpoint already saved.
    """
    x_train, y_train = split.x_train, split.y_train
    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(config.precision)
    keras.utils.set_random_seed(seed)
    model = compile_model(build_model(spec), config)
    probe = diagnostics_probe(config, split)

    restored = restore(checkpoint, model)
    if restored is not None:
        best_weights, state = restored
    else:
        best_weights, state = None, {"rows": [], "best_epoch": None, "best_val_loss": None}
        if probe is not None:
            state["rows"].append({"epoch": 0, **measure_diagnostics(model, config, probe)})
    rows = state["rows"]
    record = {
        "activation": spec.name,
        "seed": seed,
        "status": "running",
        "diverged_epoch": None,
        "best_epoch": state["best_epoch"],
        "test_loss": None,
        "test_accuracy": None,
        "intra_op_threads": hardware.intra_op_threads(),
        "epochs": rows,
    }
    start_epoch = max((row["epoch"] for row in rows), default=0) + 1
    if restored is not None:
        print(f"resuming after epoch {start_epoch - 1} from {checkpoint}", flush=True)
    for epoch in range(start_epoch, config.epochs + 1):
        order = np.random.default_rng([seed, epoch]).permutation(len(x_train))
        started = time.perf_counter()
        history = model.fit(
            x_train[order],
            y_train[order],
            batch_size=config.batch_size,
            epochs=epoch,
            initial_epoch=epoch - 1,
            shuffle=False,
            validation_data=(split.x_val, split.y_val),
            validation_batch_size=EVALUATION_BATCH_SIZE,
            callbacks=[keras.callbacks.TerminateOnNaN(), EpochProgress(config.epochs), *callbacks],
            verbose=verbose,
        )
        row = {"epoch": epoch, **{k: storage.finite_or_none(v[-1]) for k, v in history.history.items()}}
        row["seconds"] = round(time.perf_counter() - started, 3)
        if row.get("loss") is None or row.get("val_loss") is None:
            rows.append(row)
            record.update(status="diverged", diverged_epoch=epoch)
            break
        if probe is not None:
            row |= measure_diagnostics(model, config, probe)
        rows.append(row)
        if state["best_val_loss"] is None or row["val_loss"] < state["best_val_loss"]:
            state.update(best_epoch=epoch, best_val_loss=row["val_loss"])
            best_weights = [np.asarray(w) for w in model.get_weights()]
        record["best_epoch"] = state["best_epoch"]
        if epoch < config.epochs:
            checkpoints.save_checkpoint(checkpoint, model, best_weights, state)
            save_progress(record)

    if record["status"] == "running":
        record["status"] = "finished"
        # The test set is scored once, with the weights of the best validation-loss epoch.
        model.set_weights(best_weights)
        scores = model.evaluate(
            split.x_test, split.y_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0, return_dict=True
        )
        record |= {f"test_{name}": storage.finite_or_none(value) for name, value in scores.items()}
    return record

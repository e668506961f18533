"""One (activation, seed) run: its training loop and its test score (the model is
`keras_model`'s).

`train_run` is a function of plain values that returns the run's record (its history
dict). It knows nothing about who called it; the caller decides where the checkpoint lives
and what happens to each epoch's partial record.
"""

import time
from pathlib import Path
from typing import Callable

import keras
import numpy as np

import activations
from activation_comparison.training import checkpoints, diagnostics, input_pipeline, keras_model
from activation_comparison.setup import hardware, losses
from activation_comparison.results import storage
from activation_comparison.setup.config import ExperimentConfig
from activation_comparison.setup.data import Split

# Validation and test passes need no gradients, so they can use far larger batches than
# training; the batch size does not change what they compute.
EVALUATION_BATCH_SIZE = 1000


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


class EpochRecorder(keras.callbacks.Callback):
    """Turns each finished epoch into a history row, inside the run's one `fit()` call.

    At the end of an epoch it records the scores and the time of each part of the epoch
    (training steps, validation, diagnostics, saving), stops training when the run
    diverges, keeps the weights of the lowest validation loss, and saves the checkpoint
    and the partial record for every epoch but the last. `seconds` is the epoch's whole
    wall time, from the end of the one before (or from the start of training), so that a
    wait in none of the parts still shows as a gap between the two.
    """

    def __init__(self, config, record, state, best_weights, probe, checkpoint, save_progress):
        super().__init__()
        self.config = config
        self.record = record
        self.state = state
        self.best_weights = best_weights
        self.probe = probe
        self.checkpoint = checkpoint
        self.save_progress = save_progress
        self.marks: dict[str, float] = {}

    def on_train_begin(self, logs=None):
        # The first epoch's wall time counts from here, after fit() has built its input
        # pipeline: that set-up belongs to the run, not to an epoch.
        self.marks = {"previous_end": time.perf_counter()}

    def on_epoch_begin(self, epoch, logs=None):
        self.marks["epoch_begin"] = time.perf_counter()

    def on_test_begin(self, logs=None):
        self.marks["validation_begin"] = time.perf_counter()

    def on_test_end(self, logs=None):
        self.marks["validation_end"] = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        epoch += 1  # Keras counts from 0, the histories from 1 (0 is before training).
        marks = self.marks
        row = {"epoch": epoch, **{name: storage.finite_or_none(value) for name, value in (logs or {}).items()}}
        row["train_seconds"] = seconds_between(marks, "epoch_begin", "validation_begin")
        row["validation_seconds"] = seconds_between(marks, "validation_begin", "validation_end")
        rows = self.state["rows"]
        if row.get("loss") is None or row.get("val_loss") is None:
            self.model.stop_training = True
            self.record.update(status="diverged", diverged_epoch=epoch)
        else:
            if self.probe is not None:
                row |= measure_diagnostics(self.model, self.config, self.probe)
            if self.state["best_val_loss"] is None or row["val_loss"] < self.state["best_val_loss"]:
                self.state.update(best_epoch=epoch, best_val_loss=row["val_loss"])
                self.best_weights = [np.asarray(w) for w in self.model.get_weights()]
            self.record["best_epoch"] = self.state["best_epoch"]
        rows.append(row)
        saving_started = time.perf_counter()
        # The checkpoint's copy of this row, which a resumed run keeps, cannot hold the
        # time of its own saving: it gets the epoch's time up to the saving, and the
        # uninterrupted run's row is completed below.
        row["checkpoint_seconds"] = 0.0
        row["seconds"] = round(saving_started - marks["previous_end"], 3)
        if self.record["status"] == "running" and epoch < self.config.epochs:
            checkpoints.save_checkpoint(self.checkpoint, self.model, self.best_weights, self.state)
            self.save_progress(self.record)
        end = time.perf_counter()
        row["checkpoint_seconds"] = round(end - saving_started, 3)
        row["seconds"] = round(end - marks["previous_end"], 3)
        marks["previous_end"] = end
        # Callbacks after this one (TensorBoard) see the row's other columns too; the
        # progress bar comes before it, so its line stays short.
        if logs is not None:
            logs.update({name: value for name, value in row.items()
                         if name not in logs and name != "epoch" and value is not None})  # fmt: skip


def seconds_between(marks: dict, start: str, end: str) -> float | None:
    if start not in marks or end not in marks:
        return None
    return round(marks[end] - marks[start], 3)


def test_predictions(model, split: Split) -> dict:
    """Per test image: its label, the predicted class, and the probability of the label."""
    probabilities = np.asarray(
        model.predict(input_pipeline.evaluation_batches(split.x_test, split.y_test, EVALUATION_BATCH_SIZE), verbose=0),
        dtype=np.float64,
    )
    labels = np.argmax(split.y_test, axis=1)
    return {
        "label": labels.tolist(),
        "predicted": np.argmax(probabilities, axis=1).tolist(),
        "p_true": probabilities[np.arange(len(labels)), labels].tolist(),
    }


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
    after every epoch but the last, with the checkpoint already saved. A finished run's
    record carries its per-image test predictions (`test_predictions`).
    """
    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(config.precision)
    keras.utils.set_random_seed(seed)
    model = keras_model.compile_model(keras_model.build_model(spec, config, split.x_train.shape[1:]), config)
    probe = diagnostics_probe(config, split)

    restored = restore(checkpoint, model)
    if restored is not None:
        best_weights, state = restored
    else:
        best_weights, state = None, {"rows": [], "best_epoch": None, "best_val_loss": None}
        if probe is not None:
            state["rows"].append({"epoch": 0, **measure_diagnostics(model, config, probe)})
    record = {
        "activation": spec.name,
        "seed": seed,
        "status": "running",
        "diverged_epoch": None,
        "best_epoch": state["best_epoch"],
        "test_loss": None,
        "test_accuracy": None,
        "intra_op_threads": hardware.intra_op_threads(),
        # Which CPU and library versions computed it: a folder resumed elsewhere says which ran where.
        "machine": hardware.machine_and_versions(),
        "epochs": state["rows"],
    }
    start_epoch = max((row["epoch"] for row in state["rows"]), default=0) + 1
    if restored is not None:
        print(f"resuming after epoch {start_epoch - 1} from {checkpoint}", flush=True)
    recorder = EpochRecorder(config, record, state, best_weights, probe, checkpoint, save_progress)
    if start_epoch <= config.epochs:
        # One fit() for the whole run: one input pipeline, built once (input_pipeline.py).
        model.fit(
            input_pipeline.training_batches(
                split.x_train, split.y_train, seed, range(start_epoch, config.epochs + 1), config.batch_size
            ),
            epochs=config.epochs,
            initial_epoch=start_epoch - 1,
            steps_per_epoch=input_pipeline.batches_per_epoch(len(split.x_train), config.batch_size),
            shuffle=False,
            validation_data=input_pipeline.evaluation_batches(split.x_val, split.y_val, EVALUATION_BATCH_SIZE),
            callbacks=[keras.callbacks.TerminateOnNaN(), keras.callbacks.ProgbarLogger(), recorder, *callbacks],
            verbose=verbose,
        )

    if record["status"] == "running":
        record["status"] = "finished"
        # The test set is scored once, with the weights of the best validation-loss epoch.
        model.set_weights(recorder.best_weights)
        started = time.perf_counter()
        scores = model.evaluate(
            input_pipeline.evaluation_batches(split.x_test, split.y_test, EVALUATION_BATCH_SIZE),
            verbose=0,
            return_dict=True,
        )
        record |= {f"test_{name}": storage.finite_or_none(value) for name, value in scores.items()}
        record["test_predictions"] = test_predictions(model, split)
        record["test_seconds"] = round(time.perf_counter() - started, 3)
    return record

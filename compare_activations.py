"""Which activation function trains the classic Keras MNIST CNN best, and why.

`python compare_activations.py --epochs 12` trains the same CNN once per activation and
seed, scores each run once on the untouched test set, and writes histories, a summary and
figures to `results/<run-name>/`. The activation is the only scientific variable; the data
split, model, optimiser, clipping and epochs are fixed by `ExperimentConfig` and recorded in
`config.json` beside the results.

This reproduces "From ReLU to GELU" (Casper Hansen, 2019) without its bugs: accuracy is
top-1 classification accuracy (not binary accuracy), validation data is held out from the
training images (the test set is never seen during training), runs are seeded and
repeatable, and everything is saved.
"""

import argparse
import contextlib
import csv
import dataclasses
import fcntl
import gzip
import hashlib
import io
import json
import math
import os
import platform
import shlex
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# TensorFlow logs oneDNN, CUDA and tf.data notices at start-up that are not about this
# experiment; set TF_CPP_MIN_LOG_LEVEL=0 to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

import activations  # noqa: E402
import diagnostics  # noqa: E402
import plotting  # noqa: E402

NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
# Validation and test passes need no gradients, so they can use far larger batches than
# training; the batch size does not change what they compute.
EVALUATION_BATCH_SIZE = 1000
FASHION_MNIST_DEBIAN = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
LOSSES = ("categorical_crossentropy", "binary_crossentropy")
FINAL_STATUSES = ("finished", "diverged")


class UsageError(Exception):
    """Bad flags or data: the message says what was wrong and what to do."""


@dataclass(frozen=True)
class ExperimentConfig:
    """Every setting of one comparison; the activation is the only scientific variable."""

    activations: tuple[str, ...] = activations.DEFAULT_ACTIVATIONS
    seeds: int = 1  # Seeds 0..seeds-1 for every activation.
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 1e-3
    clip_value: float | None = 0.5  # Adam(clipvalue=...), as in the article.
    clip_norm: float | None = None  # Adam(clipnorm=...): each gradient's L2 norm.
    loss: str = "categorical_crossentropy"
    validation_split: float = 0.1
    train_limit: int | None = None
    dataset: str = "mnist"
    diagnostics: bool = True
    probe_size: int = 512

    def run_name(self) -> str:
        """A readable folder name from the settings that change what a run computes.

        Activations and seeds are left out on purpose: adding either to a configuration
        trains only the new runs and keeps the finished ones.
        """
        if self.clip_value is not None:
            clip = f"clipvalue{self.clip_value:g}"
        elif self.clip_norm is not None:
            clip = f"clipnorm{self.clip_norm:g}"
        else:
            clip = "noclip"
        loss = {"categorical_crossentropy": "cce", "binary_crossentropy": "bce"}[self.loss]
        name = (
            f"{self.dataset}-e{self.epochs}-b{self.batch_size}-lr{self.learning_rate:g}"
            f"-{clip}-{loss}-val{self.validation_split:g}"
        )
        if self.train_limit is not None:
            name += f"-n{self.train_limit}"
        return name

    @staticmethod
    def identity(settings: dict) -> dict:
        """The settings, from `asdict` or config.json, that define a run folder."""
        not_identity = ("activations", "seeds", "diagnostics", "probe_size")
        return {key: value for key, value in settings.items() if key not in not_identity}


@dataclass(frozen=True)
class Dataset:
    """Prepared images (float32 in [0, 1], (n, 28, 28, 1)) and integer labels 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str = "arrays"
    file_sha256: str | None = None

    def content_sha256(self) -> str:
        """A hash of the data itself, the same whichever file or loader it came from."""
        digest = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


def prepare_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """Check uint8 (n, 28, 28) images and scale them to float32 in [0, 1], (n, 28, 28, 1)."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise UsageError(f"{name} have shape {images.shape}, expected (n, 28, 28)")
    if images.dtype != np.uint8:
        raise UsageError(f"{name} have dtype {images.dtype}, expected uint8 pixels 0..255")
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def prepare_labels(labels: np.ndarray, count: int, name: str = "labels") -> np.ndarray:
    """Check integer class labels 0..9, one per image, and return them as int64."""
    if labels.ndim != 1:
        raise UsageError(f"{name} have shape {labels.shape}, expected one label per image")
    if not np.issubdtype(labels.dtype, np.integer):
        raise UsageError(f"{name} have dtype {labels.dtype}, expected integer classes 0..9")
    if len(labels) != count:
        raise UsageError(f"{name}: {len(labels)} labels for {count} images")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise UsageError(
            f"{name} range from {labels.min()} to {labels.max()}, expected classes 0..9"
        )
    return labels.astype(np.int64)


def prepare_dataset(arrays: dict, source: str, file_sha256: str | None = None) -> Dataset:
    """Check raw Keras-layout arrays and turn them into a `Dataset`."""
    x_train = prepare_images(arrays["x_train"], f"{source}: training images")
    x_test = prepare_images(arrays["x_test"], f"{source}: test images")
    return Dataset(
        x_train=x_train,
        y_train=prepare_labels(arrays["y_train"], len(x_train), f"{source}: training labels"),
        x_test=x_test,
        y_test=prepare_labels(arrays["y_test"], len(x_test), f"{source}: test labels"),
        source=source,
        file_sha256=file_sha256,
    )


def file_sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_npz(path: Path) -> dict:
    """Read a Keras-layout .npz without ever unpickling."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = sorted(set(IDX_FILES) - set(archive.files))
            if missing:
                raise UsageError(
                    f"{path}: missing arrays {', '.join(missing)}; "
                    "expected x_train, y_train, x_test, y_test as keras.datasets.mnist saves them"
                )
            return {key: archive[key] for key in IDX_FILES}
    except UsageError:
        raise
    except ValueError as error:
        if "pickle" in str(error):
            raise UsageError(
                f"{path}: holds Python objects that need pickle, which is never loaded; "
                "save plain numeric arrays with numpy.savez"
            ) from None
        raise UsageError(f"{path}: not a readable .npz file ({error})") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise UsageError(f"{path}: truncated or corrupt .npz file ({error})") from None


def read_idx(path: Path, expected_dims: int) -> np.ndarray:
    """Read one IDX file (LeCun's format, optionally gzipped) of unsigned bytes."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise UsageError(f"{path}: truncated or corrupt file ({error})") from None
    # The magic number is two zero bytes, a type code (0x08 = unsigned byte) and the
    # number of dimensions.
    magic = raw[:4]
    if len(magic) < 4 or magic[:3] != b"\x00\x00\x08" or magic[3] != expected_dims:
        raise UsageError(
            f"{path}: wrong IDX magic number {magic.hex() or 'none'}, expected "
            f"00000{800 + expected_dims} (unsigned bytes, {expected_dims} dimension(s))"
        )
    header_end = 4 + 4 * expected_dims
    if len(raw) < header_end:
        raise UsageError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(expected_dims))
    body = np.frombuffer(raw, dtype=np.uint8, offset=header_end)
    if body.size != math.prod(shape):
        raise UsageError(
            f"{path}: header says shape {shape} ({math.prod(shape)} bytes) but the file holds "
            f"{body.size} bytes of data; the file is truncated or corrupt"
        )
    return body.reshape(shape)


def find_idx_file(folder: Path, stem: str) -> Path:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"{folder}: no {stem} or {stem}.gz; expected the four IDX files "
        "as distributed by LeCun or Zalando"
    )


def read_idx_folder(folder: Path) -> Dataset:
    paths = {key: find_idx_file(folder, stem) for key, stem in IDX_FILES.items()}
    arrays = {key: read_idx(path, 3 if key.startswith("x") else 1) for key, path in paths.items()}
    return prepare_dataset(arrays, str(folder), file_sha256(*paths.values()))


def load_dataset(dataset: str, data_path: str | None) -> Dataset:
    """Load MNIST or Fashion-MNIST from `data_path`, the Debian package, or Keras' loader."""
    if data_path is not None:
        path = Path(data_path)
        if path.is_dir():
            return read_idx_folder(path)
        if not path.exists():
            raise UsageError(f"--data {path}: no such file or folder")
        if path.suffix != ".npz":
            raise UsageError(f"--data {path}: expected an .npz file or a folder of IDX files")
        return prepare_dataset(read_npz(path), str(path), file_sha256(path))
    if dataset == "fashion_mnist" and FASHION_MNIST_DEBIAN.is_dir():
        return read_idx_folder(FASHION_MNIST_DEBIAN)
    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist}
    try:
        (x_train, y_train), (x_test, y_test) = loader[dataset].load_data()
    except Exception as error:  # Keras raises plain Exception when a download fails.
        raise UsageError(
            f"could not load {dataset} with Keras ({str(error).splitlines()[0][:120]}); "
            "without network access pass --data PATH to a local .npz or folder of IDX files"
        ) from None
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    return prepare_dataset(arrays, f"keras.datasets.{dataset}")


def split_validation(x: np.ndarray, y: np.ndarray, fraction: float):
    """Hold out the last `fraction` of the training images, as Keras' validation_split does.

    The split never depends on the activation or seed, so every run validates on the same
    images.
    """
    count = int(round(len(x) * fraction))
    if count < 1 or count >= len(x):
        raise UsageError(
            f"--validation-split {fraction:g} of {len(x)} training images leaves no training "
            "or no validation images; use more images or another fraction"
        )
    return (x[:-count], y[:-count]), (x[-count:], y[-count:])


# ---------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------


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
            layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
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
    # Accuracy is always top-1 classification accuracy. With binary cross-entropy Keras
    # would otherwise pick binary accuracy (~0.998 for any decent model), the article's
    # mistake; it is kept as a separately named metric so the article can be compared.
    metrics = [keras.metrics.CategoricalAccuracy(name="accuracy")]
    if config.loss == "binary_crossentropy":
        metrics.append(keras.metrics.BinaryAccuracy(name="binary_accuracy"))
    model.compile(optimizer=make_optimizer(config), loss=config.loss, metrics=metrics)
    return model


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


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


# ---------------------------------------------------------------------------------------
# Files: every result is written to a temporary name and renamed into place
# ---------------------------------------------------------------------------------------


def temporary_path(path: Path) -> Path:
    """A hidden sibling of `path` that names this process, so stale ones can be found."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomically(path: Path, text: str) -> None:
    temporary = temporary_path(path)
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path: Path, data) -> None:
    write_atomically(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, buffer.getvalue())


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files left by killed processes; live processes keep theirs."""
    for temporary in folder.rglob(".*.tmp"):
        pid = temporary.name.split(".")[-2]
        if pid.isdigit() and not process_alive(int(pid)):
            temporary.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def file_lock(path: Path, wait: bool = True):
    """An advisory lock; yields False instead of waiting when `wait` is False and it is held."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def finite_or_none(value):
    """JSON has no NaN: a diverged value is written as null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------------------------------
# One (activation, seed) run, resumable after any interruption
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPaths:
    history_json: Path
    history_csv: Path
    checkpoint: Path
    lock: Path

    @classmethod
    def of(cls, run_dir: Path, activation: str, seed: int) -> "RunPaths":
        stem = f"{activation}_seed{seed}"
        return cls(
            history_json=run_dir / "histories" / f"{stem}.json",
            history_csv=run_dir / "histories" / f"{stem}.csv",
            checkpoint=run_dir / "checkpoints" / f"{stem}.npz",
            lock=run_dir / "checkpoints" / f"{stem}.lock",
        )


def read_json(path: Path) -> dict | None:
    """A saved JSON file, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def save_checkpoint(path: Path, model, best_weights, state: dict) -> None:
    """Everything needed to continue bit-for-bit: weights, seed-generator states, Adam's
    moments and step count, the best epoch's weights and the history so far."""
    arrays = {f"model_{i}": np.asarray(v) for i, v in enumerate(model.variables)}
    arrays |= {f"optimizer_{i}": np.asarray(v) for i, v in enumerate(model.optimizer.variables)}
    arrays |= {f"best_{i}": w for i, w in enumerate(best_weights or [])}
    arrays["state"] = np.array(json.dumps(state))
    temporary = temporary_path(path)
    try:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_checkpoint(path: Path, model):
    """Restore a checkpoint into `model`; return (best_weights, state) or None if unusable."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error):
        return None
    model_values = [arrays.get(f"model_{i}") for i in range(len(model.variables))]
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    optimizer_values = [arrays.get(f"optimizer_{i}") for i in range(len(optimizer.variables))]
    if any(v is None for v in model_values + optimizer_values) or "state" not in arrays:
        return None
    for variable, value in zip(model.variables, model_values):
        variable.assign(value)
    for variable, value in zip(optimizer.variables, optimizer_values):
        variable.assign(value)
    count = len(model.weights)
    best = [arrays[f"best_{i}"] for i in range(count)] if "best_0" in arrays else None
    return best, json.loads(str(arrays["state"]))


class EpochProgress(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, numbered against the whole run although each fit() call
    trains one epoch."""

    def __init__(self, total_epochs: int):
        super().__init__()
        self.total_epochs = total_epochs

    def set_params(self, params):
        super().set_params({**params, "epochs": self.total_epochs})


def history_columns(config: ExperimentConfig, rows: list[dict]) -> list[str]:
    # Under binary cross-entropy the article's binary accuracy follows each accuracy.
    binary = ["binary_accuracy"] if config.loss == "binary_crossentropy" else []
    columns = ["epoch", "loss", "accuracy", *binary, "val_loss", "val_accuracy"]
    columns += [f"val_{name}" for name in binary] + ["seconds"]
    extra = []
    for row in rows:
        extra += [key for key in row if key not in columns and key not in extra]
    return columns + extra


def write_history(paths: RunPaths, config: ExperimentConfig, record: dict) -> None:
    rows = record["epochs"]
    write_csv(paths.history_csv, rows, history_columns(config, rows))
    write_json(paths.history_json, record)


@dataclass(frozen=True)
class Split:
    """Training, validation and test data as the model sees them (labels one-hot)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @classmethod
    def of(cls, data: Dataset, config: ExperimentConfig) -> "Split":
        x, y = data.x_train, data.y_train
        if config.train_limit is not None:
            x, y = x[: config.train_limit], y[: config.train_limit]
        (x_train, y_train), (x_val, y_val) = split_validation(x, y, config.validation_split)
        return cls(
            x_train, one_hot(y_train), x_val, one_hot(y_val), data.x_test, one_hot(data.y_test)
        )


LOSS_FUNCTIONS = {
    "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
    "binary_crossentropy": keras.losses.BinaryCrossentropy,
}


def diagnostics_probe(config: ExperimentConfig, split: Split):
    """The same first validation images for every activation and seed, and the training
    loss, or None without diagnostics."""
    if not config.diagnostics:
        return None
    count = config.probe_size
    return split.x_val[:count], split.y_val[:count], LOSS_FUNCTIONS[config.loss]()


def measure_diagnostics(model, config: ExperimentConfig, probe) -> dict:
    started = time.perf_counter()
    values = diagnostics.measure(
        model, *probe, clip_value=config.clip_value, clip_norm=config.clip_norm
    )
    values = {name: finite_or_none(value) for name, value in values.items()}
    values["diagnostics_seconds"] = round(time.perf_counter() - started, 3)
    return values


def train_run(config, spec, seed, split: Split, run_dir: Path, verbose) -> dict:
    """Train one (activation, seed) run to the end, resuming from its checkpoint if any.

    Each epoch sees the training images in an order drawn from (seed, epoch) alone, and
    the checkpoint holds every variable that changes during training, so a resumed run
    computes exactly what an uninterrupted one would.
    """
    x_train, y_train = split.x_train, split.y_train
    paths = RunPaths.of(run_dir, spec.name, seed)
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = compile_model(build_model(spec), config)
    probe = diagnostics_probe(config, split)

    restored = load_checkpoint(paths.checkpoint, model) if paths.checkpoint.exists() else None
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
        "epochs": rows,
    }
    start_epoch = max((row["epoch"] for row in rows), default=0) + 1
    if restored is not None:
        print(f"resuming after epoch {start_epoch - 1} from {paths.checkpoint}", flush=True)
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
            callbacks=[keras.callbacks.TerminateOnNaN(), EpochProgress(config.epochs)],
            verbose=verbose,
        )
        row = {"epoch": epoch, **{k: finite_or_none(v[-1]) for k, v in history.history.items()}}
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
            save_checkpoint(paths.checkpoint, model, best_weights, state)
            write_history(paths, config, record)

    if record["status"] == "running":
        record["status"] = "finished"
    if record["status"] == "finished":
        # The test set is scored once, with the weights of the best validation-loss epoch.
        model.set_weights(best_weights)
        scores = model.evaluate(
            split.x_test, split.y_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0, return_dict=True
        )
        record |= {f"test_{name}": finite_or_none(value) for name, value in scores.items()}
    write_history(paths, config, record)
    paths.checkpoint.unlink(missing_ok=True)
    return record


# ---------------------------------------------------------------------------------------
# The comparison: every (activation, seed) run, then the summary, figures and index
# ---------------------------------------------------------------------------------------


def library_versions() -> dict:
    versions = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "matplotlib": plotting.matplotlib.__version__,
    }
    backend = keras.backend.backend()
    with contextlib.suppress(ImportError):
        versions[backend] = __import__(backend).__version__
    return versions


def prepare_run_dir(results_dir: Path, config: ExperimentConfig, data: Dataset) -> Path:
    """Create the run folder, check it is writable and was made from the same data."""
    run_dir = results_dir / config.run_name()
    previous = read_json(run_dir / "config.json")
    content_sha256 = data.content_sha256()
    if previous and previous.get("data", {}).get("content_sha256") not in (None, content_sha256):
        raise UsageError(
            f"{run_dir} holds results made from different data than {data.source}; "
            "use another --results-dir to keep both"
        )
    try:
        for folder in (run_dir / "histories", run_dir / "checkpoints"):
            folder.mkdir(parents=True, exist_ok=True)
        probe = temporary_path(run_dir / "write-test")
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise UsageError(
            f"results folder {results_dir} is not writable ({error.strerror}); "
            "choose another with --results-dir"
        ) from None
    return run_dir


def write_config(run_dir: Path, config: ExperimentConfig, data: Dataset, command: str) -> None:
    """config.json: the settings, data, versions and every command that added to the folder."""
    previous = read_json(run_dir / "config.json") or {}
    commands = previous.get("commands", []) + [
        {"command": command, "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    ]
    write_json(
        run_dir / "config.json",
        {
            "run_name": config.run_name(),
            "config": dataclasses.asdict(config),
            "data": {
                "source": data.source,
                "file_sha256": data.file_sha256,
                "content_sha256": data.content_sha256(),
                "train_images": len(data.x_train),
                "test_images": len(data.x_test),
            },
            "backend": keras.backend.backend(),
            "versions": library_versions(),
            "commands": commands,
        },
    )


def read_histories(run_dir: Path) -> list[dict]:
    """Every run in the folder that has ended, from this process or any other."""
    histories = []
    for path in sorted((run_dir / "histories").glob("*.json")):
        history = read_json(path)
        if history and history.get("status") in FINAL_STATUSES:
            histories.append(history)
    return histories


def activation_order(names) -> list[str]:
    """Registry order first, then any other activations alphabetically."""
    names = set(names)
    return [n for n in activations.ACTIVATIONS if n in names] + sorted(
        names - set(activations.ACTIVATIONS)
    )


def mean_and_std(values: list[float]):
    """Mean and sample standard deviation (None for fewer than two values)."""
    if not values:
        return None, None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), std


def summarize(histories: list[dict]) -> list[dict]:
    """One row per activation: test scores as mean and std over the finished seeds."""
    rows = []
    for name in activation_order(h["activation"] for h in histories):
        runs = [h for h in histories if h["activation"] == name]
        finished = [h for h in runs if h["status"] == "finished"]
        row = {
            "activation": name,
            "label": activations.get(name).label,
            "seeds_finished": len(finished),
            "seeds_diverged": len(runs) - len(finished),
        }
        metrics = ["test_accuracy", "test_loss"]
        if any("test_binary_accuracy" in h for h in finished):
            metrics.append("test_binary_accuracy")
        for metric in metrics:
            row[f"{metric}_mean"], row[f"{metric}_std"] = mean_and_std(
                [h[metric] for h in finished if h.get(metric) is not None]
            )
        row["best_epoch_mean"], _ = mean_and_std([h["best_epoch"] for h in finished])
        row["seconds_per_epoch"], _ = mean_and_std(
            [r["seconds"] for h in runs for r in h["epochs"] if r.get("seconds") is not None]
        )
        rows.append(row)
    return rows


SUMMARY_COLUMNS = [
    "activation", "label", "seeds_finished", "seeds_diverged",
    "test_accuracy_mean", "test_accuracy_std", "test_loss_mean", "test_loss_std",
    "best_epoch_mean", "seconds_per_epoch",
]  # fmt: skip


def format_mean_std(mean, std, digits=4) -> str:
    if mean is None:
        return "–"
    return f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")


FIGURES = [
    ("val_accuracy.png", "Validation accuracy per epoch (mean over seeds, band ± std)."),
    ("val_loss.png", "Validation loss per epoch; the test set is scored at its minimum."),
    ("train_loss.png", "Training loss per epoch (with dropout active)."),
    ("test_accuracy.png", "Test accuracy of every seed (dots) and their mean (bar)."),
    ("activation_functions.png", "Each activation and its derivative, from the model's own functions."),
    ("gradient_norms.png", "Loss-gradient norm of each layer's kernel on the probe batch, "
     "before clipping; epoch 0 is before training. Small first-layer norms mean vanishing gradients."),
    ("clipped_fraction.png", "Share of gradient elements the clip changes; 0 means clipping "
     "does nothing, so rerunning with another clip value only matters where this is above 0."),
    ("dead_units.png", "Share of units whose derivative is ~0 on every probe image: dead ReLUs, "
     "saturated sigmoids. Dead units no longer learn."),
    ("activation_stats.png", "Mean and standard deviation of each activation layer's output; "
     "SELU's claim is mean ≈ 0 and std ≈ 1 in every layer."),
]  # fmt: skip


def summary_markdown(run_dir: Path, config: ExperimentConfig, rows: list[dict]) -> str:
    binary = any(row.get("test_binary_accuracy_mean") is not None for row in rows)
    header = "| activation | test accuracy | test loss | best epoch | s / epoch | seeds |"
    lines = [
        f"# {config.run_name()}",
        "",
        "The activation is the only thing that differs between these runs; every other "
        "setting is in `config.json`. Test scores use the weights of the epoch with the "
        "lowest validation loss; the test images were never seen during training.",
        "",
        header + (" test binary accuracy (article's metric) |" if binary else ""),
        "|---|---|---|---|---|---|" + ("---|" if binary else ""),
    ]
    for row in rows:
        seeds = f"{row['seeds_finished']}"
        if row["seeds_diverged"]:
            seeds += f" (+{row['seeds_diverged']} diverged)"
        cells = [
            row["label"],
            format_mean_std(row["test_accuracy_mean"], row["test_accuracy_std"]),
            format_mean_std(row["test_loss_mean"], row["test_loss_std"]),
            "–" if row["best_epoch_mean"] is None else f"{row['best_epoch_mean']:.1f}",
            "–" if row["seconds_per_epoch"] is None else f"{row['seconds_per_epoch']:.1f}",
            seeds,
        ]
        if binary:
            cells.append(
                format_mean_std(row.get("test_binary_accuracy_mean"), row.get("test_binary_accuracy_std"))
            )
        lines.append("| " + " | ".join(cells) + " |")
    most_seeds = max((row["seeds_finished"] for row in rows), default=0)
    lines += [
        "",
        "Mean ± sample standard deviation over seeds. "
        + (
            "Differences smaller than about two standard deviations are within run-to-run "
            "noise and rank nothing."
            if most_seeds > 1
            else "With one seed per activation there is no estimate of run-to-run noise: "
            "rerun with `--seeds 5` before ranking activations that differ by a few tenths "
            "of a percentage point."
        ),
        "",
    ]
    for name, caption in FIGURES:
        if (run_dir / name).exists():
            lines += [f"## {name}", "", caption, "", f"![{name}]({name})", ""]
    return "\n".join(lines)


def write_summary(run_dir: Path, config: ExperimentConfig) -> list[dict]:
    histories = read_histories(run_dir)
    rows = summarize(histories)
    columns = SUMMARY_COLUMNS + [
        key for row in rows for key in row if key not in SUMMARY_COLUMNS
    ]
    write_csv(run_dir / "summary.csv", rows, list(dict.fromkeys(columns)))
    plotting.plot_all(histories, run_dir, activation_order(h["activation"] for h in histories))
    write_atomically(run_dir / "summary.md", summary_markdown(run_dir, config, rows))
    return rows


def write_index(results_dir: Path) -> None:
    """results/index.md: one row per run folder, showing the settings that differ."""
    runs = []
    for config_path in sorted(results_dir.glob("*/config.json")):
        saved = read_json(config_path)
        summary_path = config_path.parent / "summary.csv"
        if not saved or not summary_path.exists():
            continue
        with open(summary_path, newline="") as handle:
            summary = {row["activation"]: row for row in csv.DictReader(handle)}
        settings = ExperimentConfig.identity(saved["config"])
        runs.append((config_path.parent.name, settings, summary))
    if not runs:
        return
    differing = [
        key for key in runs[0][1] if len({json.dumps(r[1].get(key)) for r in runs}) > 1
    ]
    names = activation_order(name for run in runs for name in run[2])
    labels = [activations.get(name).label for name in names]
    lines = [
        "# Runs in this folder",
        "",
        "Test accuracy per activation (mean ± std over seeds) for every configuration; "
        + (
            "the columns before the activations are the settings that differ."
            if differing
            else "all runs share the same settings."
        ),
        "",
        "| run | " + " | ".join(differing + labels) + " |",
        "|---" * (1 + len(differing) + len(labels)) + "|",
    ]
    for name, settings, summary in runs:
        cells = [f"[{name}]({name}/summary.md)"] + [str(settings.get(k)) for k in differing]
        for activation in names:
            row = summary.get(activation)
            if row is None or not row["test_accuracy_mean"]:
                cells.append("–")
            else:
                std = row["test_accuracy_std"]
                cells.append(
                    format_mean_std(float(row["test_accuracy_mean"]), float(std) if std else None)
                )
        lines.append("| " + " | ".join(cells) + " |")
    write_atomically(results_dir / "index.md", "\n".join(lines) + "\n")


def run_experiment(
    config: ExperimentConfig,
    data: Dataset,
    results_dir: Path,
    force: bool = False,
    verbose="auto",
    command: str = "",
) -> Path:
    """Train every (activation, seed) not yet finished, then write summary, figures, index."""
    results_dir = Path(results_dir)
    split = Split.of(data, config)
    run_dir = prepare_run_dir(results_dir, config, data)
    remove_stale_temporaries(run_dir)
    with file_lock(run_dir / ".summary.lock"):
        write_config(run_dir, config, data, command)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    make_deterministic()

    specs = [activations.get(name) for name in config.activations]
    plan = [(spec, seed) for seed in range(config.seeds) for spec in specs]
    for number, (spec, seed) in enumerate(plan, start=1):
        prefix = f"[{number}/{len(plan)}] {spec.name}, seed {seed}"
        paths = RunPaths.of(run_dir, spec.name, seed)
        with file_lock(paths.lock, wait=False) as acquired:
            if not acquired:
                print(f"{prefix} — being trained by another process; skipped here", flush=True)
                continue
            previous = read_json(paths.history_json)
            if previous and previous.get("status") in FINAL_STATUSES:
                if not force:
                    print(f"{prefix} — already {previous['status']}, reused", flush=True)
                    paths.checkpoint.unlink(missing_ok=True)  # Left if killed while finishing.
                    continue
                paths.checkpoint.unlink(missing_ok=True)
            print(f"{prefix} — {estimate_remaining(run_dir, plan[number - 1:], config)}", flush=True)
            train_run(config, spec, seed, split, run_dir, verbose)

    with file_lock(run_dir / ".summary.lock"):
        write_summary(run_dir, config)
    with file_lock(results_dir / ".index.lock"):
        write_index(results_dir)
    return run_dir


def estimate_remaining(run_dir: Path, remaining_plan, config: ExperimentConfig) -> str:
    """'ETA 14 min' from the seconds per epoch measured so far in this folder."""
    seconds = [
        row["seconds"]
        for path in (run_dir / "histories").glob("*.json")
        for row in (read_json(path) or {}).get("epochs", [])
        if row.get("seconds") is not None
    ]
    if not seconds:
        return "ETA known after the first epoch"
    total = float(np.median(seconds)) * config.epochs * len(remaining_plan)
    return f"ETA {total / 60:.0f} min" if total >= 60 else f"ETA {total:.0f} s"


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as a UsageError (one line) instead of exiting."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def build_parser() -> ArgumentParser:
    defaults = ExperimentConfig()
    parser = ArgumentParser(
        prog="compare_activations.py",
        description="Train the classic Keras MNIST CNN once per activation function and "
        "seed, and write histories, a summary and figures to RESULTS_DIR/<run-name>/.",
    )
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="training epochs per run (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="training batch size (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate, help="Adam learning rate (default: %(default)s)")
    clip = parser.add_mutually_exclusive_group()
    clip.add_argument("--clip-value", type=float, help=f"clip each gradient element to ±V (default: {defaults.clip_value}, as in the article)")
    clip.add_argument("--clip-norm", type=float, help="rescale each variable's gradient to L2 norm at most V (Keras' clipnorm)")
    clip.add_argument("--no-clip", action="store_true", help="no gradient clipping")
    parser.add_argument("--loss", choices=LOSSES, default=defaults.loss, help="training loss; binary_crossentropy reproduces the article's setting (accuracy stays top-1 classification accuracy, the article's binary accuracy is recorded separately)")
    parser.add_argument("--activations", nargs="+", default=list(defaults.activations), metavar="NAME", help=f"activations to compare (default: {' '.join(defaults.activations)}); any Keras built-in such as swish, mish or tanh also works")
    parser.add_argument("--seeds", type=int, default=defaults.seeds, help="run seeds 0..K-1 for every activation (default: %(default)s)")
    parser.add_argument("--validation-split", type=float, default=defaults.validation_split, help="fraction of the training images held out for validation, the last ones as in Keras (default: %(default)s)")
    parser.add_argument("--train-limit", type=int, metavar="N", help="use only the first N training images (quick looks and tests)")
    parser.add_argument("--dataset", choices=("mnist", "fashion_mnist"), default=defaults.dataset, help="which dataset (default: %(default)s)")
    parser.add_argument("--data", metavar="PATH", help="local data: a Keras-layout .npz or a folder of the four IDX files (no download)")
    parser.add_argument("--results-dir", default="results", help="where run folders are written (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="retrain runs that are already finished")
    parser.add_argument("--no-diagnostics", action="store_true", help="skip the per-epoch gradient, clipping and dead-unit measurements")
    parser.add_argument("--probe-size", type=int, default=defaults.probe_size, help="validation images used for the diagnostics (default: %(default)s)")
    return parser  # fmt: skip


def config_from_arguments(options) -> ExperimentConfig:
    """Check the flags and build the config; raise UsageError saying what to change."""
    names = [name for item in options.activations for name in item.split(",") if name]
    for name in names:
        try:
            activations.get(name)
        except ValueError as error:
            raise UsageError(str(error)) from None
    checks = [
        (options.epochs >= 1, f"--epochs must be at least 1, got {options.epochs}"),
        (options.batch_size >= 1, f"--batch-size must be at least 1, got {options.batch_size}"),
        (options.seeds >= 1, f"--seeds must be at least 1, got {options.seeds}"),
        (options.probe_size >= 1, f"--probe-size must be at least 1, got {options.probe_size}"),
        (
            math.isfinite(options.learning_rate) and options.learning_rate > 0,
            f"--learning-rate must be a positive number, got {options.learning_rate}",
        ),
        (
            0 < options.validation_split < 1,
            f"--validation-split must be between 0 and 1, got {options.validation_split}",
        ),
        (
            options.train_limit is None or options.train_limit >= 2,
            f"--train-limit must be at least 2 images, got {options.train_limit}",
        ),
        (len(names) == len(set(names)) and names, "--activations must name each activation once"),
    ]
    for clip_flag, value in (("--clip-value", options.clip_value), ("--clip-norm", options.clip_norm)):
        if value is not None:
            checks.append((math.isfinite(value) and value > 0, f"{clip_flag} must be a positive number, got {value}; use --no-clip for no clipping"))
    for passed, message in checks:
        if not passed:
            raise UsageError(message)
    clip_value = options.clip_value
    if clip_value is None and options.clip_norm is None and not options.no_clip:
        clip_value = ExperimentConfig.clip_value
    return ExperimentConfig(
        activations=tuple(names),
        seeds=options.seeds,
        epochs=options.epochs,
        batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        clip_value=clip_value,
        clip_norm=options.clip_norm,
        loss=options.loss,
        validation_split=options.validation_split,
        train_limit=options.train_limit,
        dataset=options.dataset,
        diagnostics=not options.no_diagnostics,
        probe_size=options.probe_size,
    )


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Progress lines should appear as they happen also when the output goes to a file.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        options = build_parser().parse_args(argv)
        config = config_from_arguments(options)
        data = load_dataset(config.dataset, options.data)
        if config.train_limit is not None and config.train_limit > len(data.x_train):
            raise UsageError(
                f"--train-limit {config.train_limit} exceeds the {len(data.x_train)} training "
                "images; use a smaller limit or none"
            )
        command = shlex.join(["python", "compare_activations.py", *argv])
        run_dir = run_experiment(
            config, data, Path(options.results_dir), force=options.force, command=command
        )
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\nInterrupted: finished runs and completed epochs are saved; "
            "run the same command again to resume.",
            file=sys.stderr,
        )
        return 130
    except OSError as error:
        print(
            f"error: could not write results ({error.strerror or error}: {error.filename}); "
            "free some space or choose another --results-dir, then run the same command to resume",
            file=sys.stderr,
        )
        return 1
    print(f"Results: {run_dir}")
    return 0


def cli() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    cli()

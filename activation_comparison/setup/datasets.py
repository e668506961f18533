"""The datasets a comparison can train on, as a registry: `--dataset NAME` picks one.

Each entry loads offline and says what it is: its input shape (one example, channels last),
its classes, its sizes (so that `--plan` needs to load nothing), and what it needs that the
project does not ship. `missing(name)` says in one line what to install before anything
trains; `load(name)` returns the prepared `data.Dataset`.

- `mnist`: the copy shipped with the project.
- `fashion_mnist`: Zalando's Fashion-MNIST from the Debian package `dataset-fashion-mnist`
  (else Keras' download, where a network is at hand).
- `mnist1d`: Greydanus' MNIST-1D, generated here by the `mnist1d` package's `make_dataset`
  with its default arguments (seed 42), never downloaded.
- `digits`: scikit-learn's bundled 8x8 digits (UCI), split once: a stratified quarter held out
  for testing, `random_state=0`.

Imports nothing of the package but `setup`.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from activation_comparison.setup import data
from activation_comparison.setup.errors import UsageError

TASKS_EXTRA = 'pip install -e ".[tasks]"'
DIGITS_TEST_SHARE = 0.25
DIGITS_SPLIT_SEED = 0


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str  # One line, for --help and docs/reference.md.
    input_shape: tuple[int, ...]
    classes: int
    train_images: int
    test_images: int
    needs: str  # What it needs beyond the project, in words ("nothing": it ships).
    load: Callable[[], data.Dataset]
    missing: Callable[[], str | None]  # The one-line reason it cannot load offline, or None.


def module_missing(module: str, dataset: str, package: str) -> Callable[[], str | None]:
    def missing():
        if importlib.util.find_spec(module) is None:
            return f"dataset {dataset} needs the {package} package: install the extra with `{TASKS_EXTRA}`"
        return None

    return missing


def shipped_mnist_missing() -> str | None:
    if not data.SHIPPED_MNIST.is_file():
        return f"the shipped MNIST copy {data.SHIPPED_MNIST} is missing; restore it with `git checkout`"
    return None


def fashion_mnist_missing() -> str | None:
    if not data.FASHION_MNIST_DEBIAN.is_dir():
        return ("dataset fashion_mnist needs the Debian package dataset-fashion-mnist: "
                f"`apt-get install dataset-fashion-mnist` (it installs to {data.FASHION_MNIST_DEBIAN})")  # fmt: skip
    return None


def load_fashion_mnist() -> data.Dataset:
    """The Debian package's IDX files, else Keras' download."""
    if data.FASHION_MNIST_DEBIAN.is_dir():
        return data.read_idx_folder(data.FASHION_MNIST_DEBIAN)
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # Keras raises plain Exception when a download fails.
        raise UsageError(
            f"could not load fashion_mnist with Keras ({str(error).splitlines()[0][:120]}); "
            "install the Debian package dataset-fashion-mnist, or pass --data PATH to a "
            "local .npz or folder of IDX files"
        ) from None
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    return data.prepare_dataset(arrays, "keras.datasets.fashion_mnist")


def make_mnist1d() -> data.Dataset:
    """MNIST-1D as `make_dataset` generates it with its default arguments: 4,000 training
    and 1,000 test sequences of 40 values, already centred and scaled to unit variance.

    `make_dataset` seeds NumPy's global generator; it is put back as it was, so that
    loading the data changes no other random stream.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()
    try:
        generated = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)
    arrays = {"x_train": generated["x"][..., np.newaxis], "y_train": generated["y"],
              "x_test": generated["x_test"][..., np.newaxis], "y_test": generated["y_test"]}  # fmt: skip
    return data.prepare_features(arrays, "mnist1d.make_dataset (default arguments, seed 42)", (40, 1))


def load_digits() -> data.Dataset:
    """scikit-learn's 1,797 digits, pixels 0..16 scaled to [0, 1], as (8, 8, 1) images; a
    stratified quarter is the test set, the same one every time."""
    from sklearn.datasets import load_digits as bundled
    from sklearn.model_selection import train_test_split

    x, y = bundled(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=DIGITS_TEST_SHARE, stratify=y, random_state=DIGITS_SPLIT_SEED
    )
    arrays = {"x_train": (x_train / 16.0).reshape(-1, 8, 8, 1), "y_train": y_train,
              "x_test": (x_test / 16.0).reshape(-1, 8, 8, 1), "y_test": y_test}  # fmt: skip
    return data.prepare_features(arrays, "sklearn.datasets.load_digits (stratified test quarter)", (8, 8, 1))


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        "mnist", "MNIST, the copy shipped with the project: 28x28 grey images", (28, 28, 1), 10, 60_000, 10_000,
        "nothing (it ships)", data.read_shipped_mnist, shipped_mnist_missing),
    "fashion_mnist": DatasetSpec(
        "fashion_mnist", "Fashion-MNIST: 28x28 grey images of clothing", (28, 28, 1), 10, 60_000, 10_000,
        "the Debian package dataset-fashion-mnist", load_fashion_mnist, fashion_mnist_missing),
    "mnist1d": DatasetSpec(
        "mnist1d", "MNIST-1D, generated locally: sequences of 40 values", (40, 1), 10, 4_000, 1_000,
        f"the mnist1d package ({TASKS_EXTRA})", make_mnist1d, module_missing("mnist1d", "mnist1d", "mnist1d")),
    "digits": DatasetSpec(
        "digits", "scikit-learn's bundled 8x8 digits, a stratified test quarter", (8, 8, 1), 10, 1_347, 450,
        f"scikit-learn ({TASKS_EXTRA})", load_digits, module_missing("sklearn", "digits", "scikit-learn")),
}  # fmt: skip


def get(name: str) -> DatasetSpec:
    """Return the spec for `name`, or raise `UsageError` naming the valid choices."""
    if name not in DATASETS:
        raise UsageError(f"unknown dataset {name!r}: choose from {', '.join(DATASETS)}")
    return DATASETS[name]


def missing(name: str) -> str | None:
    """What to install before `name` can load offline, in one line; None when it can."""
    return get(name).missing()


def load(name: str) -> data.Dataset:
    """The registered dataset `name`, or a one-line `UsageError` naming what to install."""
    spec = get(name)
    problem = spec.missing() if spec.name != "fashion_mnist" else None  # Keras can still download it.
    if problem:
        raise UsageError(problem)
    return spec.load()


def load_dataset(dataset: str, data_path: str | None) -> data.Dataset:
    """Load `data_path` if given (a Keras-layout .npz or a folder of IDX files), else the
    registered dataset `dataset` (`DATASETS`)."""
    if data_path is not None:
        path = Path(data_path)
        if path.is_dir():
            return data.read_idx_folder(path)
        if not path.exists():
            raise UsageError(f"--data {path}: no such file or folder")
        if path.suffix != ".npz":
            raise UsageError(f"--data {path}: expected an .npz file or a folder of IDX files")
        return data.read_npz_file(path)
    return load(dataset)

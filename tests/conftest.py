"""Shared fixtures: the real MNIST file and small subsets of it.

The real-data tests never skip: a missing MNIST file is an error, so CI cannot pass
without having exercised them.
"""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# The MNIST copy the project ships; MNIST_NPZ points the tests at another Keras-layout file.
MNIST = Path(os.environ.get("MNIST_NPZ", ROOT / "activation_comparison" / "mnist.npz"))


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    if not MNIST.is_file():
        pytest.fail(f"real MNIST is missing at {MNIST}; set MNIST_NPZ to its path")
    return MNIST


@pytest.fixture(scope="session")
def mnist_arrays(mnist_path) -> dict:
    with np.load(mnist_path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


@pytest.fixture(scope="session")
def small_mnist(mnist_arrays):
    """A real-MNIST Dataset small enough to train on in seconds."""
    from activation_comparison.setup import data

    subset = {
        "x_train": mnist_arrays["x_train"][:1200],
        "y_train": mnist_arrays["y_train"][:1200],
        "x_test": mnist_arrays["x_test"][:1000],
        "y_test": mnist_arrays["y_test"][:1000],
    }
    return data.prepare_dataset(subset, "mnist subset")


def is_time(column: str) -> bool:
    """Wall-clock columns (`seconds`, `train_seconds`, `test_seconds`, ...): the only values
    allowed to differ between runs of the same command."""
    return column == "seconds" or column.endswith("_seconds")


def training_numbers(history: dict) -> dict:
    """A history without its wall-clock times, which are the only thing allowed to differ."""
    rows = [{k: v for k, v in row.items() if not is_time(k)} for row in history["epochs"]]
    return {**{k: v for k, v in history.items() if not is_time(k)}, "epochs": rows}

"""Data preparation and the local data readers, on tiny arrays and files."""

import gzip

import numpy as np
import pytest

from activation_comparison.setup import data, datasets
from activation_comparison.setup.config import ExperimentConfig, UsageError


def test_prepare_images_scales_to_unit_range_with_a_channel_axis():
    images = np.zeros((4, 28, 28), np.uint8)
    images[0, 0, 0] = 255
    prepared = data.prepare_images(images)
    assert prepared.shape == (4, 28, 28, 1)
    assert prepared.dtype == np.float32
    assert prepared.max() == 1.0 and prepared.min() == 0.0


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((4, 28, 27), np.uint8), "shape"),
        (np.zeros((4, 784), np.uint8), "shape"),
        (np.zeros((4, 28, 28), np.float32), "dtype"),
    ],
)
def test_prepare_images_rejects_wrong_shape_or_dtype(images, message):
    with pytest.raises(UsageError, match=message):
        data.prepare_images(images)


def test_prepare_labels_checks_range_type_and_count():
    assert data.prepare_labels(np.array([0, 9, 3], np.uint8), 3).tolist() == [0, 9, 3]
    with pytest.raises(UsageError, match="range from 0 to 10"):
        data.prepare_labels(np.array([0, 10]), 2)
    with pytest.raises(UsageError, match="integer"):
        data.prepare_labels(np.array([0.0, 1.0]), 2)
    with pytest.raises(UsageError, match="3 labels for 4 images"):
        data.prepare_labels(np.array([0, 1, 2]), 4)


def test_split_holds_out_the_last_fraction_of_training_images():
    x = np.arange(20).reshape(20, 1)
    y = np.arange(20)
    (x_train, y_train), (x_val, y_val) = data.split_validation(x, y, 0.1)
    assert y_train.tolist() == list(range(18))
    assert y_val.tolist() == [18, 19]


def test_split_refuses_to_leave_no_validation_images():
    with pytest.raises(UsageError, match="validation-split"):
        data.split_validation(np.zeros((5, 1)), np.zeros(5), 0.01)


def test_split_with_train_limit_uses_the_first_images_and_full_test_set():
    dataset = data.Dataset(
        x_train=np.zeros((100, 28, 28, 1), np.float32),
        y_train=np.arange(100) % 10,
        x_test=np.zeros((7, 28, 28, 1), np.float32),
        y_test=np.arange(7),
    )
    split = data.Split.of(dataset, ExperimentConfig(train_limit=50, validation_split=0.2))
    assert len(split.x_train) == 40 and len(split.x_val) == 10
    assert split.y_val.argmax(axis=1).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert len(split.x_test) == 7 and split.y_test.shape == (7, 10)


def write_idx(path, array, magic_dims=None, compress=False):
    dims = array.ndim if magic_dims is None else magic_dims
    header = bytes([0, 0, 8, dims]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


@pytest.mark.parametrize("compress", [False, True])
def test_idx_folder_reads_like_the_npz(tmp_path, compress):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    suffix = ".gz" if compress else ""
    for key, stem in data.IDX_FILES.items():
        write_idx(tmp_path / f"{stem}{suffix}", arrays[key], compress=compress)
    np.savez(tmp_path / "same.npz", **arrays)

    from_idx = datasets.load_dataset("mnist", str(tmp_path))
    from_npz = datasets.load_dataset("mnist", str(tmp_path / "same.npz"))
    np.testing.assert_array_equal(from_idx.x_train, from_npz.x_train)
    np.testing.assert_array_equal(from_idx.y_test, from_npz.y_test)
    assert from_idx.content_sha256() == from_npz.content_sha256()
    assert from_idx.file_sha256 != from_npz.file_sha256


@pytest.mark.slow  # Reads and hashes all 70,000 images.
def test_shipped_mnist_is_the_default_and_has_the_documented_statistics():
    mnist = datasets.load_dataset("mnist", None)
    assert mnist.source == "shipped MNIST"
    assert mnist.x_train.shape == (60000, 28, 28, 1) and mnist.x_test.shape == (10000, 28, 28, 1)
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert float(mnist.x_train.mean() * 255) == pytest.approx(33.3184, abs=1e-3)
    assert mnist.file_sha256 == "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"

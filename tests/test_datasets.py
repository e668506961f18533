"""The dataset registry: every entry loads offline with the shape, classes and sizes it
declares, the generated and split ones are the same every time, and a missing package or
file is named in one line."""

import numpy as np
import pytest

from activation_comparison.setup import data, datasets
from activation_comparison.setup.errors import UsageError


@pytest.mark.parametrize("name", ["mnist1d", "digits"])
def test_the_small_datasets_load_with_their_declared_shape_classes_and_sizes(name):
    spec = datasets.get(name)
    loaded = datasets.load(name)
    assert loaded.x_train.shape == (spec.train_images, *spec.input_shape)
    assert loaded.x_test.shape == (spec.test_images, *spec.input_shape)
    assert loaded.x_train.dtype == np.float32
    assert sorted(set(loaded.y_train.tolist())) == list(range(spec.classes))


def test_mnist1d_is_generated_the_same_every_time_and_leaves_numpys_global_stream_alone():
    np.random.seed(7)
    expected_next = np.random.RandomState(7).random_sample()
    first = datasets.load("mnist1d")
    assert np.random.random_sample() == expected_next
    assert first.content_sha256() == datasets.load("mnist1d").content_sha256()
    # make_dataset's own output: centred, unit variance over the whole set.
    assert abs(float(first.x_train.mean())) < 0.01 and 0.95 < float(first.x_train.std()) < 1.05


def test_digits_split_is_stratified_and_fixed():
    digits = datasets.load("digits")
    counts = np.bincount(digits.y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 46  # A quarter of each class's ~180 images.
    assert float(digits.x_train.max()) == 1.0 and float(digits.x_train.min()) == 0.0
    assert digits.content_sha256() == datasets.load("digits").content_sha256()


def test_an_unknown_dataset_is_refused_naming_the_choices():
    with pytest.raises(UsageError, match="unknown dataset 'cifar10': choose from mnist, fashion_mnist, mnist1d, digits"):
        datasets.get("cifar10")


def test_a_missing_package_is_named_with_the_extra_that_brings_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mnist1d" else real(name, *a))
    with pytest.raises(UsageError) as refused:
        datasets.load("mnist1d")
    assert str(refused.value) == 'dataset mnist1d needs the mnist1d package: install the extra with `pip install -e ".[tasks]"`'


def test_fashion_mnist_without_the_debian_package_says_which_package(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "absent")
    assert datasets.missing("fashion_mnist").startswith(
        "dataset fashion_mnist needs the Debian package dataset-fashion-mnist: `apt-get install dataset-fashion-mnist`")
    assert datasets.missing("mnist") is None


def test_prepare_features_refuses_the_wrong_shape_and_non_finite_inputs():
    good = {"x_train": np.zeros((4, 40, 1)), "y_train": np.zeros(4, int), "x_test": np.zeros((2, 40, 1)),
            "y_test": np.zeros(2, int)}  # fmt: skip
    assert data.prepare_features(good, "t", (40, 1)).x_train.dtype == np.float32
    with pytest.raises(UsageError, match=r"train inputs have shape \(4, 40, 1\), expected \(n, 8, 8, 1\)"):
        data.prepare_features(good, "t", (8, 8, 1))
    with pytest.raises(UsageError, match="finite floats"):
        data.prepare_features(good | {"x_test": np.full((2, 40, 1), np.nan)}, "t", (40, 1))

"""Data: the shipped MNIST copy, local .npz and IDX files, and the split.

Everything that reaches training passes `prepare_dataset` (MNIST-layout uint8 images, turned
into float32 in [0, 1]) or `prepare_features` (inputs already float, of a dataset's own
shape), which check shapes, types and label ranges. Nothing is ever unpickled. The named
datasets are a registry of their own (`datasets.py`), which also loads `--data`.
"""

import gzip
import hashlib
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from activation_comparison.setup.errors import UsageError
from activation_comparison.setup.image_format import IMAGE_SHAPE, NUM_CLASSES
# MNIST (LeCun, Cortes and Burges; CC BY-SA 3.0) ships with the project, so a first run
# needs no network; the hash guards against a damaged or replaced copy.
SHIPPED_MNIST = Path(__file__).resolve().parents[1] / "mnist.npz"
SHIPPED_MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
FASHION_MNIST_DEBIAN = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class Dataset:
    """Prepared inputs (float32, (n, *input shape): MNIST's are (n, 28, 28, 1) in [0, 1]) and
    integer labels 0..9."""

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


def prepare_features(arrays: dict, source: str, input_shape: tuple[int, ...]) -> Dataset:
    """Check float inputs of shape (n, *input_shape) and their labels, and make a `Dataset`
    of them in float32 (for data that are not MNIST-layout images, such as MNIST-1D)."""
    prepared = {}
    for part in ("train", "test"):
        x = np.asarray(arrays[f"x_{part}"])
        if x.shape[1:] != tuple(input_shape):
            expected = ", ".join(map(str, input_shape))
            raise UsageError(f"{source}: {part} inputs have shape {x.shape}, expected (n, {expected})")
        if not np.issubdtype(x.dtype, np.floating) or not np.all(np.isfinite(x)):
            raise UsageError(f"{source}: {part} inputs must be finite floats, got {x.dtype}")
        prepared[f"x_{part}"] = x.astype(np.float32)
        prepared[f"y_{part}"] = prepare_labels(np.asarray(arrays[f"y_{part}"]), len(x), f"{source}: {part} labels")
    return Dataset(**prepared, source=source)


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


def read_npz_file(path: Path) -> Dataset:
    return prepare_dataset(read_npz(path), str(path), file_sha256(path))


def read_shipped_mnist(path: Path = SHIPPED_MNIST) -> Dataset:
    """The MNIST copy in this repository, refused if its bytes are not the expected ones."""
    if not path.is_file():
        raise UsageError(
            f"the shipped MNIST copy {path} is missing; restore it with `git checkout -- {path.name}` "
            "or pass --data PATH"
        )
    if file_sha256(path) != SHIPPED_MNIST_SHA256:
        raise UsageError(
            f"the shipped MNIST copy {path} has the wrong sha256 (damaged or replaced); "
            "restore it from git or pass --data PATH"
        )
    return prepare_dataset(read_npz(path), "shipped MNIST", SHIPPED_MNIST_SHA256)


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


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


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
    def of(cls, data: Dataset, config) -> "Split":
        """The split that `config` (an ExperimentConfig: its train_limit and validation_split)
        asks of `data`. (Not annotated: config.py imports the networks, which import this.)"""
        x, y = data.x_train, data.y_train
        if config.train_limit is not None:
            if config.train_limit > len(x):
                raise UsageError(
                    f"--train-limit {config.train_limit} exceeds the {len(x)} training "
                    "images; use a smaller limit or none"
                )
            x, y = x[: config.train_limit], y[: config.train_limit]
        (x_train, y_train), (x_val, y_val) = split_validation(x, y, config.validation_split)
        return cls(
            x_train, one_hot(y_train), x_val, one_hot(y_val), data.x_test, one_hot(data.y_test)
        )

"""Bad flags and bad data: exit status 2, one line naming the problem, nothing touched.

Every case runs against a results folder that already holds a run, and checks that the
folder is byte-for-byte the same afterwards.
"""

import gzip
import io
import sys
import zipfile

import numpy as np
import pytest

import compare_activations as ca
from activation_comparison.setup import data

RUN_NAME = "mnist-e1-b128-lr0.001-clipvalue0.5-cce-val0.1-n100"


def tiny_arrays(**overrides):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (120, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 120, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 10, dtype=np.uint8),
    }
    return arrays | overrides


def npz(**overrides):
    def make(folder):
        path = folder / "data.npz"
        np.savez(path, **tiny_arrays(**overrides))
        return path

    return make


def npz_without_key(folder):
    arrays = tiny_arrays()
    del arrays["y_test"]
    np.savez(folder / "data.npz", **arrays)
    return folder / "data.npz"


def npz_needing_pickle(folder):
    arrays = tiny_arrays(y_test=np.array([0, 1, "two"], dtype=object))
    np.savez(folder / "data.npz", **arrays)
    return folder / "data.npz"


def truncated_npz(folder):
    npz()(folder)
    content = (folder / "data.npz").read_bytes()
    (folder / "data.npz").write_bytes(content[: len(content) // 2])
    return folder / "data.npz"


def npz_with_corrupt_member(folder):
    """A complete archive whose x_train member has damaged bytes: its CRC no longer matches."""
    buffer = io.BytesIO()
    np.save(buffer, tiny_arrays()["x_train"])
    with zipfile.ZipFile(folder / "data.npz", "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("x_train.npy", buffer.getvalue())
        for key in ("y_train", "x_test", "y_test"):
            member = io.BytesIO()
            np.save(member, tiny_arrays()[key])
            archive.writestr(f"{key}.npy", member.getvalue())
    content = bytearray((folder / "data.npz").read_bytes())
    middle = 30 + len("x_train.npy") + len(buffer.getvalue()) // 2  # Inside x_train's pixels.
    content[middle : middle + 8] = bytes(255 - b for b in content[middle : middle + 8])
    (folder / "data.npz").write_bytes(bytes(content))
    return folder / "data.npz"


def idx_folder(magic=8, truncate_labels=False, gzip_garbage=False):
    def make(folder):
        idx = folder / "idx"
        idx.mkdir()
        for key, stem in data.IDX_FILES.items():
            array = tiny_arrays()[key]
            header = bytes([0, 0, magic, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
            payload = header + array.tobytes()
            if truncate_labels and key == "y_train":
                payload = payload[:-5]
            if gzip_garbage and key == "x_test":
                (idx / f"{stem}.gz").write_bytes(gzip.compress(payload)[:-40])
            else:
                (idx / stem).write_bytes(payload)
        return idx

    return make


def empty_folder(folder):
    (folder / "empty").mkdir()
    return folder / "empty"


def text_file(folder):
    (folder / "notes.txt").write_text("not data")
    return folder / "notes.txt"


def missing_file(folder):
    return folder / "nowhere.npz"


# (flags, data maker or None for valid tiny data, words the error line must contain)
CASES = {
    "zero epochs": (["--epochs", "0"], None, "--epochs must be at least 1"),
    "negative epochs": (["--epochs", "-3"], None, "--epochs must be at least 1"),
    "epochs not a number": (["--epochs", "many"], None, "--epochs: invalid int value"),
    "unknown activation": (["--activations", "relu", "relux"], None, "unknown activation 'relux'"),
    "activation named twice": (["--activations", "relu", "relu"], None, "each activation once"),
    "zero clip value": (["--clip-value", "0"], None, "--clip-value must be a positive number"),
    "negative clip value": (["--clip-value", "-1"], None, "--clip-value must be a positive number"),
    "bad value in a clip sweep": (["--clip-value", "0.5", "0", "--no-clip"], None, "--clip-value must be a positive number, got 0.0"),
    "bad value in a learning-rate sweep": (["--learning-rate", "0.001", "-1"], None, "--learning-rate must be a positive"),
    "clip-norm sweep with a nan": (["--clip-norm", "1", "nan"], None, "--clip-norm must be a positive number"),
    "zero clip norm": (["--clip-norm", "0"], None, "--clip-norm must be a positive number"),
    "zero learning rate": (["--learning-rate", "0"], None, "--learning-rate must be a positive"),
    "nan learning rate": (["--learning-rate", "nan"], None, "--learning-rate must be a positive"),
    "zero batch size": (["--batch-size", "0"], None, "--batch-size must be at least 1"),
    "zero seeds": (["--seeds", "0"], None, "--seeds must be a positive integer or auto, got 0"),
    "validation split above one": (["--validation-split", "1.5"], None, "between 0 and 1"),
    "validation split leaves nothing": (["--validation-split", "0.001"], None, "no validation images"),
    "train limit of one": (["--train-limit", "1"], None, "at least 2 images"),
    "train limit beyond the data": (["--train-limit", "500"], None, "exceeds the 120 training images"),
    "unknown loss": (["--loss", "mse"], None, "invalid choice: 'mse'"),
    "unknown flag": (["--epoch-count", "3"], None, "unrecognized arguments"),
    "zero workers": (["--workers", "0"], None, "--workers must be at least 1, got 0"),
    "zero threads": (["--threads", "0"], None, "--threads must be at least 1, got 0"),
    "negative GPUs per run": (["--gpus-per-run", "-0.5"], None, "--gpus-per-run must be 0 or more"),
    "workers and ray": (["--workers", "2", "--ray"], None, "give one"),
    "GPUs per run without Ray": (["--gpus-per-run", "0.25"], None, "--gpus-per-run applies to Ray tasks: add --ray"),
    "unreachable Ray address": (["--ray", "127.0.0.1:9"], None, "cannot reach a Ray head there"),
    "malformed Ray address": (["--ray", "nowhere"], None, "expected HOST:PORT"),
    "unknown precision": (["--precision", "float8"], None, "invalid choice: 'float8'"),
    "unknown network": (["--model", "resnet"], None, "invalid choice: 'resnet'"),
    "dropout of one": (["--dropout", "1"], None, "--dropout must be a rate in [0, 1), got 1.0"),
    "negative dropout in a sweep": (["--model", "mlp", "--dropout", "0", "0.5", "-0.1"], None, "--dropout must be a rate in [0, 1), got -0.1"),
    "nan dropout": (["--dropout", "nan"], None, "--dropout must be a rate in [0, 1)"),
    "bad value in a learning-rate list with a dropout sweep": (["--dropout", "0.1", "0.2", "--learning-rate", "0.001", "inf"], None, "--learning-rate must be a positive number, got inf"),
    "zero margin": (["--margin", "0"], None, "--margin must be a positive number of percentage points, got 0.0"),
    "negative margin": (["--margin", "-0.2"], None, "--margin must be a positive number"),
    "infinite margin": (["--margin", "inf"], None, "--margin must be a positive number"),
    "margin not a number": (["--margin", "small"], None, "--margin: invalid float value"),
    # --plan refuses what training would refuse, before it reads any folder.
    "plan with zero epochs": (["--plan", "--epochs", "0"], None, "--epochs must be at least 1"),
    "plan with a bad value in a sweep": (["--plan", "--learning-rate", "0.001", "-1"], None, "--learning-rate must be a positive"),
    "plan with zero workers": (["--plan", "--workers", "0"], None, "--workers must be at least 1, got 0"),
    "plan with a train limit beyond the data": (["--plan", "--train-limit", "500"], None, "exceeds the 120 training images"),
    "plan with a split that leaves nothing": (["--plan", "--validation-split", "0.001"], None, "no validation images"),
    "plan with a malformed Ray address": (["--plan", "--ray", "nowhere"], None, "expected HOST:PORT"),
    "plan with a truncated npz": (["--plan"], truncated_npz, "truncated or corrupt .npz"),
    "missing data file": ([], missing_file, "no such file"),
    "folder without IDX files": ([], empty_folder, "no train-images-idx3-ubyte"),
    "not an npz": ([], text_file, "expected an .npz file or a folder"),
    "truncated npz": ([], truncated_npz, "truncated or corrupt .npz"),
    "npz with a corrupt member": ([], npz_with_corrupt_member, "truncated or corrupt .npz file (Bad CRC-32"),
    "npz that needs pickle": ([], npz_needing_pickle, "need pickle"),
    "npz missing an array": ([], npz_without_key, "missing arrays y_test"),
    "wrong image shape": ([], npz(x_train=np.zeros((120, 32, 32), np.uint8)), "shape (120, 32, 32)"),
    "float images": ([], npz(x_test=np.zeros((10, 28, 28), np.float64)), "dtype float64"),
    "labels out of range": ([], npz(y_train=np.full(120, 11, np.uint8)), "expected classes 0..9"),
    "negative labels": ([], npz(y_test=np.full(10, -1, np.int64)), "expected classes 0..9"),
    "non-integer labels": ([], npz(y_train=np.full(120, 0.5)), "expected integer classes"),
    "label count mismatch": ([], npz(y_train=np.zeros(100, np.uint8)), "100 labels for 120 images"),
    "wrong IDX magic": ([], idx_folder(magic=9), "wrong IDX magic number"),
    "truncated IDX body": ([], idx_folder(truncate_labels=True), "truncated or corrupt"),
    "corrupt gzip IDX": ([], idx_folder(gzip_garbage=True), "t10k-images-idx3-ubyte.gz"),
}


@pytest.fixture
def existing_results(tmp_path):
    """A results folder that already holds a finished-looking run of the same name."""
    results = tmp_path / "results"
    run = results / RUN_NAME
    (run / "histories").mkdir(parents=True)
    (run / "config.json").write_text('{"data": {"content_sha256": "from another dataset"}}\n')
    (run / "histories" / "relu_seed0.json").write_text('{"status": "finished"}\n')
    (run / "summary.csv").write_text("activation,test_accuracy_mean\nrelu,0.99\n")
    (results / "index.md").write_text("# Runs\n")
    return results


def snapshot(folder):
    """Every file's bytes and every folder (as None) below `folder`."""
    return {path: path.read_bytes() if path.is_file() else None for path in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_exits_2_with_one_line_and_touches_nothing(case, tmp_path, existing_results, capsys):
    flags, make_data, expected = CASES[case]
    data_path = (make_data or npz())(tmp_path)
    before = snapshot(existing_results)

    status = ca.main(
        ["--epochs", "1", "--train-limit", "100", "--data", str(data_path), "--results-dir", str(existing_results)]
        + flags
    )

    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert snapshot(existing_results) == before


def test_results_made_from_other_data_are_never_mixed_with_new_ones(tmp_path, existing_results, capsys):
    before = snapshot(existing_results)
    status = ca.main(
        ["--epochs", "1", "--train-limit", "100", "--data", str(npz()(tmp_path)),
         "--results-dir", str(existing_results)]
    )  # fmt: skip
    assert status == 2
    assert "different data" in capsys.readouterr().err
    assert snapshot(existing_results) == before


def test_unwritable_results_folder_is_reported_before_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status = ca.main(["--data", str(npz()(tmp_path)), "--results-dir", str(blocker / "results")])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("error: results folder") and "not writable" in err
    assert blocker.read_text() == ""


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        ca.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--epochs", "--clip-value", "--clip-norm", "--no-clip", "--seeds", "--train-limit",
                 "--data", "--dataset", "--results-dir", "--force", "--loss", "--no-diagnostics"):  # fmt: skip
        assert flag in text


def test_failed_download_says_how_to_run_offline(monkeypatch, tmp_path, capsys):
    import keras

    def no_network():
        raise Exception("URL fetch failure on https://storage.googleapis.com/mnist.npz: None")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", no_network)
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "no-debian-package")
    status = ca.main(["--epochs", "1", "--dataset", "fashion_mnist", "--results-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("error: could not load fashion_mnist with Keras (URL fetch failure")
    assert "pass --data PATH" in err and "\n" not in err
    assert not list(tmp_path.iterdir())


def test_tensorboard_without_tensorboard_installed_names_the_extra(monkeypatch, tmp_path, existing_results, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "tensorboard" else real_find_spec(name, *args))  # fmt: skip
    before = snapshot(existing_results)
    status = ca.main(["--epochs", "1", "--train-limit", "100", "--tensorboard", "--data", str(npz()(tmp_path)),
                      "--results-dir", str(existing_results)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err == 'error: --tensorboard needs TensorBoard: install the extra with `pip install -e ".[tensorboard]"`'
    assert snapshot(existing_results) == before


def test_ray_without_ray_installed_names_the_extra(monkeypatch, tmp_path, existing_results, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # Makes `import ray` fail.
    before = snapshot(existing_results)
    status = ca.main(["--epochs", "1", "--train-limit", "100", "--ray", "--data", str(npz()(tmp_path)),
                      "--results-dir", str(existing_results)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err == 'error: --ray needs Ray: install the extra with `pip install -e ".[ray]"`'
    assert snapshot(existing_results) == before

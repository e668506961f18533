"""Results are never mixed, silently dropped or corrupted: folder names, damaged files,
locks, and what importing the library changes."""

import dataclasses
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import compare_activations as ca
from activation_comparison.setup import data
from activation_comparison.results import run_folder, storage
from activation_comparison.setup.config import ExperimentConfig, UsageError
from conftest import ROOT

TINY = ["--activations", "relu", "--epochs", "1", "--train-limit", "300", "--no-diagnostics"]


def tiny_dataset():
    rng = np.random.default_rng(0)
    return data.prepare_dataset(
        {"x_train": rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
         "y_train": rng.integers(0, 10, 60, dtype=np.uint8),
         "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
         "y_test": rng.integers(0, 10, 10, dtype=np.uint8)}, "tiny")  # fmt: skip


def test_folder_names_keep_every_digit_of_a_setting():
    default = ExperimentConfig().run_name()
    assert default == "mnist-e12-b128-lr0.001-clipvalue0.5-cce-val0.1"
    near = ExperimentConfig(learning_rate=0.0010000001).run_name()
    assert near != default and "lr0.0010000001-" in near
    assert "clipnorm0.12345678-" in ExperimentConfig(clip_value=None, clip_norm=0.12345678).run_name()
    assert "lr1e+08-" in ExperimentConfig(learning_rate=1e8).run_name()  # Short where exact.


def test_precision_is_part_of_the_folder_name_except_for_the_default():
    assert ExperimentConfig(precision="float32").run_name() == ExperimentConfig().run_name()
    assert ExperimentConfig(precision="mixed_bfloat16").run_name().endswith("-val0.1-mixed_bfloat16")
    with pytest.raises(UsageError, match="--precision: unknown precision .float8., choose from float32"):
        ExperimentConfig(precision="float8")


@pytest.mark.slow
def test_a_mixed_bfloat16_run_records_its_precision_and_computes_in_bfloat16(tmp_path, mnist_path):
    with_diagnostics = [flag for flag in TINY if flag != "--no-diagnostics"] + ["--probe-size", "64"]
    assert ca.main([*with_diagnostics, "--precision", "mixed_bfloat16", "--data", str(mnist_path),
                    "--results-dir", str(tmp_path)]) == 0  # fmt: skip
    folder = tmp_path / "mnist-e1-b128-lr0.001-clipvalue0.5-cce-val0.1-n300-mixed_bfloat16"
    config = json.loads((folder / "config.json").read_text())
    assert config["config"]["precision"] == "mixed_bfloat16"
    history = json.loads((folder / "histories" / "relu_seed0.json").read_text())
    assert history["status"] == "finished" and history["test_accuracy"] > 0.3
    assert 0 < history["epochs"][-1]["act_std_act_dense1"] and history["epochs"][0]["grad_norm_conv1"] > 0
    float32 = tmp_path / "float32"
    assert ca.main([*TINY, "--data", str(mnist_path), "--results-dir", str(float32)]) == 0
    other = json.loads(next(float32.glob("*/histories/relu_seed0.json")).read_text())
    assert other["epochs"][0]["loss"] != history["epochs"][1]["loss"]  # bfloat16 rounds.


def test_a_config_checks_itself_for_library_callers():
    with pytest.raises(UsageError, match="--epochs must be at least 1, got 0"):
        ExperimentConfig(epochs=0)
    with pytest.raises(UsageError, match="not both"):
        ExperimentConfig(clip_value=0.5, clip_norm=1.0)
    with pytest.raises(UsageError, match="unknown loss 'mse'"):
        ExperimentConfig(loss="mse")
    with pytest.raises(UsageError, match="unknown activation 'relux'"):
        ExperimentConfig(activations=("relux",))


def snapshot(folder):
    return {path: path.read_bytes() if path.is_file() else None for path in sorted(folder.rglob("*"))}


def existing_folder(results, config, settings_change=None, config_text=None):
    folder = results / config.run_name()
    (folder / "histories").mkdir(parents=True)
    settings = dataclasses.asdict(config) | (settings_change or {})
    recorded = {"config": settings, "data": {"content_sha256": tiny_dataset().content_sha256()}}
    (folder / "config.json").write_text(config_text or json.dumps(recorded))
    return folder


def test_a_folder_whose_recorded_settings_differ_is_refused_untouched(tmp_path):
    config = ExperimentConfig(activations=("relu",), epochs=1, diagnostics=False)
    folder = existing_folder(tmp_path, config, {"learning_rate": 0.0010000001})
    before = snapshot(tmp_path)
    with pytest.raises(UsageError, match="learning_rate=0.0010000001, not 0.001"):
        run_folder.open_run_folder(tmp_path, config, tiny_dataset(), "test")
    assert snapshot(tmp_path) == before and folder.exists()


@pytest.mark.slow  # The CLI reads and hashes all of MNIST first.
def test_a_damaged_config_json_is_a_one_line_error_not_a_fresh_start(tmp_path, mnist_path, capsys):
    config = ExperimentConfig(activations=("relu",), epochs=1, train_limit=300, diagnostics=False)
    existing_folder(tmp_path, config, config_text='{"config": {"epochs": 1')
    before = snapshot(tmp_path)
    assert ca.main([*TINY, "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "config.json is damaged" in err and "move it away" in err
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_a_damaged_checkpoint_is_reported_and_the_run_restarts(tmp_path, mnist_path, capsys):
    folder = tmp_path / "mnist-e1-b128-lr0.001-clipvalue0.5-cce-val0.1-n300"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "checkpoints" / "relu_seed0.npz").write_bytes(b"PK\x03\x04 not a checkpoint")
    assert ca.main([*TINY, "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "checkpoints/relu_seed0.npz is unreadable" in out
    assert "restarting this run from epoch 1" in out
    history = json.loads((folder / "histories" / "relu_seed0.json").read_text())
    assert history["status"] == "finished"


@pytest.mark.slow  # It waits a full second by design.
def test_the_data_check_of_an_existing_folder_waits_for_the_folders_lock(tmp_path):
    config = ExperimentConfig(activations=("relu",), epochs=1, diagnostics=False)
    folder = existing_folder(tmp_path, config)
    finished = threading.Event()
    errors = []

    def open_folder():
        try:
            run_folder.open_run_folder(tmp_path, config, tiny_dataset(), "test")
        except Exception as error:  # Reported by the assertion below.
            errors.append(error)
        finished.set()

    with storage.file_lock(folder):  # As another process checking the same folder would.
        thread = threading.Thread(target=open_folder)
        thread.start()
        assert not finished.wait(1.0)
        assert not (folder / "checkpoints").exists()
    assert finished.wait(30) and not errors
    thread.join()
    assert (folder / "checkpoints").is_dir()


@pytest.mark.slow  # Imports TensorFlow in a fresh process.
def test_importing_the_library_changes_no_environment_variable():
    code = (
        "import os; before = dict(os.environ); "
        "import activations, plotting; from activation_comparison import experiment; "
        "print(sorted(set(os.environ.items()) ^ set(before.items())))"
    )
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"


@pytest.mark.slow  # Starts the CLI in a fresh process.
def test_the_command_line_shows_no_tensorflow_start_up_lines(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "compare_activations.py"), "--epochs", "0"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "error: --epochs must be at least 1, got 0\n"


@pytest.mark.slow
def test_a_damaged_predictions_file_is_a_one_line_error_and_is_left_as_it_is(tmp_path, mnist_path, capsys):
    assert ca.main([*TINY, "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 0
    (predictions,) = tmp_path.glob("*/histories/relu_seed0_predictions.csv")
    damaged = predictions.read_text()[:-40]  # Cut inside the last line: one column short.
    predictions.write_text(damaged)
    history = predictions.with_name("relu_seed0.json").read_bytes()
    capsys.readouterr()
    assert ca.main([*TINY, "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "relu_seed0_predictions.csv is damaged" in err and "--force" in err
    assert predictions.read_text() == damaged and predictions.with_name("relu_seed0.json").read_bytes() == history

"""The whole comparison on a small real-MNIST subset, through the command line."""

import csv
import json

import pytest

import compare_activations as ca
from conftest import training_numbers

SIX = ["sigmoid", "relu", "elu", "leaky_relu", "selu", "gelu"]
FLAGS = ["--epochs", "1", "--train-limit", "1500", "--probe-size", "128"]
RUN_NAME = "mnist-e1-b128-lr0.001-clipvalue0.5-cce-val0.1-n1500"

# Every test here reads the six-activation comparison that the module fixture trains.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def comparison(tmp_path_factory, mnist_path):
    """All six activations, one epoch, run once for the tests of this module."""
    results = tmp_path_factory.mktemp("results")
    status = ca.main([*FLAGS, "--data", str(mnist_path), "--results-dir", str(results)])
    assert status == 0
    return results / RUN_NAME


def read_json(path):
    return json.loads(path.read_text())


def test_every_output_file_is_written(comparison):
    expected = [
        "config.json", "summary.csv", "summary.md", "val_accuracy.png", "val_loss.png",
        "train_loss.png", "test_accuracy.png", "activation_functions.png",
        "gradient_norms.png", "dead_units.png", "activation_stats.png",
    ]  # fmt: skip
    for name in expected:
        assert (comparison / name).stat().st_size > 0, name
    # A figure with nothing to show is not drawn, and its place in summary.md says why.
    summary = (comparison / "summary.md").read_text()
    for name in ("clipped_fraction.png", "pairwise.png"):
        assert (comparison / name).exists() != (f"## {name}\n\nNot drawn: " in summary), name
    for activation in SIX:
        assert (comparison / "histories" / f"{activation}_seed0.csv").exists()
        assert read_json(comparison / "histories" / f"{activation}_seed0.json")["status"] == "finished"
    assert (comparison.parent / "index.md").exists()
    assert not list((comparison / "checkpoints").glob("*.npz"))
    assert not list(comparison.rglob("*.tmp"))


def test_relu_learns_far_above_chance_on_the_untouched_test_set(comparison):
    history = read_json(comparison / "histories" / "relu_seed0.json")
    assert history["test_accuracy"] > 0.7
    assert history["best_epoch"] == 1
    assert 0 < history["test_loss"] < 1.5


def test_history_csv_has_one_row_per_epoch_with_diagnostics(comparison):
    with open(comparison / "histories" / "selu_seed0.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["0", "1"]  # Epoch 0 is before training.
    trained = rows[1]
    for column in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds"):
        assert float(trained[column]) > 0
    assert 0 <= float(trained["accuracy"]) <= 1
    for column in ("grad_norm_conv1", "grad_norm_output", "clipped_fraction",
                   "dead_fraction_act_conv1", "act_mean_act_dense1", "act_std_act_conv2"):  # fmt: skip
        assert column in trained and trained[column] != ""
    assert rows[0]["loss"] == "" and float(rows[0]["grad_norm_conv1"]) > 0


def test_summary_reports_each_activations_test_accuracy(comparison):
    with open(comparison / "summary.csv", newline="") as handle:
        rows = {row["activation"]: row for row in csv.DictReader(handle)}
    assert list(rows) == SIX
    for activation in SIX:
        history = read_json(comparison / "histories" / f"{activation}_seed0.json")
        assert float(rows[activation]["test_accuracy_mean"]) == pytest.approx(history["test_accuracy"])
        assert rows[activation]["test_accuracy_std"] == ""  # One seed: no spread to report.
    summary = (comparison / "summary.md").read_text()
    assert "![val_accuracy.png](val_accuracy.png)" in summary and "fix the number of seeds before running" in summary


def test_each_epoch_records_the_time_of_its_parts_and_its_wall_time_covers_them(comparison):
    history = read_json(comparison / "histories" / "gelu_seed0.json")
    (trained,) = [row for row in history["epochs"] if row["epoch"] == 1]
    parts = ("train_seconds", "validation_seconds", "diagnostics_seconds", "checkpoint_seconds")
    assert all(trained[part] >= 0 for part in parts)
    assert trained["train_seconds"] > 0 and trained["validation_seconds"] > 0
    # The parts are measured inside the epoch's wall time, each rounded to a millisecond.
    assert trained["seconds"] >= sum(trained[part] for part in parts) - 0.004
    assert trained["seconds"] < 2 * sum(trained[part] for part in parts)
    assert history["test_seconds"] > 0


def test_every_finished_run_saves_per_image_predictions_that_reproduce_its_accuracy(comparison, mnist_arrays):
    for activation in SIX:
        history = read_json(comparison / "histories" / f"{activation}_seed0.json")
        assert "test_predictions" not in history  # They have their own file.
        with open(comparison / "histories" / f"{activation}_seed0_predictions.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [int(row["image"]) for row in rows] == list(range(len(mnist_arrays["y_test"])))
        assert [int(row["label"]) for row in rows] == mnist_arrays["y_test"].tolist()
        correct = [row["predicted"] == row["label"] for row in rows]
        assert sum(correct) / len(rows) == pytest.approx(history["test_accuracy"], abs=1e-7)
        assert all(0 <= float(row["p_true"]) <= 1 for row in rows)
        # The probability of the true class is the largest where the prediction is right.
        assert min(float(row["p_true"]) for row, right in zip(rows, correct) if right) >= 0.1


def test_config_records_settings_command_data_and_versions(comparison, mnist_path):
    config = read_json(comparison / "config.json")
    assert config["config"]["clip_value"] == 0.5 and config["config"]["train_limit"] == 1500
    assert config["data"]["file_sha256"].startswith("06af5dfe73b7")
    assert config["backend"] == "tensorflow" and config["versions"]["keras"].startswith("3.")
    assert "--train-limit 1500" in config["commands"][-1]["command"]


def test_rerun_reuses_finished_runs_and_changes_no_history(comparison, mnist_path, capsys):
    histories = {p: p.read_bytes() for p in (comparison / "histories").glob("*_seed0.*")}
    status = ca.main([*FLAGS, "--data", str(mnist_path), "--results-dir", str(comparison.parent)])
    out = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert sum("already finished, reused" in line for line in out) == 6
    assert out[-1] == f"Results: {comparison}"
    assert {p: p.read_bytes() for p in histories} == histories


def test_same_seed_gives_identical_numbers_whatever_else_runs(comparison, mnist_path, tmp_path):
    # relu and selu alone, in a fresh folder: same numbers as inside the six-way run.
    status = ca.main([*FLAGS, "--activations", "relu", "selu", "--data", str(mnist_path),
                      "--results-dir", str(tmp_path)])  # fmt: skip
    assert status == 0
    for activation in ("relu", "selu"):
        again = read_json(tmp_path / RUN_NAME / "histories" / f"{activation}_seed0.json")
        first = read_json(comparison / "histories" / f"{activation}_seed0.json")
        assert training_numbers(again) == training_numbers(first)


def test_another_clip_value_gets_its_own_folder_and_index_row(comparison, mnist_path):
    status = ca.main([*FLAGS, "--clip-value", "0.01", "--activations", "relu", "--no-diagnostics",
                      "--data", str(mnist_path), "--results-dir", str(comparison.parent)])  # fmt: skip
    assert status == 0
    other = comparison.parent / RUN_NAME.replace("clipvalue0.5", "clipvalue0.01")
    assert read_json(other / "histories" / "relu_seed0.json")["status"] == "finished"
    assert read_json(comparison / "histories" / "relu_seed0.json")["status"] == "finished"
    index = (comparison.parent / "index.md").read_text()
    assert "| run | clip_value | Sigmoid | ReLU |" in index  # The one setting that differs.
    assert f"[{other.name}]({other.name}/summary.md)" in index
    assert f"[{RUN_NAME}]({RUN_NAME}/summary.md)" in index

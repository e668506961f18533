"""The method, end to end on real MNIST subsets: these fail if the experiment measures the
wrong thing, not only if it crashes."""

import csv
import json

import numpy as np
import pytest

import compare_activations as ca
from conftest import training_numbers

# Every test here trains on real MNIST through the command line.
pytestmark = pytest.mark.slow


def read_json(path):
    return json.loads(path.read_text())


def only_folder(results):
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    return folder


def run(results, *flags):
    return ca.main([*flags, "--results-dir", str(results)])


# 270 training images at learning rate 0.003 overfit within six epochs: the validation loss
# is lowest before the last epoch, so scoring the last epoch would give another test score.
OVERFIT = ["--activations", "relu", "--train-limit", "300", "--learning-rate", "0.003",
           "--no-diagnostics"]  # fmt: skip


def test_the_test_score_comes_from_the_lowest_validation_loss_epoch(tmp_path):
    assert run(tmp_path / "six", *OVERFIT, "--epochs", "6") == 0
    six = read_json(only_folder(tmp_path / "six") / "histories" / "relu_seed0.json")
    val_losses = [row["val_loss"] for row in six["epochs"]]
    best = int(np.argmin(val_losses)) + 1
    assert six["best_epoch"] == best
    assert best < 6, "this configuration no longer overfits; pick one whose best epoch is not the last"

    # A run stopped at the best epoch has exactly that epoch's weights (each epoch's image
    # order depends on seed and epoch alone), so its test score is a fresh evaluation of them.
    assert run(tmp_path / "short", *OVERFIT, "--epochs", str(best)) == 0
    short = read_json(only_folder(tmp_path / "short") / "histories" / "relu_seed0.json")
    assert training_numbers(short)["epochs"] == training_numbers(six)["epochs"][:best]
    assert short["best_epoch"] == best
    assert (six["test_loss"], six["test_accuracy"]) == (short["test_loss"], short["test_accuracy"])


SEEDS = ["--activations", "relu", "elu", "--epochs", "1", "--train-limit", "600", "--no-diagnostics"]


def test_several_seeds_are_summarised_and_adding_one_trains_only_it(tmp_path, capsys):
    assert run(tmp_path, *SEEDS, "--seeds", "3") == 0
    folder = only_folder(tmp_path)
    histories = folder / "histories"
    first_three = {p.name: p.read_bytes() for p in histories.glob("*.json")}
    assert len(first_three) == 6
    with open(folder / "summary.csv", newline="") as handle:
        rows = {row["activation"]: row for row in csv.DictReader(handle)}
    for activation in ("relu", "elu"):
        scores = [read_json(histories / f"{activation}_seed{s}.json")["test_accuracy"] for s in range(3)]
        assert len(set(scores)) == 3  # Seeds differ.
        assert float(rows[activation]["test_accuracy_mean"]) == pytest.approx(np.mean(scores))
        assert float(rows[activation]["test_accuracy_std"]) == pytest.approx(np.std(scores, ddof=1))
        assert rows[activation]["seeds_finished"] == "3"
    capsys.readouterr()

    assert run(tmp_path, *SEEDS, "--seeds", "4") == 0
    out = capsys.readouterr().out
    assert out.count("already finished, reused") == 6
    assert "[7/8] relu, seed 3 — ETA" in out and "[8/8] elu, seed 3 — ETA" in out
    assert {p.name: p.read_bytes() for p in histories.glob("*_seed[012].json")} == first_three
    with open(folder / "summary.csv", newline="") as handle:
        assert [row["seeds_finished"] for row in csv.DictReader(handle)] == ["4", "4"]
    assert "paired" in (folder / "summary.md").read_text()


def test_force_retrains_finished_runs_to_the_same_numbers(tmp_path, capsys):
    flags = ["--activations", "relu", "--epochs", "1", "--train-limit", "600", "--no-diagnostics"]
    assert run(tmp_path, *flags) == 0
    path = only_folder(tmp_path) / "histories" / "relu_seed0.json"
    first = read_json(path)
    path.write_text(json.dumps(first | {"test_accuracy": 0.5}))  # Marks the old file.
    capsys.readouterr()
    assert run(tmp_path, *flags, "--force") == 0
    assert "reused" not in capsys.readouterr().out
    again = read_json(path)
    assert again["test_accuracy"] != 0.5
    assert training_numbers(again) == training_numbers(first)


def test_binary_crossentropy_records_top1_and_the_articles_binary_accuracy(tmp_path):
    flags = ["--activations", "relu", "--epochs", "1", "--train-limit", "600",
             "--loss", "binary_crossentropy", "--no-diagnostics"]  # fmt: skip
    assert run(tmp_path, *flags) == 0
    folder = only_folder(tmp_path)
    assert folder.name.endswith("-bce-val0.1-n600")
    history = read_json(folder / "histories" / "relu_seed0.json")
    # Nine of ten one-hot entries are 0, so binary accuracy is high for any model.
    assert 0.1 < history["test_accuracy"] < history["test_binary_accuracy"]
    assert history["test_binary_accuracy"] > 0.9
    assert history["test_binary_accuracy"] - history["test_accuracy"] > 0.05
    with open(folder / "histories" / "relu_seed0.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:8] == ["epoch", "loss", "accuracy", "binary_accuracy", "val_loss",
                          "val_accuracy", "val_binary_accuracy", "seconds"]  # fmt: skip


def test_a_small_clip_norm_clips_and_no_clip_does_not(tmp_path):
    flags = ["--activations", "relu", "--epochs", "1", "--train-limit", "300", "--probe-size", "64"]
    assert run(tmp_path, *flags, "--clip-norm", "0.001", "--no-clip") == 0
    clipped = read_json(tmp_path / "mnist-e1-b128-lr0.001-clipnorm0.001-cce-val0.1-n300"
                        / "histories" / "relu_seed0.json")  # fmt: skip
    unclipped = read_json(tmp_path / "mnist-e1-b128-lr0.001-noclip-cce-val0.1-n300"
                          / "histories" / "relu_seed0.json")  # fmt: skip
    assert all(row["clipped_fraction"] > 0.5 for row in clipped["epochs"])
    assert all(row["clipped_fraction"] == 0 for row in unclipped["epochs"])
    assert clipped["epochs"][1]["loss"] != unclipped["epochs"][1]["loss"]

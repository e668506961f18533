"""`--plan`: per run folder, the runs to train, finished and locked, and the wall time, from
hand-made histories; it trains nothing, loads no named dataset and writes nothing."""

import json
import re

import pytest

import compare_activations as ca
from activation_comparison.setup import data, storage
from activation_comparison.setup.config import ExperimentConfig
from activation_comparison.setup.run_folder import RunPaths

@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """The plans below are for a 2-core machine, whatever this one has."""
    monkeypatch.setattr(ca.hardware, "cores", lambda: 2)


ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(-|[\d.]+ (?:s|min|h))\s+(\S.*)$")


def plan(tmp_path, capsys, *flags) -> tuple[dict, str]:
    """The plan's rows by label ({"to train", "finished", "locked", "time"}) and its text."""
    status = ca.main([*flags, "--plan", "--results-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    rows = {}
    for line in out.splitlines():
        if match := ROW.match(line):
            to_train, finished, locked, time, label = match.groups()
            rows[label] = {"to train": int(to_train), "finished": int(finished), "locked": int(locked), "time": time}
    return rows, out


def history(tmp_path, settings: dict, activation: str, seed: int, status: str, epoch_seconds=()) -> RunPaths:
    """A hand-made history in the folder of `settings`, with one row per recorded epoch."""
    paths = RunPaths.of(tmp_path / ExperimentConfig(**settings).run_name(), activation, seed)
    paths.history_json.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"epoch": 0}] + [{"epoch": epoch, "seconds": seconds} for epoch, seconds in enumerate(epoch_seconds, 1)]
    paths.history_json.write_text(json.dumps({"activation": activation, "seed": seed, "status": status, "epochs": rows}))
    return paths


def snapshot(folder):
    return {path: path.read_bytes() if path.is_file() else None for path in sorted(folder.rglob("*"))}


TWO_BY_TWO = {"activations": ("relu", "elu"), "seeds": 2, "epochs": 2}
FLAGS = ["--activations", "relu", "elu", "--seeds", "2", "--epochs", "2"]


def test_plan_counts_every_activation_and_seed_and_writes_nothing(tmp_path, capsys):
    rows, out = plan(tmp_path, capsys, *FLAGS)
    folder = str(tmp_path / ExperimentConfig(**TWO_BY_TWO).run_name())
    assert rows == {folder: {"to train": 4, "finished": 0, "locked": 0, "time": "4 min"}}
    assert list(tmp_path.iterdir()) == []


def test_plan_does_not_load_the_named_datasets(tmp_path, capsys, monkeypatch):
    def refuse(*args):
        raise AssertionError("the plan loaded the data")

    monkeypatch.setattr(data, "load_dataset", refuse)
    rows, _ = plan(tmp_path, capsys, *FLAGS, "--dataset", "fashion_mnist")
    assert [row["to train"] for row in rows.values()] == [4]


def test_finished_and_diverged_runs_are_reused_and_a_running_one_is_trained(tmp_path, capsys):
    history(tmp_path, TWO_BY_TWO, "relu", 0, "finished")
    history(tmp_path, TWO_BY_TWO, "elu", 1, "diverged")
    history(tmp_path, TWO_BY_TWO, "relu", 1, "running")
    before = snapshot(tmp_path)
    rows, _ = plan(tmp_path, capsys, *FLAGS)
    (row,) = rows.values()
    assert (row["to train"], row["finished"], row["locked"]) == (2, 2, 0)
    assert snapshot(tmp_path) == before


def test_force_trains_finished_runs_again(tmp_path, capsys):
    history(tmp_path, TWO_BY_TWO, "relu", 0, "finished")
    rows, out = plan(tmp_path, capsys, *FLAGS, "--force")
    (row,) = rows.values()
    assert (row["to train"], row["finished"]) == (4, 0)
    assert "--force: 1 of the runs to train" in out


def test_a_run_another_process_holds_is_locked_and_not_trained(tmp_path, capsys):
    paths = history(tmp_path, TWO_BY_TWO, "elu", 0, "running")
    paths.lock.parent.mkdir()
    paths.lock.write_text("")
    idle = history(tmp_path, TWO_BY_TWO, "relu", 1, "running")  # Killed: its lock file is left, not held.
    idle.lock.write_text("")
    before = snapshot(tmp_path)
    with storage.file_lock(paths.lock):
        rows, out = plan(tmp_path, capsys, *FLAGS)
    (row,) = rows.values()
    assert (row["to train"], row["finished"], row["locked"]) == (3, 0, 1)
    assert "being trained by another process" in out
    assert snapshot(tmp_path) == before


def test_the_folders_recorded_epoch_seconds_set_the_time(tmp_path, capsys):
    # 3 runs left x 2 epochs x 600 s: 60 min, where the default (30 s an epoch) gives 3 min.
    history(tmp_path, TWO_BY_TWO, "relu", 0, "finished", epoch_seconds=[600.0, 600.0])
    rows, out = plan(tmp_path, capsys, *FLAGS)
    (row,) = rows.values()
    assert (row["to train"], row["time"]) == (3, "60 min")
    assert "10 min per epoch of 54,000 images with 2 threads, from the median of 2 epochs recorded in this folder" in out


def test_without_recorded_epochs_the_default_is_scaled_to_the_images(tmp_path, capsys):
    # 30 s per 54,000 images: an epoch of 5,400 (6,000 less the validation tenth) takes 3 s.
    rows, out = plan(tmp_path, capsys, *FLAGS, "--train-limit", "6000")
    (row,) = rows.values()
    assert row["time"] == "24 s"  # 4 runs x 2 epochs x 3 s.
    assert "3.0 s per epoch of 5,400 images with 2 threads, from the default" in out


def test_another_folders_epochs_are_scaled_per_image(tmp_path, capsys):
    other = {"epochs": 1, "train_limit": 5000}
    history(tmp_path, other, "relu", 0, "finished", epoch_seconds=[45.0])  # 45 s for 4,500 images.
    (tmp_path / ExperimentConfig(**other).run_name() / "config.json").write_text(json.dumps(
        {"config": {"train_limit": 5000, "validation_split": 0.1, "model": "cnn"}, "data": {"train_images": 60000}}))
    rows, out = plan(tmp_path, capsys, *FLAGS)
    folder = str(tmp_path / ExperimentConfig(**TWO_BY_TWO).run_name())
    assert rows[folder]["time"] == "72 min"  # 4 runs x 2 epochs x 540 s.
    assert "9 min per epoch of 54,000 images with 2 threads, from the median per image of 1 epoch recorded in 1 other cnn folder" in out


def test_workers_share_the_runs_but_not_the_cores(tmp_path, capsys):
    # Two workers on 2 cores get one thread each, so each epoch takes twice the default's
    # 30 s: 2 batches of 2 runs x 2 epochs x 60 s, no faster than one run at a time.
    rows, out = plan(tmp_path, capsys, *FLAGS, "--workers", "2")
    assert [row["time"] for row in rows.values()] == ["4 min"]
    assert "2 runs at a time" in out and "with 1 thread, from the default" in out


def test_epochs_recorded_with_other_threads_are_scaled_to_this_commands(tmp_path, capsys):
    paths = history(tmp_path, TWO_BY_TWO, "relu", 0, "running", epoch_seconds=[300.0])
    record = json.loads(paths.history_json.read_text()) | {"intra_op_threads": 1}
    paths.history_json.write_text(json.dumps(record))
    rows, out = plan(tmp_path, capsys, *FLAGS)
    # Recorded with 1 thread, run with both cores: half the time, 150 s an epoch, so
    # 4 runs x 2 epochs x 150 s.
    folder = str(tmp_path / ExperimentConfig(**TWO_BY_TWO).run_name())
    assert rows[folder]["time"] == "20 min"


def test_a_sweep_has_a_row_per_folder_and_a_total(tmp_path, capsys):
    rows, _ = plan(tmp_path, capsys, *FLAGS, "--learning-rate", "0.003", "0.001", "0.0003")
    assert [row["to train"] for row in rows.values()] == [4, 4, 4, 12]
    assert list(rows)[-1] == "total"


def test_seeds_auto_plans_the_first_look_and_the_most_runs(tmp_path, capsys):
    settings = {"activations": ("relu", "elu"), "seeds": "auto", "max_seeds": 8, "epochs": 2}
    history(tmp_path, settings, "relu", 0, "finished")
    rows, out = plan(tmp_path, capsys, "--activations", "relu", "elu", "--seeds", "auto", "--max-seeds", "8",
                     "--epochs", "2")  # fmt: skip
    folder = tmp_path / ExperimentConfig(**settings).run_name()
    assert rows[f"{folder}, first look (3 seeds)"] == {"to train": 5, "finished": 1, "locked": 0, "time": "5 min"}
    assert rows[f"{folder}, at most (8 seeds)"] == {"to train": 15, "finished": 1, "locked": 0, "time": "15 min"}
    assert "looks at 3, 5, 8 seeds" in out


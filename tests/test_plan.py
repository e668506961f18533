"""`--plan`: per run folder, the runs to train, finished and locked, and the wall time, from
hand-made histories; it trains nothing, loads no named dataset and writes nothing."""

import dataclasses
import json
import re

import pytest

import compare_activations as ca
from activation_comparison.planning import run_costs
from activation_comparison.setup import datasets
from activation_comparison.results import storage
from activation_comparison.setup.config import ExperimentConfig
from activation_comparison.results.run_folder import RunPaths

@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """The plans below are for a 2-core machine, whatever this one has."""
    monkeypatch.setattr(ca.hardware, "cores", lambda: 2)


@pytest.fixture(autouse=True)
def round_costs(monkeypatch):
    """Round defaults, so that each plan below can be worked out by hand: a CNN epoch of
    54,000 images takes 1 + 29 = 30 s, a first epoch 6 s more, a run 4 s outside its
    epochs; a command starts in 10 s (20 more for workers), a folder's summary takes 5 s."""
    monkeypatch.setattr(run_costs, "DEFAULTS", {
        "cnn": run_costs.NetworkCosts(epoch_fixed=1.0, per_image=29 / 54_000, first_fixed=7.0,
                                      first_per_image=29 / 54_000, run_fixed=4.0, summary=5.0,
                                      slots={(2, 1): 1.0, (1, 1): 1.6, (1, 2): 1.5}),
        "mlp": run_costs.NetworkCosts(epoch_fixed=0.5, per_image=1 / 54_000, first_fixed=2.5,
                                      first_per_image=1 / 54_000, run_fixed=1.0, summary=5.0,
                                      slots={(2, 1): 1.0, (1, 1): 1.2, (1, 2): 1.25}),
    })  # fmt: skip
    for name, seconds in {"START_SECONDS": 10.0, "WORKER_START_SECONDS": 20.0, "SUMMARY_SECONDS_PER_RUN": 0.0,
                          "RUN_UNTIMED_SECONDS": 0.0}.items():  # fmt: skip
        monkeypatch.setattr(run_costs, name, seconds)


ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(-|[\d.]+ (?:s|min|h))\s+(\S.*)$")
WHOLE = re.compile(r"Wall time of the whole command: about ([\d.]+ (?:s|min|h))")


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


def history(tmp_path, settings: dict, activation: str, seed: int, status: str, epoch_seconds=(), **fields) -> RunPaths:
    """A hand-made history in the folder of `settings`, with one row per recorded epoch."""
    paths = RunPaths.of(tmp_path / ExperimentConfig(**settings).run_name(), activation, seed)
    paths.history_json.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"epoch": 0}] + [{"epoch": epoch, "seconds": seconds} for epoch, seconds in enumerate(epoch_seconds, 1)]
    record = {"activation": activation, "seed": seed, "status": status, "epochs": rows, **fields}
    paths.history_json.write_text(json.dumps(record))
    return paths


def config_json(tmp_path, settings: dict) -> None:
    """The config.json a run of `settings` writes, as far as a plan reads it."""
    config = ExperimentConfig(**settings)
    (tmp_path / config.run_name() / "config.json").write_text(json.dumps(
        {"config": {"train_limit": config.train_limit, "validation_split": config.validation_split, "model": config.model},
         "data": {"train_images": 60000}, "hardware": {"cores": 2}}))  # fmt: skip


def snapshot(folder):
    return {path: path.read_bytes() if path.is_file() else None for path in sorted(folder.rglob("*"))}


TWO_BY_TWO = {"activations": ("relu", "elu"), "seeds": 2, "epochs": 2}
FLAGS = ["--activations", "relu", "elu", "--seeds", "2", "--epochs", "2"]


def test_plan_counts_every_activation_and_seed_and_writes_nothing(tmp_path, capsys):
    rows, out = plan(tmp_path, capsys, *FLAGS)
    folder = str(tmp_path / ExperimentConfig(**TWO_BY_TWO).run_name())
    # 4 runs x (4 s + a first epoch's 36 s + a second's 30 s), and the folder's summary: 285 s.
    assert rows == {folder: {"to train": 4, "finished": 0, "locked": 0, "time": "4.8 min"}}
    # With the command's 10 s of start-up.
    assert WHOLE.search(out).group(1) == "4.9 min" and "(295 s)" in out
    assert list(tmp_path.iterdir()) == []


def test_plan_does_not_load_the_named_datasets(tmp_path, capsys, monkeypatch):
    def refuse(*args):
        raise AssertionError("the plan loaded the data")

    monkeypatch.setattr(datasets, "load_dataset", refuse)
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


def test_the_folders_recorded_epochs_set_the_time(tmp_path, capsys):
    # 3 runs x (4 s + 600 s + 600 s) + 5 s.
    history(tmp_path, TWO_BY_TWO, "relu", 0, "finished", epoch_seconds=[600.0, 600.0])
    rows, out = plan(tmp_path, capsys, *FLAGS)
    (row,) = rows.values()
    assert (row["to train"], row["time"]) == (3, "60 min")
    assert ("10 min per epoch of 54,000 images with 2 threads (1 recorded epoch of comparable size), "
            "the first 10 min (1 recorded first epoch of comparable size)") in out  # fmt: skip


def test_without_recorded_epochs_the_defaults_are_scaled_to_the_images(tmp_path, capsys):
    # An epoch of 5,400 images (6,000 less the validation tenth): 1 s + 29 s x 0.1 = 3.9 s,
    # the first 7 s + 2.9 s. 4 runs x (4 s + 9.9 s + 3.9 s) + 5 s = 76.2 s.
    rows, out = plan(tmp_path, capsys, *FLAGS, "--train-limit", "6000")
    (row,) = rows.values()
    assert row["time"] == "76 s"
    assert "3.9 s per epoch of 5,400 images with 2 threads (the default)" in out


def test_a_small_runs_epochs_do_not_inflate_a_full_data_estimate(tmp_path, capsys):
    # 3 s an epoch of 900 images is 180 s per 54,000 images, six times the truth: its
    # epochs are mostly their fixed part. Its 3 s outside the epochs (diagnostics 1 s,
    # test 2 s) do not depend on the images, and are used.
    small = {"epochs": 3, "train_limit": 1000}
    paths = history(tmp_path, small, "relu", 0, "finished", epoch_seconds=[11.0, 3.0, 3.0], test_seconds=2.0)
    record = json.loads(paths.history_json.read_text())
    record["epochs"][0]["diagnostics_seconds"] = 1.0
    paths.history_json.write_text(json.dumps(record))
    config_json(tmp_path, small)
    rows, out = plan(tmp_path, capsys, *FLAGS)
    assert ("30 s per epoch of 54,000 images with 2 threads (the default), the first 36 s (the default), "
            "3.0 s per run for the diagnostics before training and the test scoring (1 recorded run)") in out  # fmt: skip
    folder = str(tmp_path / ExperimentConfig(**TWO_BY_TWO).run_name())
    assert rows[folder]["time"] == "4.7 min"  # 4 x (3 + 36 + 30) + 5 = 281 s.


def test_epochs_of_comparable_size_are_scaled_along_the_fixed_and_per_image_parts(tmp_path, capsys):
    # 27,000 images, half the full set: the default says 1 + 14.5 = 15.5 s, this machine
    # took 31 s, so the full set's 30 s become 60 s here; the first epoch 40 s against the
    # default's 7 + 14.5 = 21.5 s, so the full set's 36 s become 67 s.
    half = {"epochs": 3, "train_limit": 30000}
    history(tmp_path, half, "relu", 0, "finished", epoch_seconds=[40.0, 31.0, 31.0])
    config_json(tmp_path, half)
    _, out = plan(tmp_path, capsys, *FLAGS)
    assert ("60 s per epoch of 54,000 images with 2 threads (2 recorded epochs of comparable size), "
            "the first 67 s (1 recorded first epoch of comparable size)") in out  # fmt: skip


def test_another_networks_epochs_are_not_used(tmp_path, capsys):
    mlp = {"epochs": 2, "model": "mlp"}
    history(tmp_path, mlp, "relu", 0, "finished", epoch_seconds=[3.0, 1.0])
    config_json(tmp_path, mlp)
    _, out = plan(tmp_path, capsys, *FLAGS)
    assert "30 s per epoch of 54,000 images with 2 threads (the default)" in out
    _, out = plan(tmp_path, capsys, *FLAGS, "--model", "mlp")
    assert "1.0 s per epoch of 54,000 images with 2 threads (1 recorded epoch of comparable size)" in out


def test_workers_share_the_runs_and_the_cores_as_measured(tmp_path, capsys):
    # Two workers on 2 cores get one thread each; the work takes 1.5 times as long each
    # (the measured slot, not twice): runs of 6 + 54 + 45 = 105 s, two at a time.
    rows, out = plan(tmp_path, capsys, *FLAGS, "--workers", "2")
    assert [row["time"] for row in rows.values()] == ["3.6 min"]  # 2 x 105 s + 5 s.
    assert "2 runs at a time" in out and "45 s per epoch of 54,000 images with 1 thread (the default)" in out
    assert "(245 s)" in out  # With the parent's 10 s and the workers' 20 s of start-up.


def test_one_thread_alone_is_costed_as_measured_not_as_half_the_speed(tmp_path, capsys):
    _, out = plan(tmp_path, capsys, *FLAGS, "--threads", "1")
    assert "48 s per epoch of 54,000 images with 1 thread" in out  # 30 s x 1.6, not x 2.


def test_epochs_recorded_with_other_threads_are_scaled_to_this_commands(tmp_path, capsys):
    # Recorded with 1 thread beside another worker (x 1.5): 300 s are 200 s with both cores.
    history(tmp_path, TWO_BY_TWO, "relu", 0, "running", epoch_seconds=[300.0, 300.0], intra_op_threads=1)
    rows, out = plan(tmp_path, capsys, *FLAGS)
    assert "3.3 min per epoch of 54,000 images with 2 threads (1 recorded epoch of comparable size)" in out
    folder = str(tmp_path / ExperimentConfig(**TWO_BY_TWO).run_name())
    assert rows[folder]["time"] == "27 min"  # 4 x (4 + 200 + 200) + 5 = 1621 s.


def test_a_sweep_has_a_row_per_folder_and_a_total(tmp_path, capsys):
    rows, _ = plan(tmp_path, capsys, *FLAGS, "--learning-rate", "0.003", "0.001", "0.0003")
    assert [row["to train"] for row in rows.values()] == [4, 4, 4, 12]
    assert list(rows)[-1] == "total"


AUTO = {"activations": ("relu", "elu", "sigmoid"), "seeds": "auto", "max_seeds": 8, "epochs": 2}
AUTO_FLAGS = ["--activations", "relu", "elu", "sigmoid", "--seeds", "auto", "--max-seeds", "8", "--epochs", "2"]


def test_seeds_auto_plans_the_first_look_and_the_most_runs(tmp_path, capsys):
    history(tmp_path, AUTO, "relu", 0, "finished")
    rows, out = plan(tmp_path, capsys, *AUTO_FLAGS)
    folder = tmp_path / ExperimentConfig(**AUTO).run_name()
    # Runs of 4 + 36 + 30 = 70 s: 8 of them and the summary, then 23.
    assert rows[f"{folder}, first look (3 seeds)"] == {"to train": 8, "finished": 1, "locked": 0, "time": "9.4 min"}
    assert rows[f"{folder}, at most (8 seeds)"] == {"to train": 23, "finished": 1, "locked": 0, "time": "27 min"}
    assert "looks at 3, 5, 8 seeds" in out


def auto_folder(tmp_path, accuracies: dict) -> None:
    """A --seeds auto folder whose seeds 0-2 have finished with these test accuracies."""
    for name, values in accuracies.items():
        for seed, accuracy in enumerate(values):
            history(tmp_path, AUTO, name, seed, "finished", epoch_seconds=[30.0, 30.0], test_seconds=4.0,
                    test_accuracy=accuracy)  # fmt: skip


def test_a_partly_run_auto_folder_plans_its_next_look_and_the_most_it_can_still_spend(tmp_path, capsys):
    # After the first look Sigmoid has left and ReLU and ELU are not yet told apart: the
    # next look gives each seeds 3 and 4 (4 runs of 4 + 2 x 30 = 64 s), the most seeds 3-7.
    auto_folder(tmp_path, {"relu": [0.990, 0.988, 0.991], "elu": [0.988, 0.989, 0.986], "sigmoid": [0.95, 0.94, 0.955]})
    rows, out = plan(tmp_path, capsys, *AUTO_FLAGS)
    folder = tmp_path / ExperimentConfig(**AUTO).run_name()
    assert rows[f"{folder}, next look (5 seeds)"] == {"to train": 4, "finished": 9, "locked": 0, "time": "4.3 min"}
    assert rows[f"{folder}, at most (8 seeds)"] == {"to train": 10, "finished": 9, "locked": 0, "time": "11 min"}
    assert "about 4.5 min (271 s) to the next look, at most 11 min (655 s)" in out


def test_an_auto_folder_that_has_stopped_has_nothing_to_train(tmp_path, capsys):
    auto_folder(tmp_path, {"relu": [0.990, 0.991, 0.990], "elu": [0.970, 0.971, 0.969], "sigmoid": [0.95, 0.94, 0.955]})
    rows, _ = plan(tmp_path, capsys, *AUTO_FLAGS)
    folder = tmp_path / ExperimentConfig(**AUTO).run_name()
    assert rows == {f"{folder}, stopped at 3 seeds (one remains)": {"to train": 0, "finished": 9, "locked": 0, "time": "-"}}


def test_each_activation_costs_its_measured_multiple_of_relus_epochs(tmp_path, capsys, monkeypatch):
    cnn = dataclasses.replace(run_costs.DEFAULTS["cnn"], activations={"gelu": (2.0, 1.5)})
    monkeypatch.setitem(run_costs.DEFAULTS, "cnn", cnn)
    # ReLU: 4 + 36 + 2 x 30 = 100 s; GELU: 4 + 2 x 36 + 2 x 1.5 x 30 = 166 s; the summary 5 s, the start 10 s.
    rows, out = plan(tmp_path, capsys, "--epochs", "3", "--activations", "relu", "gelu")
    assert [row["time"] for row in rows.values()] == ["4.5 min"]
    assert "about 4.7 min (281 s)" in out

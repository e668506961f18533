"""Nothing lost: interruption, divergence and concurrent runs, on real MNIST subsets."""

import csv
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import compare_activations as ca
from activation_comparison.results import storage
from conftest import ROOT, training_numbers


def command(mnist_path, results, *flags):
    return [sys.executable, str(ROOT / "compare_activations.py"), "--data", str(mnist_path),
            "--results-dir", str(results), *flags]  # fmt: skip


def run_folder(results: Path) -> Path:
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    return folder


def wait_for(path: Path, process, timeout=240):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def read_json(path):
    return json.loads(path.read_text())


RESUME_FLAGS = ["--activations", "selu", "--epochs", "3", "--train-limit", "1200", "--probe-size", "64"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, mnist_path):
    results = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run(command(mnist_path, results, *RESUME_FLAGS), check=True, capture_output=True)
    return read_json(run_folder(results) / "histories" / "selu_seed0.json")


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_epoch_and_matches_an_uninterrupted_one(
    tmp_path, mnist_path, uninterrupted
):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(command(mnist_path, tmp_path, *RESUME_FLAGS), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(tmp_path / "mnist-e3-b128-lr0.001-clipvalue0.5-cce-val0.1-n1200"
                 / "checkpoints" / "selu_seed0.npz", process)  # fmt: skip
    finally:
        process.kill()  # SIGKILL: no chance to clean up.
        process.wait()

    rerun = subprocess.run(command(mnist_path, tmp_path, *RESUME_FLAGS), env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming after epoch 1" in rerun.stdout or "resuming after epoch 2" in rerun.stdout
    resumed = read_json(run_folder(tmp_path) / "histories" / "selu_seed0.json")
    assert resumed["status"] == "finished"
    assert training_numbers(resumed) == training_numbers(uninterrupted)
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.slow
def test_ctrl_c_exits_with_one_line_saying_how_to_resume(tmp_path, mnist_path):
    process = subprocess.Popen(command(mnist_path, tmp_path, *RESUME_FLAGS), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(tmp_path / "mnist-e3-b128-lr0.001-clipvalue0.5-cce-val0.1-n1200"
                 / "checkpoints" / "selu_seed0.npz", process)  # fmt: skip
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("Interrupted:")
    assert "run the same command again to resume" in err


@pytest.mark.slow
def test_divergence_is_recorded_and_the_other_activations_finish(tmp_path, mnist_path, capsys):
    # Adam with learning rate 1e8 and no clipping overflows every unbounded activation
    # within a few steps; the bounded sigmoid keeps finite (if useless) weights.
    status = ca.main(["--activations", "relu", "sigmoid", "--epochs", "2", "--train-limit", "600",
                      "--learning-rate", "1e8", "--no-clip", "--no-diagnostics",
                      "--data", str(mnist_path), "--results-dir", str(tmp_path)])  # fmt: skip
    assert status == 0
    folder = run_folder(tmp_path)
    relu = read_json(folder / "histories" / "relu_seed0.json")
    assert relu["status"] == "diverged" and relu["diverged_epoch"] == 1
    assert relu["test_accuracy"] is None
    sigmoid = read_json(folder / "histories" / "sigmoid_seed0.json")
    assert sigmoid["status"] == "finished" and len(sigmoid["epochs"]) == 2
    with open(folder / "summary.csv", newline="") as handle:
        rows = {row["activation"]: row for row in csv.DictReader(handle)}
    assert rows["relu"]["seeds_diverged"] == "1" and rows["relu"]["test_accuracy_mean"] == ""
    assert "0 (+1 diverged)" in (folder / "summary.md").read_text()
    assert (folder / "val_loss.png").stat().st_size > 0

    # A diverged run is a result: the same command does not retrain it.
    assert ca.main(["--activations", "relu", "--epochs", "2", "--train-limit", "600",
                    "--learning-rate", "1e8", "--no-clip", "--no-diagnostics",
                    "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 0  # fmt: skip
    assert "already diverged, reused" in capsys.readouterr().out


@pytest.mark.slow
def test_a_run_locked_by_another_process_is_skipped_not_corrupted(tmp_path, mnist_path, capsys):
    flags = ["--activations", "relu", "elu", "--epochs", "1", "--train-limit", "600", "--no-diagnostics",
             "--data", str(mnist_path), "--results-dir", str(tmp_path)]  # fmt: skip
    folder = tmp_path / "mnist-e1-b128-lr0.001-clipvalue0.5-cce-val0.1-n600"
    (folder / "checkpoints").mkdir(parents=True)
    with open(folder / "checkpoints" / "relu_seed0.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # As a process training relu would hold it.
        assert ca.main(flags) == 0
    out = capsys.readouterr().out
    assert "relu, seed 0 — being trained by another process; skipped here" in out
    assert not (folder / "histories" / "relu_seed0.json").exists()
    assert read_json(folder / "histories" / "elu_seed0.json")["status"] == "finished"


@pytest.mark.slow
def test_two_processes_training_different_activations_share_one_summary(tmp_path, mnist_path):
    flags = ["--epochs", "1", "--train-limit", "600", "--no-diagnostics"]
    processes = [
        subprocess.Popen(command(mnist_path, tmp_path, *flags, "--activations", name),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        for name in ("relu", "gelu")
    ]
    for process in processes:
        assert process.wait(timeout=300) == 0, process.stderr.read()
    folder = run_folder(tmp_path)
    with open(folder / "summary.csv", newline="") as handle:
        assert [row["activation"] for row in csv.DictReader(handle)] == ["relu", "gelu"]
    assert len(read_json(folder / "config.json")["commands"]) == 2


def test_only_this_hosts_dead_processes_lose_their_temporary_files(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    mine = storage.temporary_path(tmp_path / "summary.csv")
    stale = mine.with_name(mine.name.replace(f".{os.getpid()}.tmp", f".{dead}.tmp"))
    live = mine
    # A machine sharing the folder: its process ids mean nothing here.
    other_host = tmp_path / f".summary.csv.another-host.{dead}.tmp"
    for path in (stale, live, other_host):
        path.write_text("being written")
    storage.remove_stale_temporaries(tmp_path)
    assert not stale.exists()
    assert live.exists() and other_host.exists()

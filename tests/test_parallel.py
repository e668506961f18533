"""Worker processes and Ray tasks compute exactly what a serial run computes, and leave
everything resumable when the parent or a worker is killed (real MNIST subsets)."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, training_numbers

FLAGS = ["--activations", "relu", "elu", "--epochs", "2", "--train-limit", "1200",
         "--probe-size", "64", "--threads", "1"]  # fmt: skip
RUN_NAME = "mnist-e2-b128-lr0.001-clipvalue0.5-cce-val0.1-n1200"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

# Every test here trains in worker processes or Ray tasks.
pytestmark = pytest.mark.slow


def command(results, *flags):
    return [sys.executable, str(ROOT / "compare_activations.py"), "--results-dir", str(results),
            *FLAGS, *flags]  # fmt: skip


def read_histories(results: Path) -> dict:
    folder = results / RUN_NAME / "histories"
    return {path.name: training_numbers(json.loads(path.read_text())) for path in folder.glob("*.json")}


def read_summary(results: Path) -> list[dict]:
    with open(results / RUN_NAME / "summary.csv", newline="") as handle:
        return [{k: v for k, v in row.items() if k != "seconds_per_epoch"} for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: the same runs one after another in one process, one thread each."""
    results = tmp_path_factory.mktemp("serial")
    subprocess.run(command(results), env=ENV, check=True, capture_output=True)
    return results


def test_two_workers_give_the_numbers_of_a_serial_run(serial, tmp_path):
    result = subprocess.run(command(tmp_path, "--workers", "2"), env=ENV, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert read_histories(tmp_path) == read_histories(serial)
    assert len(read_histories(tmp_path)) == 2
    assert read_summary(tmp_path) == read_summary(serial)
    config = json.loads((tmp_path / RUN_NAME / "config.json").read_text())
    assert config["hardware"]["intra_op_threads"] == 1
    # Measured inside each run, not copied from the flag: a worker that ignored --threads
    # would record TensorFlow's default (one thread per core) here.
    for history in [*read_histories(tmp_path).values(), *read_histories(serial).values()]:
        assert history["intra_op_threads"] == 1
    # One line per finished epoch per run, prefixed with the run, then the run's outcome.
    assert "[relu seed 0] epoch 2/2: " in result.stdout and "[elu seed 0] epoch 1/2: " in result.stdout
    assert "relu, seed 0 — finished, test accuracy" in result.stdout
    assert result.stderr == ""


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for_checkpoint(results: Path, process, timeout=300, count=1):
    deadline = time.monotonic() + timeout
    while len(list((results / RUN_NAME / "checkpoints").glob("*.npz"))) < count:
        assert process.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.1)


def test_killing_the_parent_stops_its_workers_and_a_rerun_resumes_exactly(serial, tmp_path):
    parent = subprocess.Popen(command(tmp_path, "--workers", "2"), env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_checkpoint(tmp_path, parent)
        workers = [pid for pid in children_of(parent.pid) if alive(pid)]
        assert workers, "no worker process found"
    finally:
        parent.kill()  # SIGKILL: the parent cannot tell its workers anything.
        parent.wait()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers), "a worker kept running after its parent died"

    rerun = subprocess.run(command(tmp_path, "--workers", "2"), env=ENV, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming after epoch 1" in rerun.stdout
    assert read_histories(tmp_path) == read_histories(serial)


def test_ctrl_c_stops_the_workers_with_one_line_and_no_traceback(tmp_path):
    # Ctrl-C in a terminal reaches the whole process group: parent and workers.
    parent = subprocess.Popen(command(tmp_path, "--workers", "2"), env=ENV, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)  # fmt: skip
    try:
        wait_for_checkpoint(tmp_path, parent)
        workers = [pid for pid in children_of(parent.pid) if alive(pid)]
        os.killpg(parent.pid, signal.SIGINT)
        out, err = parent.communicate(timeout=120)
    finally:
        parent.kill()
    assert parent.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("Interrupted:")
    time.sleep(1)
    assert not any(alive(pid) for pid in workers)
    assert list((tmp_path / RUN_NAME / "checkpoints").glob("*.npz")), "the checkpoint for a resume is gone"


def ray_task_processes() -> list[int]:
    """Ray names a worker process after the task it is running."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes().startswith(b"ray::run_task"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def test_ray_tasks_give_the_numbers_of_a_serial_run_even_when_a_worker_is_killed(serial, tmp_path):
    pytest.importorskip("ray")
    driver = subprocess.Popen(command(tmp_path, "--ray"), env=ENV, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        # Both runs train at once (2 cores, 1 thread each); once both have a checkpoint,
        # whichever is killed resumes from it.
        wait_for_checkpoint(tmp_path, driver, count=2)
        victims = ray_task_processes()
        assert victims, "no Ray task process found"
        for victim in victims:
            os.kill(victim, signal.SIGKILL)  # Ray retries each task in a new worker.
        out, err = driver.communicate(timeout=600)
    finally:
        driver.kill()
    assert driver.returncode == 0, err
    assert "resuming after epoch 1" in out
    assert read_histories(tmp_path) == read_histories(serial)
    assert read_summary(tmp_path) == read_summary(serial)

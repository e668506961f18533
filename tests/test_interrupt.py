"""An interrupt sent to the parent alone (`kill -INT`, a job scheduler) stops its worker
processes too: no run goes on training with nobody to record it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def alive(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_sigint_to_the_parent_alone_stops_its_workers(tmp_path):
    command = [sys.executable, str(ROOT / "compare_activations.py"), "--epochs", "40", "--train-limit", "3000",
               "--activations", "relu", "elu", "--workers", "2", "--threads", "1", "--results-dir", str(tmp_path)]  # fmt: skip
    parent = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)  # fmt: skip
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not list(tmp_path.glob("*/checkpoints/*.npz")):
            time.sleep(0.5)
        children = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
        assert children, "no worker processes started"
        os.kill(parent.pid, signal.SIGINT)  # The parent only, not its process group.
        interrupted = time.monotonic()
        _, err = parent.communicate(timeout=300)
        # Stopped, not waited for: the two runs have dozens of epochs left.
        assert time.monotonic() - interrupted < 30
    finally:
        parent.kill()
        subprocess.run(["pkill", "-9", "-P", str(parent.pid)], check=False)
    assert parent.returncode == 130
    assert err.strip().splitlines()[-1].startswith("Interrupted:")
    time.sleep(1)
    assert not [pid for pid in children if alive(pid)]
    statuses = [json.loads(path.read_text())["status"] for path in tmp_path.glob("*/histories/*.json")]
    assert "finished" not in statuses, "a run went on to finish after the interrupt"

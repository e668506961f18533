"""Runs per hour of a fixed small plan: serial against worker processes and Ray tasks, and
float32 against mixed_bfloat16 (issue 10).

Each mode runs the same plan (2 activations x 2 seeds = 4 runs, 1 epoch, 6,000 images,
diagnostics on) through the real command line in a fresh results folder, so start-up,
data loading and summaries count as a user would pay them. Modes are interleaved within
each round and the ratios are taken within a round, because this machine is shared and
noisy; the median ratio over rounds is printed last:

    workers2_vs_serial=X ray_vs_serial=Y bf16_vs_float32=Z

serial: one process, the backend's default threads; workers2: `--workers 2` (threads =
cores // 2 each); ray: `--ray` on a local Ray instance started by the command (1 thread per
task), skipped when Ray is not installed; bf16: serial with `--precision mixed_bfloat16`.
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ["--activations", "relu", "elu", "--seeds", "2", "--epochs", "1"]
RUNS_IN_PLAN = 4


def modes(ray_installed: bool) -> dict[str, list[str]]:
    found = {"serial": [], "workers2": ["--workers", "2"], "bf16": ["--precision", "mixed_bfloat16"]}
    if ray_installed:
        found["ray"] = ["--ray"]
    return found


def runs_per_hour(flags: list[str], train_limit: int) -> float:
    with tempfile.TemporaryDirectory() as results:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "compare_activations.py"), *PLAN, "--train-limit",
             str(train_limit), "--results-dir", results, *flags],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return RUNS_IN_PLAN * 3600 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-limit", type=int, default=6000)
    options = parser.parse_args()
    plan = modes(importlib.util.find_spec("ray") is not None)
    measured: dict[str, list[float]] = {name: [] for name in plan}
    for round_number in range(1, options.rounds + 1):
        # Rotate the order each round, so no mode always runs first on a cold cache.
        names = list(plan)
        names = names[round_number % len(names):] + names[: round_number % len(names)]
        for name in names:
            measured[name].append(runs_per_hour(plan[name], options.train_limit))
        print(f"round {round_number}: " + ", ".join(f"{n} {measured[n][-1]:.0f}" for n in plan), flush=True)

    ratios = {
        "workers2_vs_serial": ("workers2", "serial"),
        "ray_vs_serial": ("ray", "serial"),
        "bf16_vs_float32": ("bf16", "serial"),
    }
    print("\n| mode | runs per hour, median (min–max) |\n|---|---|")
    for name, values in measured.items():
        print(f"| {name} | {statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f}) |")
    print("\n| ratio | per round | median |\n|---|---|---|")
    summary = []
    for label, (faster, baseline) in ratios.items():
        if faster not in measured:
            summary.append(f"{label}=n/a")
            continue
        per_round = [a / b for a, b in zip(measured[faster], measured[baseline])]
        print(f"| {label} | {', '.join(f'{r:.2f}' for r in per_round)} | {statistics.median(per_round):.2f} |")
        summary.append(f"{label}={statistics.median(per_round):.2f}")
    print()
    print(" ".join(summary))


if __name__ == "__main__":
    main()

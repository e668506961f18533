"""`--plan` against the real wall time: each command planned, then run, in a fresh results
folder, both empty and after small runs have been recorded there.

The commands: the quick look, a full-data epoch of two activations, a short version of the
GELU paper's MLP sweep (docs/results.md) with two worker processes, and a `--seeds auto`
run with one look. "seeded" folders first get a copy of what three small runs recorded (a
quick look and a `--seeds auto` run on 1,000 images, one MLP run on 1,000), so the plan
has records whose epochs are mostly their fixed part. Each command's wall time is taken
around the whole process, as a user waits for it. Run it on quiet cores. The last line:

    plan_error_max=X

the largest |plan / real - 1| over every command and folder.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MLP = ["--model", "mlp", "--validation-split", "0.0833333", "--no-clip", "--loss-without-dropout"]
CASES = {
    "quick look": ["--epochs", "1", "--train-limit", "3000"],
    "full-data epoch, 2 activations": ["--epochs", "1", "--activations", "relu", "gelu"],
    "MLP sweep, 2 epochs": [*MLP, "--activations", "gelu", "relu", "elu", "--dropout", "0", "0.5",
                            "--learning-rate", "0.001", "0.0001", "--epochs", "2", "--workers", "2"],  # fmt: skip
    "--seeds auto, one look": ["--epochs", "1", "--train-limit", "2000", "--seeds", "auto", "--max-seeds", "3"],
}
SMALL_RUNS = [
    ["--epochs", "1", "--train-limit", "1000"],
    ["--epochs", "1", "--train-limit", "1000", "--seeds", "auto", "--max-seeds", "3"],
    [*MLP, "--epochs", "1", "--train-limit", "1000", "--activations", "relu"],
]
CONDITIONS = ("empty", "seeded")
# "about 52 s" or "about 4.2 min (251 s)": the whole command's time, the next look's with --seeds auto.
WHOLE = re.compile(r"Wall time of the whole command: about ([\d.]+) (s|min|h)(?: \((\d+) s\))?")


def command(flags: list[str], results: Path) -> list[str]:
    return [sys.executable, str(ROOT / "compare_activations.py"), *flags, "--results-dir", str(results)]


def planned_seconds(flags: list[str], results: Path) -> float:
    out = subprocess.run(command([*flags, "--plan"], results), check=True, capture_output=True, text=True).stdout
    value, unit, seconds = WHOLE.search(out).groups()
    return float(seconds) if seconds else float(value) * {"s": 1, "min": 60, "h": 3600}[unit]


def wall_seconds(flags: list[str], results: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command(flags, results), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES), metavar="CASE")
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument("--keep", type=Path, metavar="PATH", help="keep every results folder under PATH")
    options = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from activation_comparison.execution import quiet_start

    quiet_start.import_backend()
    from activation_comparison.setup import hardware

    print(f"machine: {hardware.cpu_model()}, {hardware.cores()} cores", flush=True)
    work = Path(tempfile.mkdtemp(prefix="plan-accuracy-"))
    seeded = work / "small-runs"
    if "seeded" in options.conditions:
        for flags in SMALL_RUNS:
            print(f"small run: {' '.join(flags)}: {wall_seconds(flags, seeded):.0f} s", flush=True)
    rows = []
    for number, (name, flags) in enumerate((name, CASES[name]) for name in options.cases):
        for condition in options.conditions:
            results = work / f"case{number}-{condition}"
            if condition == "seeded":
                shutil.copytree(seeded, results)
            plan = planned_seconds(flags, results)
            real = wall_seconds(flags, results)
            rows.append((name, condition, plan, real))
            print(f"{name}, {condition}: plan {plan:.0f} s, real {real:.0f} s, plan/real {plan / real:.2f}", flush=True)
    print("\n| command | results folder | plan | real | plan / real |\n|---|---|---|---|---|")
    for name, condition, plan, real in rows:
        print(f"| {name} | {condition} | {plan:.0f} s | {real:.0f} s | {plan / real:.2f} |")
    print("\ncommands:")
    for name in options.cases:
        print(f"  {name}: python compare_activations.py {' '.join(CASES[name])}")
    if options.keep:
        shutil.copytree(work, options.keep, dirs_exist_ok=True)
    shutil.rmtree(work)
    print(f"\nplan_error_max={max(abs(plan / real - 1) for _, _, plan, real in rows):.3f}")


if __name__ == "__main__":
    main()

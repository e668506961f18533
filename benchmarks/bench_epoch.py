"""Does an epoch cost its parts? Wall time of every epoch against the time of its training
steps, validation, diagnostics and saving.

Runs a fixed plan through the real command line in a fresh results folder (ReLU, GELU and
sigmoid, seed 0, 20 epochs each, on the first 12,000 training images: 60 epochs, about 7
to 10 minutes on 2 cores), then prints, per epoch, its wall time (`seconds`) against the sum of
the parts each history row records. A wait that belongs to no part (as tf.data's
autotuning teardown was, about 20 s at the end of some epochs) shows as wall/parts above 1.
The last line is

    epoch_wall_vs_parts_median=X max=Y stalls=N

where a stall is an epoch whose wall time is 1.3 times its activation's median epoch or
more. Each stall is also labelled by where its time went: "wait" when its wall time is more
than 1.15 times its parts (time in none of them), "slow parts" when the parts themselves
took longer (another process on the machine), so a busy machine is not mistaken for a wait.
Each run's first epoch also traces and compiles the training step (1-3 s more, in
its training part), so it is printed but not counted as a stall; zero stalls in 57 epochs
still allows a true stall rate of about 5% (the 95% upper bound, 3/57).

`--checkout PATH` runs another copy of the project (e.g. an older commit,
`git worktree add /tmp/before <commit>`), whose histories may lack the parts; its stalls are
still counted from the wall times.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ["--activations", "relu", "gelu", "sigmoid", "--seeds", "1", "--epochs", "20",
        "--train-limit", "12000"]  # fmt: skip
PARTS = ("train_seconds", "validation_seconds", "diagnostics_seconds", "checkpoint_seconds")
STALL_RATIO = 1.3
WAIT_RATIO = 1.15


def run_plan(checkout: Path, plan: list[str]) -> list[dict]:
    """Every history the plan wrote, after running it through the command line."""
    with tempfile.TemporaryDirectory() as results:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "compare_activations.py", *plan, "--results-dir", results],
            cwd=checkout, check=True, stdout=subprocess.DEVNULL,
        )
        print(f"plan ran in {time.perf_counter() - started:.0f} s", flush=True)
        return [json.loads(path.read_text()) for path in sorted(Path(results).glob("*/histories/*.json"))]


def epoch_rows(histories: list[dict]) -> list[dict]:
    """One row per trained epoch: activation, epoch, wall time, sum of parts (None when the
    history has no parts) and the ratio of the two."""
    rows = []
    for history in histories:
        for row in history["epochs"]:
            if row["epoch"] == 0:
                continue  # Diagnostics before training: no steps to time.
            parts = [row.get(part) for part in PARTS]
            known = [part for part in parts if part is not None]
            total = sum(known) if row.get("train_seconds") is not None else None
            rows.append({
                "activation": history["activation"], "epoch": row["epoch"], "wall": row["seconds"],
                "parts": total, "ratio": row["seconds"] / total if total else None,
            })  # fmt: skip
    return rows


def mark_stalls(rows: list[dict]) -> None:
    """Flag epochs at 1.3 times their activation's median wall time or more."""
    for activation in {row["activation"] for row in rows}:
        own = [row for row in rows if row["activation"] == activation]
        median = statistics.median(row["wall"] for row in own)
        for row in own:
            row["vs_median"] = row["wall"] / median
            row["stall"] = row["epoch"] > 1 and row["vs_median"] >= STALL_RATIO


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the project copy to run (default: this one)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per activation (default: 20)")
    options = parser.parse_args()
    plan = [*PLAN]
    plan[plan.index("--epochs") + 1] = str(options.epochs)
    rows = epoch_rows(run_plan(options.checkout, plan))
    mark_stalls(rows)
    print(f"{'activation':10} {'epoch':>5} {'wall s':>7} {'parts s':>7} {'wall/parts':>10} {'vs median':>9}")
    for row in rows:
        parts = "–" if row["parts"] is None else f"{row['parts']:.2f}"
        ratio = "–" if row["ratio"] is None else f"{row['ratio']:.3f}"
        note = ("  (first epoch: compiles)" if row["epoch"] == 1 else "") if not row["stall"] else (
            "  STALL: wait" if row["ratio"] is None or row["ratio"] > WAIT_RATIO else "  STALL: slow parts")
        print(f"{row['activation']:10} {row['epoch']:5d} {row['wall']:7.2f} {parts:>7} {ratio:>10} "
              f"{row['vs_median']:9.2f}{note}")  # fmt: skip
    ratios = [row["ratio"] for row in rows if row["ratio"] is not None]
    median = f"{statistics.median(ratios):.3f}" if ratios else "nan"
    largest = f"{max(ratios):.3f}" if ratios else "nan"
    waits = sum(row["stall"] and (row["ratio"] is None or row["ratio"] > WAIT_RATIO) for row in rows)
    print(f"stalls from a wait: {waits}; from slow parts (a busy machine): {sum(row['stall'] for row in rows) - waits}")
    print(f"epoch_wall_vs_parts_median={median} max={largest} stalls={sum(row['stall'] for row in rows)}")


if __name__ == "__main__":
    main()

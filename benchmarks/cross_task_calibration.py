"""Calibrate the cross-task verdict: simulate task matrices whose truth is known, through the
looks each task takes (`--seeds auto` with ReLU as control arm, `sequential.look_decision`)
and the cross-task functions the summary uses (`verdict/cross_task.py`), and count how often
a "better than ReLU" claim is false.

    python benchmarks/cross_task_calibration.py                      # 10,000 matrices a row
    python benchmarks/cross_task_calibration.py --experiments 1000   # quicker, wider error bars

Each matrix has the registry's five tasks, each with its own budget (`max_seeds`, margin)
and its own noise, drawn on the log-error scale: log error = log(the activation's error) +
a seed effect shared by the task's activations + each run's residual, turned into an
accuracy rounded to the task's test images. ten activations, ReLU (index 1) the control.
The noise per task (error, seed sd, residual sd on log error, test images) is written in
`NOISE`: MNIST's from the recorded twelve-epoch runs, the others assumed from their test
set's size and error; replace them by a published matrix's own spreads when there is one.

Rows, each with its truth (a gain is ReLU's log error minus the activation's):
- `equal` (null): every activation equal to ReLU on every task;
- `worse_some` (null): activation 0 worse than ReLU by three margins on mnist, fashion_mnist
  and digits, equal elsewhere;
- `better_one` (null for all but its true claims): activation 0 better by two margins on
  mnist1d only; its "better on mnist1d" and "better on average" claims are true (its true
  mean gain is positive), every other claim is false;
- `better_all` (power): activation 0 better than ReLU by each task's margin on all five tasks.

Columns: the rate of any false "better" claim (per task or on average), the coverage of the
random-effects mean's 95% interval (every activation but ReLU, against its true mean gain
over tasks), the rate at which activation 0 is called better on average, and the mean runs.
The last line: `cross_task_false_better=X coverage=Y power=P`: X the worst false-better
rate of the three nulls, Y the worst coverage, P the power in `better_all`. Targets:
X <= 0.05, Y >= 0.95, P >= 0.8. Everything is seeded: the same flags print the same output.
"""

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from activation_comparison.setup import tasks  # noqa: E402
from activation_comparison.verdict import cross_task, log_error, sequential  # noqa: E402

COUNT = 10
CONTROL = 1
CHUNK = 1000
# task: (error, seed sd, residual sd on log error, test images)
NOISE = {
    "mnist": (0.013, 0.045, 0.07, 10_000),
    "mnist_mlp": (0.025, 0.04, 0.06, 10_000),
    "fashion_mnist": (0.11, 0.02, 0.03, 10_000),
    "mnist1d": (0.156, 0.035, 0.07, 1_000),
    "digits": (0.033, 0.1, 0.2, 450),
}
SCENARIOS = ("equal", "worse_some", "better_one", "better_all")
NULLS = ("equal", "worse_some", "better_one")


def margin_gain(task: tasks.Task, margins: float = 1.0) -> float:
    """The log-error gain of an error `margins` task margins below the task's error."""
    error = NOISE[task.name][0]
    return math.log(error / (error - margins * task.margin / 100))


def true_gains(scenario: str, registry: list[tasks.Task]) -> np.ndarray:
    """(T, K) the true log-error gain of each activation over ReLU on each task."""
    gains = np.zeros((len(registry), COUNT))
    for t, task in enumerate(registry):
        if scenario == "worse_some" and task.name in ("mnist", "fashion_mnist", "digits"):
            error = NOISE[task.name][0]
            gains[t, 0] = -math.log((error + 3 * task.margin / 100) / error)
        elif scenario == "better_one" and task.name == "mnist1d":
            gains[t, 0] = margin_gain(task, 2.0)
        elif scenario == "better_all":
            gains[t, 0] = margin_gain(task)
    return gains


def simulate_task(task: tasks.Task, gains: np.ndarray, rng, experiments: int) -> np.ndarray:
    """(experiments, K, max_seeds) log errors as the verdict computes them from accuracies."""
    error, seed_sd, residual_sd, images = NOISE[task.name]
    shape = (experiments, COUNT, task.max_seeds)
    y = (math.log(error) - gains[None, :, None] + rng.normal(0.0, seed_sd, (experiments, 1, task.max_seeds))
         + rng.normal(0.0, residual_sd, shape))  # fmt: skip
    # Whole test images: an accuracy is a count of correct images over the test set.
    accuracy = np.round((1.0 - np.minimum(np.exp(y), 0.9)) * images) / images
    return log_error.log_error(accuracy, None, 10, images)


def task_looks(y_all: np.ndarray, task: tasks.Task, test_images: int, control: int = CONTROL) -> tuple:
    """The seeds each activation gets (experiments, K) under the task's looks with the
    control arm, and the final best set: what `sequential.replay` does for one folder, for
    many at once."""
    experiments, count, most = y_all.shape
    looks = sequential.planned_looks(task.max_seeds)
    shares = sequential.spending(looks)
    still_in = np.ones((experiments, count), dtype=bool)
    is_control = np.arange(count) == control
    running = np.ones(experiments, dtype=bool)
    seeds_of = np.zeros((experiments, count), dtype=int)
    for look, share in zip(looks, shares):
        deciding = still_in | is_control
        seeds_of = np.where(running[:, None] & deciding, look, seeds_of)
        y = np.where(np.arange(most)[None, None, :] < seeds_of[..., None], y_all, np.nan)
        typical = log_error.typical_accuracy(y)
        top_error = 1.0 - np.max(np.where(still_in, typical, -np.inf), axis=-1, keepdims=True)
        top_error = np.maximum(top_error, 0.5 / test_images)
        margin_log = np.log((top_error + task.margin / 100) / top_error)
        outcome = sequential.look_decision(y, deciding, share, margin_log, in_set=still_in)
        stopping = outcome["stop_single"] | outcome["stop_within"] | (look == looks[-1])
        still_in = np.where(running[:, None], outcome["member"] & still_in, still_in)
        running &= ~stopping
        if not running.any():
            break
    return seeds_of, still_in


def simulate_matrix(scenario: str, experiments: int, seed: int) -> dict:
    registry = list(tasks.TASKS.values())
    truth = true_gains(scenario, registry)
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    most = max(task.max_seeds for task in registry)
    y = np.full((experiments, len(registry), COUNT, most), np.nan)
    runs = np.zeros(experiments)
    for t, task in enumerate(registry):
        y_all = simulate_task(task, truth[t], rng, experiments)
        seeds_of, _ = task_looks(y_all, task, NOISE[task.name][3])
        y[:, t, :, : task.max_seeds] = np.where(np.arange(task.max_seeds) < seeds_of[..., None], y_all, np.nan)
        runs += seeds_of.sum(axis=-1)
    gains = cross_task.paired_gains(y, CONTROL)
    average = cross_task.random_effects(gains["mean"], gains["se"], axis=-2)
    decided = cross_task.claims(gains["p"], average["p"])
    other = np.arange(COUNT) != CONTROL
    mean_truth = truth.mean(axis=0)
    false_task = decided["better_on_task"] & (truth[None] <= 0)
    false_average = decided["better_on_average"] & (mean_truth[None] <= 0)
    covered = (average["low"] <= mean_truth) & (mean_truth <= average["high"])
    return {
        "false_better": (false_task.any(axis=(-1, -2)) | false_average.any(axis=-1)),
        "coverage": covered[:, other].ravel(),
        "power": decided["better_on_average"][:, 0],
        "runs": runs,
    }


def rate(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    share = float(values.mean())
    return share, math.sqrt(share * (1 - share) / len(values))


def cell(pair) -> str:
    return f"{pair[0]:.4f} ± {pair[1]:.4f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", type=int, default=10_000, help="matrices per row (default %(default)s)")
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args(argv)
    if args.experiments < 100:
        print("cross_task_calibration: --experiments must be at least 100", file=sys.stderr)
        return 2
    registry = list(tasks.TASKS.values())
    most_runs = sum(COUNT * task.max_seeds for task in registry)
    print(f"# Cross-task calibration: {len(registry)} tasks, K = {COUNT}, {args.experiments} matrices a row, "
          f"alpha {cross_task.ALPHA} ({cross_task.FAMILY_SHARE:g} to each family)")  # fmt: skip
    print("| scenario | any false better | coverage of the mean's 95% interval | activation 0 better on average "
          f"| runs / {most_runs} |")  # fmt: skip
    print("|---|---|---|---|---|")
    rows = {}
    for scenario in SCENARIOS:
        parts = [simulate_matrix(scenario, min(CHUNK, args.experiments - start), args.seed + start)
                 for start in range(0, args.experiments, CHUNK)]  # fmt: skip
        joined = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        rows[scenario] = row = {"false": rate(joined["false_better"]), "coverage": rate(joined["coverage"]),
                                "power": rate(joined["power"]), "runs": float(joined["runs"].mean()) / most_runs}  # fmt: skip
        false_cell = cell(row["false"]) if scenario in NULLS else ""
        print(f"| {scenario} | {false_cell} | {cell(row['coverage'])} | {cell(row['power'])} | {row['runs']:.3f} |")
    false_better = max(rows[name]["false"][0] for name in NULLS)
    coverage = min(row["coverage"][0] for row in rows.values())
    print(f"cross_task_false_better={false_better:.4f} coverage={coverage:.4f} power={rows['better_all']['power'][0]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The per-task verdict's calibration with ten activations, with and without the control arm.

    python benchmarks/verdict_calibration_wide.py                    # 4,000 experiments a row
    python benchmarks/verdict_calibration_wide.py --experiments 1000 # quicker

`benchmarks/verdict_calibration.py`'s simulation, designs and measures (its `simulate`,
`fixed`, `automatic` and `measures`, unchanged) at K = 10: each of its scenarios widened by
four more activations like its "others" (equal to the bests in the nulls; 0.2 or 0.3 pp
lower in `better` and `two_best`; never failing). One more design: `--seeds auto` with
activation 1 as the control arm (`--tasks`' ReLU), which gets seeds at every look
(`cross_task_calibration.task_looks`, the looks of `sequential.replay`).

The last line: `wide_false_worse_rate=X wide_best_set_coverage=Y wide_power_10=P
control_false_worse_rate=XC control_power=PC`: X and Y the worst over the nulls and
designs, P the fixed design's power at 10 seeds in `better`; XC the worst false-worse rate
of the control-arm design and PC its power in `better`. Targets as at K = 6: X, XC <= 0.05,
Y >= 0.95.
"""

import argparse
import contextlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import cross_task_calibration  # noqa: E402
import verdict_calibration as base  # noqa: E402
from activation_comparison.setup import tasks  # noqa: E402
from activation_comparison.verdict import log_error, statistics  # noqa: E402

COUNT = 10
# Scenario -> the index whose entry the four added activations copy.
WIDENED = {"equal": 0, "heavy": 0, "spread3": 0, "two_fail": 0, "recorded": 0, "two_best": 2, "better": 1,
           "failing": 0}  # fmt: skip
NULLS = ("equal", "heavy", "spread3", "two_fail", "recorded", "two_best")
BEST = {"two_fail": (0, 1, 2, 3, 6, 7, 8, 9), "two_best": (0, 1)}
# The control arm's design: the default looks up to 20 seeds at the verdict's margin.
CONTROL_TASK = tasks.Task("calibration", "", "mnist", margin=0.2, max_seeds=20)


def widen(entry, filler: int):
    return None if entry is None else tuple(entry) + (entry[filler],) * (COUNT - len(entry))


@contextlib.contextmanager
def ten_activations():
    """verdict_calibration's module settings at K = 10, restored afterwards."""
    saved = {name: getattr(base, name) for name in ("COUNT", "SCENARIOS", "NULLS", "BEST")}
    scenarios = {}
    for name, filler in WIDENED.items():
        below, spread, failure, kind = base.SCENARIOS[name]
        scenarios[name] = (widen(below, filler), widen(spread, filler), widen(failure, filler), kind)
    for name, value in {"COUNT": COUNT, "SCENARIOS": scenarios, "NULLS": NULLS, "BEST": BEST}.items():
        setattr(base, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(base, name, value)


def with_control(name: str, experiments: int, seed: int, model: dict) -> dict:
    """`--seeds auto` with activation 1 as the control arm: the final set and the runs."""
    rng = np.random.default_rng([seed, list(base.SCENARIOS).index(name), 77])
    members, runs = [], []
    for start in range(0, experiments, base.CHUNK):
        size = min(base.CHUNK, experiments - start)
        accuracy, failed = base.simulate(name, rng, size, CONTROL_TASK.max_seeds, model)
        y_all = log_error.log_error(accuracy, failed, base.CLASSES)
        seeds_of, member = cross_task_calibration.task_looks(y_all, CONTROL_TASK, 10_000, control=1)
        members.append(member)
        runs.append(seeds_of.sum(axis=-1))
    return {"member": np.concatenate(members), "runs": np.concatenate(runs)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", type=int, default=4000, help="per row (default %(default)s)")
    parser.add_argument("--margin", type=float, default=0.2, help="percentage points (default %(default)s)")
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args(argv)
    if args.experiments < 100:
        print("verdict_calibration_wide: --experiments must be at least 100", file=sys.stderr)
        return 2
    alpha, margin = statistics.ALPHA, args.margin / 100
    model = base.recorded_model()
    print(f"# Verdict calibration: K = {COUNT}, {args.experiments} experiments a row, margin {args.margin} pp, "
          f"alpha {alpha}")  # fmt: skip
    print("| scenario | design | false worse | coverage | singled out | failing left out | runs / (K x 20) |")
    print("|---|---|---|---|---|---|---|")
    rows = {}
    with ten_activations():
        for name in base.SCENARIOS:
            designs = [(f"fixed, {seeds} seeds", lambda seeds=seeds: {"member": base.fixed(
                name, seeds, args.experiments, args.seed, model, alpha)}) for seeds in (5, 10)]  # fmt: skip
            designs += [("auto, ≤ 20 seeds", lambda: base.automatic(name, args.experiments, args.seed, model, alpha, margin)),
                        ("auto, control arm", lambda: with_control(name, args.experiments, args.seed, model))]  # fmt: skip
            for design, run in designs:
                outcome = run()
                row = base.measures(name, outcome["member"])
                runs = f"{outcome['runs'].mean() / (COUNT * 20):.3f}" if "runs" in outcome else ""
                rows[(name, design)] = row
                print(f"| {name} | {design} | {base.cell(row, 'false_worse')} | {base.cell(row, 'coverage')} | "
                      f"{base.cell(row, 'alone')} | {base.cell(row, 'failing_out')} | {runs} |")  # fmt: skip
    plain = {key: row for key, row in rows.items() if key[1] != "auto, control arm"}
    control = {key: row for key, row in rows.items() if key[1] == "auto, control arm"}
    print(
        f"wide_false_worse_rate={max(r['false_worse'][0] for r in plain.values() if 'false_worse' in r):.4f} "
        f"wide_best_set_coverage={min(r['coverage'][0] for r in rows.values() if 'coverage' in r):.4f} "
        f"wide_power_10={rows[('better', 'fixed, 10 seeds')]['alone'][0]:.4f} "
        f"control_false_worse_rate={max(r['false_worse'][0] for r in control.values() if 'false_worse' in r):.4f} "
        f"control_power={rows[('better', 'auto, control arm')]['alone'][0]:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

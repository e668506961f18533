"""The cross-task verdict: every task folder's records, compared with the control across
tasks once (`compare_tasks`), as one object that the summary, its table and its figure read.

The numbers are `cross_task`'s; each task's own verdict words are its folder's
(`verdict.compare` with its design, so its looks and control arm).
"""

import warnings
from dataclasses import dataclass

import numpy as np

from activation_comparison.verdict import cross_task, log_error, verdict

# The performance profile's factors: within 1 (the best), 1.05, ..., 2 times the best error.
PROFILE_TAUS = tuple(np.round(np.linspace(1.0, 2.0, 101), 4))


@dataclass(frozen=True)
class TaskInput:
    name: str
    margin: float  # The task's margin, a fraction (0.002 for 0.2 pp).
    records: list[dict]
    design: dict | None


@dataclass(frozen=True)
class CrossTask:
    """Arrays over (task, activation) or activation, in the order of `tasks` and `names`
    (the control's own entries NaN); see `cross_task` for what each number is."""

    names: list[str]
    control: str
    tasks: list[str]
    per_task: dict  # gain, low, high, p, seeds (T, K); p_holm, better_on_task; probability
    words: list[list[str]]  # (T, K): each task's verdict word for each activation
    average: dict  # mean, low, high, p, tau2, df (K); p_holm, better_on_average
    probability: dict  # mean (K), low, high: the mean over tasks and its stratified interval
    errors: np.ndarray  # (K, T) geometric-mean test error
    profile_taus: tuple
    profile: np.ndarray  # (K, len(profile_taus))
    margins: list[float]


def task_log_errors(comparison: verdict.Comparison, names: list[str], seeds: int) -> np.ndarray:
    """(K, seeds) log errors of a task folder, NaN where a run was not made."""
    y = np.full((len(names), seeds), np.nan)
    for row, name in enumerate(names):
        for seed, accuracy in comparison.scores[name].items():
            if seed < seeds:
                y[row, seed] = log_error.log_error(accuracy, verdict.is_stuck(accuracy, comparison.classes),
                                                  comparison.classes, comparison.test_images or 10_000)  # fmt: skip
    return y


def column_means(values) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # The control's column: all NaN, as meant.
        return np.nanmean(values, axis=0)


def compare_tasks(inputs: list[TaskInput], control: str, alpha: float = cross_task.ALPHA, seed: int = 0) -> CrossTask:
    names = list(inputs[0].design["activations"]) if inputs[0].design else sorted({r["activation"] for r in inputs[0].records})
    column = names.index(control)
    comparisons = [verdict.compare(item.records, names, item.margin, design=item.design) for item in inputs]
    seeds = max([1] + [seed + 1 for c in comparisons for values in c.scores.values() for seed in values])
    y = np.stack([task_log_errors(c, names, seeds) for c in comparisons])  # (T, K, S)
    gains = cross_task.paired_gains(y, column)
    average = cross_task.random_effects(gains["mean"], gains["se"], axis=0)
    decided = cross_task.claims(gains["p"], average["p"], alpha)
    indicators = cross_task.improvement_indicators(y, column)
    per_task_probability = cross_task.probability_of_improvement(y, column)
    low, high = [], []
    for k in range(len(names)):
        interval = (np.nan, np.nan) if k == column else cross_task.mean_improvement_interval(list(indicators[:, k]), seed)
        low.append(interval[0])
        high.append(interval[1])
    errors = np.exp(column_means(np.moveaxis(y, -1, 0))).T  # (K, T) geometric-mean errors
    return CrossTask(
        names=names, control=control, tasks=[item.name for item in inputs],
        per_task=gains | {"p_holm": decided["per_task_holm"], "better_on_task": decided["better_on_task"],
                          "probability": per_task_probability},
        words=[[c.rows[name]["verdict"] for name in names] for c in comparisons],
        average=average | {"p_holm": decided["average_holm"], "better_on_average": decided["better_on_average"]},
        probability={"mean": column_means(per_task_probability),
                     "low": np.array(low), "high": np.array(high)},
        errors=errors, profile_taus=PROFILE_TAUS, profile=cross_task.performance_profile(errors, PROFILE_TAUS),
        margins=[item.margin for item in inputs],
    )  # fmt: skip

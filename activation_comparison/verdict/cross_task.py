"""Across tasks: each activation against a control (ReLU), per task and on average.

Pure functions of arrays, no words. Log errors y come as (..., K, S) per task (activation,
seed; NaN where a run was not made), or (..., T, K, S) for T tasks padded with NaN; leading
axes are independent experiments, so the calibration passes thousands at once and the
summary passes one. The gain of activation k over the control c on a task is the mean over
the seeds both have of y_c - y_k: positive means a lower log error than the control's (a
gain of 0.1 is an error about 10% lower).

- Per task: the paired gain, its t interval (sd of the per-seed differences / sqrt(n), n - 1
  degrees of freedom) and the one-sided p of "k is better than the control on task t".
  "Better on task t" is Holm's step-down over all (activation, task) claims.
- On average over the tasks: a random-effects mean of the per-task gains, with tau^2 by
  DerSimonian & Laird (1986) and the Hartung-Knapp-Sidik-Jonkman interval (Hartung & Knapp,
  2001; Sidik & Jonkman, 2002): the weighted residual variance q of the gains around their
  mean scales the standard error, on T - 1 degrees of freedom. "Better on average" is Holm's
  step-down over the activations.
- The two families share alpha (`FAMILY_SHARE` each, a Bonferroni split), so that the chance
  of any false "better" claim, of either kind, is at most alpha.
- The probability of improvement (Agarwal et al., 2021, "Deep RL at the Edge of the
  Statistical Precipice"), paired by seed: on a task, the share of shared seeds on which k's
  error is below the control's (a tie counts half); over tasks, the mean of the per-task
  shares, with a stratified bootstrap interval (seeds resampled within each task).
- The performance profile (Dolan & More, 2002): the share of tasks on which an activation's
  geometric-mean error is within a factor tau of the best activation's there.
"""

import warnings

import numpy as np
from scipy import stats

from activation_comparison.verdict import variances
from activation_comparison.verdict.statistics import ALPHA

# Each family of claims (per task; on average) gets half of alpha.
FAMILY_SHARE = 0.5
CONFIDENCE = 0.95
# The Hartung-Knapp scale q is floored at 1 (Knapp & Hartung's ad hoc variance correction;
# Röver, Knapp & Friede, 2015), so the interval is never narrower than the DerSimonian-Laird
# one: with the within-task variances estimated from a few seeds, q below 1 is noise.
FLOOR_Q = True
BOOTSTRAP_RESAMPLES = 10_000


def paired_gains(y, control: int) -> dict[str, np.ndarray]:
    """Per activation (..., K): the mean gain over the control on the seeds both have, its
    standard error, degrees of freedom (n - 1), n, the one-sided p of a positive gain and the
    two-sided `CONFIDENCE` interval. The control's own entries are NaN."""
    y = np.asarray(y, dtype=float)
    difference = y[..., control : control + 1, :] - y
    both = np.isfinite(difference)
    seeds = both.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(both, difference, 0.0).sum(axis=-1) / seeds
        squares = np.where(both, (difference - mean[..., None]) ** 2, 0.0).sum(axis=-1)
        # Two runs that differ by the same amount on every seed still have a rounding's spread.
        variance = np.maximum(squares / (seeds - 1), 2 * variances.VARIANCE_FLOOR)
        se = np.sqrt(variance / seeds)
        df = (seeds - 1).astype(float)
        usable = seeds >= 2
        p = np.where(usable, stats.t.sf(mean / se, np.where(usable, df, 1.0)), np.nan)
        critical = stats.t.ppf(0.5 + CONFIDENCE / 2, np.where(usable, df, 1.0))
    own = np.arange(y.shape[-2]) == control
    nan_unless = lambda value: np.where(usable & ~own, value, np.nan)  # noqa: E731
    return {"mean": nan_unless(mean), "se": nan_unless(se), "df": nan_unless(df), "seeds": np.where(own, 0, seeds),
            "p": nan_unless(p), "low": nan_unless(mean - critical * se), "high": nan_unless(mean + critical * se)}  # fmt: skip


def holm(p, axis: int = -1) -> np.ndarray:
    """Holm's adjusted p-values along `axis` (NaN entries are not claims and stay NaN)."""
    p = np.moveaxis(np.asarray(p, dtype=float), axis, -1)
    claims = np.isfinite(p).sum(axis=-1, keepdims=True)
    order = np.argsort(np.where(np.isfinite(p), p, np.inf), axis=-1, kind="stable")
    ordered = np.take_along_axis(p, order, axis=-1)
    rank = np.arange(p.shape[-1])
    scaled = np.where(np.isfinite(ordered), np.minimum(1.0, (claims - rank) * ordered), np.nan)
    running = np.fmax.accumulate(np.where(np.isfinite(scaled), scaled, -np.inf), axis=-1)
    adjusted = np.empty_like(p)
    np.put_along_axis(adjusted, order, np.where(np.isfinite(scaled), running, np.nan), axis=-1)
    return np.moveaxis(adjusted, -1, axis)


def random_effects(gain, se, axis: int = -1, floor_q: bool = FLOOR_Q) -> dict[str, np.ndarray]:
    """The random-effects mean of per-task gains along `axis` (tasks with a NaN gain are left
    out): DerSimonian-Laird tau^2, Hartung-Knapp-Sidik-Jonkman standard error on T - 1
    degrees of freedom, its two-sided `CONFIDENCE` interval and the one-sided p of a
    positive mean."""
    gain = np.moveaxis(np.asarray(gain, dtype=float), axis, -1)
    variance = np.moveaxis(np.asarray(se, dtype=float), axis, -1) ** 2
    present = np.isfinite(gain) & np.isfinite(variance)
    tasks = present.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(present, 1.0 / np.where(present, variance, 1.0), 0.0)
        value = np.where(present, gain, 0.0)
        fixed = (weight * value).sum(axis=-1) / weight.sum(axis=-1)
        q_statistic = (weight * (value - fixed[..., None]) ** 2).sum(axis=-1)
        scale = weight.sum(axis=-1) - (weight**2).sum(axis=-1) / weight.sum(axis=-1)
        tau2 = np.maximum(0.0, (q_statistic - (tasks - 1)) / scale)
        random_weight = np.where(present, 1.0 / (np.where(present, variance, 1.0) + tau2[..., None]), 0.0)
        mean = (random_weight * value).sum(axis=-1) / random_weight.sum(axis=-1)
        q = (random_weight * (value - mean[..., None]) ** 2).sum(axis=-1) / (tasks - 1)
        if floor_q:
            q = np.maximum(q, 1.0)
        standard_error = np.sqrt(q / random_weight.sum(axis=-1))
        df = np.where(tasks >= 2, tasks - 1, np.nan).astype(float)
        usable = tasks >= 2
        safe_df = np.where(usable, df, 1.0)
        critical = stats.t.ppf(0.5 + CONFIDENCE / 2, safe_df)
        p = np.where(usable, stats.t.sf(mean / standard_error, safe_df), np.nan)
    keep = lambda value: np.where(usable, value, np.nan)  # noqa: E731
    return {"mean": keep(mean), "se": keep(standard_error), "df": df, "tau2": keep(tau2), "p": p,
            "low": keep(mean - critical * standard_error), "high": keep(mean + critical * standard_error)}  # fmt: skip


def claims(per_task_p, average_p, alpha: float = ALPHA) -> dict[str, np.ndarray]:
    """Which "better" claims hold: per task, Holm over all (activation, task) claims
    (`per_task_p` (..., T, K)); on average, Holm over the activations (`average_p` (..., K));
    each family at `FAMILY_SHARE` of alpha. Also the adjusted p-values."""
    per_task_p = np.asarray(per_task_p, dtype=float)
    shape = per_task_p.shape
    flat = per_task_p.reshape(*shape[:-2], shape[-2] * shape[-1])
    per_task_holm = holm(flat).reshape(shape)
    average_holm = holm(average_p)
    level = alpha * FAMILY_SHARE
    with np.errstate(invalid="ignore"):
        return {"per_task_holm": per_task_holm, "average_holm": average_holm,
                "better_on_task": per_task_holm <= level, "better_on_average": average_holm <= level}  # fmt: skip


def improvement_indicators(y, control: int) -> np.ndarray:
    """(..., K, S): 1 where activation k's log error is below the control's on a seed, 1/2 on
    a tie, 0 above, NaN where either run is missing (and for the control itself)."""
    y = np.asarray(y, dtype=float)
    reference = y[..., control : control + 1, :]
    both = np.isfinite(y) & np.isfinite(reference)
    value = np.where(y < reference, 1.0, np.where(y == reference, 0.5, 0.0))
    value = np.where(both, value, np.nan)
    value[..., control, :] = np.nan
    return value


def probability_of_improvement(y, control: int) -> np.ndarray:
    """Per activation (..., K): the paired-by-seed probability of a lower error than the control."""
    indicators = improvement_indicators(y, control)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # The control's row: all NaN, as meant.
        return np.nanmean(indicators, axis=-1)


def mean_improvement_interval(per_task: list[np.ndarray], seed: int = 0,
                              resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float]:  # fmt: skip
    """The stratified bootstrap interval of the mean over tasks of the probability of
    improvement: `per_task` holds each task's per-seed indicators (1, 1/2, 0) for one
    activation; every task's seeds are resampled within that task (scipy's bootstrap
    resamples each sample on its own), percentile method at `CONFIDENCE`."""
    samples = [np.asarray(sample, dtype=float) for sample in per_task]
    samples = [sample[np.isfinite(sample)] for sample in samples]
    if not samples or any(len(sample) < 2 for sample in samples):
        return float("nan"), float("nan")
    if all(np.all(sample == sample[0]) for sample in samples):
        value = float(np.mean([sample[0] for sample in samples]))
        return value, value

    def mean_of_means(*resampled, axis=-1):
        return np.mean([sample.mean(axis=axis) for sample in resampled], axis=0)

    result = stats.bootstrap(samples, mean_of_means, n_resamples=resamples, confidence_level=CONFIDENCE,
                             method="percentile", vectorized=True, rng=np.random.default_rng(seed))  # fmt: skip
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def performance_profile(errors, taus) -> np.ndarray:
    """(K, len(taus)): the share of tasks on which each activation's error (`errors` (K, T))
    is within a factor tau of the lowest error on that task."""
    errors = np.asarray(errors, dtype=float)
    best = np.nanmin(errors, axis=0, keepdims=True)
    ratio = errors / best
    taus = np.asarray(taus, dtype=float)
    return (ratio[:, :, None] <= taus[None, None, :] * (1 + 1e-12)).mean(axis=1)

"""The best set that decides: log test error, variances borrowed across activations, step-down.

Pure functions of arrays, no records and no words; every function takes (..., K, S) arrays
whose leading axes are independent experiments, so the calibration passes thousands at once
and the summary passes one.

The scale. Activations are compared on the log of their test error rate, y = log(1 - acc),
with a failed run (diverged, or stuck at chance) at chance error, log(1 - 1 / classes). The
estimand is each activation's mean log error over seeds, i.e. its geometric-mean test error;
it is shown as an accuracy, 1 - exp(mean y). On this scale a failed seed is a large but
bounded loss (about 4.4 at MNIST's 1% error, against 0.1 to 0.3 between activations that
learn), so an activation that fails on some seeds and loses on the others is worse on every
seed, and is shown worse as soon as its seeds can show it; on the accuracy scale the failed
seeds' spread hid it. Seed-to-seed spread is also closer to equal across activations on this
scale (it grows with the error), which is what borrowing variances needs.

Variances. Each activation's spread is estimated from its residuals after removing the
seed effect (the median over activations of each seed's centred log errors: one wild
activation cannot move a median), then moderated across activations as limma does (Smyth,
2004): a scaled inverse-chi-square prior (s0^2, d0) fitted to the K variances by moments of
log s^2, and each variance shrunk to (d0 s0^2 + d s^2) / (d0 + d) with d0 + d degrees of
freedom. Equal spreads give a large d0 (pooling, about K (S - 1) degrees of freedom); one
activation whose spread is far from the others' (an F ratio beyond a quantile of F(d, d0):
the 95th percentile from 5 seeds on, lower with fewer, so that a spread three times the
others' is caught with probability 0.92 even at 3 seeds; `outlier_quantiles`) keeps its own
variance and its own d degrees of freedom, so it inflates nobody and is not trusted with
anybody else's. A pair's standard error is sqrt((v_i + v_j) / n) with
Welch-Satterthwaite degrees of freedom.

The best set, step-down (Holm, 1979). H_j: "j is a best" is tested by its K - 1 one-sided
comparisons p_ij (p of mu_i > mu_j, on log error y_j - y_i > 0, i any other activation)
combined by Simes' rule, P_j = min over k of (K - 1) p_(k) / k (Simes, 1986; valid for
positively dependent tests, as these are, since they share j's noise: Sarkar, 1998). Holm's
step-down over the P_j: with m activations not yet rejected, every j with P_j <= alpha / m
is rejected, m shrinks and the rest are retested. Until the first of the t true bests is
wrongly rejected all of them are members, so the level is at most alpha / t, and one of t
valid P_j's reaches it with probability at most alpha. Simes gives what Bonferroni's
(K - 1) min p_ij gives when one comparison is strong (a better activation), and far more
when all are (an activation that loses to every other one, as a failing one does). A level
of alpha / (m (m - 1)) comparing the remaining members among themselves only is not valid:
simulated with two or three equal bests and the others 0.2-0.4 pp lower, it left a true
best out in 6-7% of experiments.

Bounds for the table (L_i, U_i of mu_i - max_{j != i} mu_j, shown in accuracy) use the first
round's level alpha / (K (K - 1)) with j among the best set's other members (Hsu's constrained
MCB: an activation outside the set is below one inside it); "at least this far below" for an
activation outside the set uses the level of the round that rejected it.
"""

import functools
import warnings

import numpy as np
from scipy import special, stats

ALPHA = 0.05
MIN_SEEDS = 3
# Below this a variance is rounding, not spread: y's resolution at 1% error and 10,000
# images is log(1.01) ~ 0.01.
VARIANCE_FLOOR = 1e-6
# An activation whose variance is beyond a quantile of F(d, d0) against the prior keeps its
# own variance. The quantile is the one that catches a spread OUTLIER_SPREAD times the
# others' with probability OUTLIER_DETECTION, and at most OUTLIER_QUANTILE: with 2 or 3
# degrees of freedom the 95th percentile misses such an activation half the time, and its
# shrunk variance let it push equal activations out of the best set (6% at 3 seeds). All
# three were chosen by calibration (benchmarks/verdict_calibration.py).
OUTLIER_QUANTILE = 0.95
OUTLIER_SPREAD = 3.0
OUTLIER_DETECTION = 0.92
# Degrees of freedom taken as "pooled without limit".
LARGE_DF = 1e4


def log_error(accuracies, failed=None, classes: int = 10, test_images: int = 10_000) -> np.ndarray:
    """y = log(1 - accuracy); a failed run (where `failed` is true) at chance error; NaN stays NaN.

    An error of 0 is floored at half an image, 0.5 / test_images.
    """
    accuracies = np.asarray(accuracies, dtype=float)
    error = 1.0 - accuracies
    if failed is not None:
        error = np.where(np.asarray(failed, dtype=bool), 1.0 - 1.0 / classes, error)
    with np.errstate(invalid="ignore"):
        return np.log(np.maximum(error, 0.5 / test_images))


def typical_accuracy(log_errors) -> np.ndarray:
    """The accuracy at the geometric-mean error: 1 - exp(mean of y over seeds)."""
    return 1.0 - np.exp(np.nanmean(np.asarray(log_errors, dtype=float), axis=-1))


def residual_variances(y) -> tuple[np.ndarray, np.ndarray]:
    """Per activation (..., K): the variance of its residuals after the seed effect, and its
    degrees of freedom (seeds - 1). NaN marks a missing run."""
    with warnings.catch_warnings():
        # An activation or seed with no run at all gives an empty mean: NaN, as meant.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _residual_variances(np.asarray(y, dtype=float))


def _residual_variances(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    present = np.isfinite(y)
    seeds = present.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = y - np.nanmean(np.where(present, y, np.nan), axis=-1, keepdims=True)
        # A seed that only one activation has says nothing about the seed effect.
        shared = present.sum(axis=-2, keepdims=True) >= 2
        seed_effect = np.where(shared, np.nanmedian(np.where(present, centred, np.nan), axis=-2, keepdims=True), 0.0)
    seed_effect = np.nan_to_num(seed_effect)
    residual = np.where(present, centred - seed_effect, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        residual = residual - np.nanmean(residual, axis=-1, keepdims=True)
        variance = np.nansum(residual**2, axis=-1) / (seeds - 1)
    df = (seeds - 1).astype(float)
    variance = variance * median_consistency(y.shape[-2])
    variance = np.where(df >= 1, np.maximum(variance, VARIANCE_FLOOR), np.nan)
    return variance, df


@functools.cache
def median_consistency(count: int) -> float:
    """The factor that makes `residual_variances` unbiased for K = `count` activations with
    equal Gaussian spread (like MAD's 1.4826): removing a median seed effect takes out part
    of each residual (exactly half at K = 2, where the median is the mean). Measured once by a seeded simulation (100,000 experiments of 5 seeds;
    the factor hardly depends on the seeds: 1.147 at 5 and 1.144 at 10 for K = 6)."""
    if count < 2:
        return 1.0
    if count == 2:
        return 2.0  # The median of two is their mean: the two-way fit's K / (K - 1).
    rng = np.random.default_rng(count)
    y = rng.normal(size=(100_000, count, 5))
    centred = y - y.mean(axis=-1, keepdims=True)
    residual = centred - np.median(centred, axis=-2, keepdims=True)
    residual -= residual.mean(axis=-1, keepdims=True)
    return float(1.0 / ((residual**2).sum(axis=-1) / 4).mean())


def trigamma_inverse(value) -> np.ndarray:
    """x with trigamma(x) = value (Newton's method as in limma's trigammaInverse)."""
    value = np.asarray(value, dtype=float)
    x = 0.5 + 1.0 / value
    for _ in range(50):
        tri = special.polygamma(1, x)
        step = tri * (1.0 - tri / value) / special.polygamma(2, x)
        x = x + step
        if np.all(np.abs(step / x) < 1e-8):
            break
    return x


def outlier_quantiles(df) -> np.ndarray:
    """The F quantile beyond which an activation with `df` degrees of freedom keeps its own
    variance: the one at which a variance OUTLIER_SPREAD^2 times the prior's is caught with
    probability OUTLIER_DETECTION (from chi-square(d) / d, the prior taken as known), capped
    at OUTLIER_QUANTILE. It is 0.53 at 2 degrees of freedom (3 seeds), 0.78 at 3, 0.92 at 4
    and 0.95 from 5 on."""
    df = np.maximum(np.asarray(df, dtype=float), 1.0)
    df = np.where(np.isfinite(df), df, 1.0)
    caught = stats.chi2.cdf(OUTLIER_SPREAD**2 * stats.chi2.ppf(1.0 - OUTLIER_DETECTION, df), df)
    return np.minimum(caught, OUTLIER_QUANTILE)


def moderated_variances(variance, df, outlier_quantile=outlier_quantiles) -> tuple[np.ndarray, np.ndarray]:
    """limma's empirical-Bayes variances (..., K) and their degrees of freedom.

    The prior (s0^2, d0) is fitted to the finite variances by the moments of log s^2 (Smyth,
    2004, section 6.2). An activation whose F ratio s^2 / s0^2 is beyond `outlier_quantile`
    of F(d, d0) keeps its own variance and d. `outlier_quantile` is a quantile, a function
    of the degrees of freedom that gives one (by default `outlier_quantiles`), or None,
    which shrinks everyone.
    """
    variance, df = np.asarray(variance, dtype=float), np.asarray(df, dtype=float)
    if callable(outlier_quantile):
        outlier_quantile = outlier_quantile(df)
    usable = np.isfinite(variance) & (df >= 1)
    count = usable.sum(axis=-1, keepdims=True)
    safe_df = np.where(usable, df, 1.0)
    e = np.where(usable, np.log(np.where(usable, variance, 1.0)) - special.digamma(safe_df / 2) + np.log(safe_df / 2), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        e_mean = e.sum(axis=-1, keepdims=True) / count
        e_var = (np.where(usable, (e - e_mean) ** 2, 0.0).sum(axis=-1, keepdims=True) / (count - 1)
                 - np.where(usable, special.polygamma(1, safe_df / 2), 0.0).sum(axis=-1, keepdims=True) / count)
    spread = (count >= 2) & (e_var > 0)
    d0 = np.where(spread, 2.0 * trigamma_inverse(np.where(spread, e_var, 1.0)), np.inf)
    finite_d0 = np.where(np.isfinite(d0), d0, LARGE_DF)
    s0 = np.exp(e_mean + special.digamma(finite_d0 / 2) - np.log(finite_d0 / 2))
    shrunk = (finite_d0 * s0 + safe_df * variance) / (finite_d0 + safe_df)
    # The K variances share one seed effect, so together they hold (K - 1)(S - 1) degrees of
    # freedom, not K (S - 1): no moderated variance claims more.
    pooled_df = np.minimum(finite_d0 + safe_df, (count - 1) * np.where(usable, df, 0).max(axis=-1, keepdims=True))
    moderated_df = np.maximum(pooled_df, safe_df)
    if outlier_quantile is not None:
        ratio = variance / s0
        outlier = ratio > stats.f.ppf(outlier_quantile, safe_df, finite_d0)
        shrunk = np.where(outlier, variance, shrunk)
        moderated_df = np.where(outlier, safe_df, moderated_df)
    # Fewer than three activations: nothing to borrow from (two residual variances after a
    # seed effect are one number), so two activations are a paired t-test.
    shrunk = np.where(count >= 3, shrunk, variance)
    moderated_df = np.where(count >= 3, moderated_df, safe_df)
    return np.where(usable, shrunk, np.nan), np.where(usable, moderated_df, np.nan)


def pair_statistics(y, variance, df) -> dict[str, np.ndarray]:
    """Every ordered pair (..., K, K): mean of y_j - y_i over the seeds both have (positive:
    i has the lower error), its standard error from the moderated variances, Welch-Satterthwaite
    df, and the number of shared seeds."""
    y = np.asarray(y, dtype=float)
    both = np.isfinite(y[..., :, None, :]) & np.isfinite(y[..., None, :, :])
    seeds = both.sum(axis=-1)
    gain = np.where(both, y[..., None, :, :] - y[..., :, None, :], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = gain.sum(axis=-1) / seeds
        vi, vj = variance[..., :, None], variance[..., None, :]
        di, dj = df[..., :, None], df[..., None, :]
        se = np.sqrt((vi + vj) / seeds)
        welch_df = (vi + vj) ** 2 / (vi**2 / di + vj**2 / dj)
    # Two variances moderated towards one prior are not independent: the pair has no more
    # degrees of freedom than the better-informed of the two.
    welch_df = np.minimum(welch_df, np.maximum(di, dj))
    return {"mean": mean, "se": se, "df": welch_df, "seeds": seeds}


def decide(y, alpha: float = ALPHA, outlier_quantile=outlier_quantiles,
           active=None) -> dict[str, np.ndarray]:  # fmt: skip
    """The step-down best set from log errors y (..., K, S), NaN where a run is missing.

    `active` (..., K) marks the activations still in play (default: those with at least
    MIN_SEEDS runs); others are neither tested nor able to reject anyone. Returns `member`
    (..., K) (an inactive activation is not a member), the pair statistics, the moderated
    variances and their df, and `first_level`, the level of the first round.
    """
    y = np.asarray(y, dtype=float)
    count = y.shape[-2]
    runs = np.isfinite(y).sum(axis=-1)
    if active is None:
        active = runs >= MIN_SEEDS
    active = np.asarray(active, dtype=bool) & (runs >= 1)
    variance, df = residual_variances(np.where(active[..., None], y, np.nan))
    variance, df = moderated_variances(variance, df, outlier_quantile)
    pairs = pair_statistics(y, variance, df)
    usable = (pairs["seeds"] >= MIN_SEEDS) & np.isfinite(pairs["se"]) & (pairs["se"] > 0)
    usable &= active[..., :, None] & active[..., None, :] & ~np.eye(count, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(usable, pairs["mean"] / pairs["se"], -np.inf)
        # p of "i beats j" (one-sided), per ordered pair (i, j).
        p = np.where(usable, stats.t.sf(t, np.where(usable, pairs["df"], 1.0)), 1.0)
    # H_j's p from the K - 1 comparisons with j as the loser: Simes' combination (valid for
    # positively dependent tests, as these are: they share j's noise), which sees that an
    # activation losing to all the others loses, where Bonferroni's smallest-p-times-(K - 1)
    # sees only its closest comparison.
    against = np.swapaxes(np.where(usable, p, np.inf), -1, -2)  # (..., j, i)
    tests = np.isfinite(against).sum(axis=-1)
    ordered = np.sort(against, axis=-1)
    rank = np.arange(1, count + 1)
    with np.errstate(invalid="ignore"):
        # Per j and k: the alpha at which the k smallest p's reject (k <= tests).
        needed = np.where(rank <= tests[..., None], ordered * tests[..., None] / rank, np.inf)
    beaten_p = np.minimum(needed.min(axis=-1), 1.0)
    member = active.copy()
    rejected_level = np.full(member.shape, np.nan)
    for _ in range(count):
        m = member.sum(axis=-1, keepdims=True)
        level = alpha / np.maximum(m, 1)
        rejected = member & (beaten_p <= level)
        if not rejected.any():
            break
        # The per-comparison level it was rejected at: the largest k whose p_(k) <= (k / q) level.
        reached = np.where(needed <= level[..., None], rank, 0).max(axis=-1)
        per_comparison = level * reached / np.maximum(tests, 1)
        rejected_level = np.where(rejected, per_comparison, rejected_level)
        member = member & ~rejected
    return {
        "member": member,
        "rejected_level": rejected_level,
        "active": active,
        "pairs": pairs,
        "p": p,
        "beaten_p": beaten_p,
        "variance": variance,
        "df": df,
        "first_level": alpha / max(int(active.sum(axis=-1).max()) * (count - 1), 1),
    }


def simultaneous_bounds(pairs: dict, active, level, among=None) -> dict[str, np.ndarray]:
    """Per activation i (..., K): lower and upper bounds on the log-error gain of i over the
    best of the others, min over j in `among` (default: `active`) of the one-sided t bounds
    at `level`: a number, or (..., K) for a level per activation (the step-down round that
    rejected it). Taking j among the best set's members is Hsu's constrained MCB."""
    count = pairs["mean"].shape[-1]
    active = np.asarray(active, dtype=bool)
    among = active if among is None else np.asarray(among, dtype=bool)
    usable = (pairs["seeds"] >= MIN_SEEDS) & np.isfinite(pairs["se"])
    usable &= active[..., :, None] & among[..., None, :] & ~np.eye(count, dtype=bool)
    level = np.asarray(level, dtype=float)
    row_level = level[..., :, None] if level.ndim else level
    with np.errstate(invalid="ignore"):
        critical = stats.t.ppf(1.0 - row_level, np.where(usable, pairs["df"], 1.0))
        lower = np.where(usable, pairs["mean"] - critical * pairs["se"], np.inf)
        upper = np.where(usable, pairs["mean"] + critical * pairs["se"], np.inf)
    # gain of i over j is mean[i, j] (positive: i has the lower error); no j: no bound.
    low = lower.min(axis=-1)
    high = upper.min(axis=-1)
    return {"low": np.minimum(low, 0.0), "high": np.maximum(high, 0.0), "gap_high": high, "gap_low": low}


def gain_to_accuracy(gain, error) -> np.ndarray:
    """A log-error gain g of i over j, at j's error e, as accuracy points: e (1 - exp(-g))."""
    return np.asarray(error, dtype=float) * (1.0 - np.exp(-np.asarray(gain, dtype=float)))


def more_failures_p(failed, failed_other) -> float | None:
    """One-sided exact p of "the first fails more often than the second", paired by seed:
    on the seeds where exactly one of the two failed, the first's share against 1/2 (a sign
    test, McNemar's exact form). None when neither failed on any seed."""
    first = sum(bool(a) and not bool(b) for a, b in zip(failed, failed_other))
    second = sum(bool(b) and not bool(a) for a, b in zip(failed, failed_other))
    if first + second == 0:
        return None
    return float(stats.binomtest(first, first + second, 0.5, alternative="greater").pvalue)

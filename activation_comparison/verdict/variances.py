"""The spread of each activation's log error over seeds, moderated across activations:
pure functions of (..., K, S) arrays, as `log_error`'s decision reads them.

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
"""

import functools
import warnings

import numpy as np
from scipy import special, stats

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

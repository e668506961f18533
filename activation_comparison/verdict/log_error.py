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

Variances are `variances`' (moderated across activations, as limma does). The best set, step-down (Holm, 1979). H_j: "j is a best" is tested by its K - 1 one-sided
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

import numpy as np
from scipy import stats

from activation_comparison.verdict.statistics import ALPHA, MIN_SEEDS
from activation_comparison.verdict.variances import moderated_variances, outlier_quantiles, residual_variances

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


def log_error_pair_statistics(y, variance, df) -> dict[str, np.ndarray]:
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
    pairs = log_error_pair_statistics(y, variance, df)
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

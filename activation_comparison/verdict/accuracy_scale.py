"""The new-images best set, on the accuracy scale: pure functions of plain arrays, no
records, no words.

The verdict's best set is `log_error`'s. The one here is on the accuracy scale, for the
second best set that counts the test images as a sample (`verdict.compare`, its
`new_images_*` columns): Hsu's multiple comparisons with the best (MCB), in a Bonferroni
form. For activations i and j with paired differences d_ij over the n seeds both have,

    c_ij = t.ppf(1 - level, n - 1),   level = alpha / (K (K - 1))
    U_i  = max(0, min over j != i of (mean d_ij + c_ij se_ij))
    L_i  = min(0, min over j != i of (mean d_ij - c_ij se_ij))

and the best set is every i that no other activation is shown to beat, {i : min_j (mean d_ij
+ c_ij se_ij) >= 0}. L_i takes the minimum over every other activation, not only over the
best set's members as Hsu's constrained MCB does: still valid, and more cautious about
calling an activation within the margin of the best. [L_i, U_i] bounds mu_i - max over
j != i of mu_j for every i at once with probability at least 1 - alpha (Hsu, "Multiple
Comparisons", 1996, ch. 4). A tie at exactly 0 keeps i in the set: only a bound strictly
below 0 shows it is worse.

Why alpha / (K (K - 1)) and not Hsu's alpha / (K - 1): Hsu's level keeps *the* best in the
set with probability 1 - alpha, but when all K activations are equal every one of them is a
best, and one is left out whenever any of the K (K - 1) / 2 pairs looks different, which
happens far more often (simulated from recorded runs: 7-20% at K = 6 and 10-28% at K = 10,
with 5 or 10 seeds). The summary promises that equal activations are all
kept with probability 0.95, so each ordered comparison gets alpha / (K (K - 1)): Bonferroni
over every pair, two-sided. The truly best is then kept with probability at least
1 - alpha / K. `benchmarks/verdict_calibration.py` shows both.

Zero spread. When a pair's paired differences are all equal, the t statistic divides by 0;
that is not certainty. Such a pair is judged by the exact sign-flip (randomisation) test
instead, which with n seeds cannot give a one-sided p below 2^-n (two-sided 2^(1-n): 0.0625
at 5 seeds). Inverting it at the one-sided level of the best set: every location other than
the constant difference is rejected exactly when 2^-n <= that level, so the pair's bounds
collapse to the constant difference; otherwise nothing is rejected and the bounds are
uninformative (-inf, +inf). At K = 6 and alpha = 0.05 the level is 0.05 / 30 = 0.0017, so
a zero-spread pair needs 10 seeds to say anything.

A pair with fewer than `MIN_SEEDS` shared seeds also has uninformative bounds.
"""

import numpy as np
from scipy import stats

from activation_comparison.verdict.statistics import ALPHA, DECIMALS, MIN_SEEDS


def accuracy_pair_statistics(accuracies) -> dict[str, np.ndarray]:
    """Every ordered pair's paired differences over the seeds both activations have.

    `accuracies` has shape (..., K, S): activation, seed; NaN where that activation has no
    run on that seed. Leading axes are independent experiments (the calibration passes
    thousands at once; the summary passes one). Returns arrays of shape (..., K, K):
    `mean` (of a_i - a_j), `se` (sample sd / sqrt(n)), `sd`, `seeds` (n) and `constant`
    (the rounded differences have no spread). Entries with n < 2 have NaN mean or sd.
    """
    accuracies = np.asarray(accuracies, dtype=float)
    differences = np.round(accuracies[..., :, None, :] - accuracies[..., None, :, :], DECIMALS)
    present = np.isfinite(differences)
    seeds = present.sum(axis=-1)
    filled = np.where(present, differences, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=-1) / seeds
        squares = np.where(present, (differences - mean[..., None]) ** 2, 0.0).sum(axis=-1)
        sd = np.sqrt(squares / (seeds - 1))
        se = sd / np.sqrt(seeds)
    highest = np.where(present, differences, -np.inf).max(axis=-1)
    lowest = np.where(present, differences, np.inf).min(axis=-1)
    constant = (seeds >= 1) & (highest == lowest)
    # A spread far below the rounding grid is rounding, not spread.
    sd = np.where(constant, 0.0, sd)
    se = np.where(constant, 0.0, se)
    return {"mean": mean, "se": se, "sd": sd, "seeds": seeds, "constant": constant}


def comparison_level(ranked: int, alpha: float = ALPHA) -> float:
    """The one-sided level of each comparison in the best set: alpha / (K (K - 1)), so that
    equal activations are all kept with probability at least 1 - alpha (module docstring)."""
    return alpha / max(ranked * (ranked - 1), 1)


def pair_bounds(mean, se, df, seeds, constant, level: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided (lower, upper) confidence bounds on mu_i - mu_j, each at `level`.

    t bounds mean -/+ t.ppf(1 - level, df) se, except: a pair with fewer than MIN_SEEDS
    seeds, or no finite statistics, is uninformative (-inf, +inf); a zero-spread pair
    (`constant`) collapses to its constant difference when the exact sign-flip test can
    reach `level` (2^-n <= level) and is uninformative otherwise (see the module docstring).
    `df` is n - 1 for seeds alone, or Satterthwaite's where the test images' noise counts.
    """
    mean, se, df = (np.asarray(x, dtype=float) for x in (mean, se, df))
    seeds, constant = np.asarray(seeds), np.asarray(constant, dtype=bool)
    usable = (seeds >= MIN_SEEDS) & np.isfinite(mean)
    with np.errstate(invalid="ignore"):
        critical = stats.t.ppf(1.0 - level, np.where(usable & (df > 0), df, 1.0))
        lower = mean - critical * se
        upper = mean + critical * se
    attainable = 0.5 ** np.where(usable, seeds, 0) <= level
    lower = np.where(constant, np.where(attainable, mean, -np.inf), lower)
    upper = np.where(constant, np.where(attainable, mean, np.inf), upper)
    lower = np.where(usable & np.isfinite(se), lower, -np.inf)
    upper = np.where(usable & np.isfinite(se), upper, np.inf)
    return lower, upper


def best_set(lower, upper) -> dict[str, np.ndarray]:
    """Hsu's MCB from the pair bounds (..., K, K): per activation (..., K) arrays

    `low` L_i and `high` U_i (the simultaneous interval of mu_i - max_{j != i} mu_j),
    `member` (in the best set: no other activation is shown to beat it) and `gap_high`,
    min_j upper_ij before clipping at 0: for an activation outside the set, it is at least
    -gap_high below the best of the others.
    """
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    count = lower.shape[-1]
    diagonal = np.eye(count, dtype=bool)
    gap_high = np.where(diagonal, np.inf, upper).min(axis=-1)
    gap_low = np.where(diagonal, np.inf, lower).min(axis=-1)
    return {
        "low": np.minimum(0.0, gap_low),
        "high": np.maximum(0.0, gap_high),
        "member": gap_high >= 0.0,
        "gap_high": gap_high,
    }


def best_set_of(accuracies, alpha: float = ALPHA, se=None, df=None, level: float | None = None) -> dict[str, np.ndarray]:
    """The whole MCB from (..., K, S) accuracies (NaN where a seed is missing).

    With `se` and `df` (arrays (..., K, K)) the pair bounds use those, e.g. the
    image-inclusive standard errors and Satterthwaite degrees of freedom; otherwise the
    seeds' own spread with n - 1 degrees of freedom. `level` overrides the per-comparison
    level (the calibration uses it to show Hsu's alpha / (K - 1)). Returns `best_set`'s
    arrays plus the pair statistics (`pairs`) and the per-comparison `level`.
    """
    pairs = accuracy_pair_statistics(accuracies)
    count = pairs["mean"].shape[-1]
    level = comparison_level(count, alpha) if level is None else level
    # Seed differences without spread are no zero-spread pair when a given standard error
    # (the test images' noise) is not zero: the t bound with that error applies.
    constant = pairs["constant"] if se is None else pairs["constant"] & ~(np.asarray(se, dtype=float) > 0)
    lower, upper = pair_bounds(
        pairs["mean"],
        pairs["se"] if se is None else se,
        pairs["seeds"] - 1 if df is None else df,
        pairs["seeds"],
        constant,
        level,
    )
    return best_set(lower, upper) | {"pairs": pairs, "level": level, "lower": lower, "upper": upper}

"""Power of the log-error comparison: how likely a true gap is detected, the smallest gap
detected with a given probability, and the seeds that would detect it.

Pure functions of numbers (a standard error, degrees of freedom, a one-sided level), used
for the summary's power columns; the decision itself is in `log_error`.
"""

import math

from scipy import optimize, stats

from activation_comparison.verdict.statistics import MIN_SEEDS


def power(difference: float, se: float, df: float, level: float) -> float:
    """Probability that a one-sided t-test at `level` detects a true log-error gain
    `difference`, with standard error `se` on `df` degrees of freedom (noncentral t)."""
    critical = stats.t.ppf(1.0 - level, df)
    return float(stats.nct.sf(critical, df, difference / se))


def detectable_difference(se: float, df: float, level: float, target: float = 0.8) -> float:
    """The smallest log-error gain detected with probability `target`."""
    high = se
    while power(high, se, df, level) < target:
        high *= 2
    return float(optimize.brentq(lambda d: power(d, se, df, level) - target, 0.0, high, xtol=1e-12))


def seeds_needed(difference: float, se: float, seeds: int, df: float, level: float, target: float = 0.8,
                 most: int = 1000) -> int | None:  # fmt: skip
    """The fewest seeds that detect `difference` with probability `target`, the standard error
    shrinking as 1 / sqrt(seeds) and the degrees of freedom growing with the seeds; None
    beyond `most`."""
    for count in range(MIN_SEEDS, most + 1):
        grown_df = df * (count - 1) / max(seeds - 1, 1)
        if power(difference, se * math.sqrt(seeds / count), grown_df, level) >= target:
            return count
    return None

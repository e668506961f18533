"""The numbers behind the verdict: pure functions of plain arrays, no records, no words.

Accuracies are fractions in [0, 1]; every interval of an accuracy is clipped to that range.
Paired differences are rounded to `DECIMALS` decimals before anything looks at their
spread: a test set has far fewer than 10^6 images, so this removes only rounding noise, that
of binary fractions (0.99 - 0.98 != 0.98 - 0.97) and that of the float32 accuracies Keras
reports (about 3e-8), which would otherwise turn equal differences into a tiny spread.

`ALPHA` and `MIN_SEEDS` are the verdict's level and fewest seeds for every scale: the
best set on log error (`log_error`) and the one on accuracy (`accuracy_scale`).
"""

import itertools
import math

import numpy as np
from scipy import stats

ALPHA = 0.05
DECIMALS = 6
MIN_SEEDS = 3
# Above this many seeds the sign-flip test's 2^n arrangements are not enumerated.
MAX_SIGN_FLIP_SEEDS = 20


def t_interval(values, confidence: float = 0.95, bounds=(0.0, 1.0)) -> tuple[float | None, float | None]:
    """The t interval of the mean of `values`, clipped to `bounds`; (None, None) below 2 values.

    Accuracies live in [0, 1], so an interval that leaves it (sigmoid at chance on two of
    five seeds) is cut at the edge instead of claiming impossible values.
    """
    values = np.asarray(list(values), dtype=float)
    if len(values) < 2:
        return None, None
    half_width = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    mean = float(values.mean())
    low, high = bounds
    return float(np.clip(mean - half_width, low, high)), float(np.clip(mean + half_width, low, high))


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Exact (Clopper-Pearson) interval of a proportion: "2 of 5 runs stuck" -> (0.053, 0.853).

    (None, None) when there are no trials.
    """
    if trials == 0:
        return None, None
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence, method="exact")
    return float(interval.low), float(interval.high)


def sign_flip_p(differences, alternative: str = "two-sided") -> float:
    """Exact sign-flip (randomisation) p-value of "the paired differences are centred on 0".

    Every one of the 2^n sign patterns is equally likely under the null; p is the share of
    them whose sum is at least as extreme as the observed sum. `alternative` is "two-sided",
    "greater" (differences above 0) or "less". Zeros flip to themselves.
    """
    differences = np.round(np.asarray(differences, dtype=float), DECIMALS)
    if len(differences) and not has_spread(differences):
        return constant_sign_flip_p(float(differences[0]), len(differences), alternative)
    if len(differences) > MAX_SIGN_FLIP_SEEDS:
        raise ValueError(f"the exact sign-flip test enumerates 2^n patterns; n = {len(differences)} is too many")
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(differences))))
    sums = np.round(signs @ differences, DECIMALS)
    observed = round(float(differences.sum()), DECIMALS)
    if alternative == "two-sided":
        return float(np.mean(np.abs(sums) >= abs(observed)))
    if alternative == "greater":
        return float(np.mean(sums >= observed))
    if alternative == "less":
        return float(np.mean(sums <= observed))
    raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', not {alternative!r}")


def constant_sign_flip_p(difference: float, seeds: int, alternative: str = "two-sided") -> float:
    """`sign_flip_p` of `seeds` equal differences, in closed form (no 2^n enumeration, so
    any number of seeds): only the all-plus and all-minus patterns reach the observed sum."""
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', not {alternative!r}")
    if difference == 0:
        return 1.0
    if alternative == "two-sided":
        return 2.0**(1 - seeds)
    beyond_observed = difference > 0 if alternative == "greater" else difference < 0
    return 2.0**-seeds if beyond_observed else 1.0


def has_spread(differences) -> bool:
    """Whether the rounded paired differences are not all equal."""
    differences = np.round(np.asarray(differences, dtype=float), DECIMALS)
    return len(differences) > 1 and bool(differences.max() > differences.min())


def paired_p(a, b) -> tuple[float, str]:
    """Two-sided p of "a and b have the same mean", paired: the t-test, or the exact
    sign-flip test where the differences have no spread. Returns (p, the test's name)."""
    differences = np.round(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), DECIMALS)
    if not has_spread(differences):
        return sign_flip_p(differences), "sign-flip"
    return float(stats.ttest_1samp(differences, 0.0).pvalue), "t"


def holm(p_values) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (Holm, 1979).

    The k-th smallest of m p-values is multiplied by m - k + 1; a running maximum keeps the
    adjusted values in the order of the raw ones, and they are capped at 1.
    """
    p_values = list(p_values)
    adjusted = [0.0] * len(p_values)
    running_max = 0.0
    for rank, index in enumerate(np.argsort(p_values, kind="stable")):
        running_max = max(running_max, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running_max
    return adjusted

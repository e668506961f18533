"""Hand-made run records and references shared by the verdict tests: no training."""

import math

import numpy as np
from scipy import stats

from activation_comparison.reporting import verdict_text
from activation_comparison.verdict import variances, verdict

LABELS = {"relu": "ReLU", "elu": "ELU", "gelu": "GELU (tanh approx.)", "sigmoid": "Sigmoid"}
ORDER = list(LABELS)
SEEDS = 7
MARGIN = 0.002


def record(activation, seed, accuracy, predictions=None):
    """A history as read from JSON; accuracy None means the run diverged."""
    history = {
        "activation": activation,
        "seed": seed,
        "status": "finished" if accuracy is not None else "diverged",
        "test_accuracy": accuracy,
        "test_loss": None if accuracy is None else 1 - accuracy,
        "best_epoch": 10,
        "epochs": [],
    }
    if predictions is not None:
        history["test_predictions"] = predictions
    return history


def synthetic_accuracies() -> dict[str, np.ndarray]:
    """4 activations x 7 seeds: a shared per-seed effect, small offsets, Sigmoid far worse.

    Accuracies are multiples of 1e-4, as on a 10,000-image test set.
    """
    rng = np.random.default_rng(20240601)
    seed_effect = rng.normal(0.0, 0.0008, SEEDS)
    offsets = {"relu": 0.0006, "elu": 0.0, "gelu": 0.0006, "sigmoid": -0.0070}
    return {
        name: np.round(0.990 + offset + seed_effect + rng.normal(0.0, 0.0003, SEEDS), 4)
        for name, offset in offsets.items()
    }


def records_of(accuracies: dict[str, np.ndarray]) -> list[dict]:
    return [
        record(name, seed, float(value))
        for name, values in accuracies.items()
        for seed, value in enumerate(values)
    ]


def compare(records, order=None):
    order = order or list(dict.fromkeys(r["activation"] for r in records))
    return verdict.compare(records, order, MARGIN)


def sentence(records, order=None, labels=None):
    return verdict_text.headline(compare(records, order), labels or LABELS)


def holm_reference(p_values):
    """Holm written differently from the module: sort, scale, running maximum, cap, unsort."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values)
    scaled = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


def mcb_reference(accuracies: dict[str, list[float]], alpha=0.05):
    """Hsu's bounds written out pair by pair with scipy's t quantile (all seeds shared)."""
    names = list(accuracies)
    level = alpha / (len(names) * (len(names) - 1))
    c = stats.t.ppf(1 - level, len(next(iter(accuracies.values()))) - 1)
    upper, lower = {}, {}
    for i in names:
        ups, lows = [], []
        for j in names:
            if i == j:
                continue
            differences = np.array(accuracies[i]) - np.array(accuracies[j])
            se = differences.std(ddof=1) / math.sqrt(len(differences))
            ups.append(differences.mean() + c * se)
            lows.append(differences.mean() - c * se)
        upper[i], lower[i] = min(ups), min(lows)
    return upper, lower


# Three activations, four seeds: the hand-worked example of test_statistics.py. A - B is
# 2, 2, 3, 3 (e-3) and A - C 10, 12, 11, 13 (e-3): U_A = 3.901999e-3, L_B = -3.901999e-3,
# L_C = -14.634956e-3; B is at least 1.098001e-3 below A.
HAND = {
    "relu": [0.990, 0.992, 0.991, 0.993],
    "elu": [0.988, 0.990, 0.988, 0.990],
    "sigmoid": [0.980, 0.980, 0.980, 0.980],
}



def decision_reference(accuracies: dict[str, list[float]], alpha=0.05, classes=10):
    """The step-down best set written out pair by pair with SciPy's t (all seeds shared):
    Simes' p for each "j is a best", Holm's step-down over them, on the moderated variances
    (`variances`, tested on their own in test_log_error.py).

    Returns (members in order, {(i, j): (gain of i over j, se, df)}, {name: level it was
    rejected at}, {name: accuracy at its geometric-mean error})."""

    names = list(accuracies)
    y = np.log(np.array([[1 - a if a >= 2 / classes else 1 - 1 / classes for a in accuracies[n]] for n in names]))
    variance, df = variances.moderated_variances(*variances.residual_variances(y))
    seeds = y.shape[1]
    pairs = {}
    for a, i in enumerate(names):
        for b, j in enumerate(names):
            if i != j:
                v = variance[a] + variance[b]
                welch = v**2 / (variance[a] ** 2 / df[a] + variance[b] ** 2 / df[b])
                pairs[i, j] = (float(np.mean(y[b] - y[a])), math.sqrt(v / seeds), min(welch, max(df[a], df[b])))
    # H_j by Simes over the K - 1 comparisons with j as the loser; Holm over the H_j.
    simes = {}
    for j in names:
        p_values = sorted(stats.t.sf(pairs[i, j][0] / pairs[i, j][1], pairs[i, j][2]) for i in names if i != j)
        simes[j] = min(1.0, min(len(p_values) * p / k for k, p in enumerate(p_values, 1)))
    members, rejected_at = list(names), {}
    while True:
        level = alpha / len(members)
        out = [j for j in members if simes[j] <= level]
        if not out:
            break
        for j in out:
            p_values = sorted(stats.t.sf(pairs[i, j][0] / pairs[i, j][1], pairs[i, j][2]) for i in names if i != j)
            reached = max(k for k, p in enumerate(p_values, 1) if p <= k / len(p_values) * level)
            rejected_at[j] = level * reached / len(p_values)
        members = [n for n in members if n not in out]
    typical = {n: float(1 - np.exp(y[k].mean())) for k, n in enumerate(names)}
    return members, pairs, rejected_at, typical

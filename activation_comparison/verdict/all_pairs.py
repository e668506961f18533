"""Every pair of activations, for pairwise.png: "which pairs differ?", a different question
from the best set's "which can be the best?". Two-sided paired tests on accuracy over the
seeds both have, Holm over all pairs."""

import numpy as np

from activation_comparison.verdict import statistics


def all_pairs(scores: dict[str, dict[int, float]], alpha: float = statistics.ALPHA) -> list[dict]:
    """Every unordered pair (a before b in order): a - b, its t interval and Holm's p.

    A different question from the best set: "which pairs differ?", two-sided, Holm over all
    pairs. A zero-spread pair gets the exact sign-flip p (never below 2^(1-n)) and no
    interval. Pairs with fewer than statistics.MIN_SEEDS seeds have no test.
    """
    pairs = []
    names = list(scores)
    for position, a in enumerate(names):
        for b in names[position + 1:]:
            seeds = sorted(set(scores[a]) & set(scores[b]))
            pair = {"a": a, "b": b, "paired_seeds": len(seeds), "diff": None, "diff_ci95_low": None,
                    "diff_ci95_high": None, "p_value": None, "test": None, "p_holm": None,
                    "significant": False}  # fmt: skip
            if len(seeds) >= statistics.MIN_SEEDS:
                first = np.array([scores[a][seed] for seed in seeds])
                second = np.array([scores[b][seed] for seed in seeds])
                differences = np.round(first - second, statistics.DECIMALS)
                pair["diff"] = float(differences.mean())
                pair["p_value"], pair["test"] = statistics.paired_p(first, second)
                if pair["test"] == "t":
                    pair["diff_ci95_low"], pair["diff_ci95_high"] = statistics.t_interval(differences, bounds=(-1, 1))
            pairs.append(pair)
    tested = [pair for pair in pairs if pair["p_value"] is not None]
    for pair, p_holm in zip(tested, statistics.holm([pair["p_value"] for pair in tested])):
        pair.update(p_holm=p_holm, significant=p_holm < alpha)
    return pairs

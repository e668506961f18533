"""Which activations differ, and by how much: paired statistics over seeds.

Runs are paired by seed: the same seed gives every activation the same image order and
dropout stream, so a per-seed difference is free of that seed's luck. A diverged run has no
test accuracy; it drops out of every pair that includes it and of nothing else.

Degenerate cases are decided before SciPy is called, so nothing is NaN and no warning needs
filtering: below `MIN_PAIRED_SEEDS` pairs there is no test (every statistic is None); when
all paired differences are equal the t-test has no spread, so p is 1.0 for a difference of
0 and 0.0 otherwise, the interval is (diff, diff) and Cohen's d_z is None; below
`MIN_WILCOXON_PAIRS` the signed-rank test cannot reach p < 0.05 even uncorrected (its
smallest p is 0.0625 at 5 pairs), so it is None, and with every difference 0 its p is 1.0.
Differences are rounded to 12 decimals first: a test set has far fewer than 10^12 images, so
this removes only binary noise (0.99 - 0.98 != 0.98 - 0.97), which would otherwise turn
equal differences into a tiny spread and zeros into tiny signed ranks.
"""

import itertools
import math

import numpy as np
from scipy import stats

ALPHA = 0.05
# A tie whose 95% interval still reaches a difference this large (1 pp) is no evidence of
# equal accuracy, only of too few seeds: the headline says so (sigmoid at this learning
# rate learns on some seeds and stays at chance on others).
UNDECIDED_DIFFERENCE = 0.01
MIN_PAIRED_SEEDS = 3
MIN_WILCOXON_PAIRS = 6

DECIMALS = 12

# The columns of one activation's comparison with the best, in the order tables show them.
COLUMNS = (
    "test_accuracy_ci95_low",
    "test_accuracy_ci95_high",
    "paired_seeds",
    "diff_vs_best",
    "diff_ci95_low",
    "diff_ci95_high",
    "p_value",
    "p_wilcoxon",
    "p_holm",
    "cohens_dz",
    "verdict",
)

VERDICTS = ("best", "tied with best", "worse", "better on shared seeds", "too few seeds", "diverged")


def accuracy_by_seed(records: list[dict], order: list[str]) -> dict[str, dict[int, float]]:
    """Activation -> {seed: test accuracy} over finished runs, activations in `order`.

    An activation with no finished seed is still present, with an empty dict, so that every
    table keeps one row per activation. (Not named `test_...`: pytest would collect it.)
    """
    scores: dict[str, dict[int, float]] = {name: {} for name in order}
    for record in records:
        name = record["activation"]
        if name in scores and record.get("status") == "finished":
            if record.get("test_accuracy") is not None:
                scores[name][int(record["seed"])] = float(record["test_accuracy"])
    return scores


def mean_interval(values) -> tuple[float | None, float | None]:
    """95% t interval of the mean of `values`; (None, None) below 2 values."""
    values = np.asarray(list(values), dtype=float)
    if len(values) < 2:
        return None, None
    half_width = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    mean = float(values.mean())
    return mean - float(half_width), mean + float(half_width)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (Holm, 1979).

    The k-th smallest of m p-values is multiplied by m - k + 1; a running maximum keeps the
    adjusted values in the order of the raw ones, and they are capped at 1.
    """
    adjusted = [0.0] * len(p_values)
    running_max = 0.0
    for rank, index in enumerate(np.argsort(p_values, kind="stable")):
        running_max = max(running_max, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running_max
    return adjusted


def paired_difference(scores_a: dict[int, float], scores_b: dict[int, float]) -> dict:
    """a - b over the seeds both finished: mean, 95% t interval, paired tests, effect size."""
    seeds = sorted(set(scores_a) & set(scores_b))
    result = {
        "paired_seeds": len(seeds),
        "diff": None,
        "diff_ci95_low": None,
        "diff_ci95_high": None,
        "p_value": None,
        "p_wilcoxon": None,
        "cohens_dz": None,
    }
    if len(seeds) < MIN_PAIRED_SEEDS:
        return result
    a = np.array([scores_a[seed] for seed in seeds])
    b = np.array([scores_b[seed] for seed in seeds])
    differences = np.round(a - b, DECIMALS)
    mean = float(differences.mean())
    low, high = mean_interval(differences)
    result.update(diff=mean, diff_ci95_low=low, diff_ci95_high=high)
    if np.all(differences == differences[0]):
        result["p_value"] = 1.0 if mean == 0 else 0.0
    else:
        result["p_value"] = float(stats.ttest_rel(a, b).pvalue)
        result["cohens_dz"] = mean / float(differences.std(ddof=1))
    if len(seeds) >= MIN_WILCOXON_PAIRS:
        if np.all(differences == 0):
            result["p_wilcoxon"] = 1.0
        else:
            result["p_wilcoxon"] = float(stats.wilcoxon(differences).pvalue)
    return result


def best_activation(scores: dict[str, dict[int, float]]) -> str | None:
    """The highest mean test accuracy over finished seeds; the first in order on a tie."""
    means = {name: np.mean(list(seeds.values())) for name, seeds in scores.items() if seeds}
    return max(means, key=means.get) if means else None


def compare_with_best(scores: dict[str, dict[int, float]]) -> dict[str, dict]:
    """Per activation, its accuracy interval, its paired comparison with the best, a verdict.

    Holm's correction runs over the comparisons that have a p-value. The best's own row has
    its interval, its seed count as `paired_seeds` and no comparison columns.
    """
    best = best_activation(scores)
    rows: dict[str, dict] = {}
    for name, seeds in scores.items():
        low, high = mean_interval(seeds.values())
        row = dict.fromkeys(COLUMNS)
        row.update(test_accuracy_ci95_low=low, test_accuracy_ci95_high=high)
        if not seeds:
            row["verdict"] = "diverged"
        elif name == best:
            row.update(paired_seeds=len(seeds), verdict="best")
        else:
            comparison = paired_difference(seeds, scores[best])
            comparison["diff_vs_best"] = comparison.pop("diff")
            row.update(comparison)
        rows[name] = row
    tested = [name for name, row in rows.items() if row["p_value"] is not None]
    for name, p_holm in zip(tested, holm([rows[name]["p_value"] for name in tested])):
        rows[name]["p_holm"] = p_holm
    for row in rows.values():
        if row["verdict"] is None:
            row["verdict"] = verdict_of(row["p_holm"], row["diff_vs_best"])
    return rows


def verdict_of(p_holm: float | None, diff: float | None) -> str:
    if p_holm is None:
        return "too few seeds"
    if p_holm >= ALPHA:
        return "tied with best"
    # Better than the best is possible only when divergences change which seeds pair.
    return "worse" if diff < 0 else "better on shared seeds"


def pairwise(scores: dict[str, dict[int, float]]) -> list[dict]:
    """Every unordered pair (a before b in order): a - b, its interval and Holm's p.

    Holm's correction runs over all pairs that have a p-value, so a star in the pairwise
    figure means the same thing whichever cell it is in.
    """
    pairs = []
    for a, b in itertools.combinations(scores, 2):
        comparison = paired_difference(scores[a], scores[b])
        del comparison["p_wilcoxon"], comparison["cohens_dz"]
        pairs.append({"a": a, "b": b, **comparison, "p_holm": None, "significant": False})
    tested = [pair for pair in pairs if pair["p_value"] is not None]
    for pair, p_holm in zip(tested, holm([pair["p_value"] for pair in tested])):
        pair.update(p_holm=p_holm, significant=p_holm < ALPHA)
    return pairs


def join_words(words: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def diverged_note(records: list[dict], labels: dict[str, str]) -> str | None:
    """One sentence naming the diverged (activation, seed) runs, or None when there are none."""
    seeds: dict[str, list[int]] = {}
    for record in records:
        if record.get("status") == "diverged":
            seeds.setdefault(record["activation"], []).append(int(record["seed"]))
    if not seeds:
        return None
    position = {name: index for index, name in enumerate(labels)}
    names = sorted(seeds, key=lambda name: position.get(name, len(position)))
    runs = [
        f"{labels.get(name, name)} on seed{'s' if len(seeds[name]) > 1 else ''} "
        f"{join_words([str(seed) for seed in sorted(seeds[name])])}"
        for name in names
    ]
    count = sum(len(runs_of) for runs_of in seeds.values())
    these = "this run has" if count == 1 else "these runs have"
    return (
        f"Diverged: {join_words(runs)}; {these} no test accuracy and each is left out of every "
        "paired comparison that includes it, while the other activations still pair on its seed."
    )


def p_text(p_holm: float) -> str:
    return "p_holm < 0.001" if p_holm < 0.001 else f"p_holm = {p_holm:.2g}"


def gaps_clause(rows: dict[str, dict], labels: dict[str, str], names: list[str], phrase) -> str:
    """'Sigmoid is worse by 0.73 pp (p_holm = 0.002) and ELU by 0.31 pp (...)', largest first."""
    names = sorted(names, key=lambda name: -abs(rows[name]["diff_vs_best"]))
    words = [
        f"{labels.get(name, name)} {phrase if position == 0 else 'by'} "
        f"{abs(rows[name]['diff_vs_best']) * 100:.2f} pp ({p_text(rows[name]['p_holm'])})"
        for position, name in enumerate(names)
    ]
    return join_words(words)


def headline(
    rows: dict[str, dict], labels: dict[str, str], scores: dict[str, dict[int, float]]
) -> str:
    """One quotable sentence: the best, who is tied with it, who is worse and by how much.

    `rows` is `compare_with_best(scores)`; `scores` gives each activation's seed count and the
    best's mean, which `rows` does not carry.
    """
    named: dict[str, list[str]] = {verdict: [] for verdict in VERDICTS}
    for name, row in rows.items():
        named[row["verdict"]].append(name)
    if not named["best"]:
        return "Every run diverged, so there is no test accuracy to compare."
    best = named["best"][0]
    best_label, mean = labels.get(best, best), float(np.mean(list(scores[best].values())))
    undecided = [
        name
        for name in named["tied with best"]
        if max(abs(rows[name]["diff_ci95_low"]), abs(rows[name]["diff_ci95_high"])) > UNDECIDED_DIFFERENCE
    ]
    named["tied with best"] = [name for name in named["tied with best"] if name not in undecided]
    tied, too_few, diverged = (
        [labels.get(name, name) for name in named[verdict]]
        for verdict in ("tied with best", "too few seeds", "diverged")
    )
    last = [f"{join_words(diverged)} diverged on every seed"] if diverged else []
    if too_few and not any(row["p_holm"] is not None for row in rows.values()):
        counts = sorted(len(seeds) for seeds in scores.values() if seeds)
        count = f"{counts[0]}" if counts[0] == counts[-1] else f"{counts[0]} to {counts[-1]}"
        first = (
            f"With {count} seed{'' if counts[-1] == 1 else 's'} per activation nothing can be "
            f"ranked yet: {best_label} has the highest test accuracy ({mean:.4f}), but a verdict "
            f"needs at least {MIN_PAIRED_SEEDS} seeds of each activation "
            f"(rerun with --seeds {MIN_PAIRED_SEEDS} or more)"
        )
        return "; ".join([first] + last) + "."
    parts = [f"{best_label} is best ({mean:.4f}, {plural(len(scores[best]), 'seed')})"]
    if tied:
        parts.append(f"{join_words(tied)} {'is' if len(tied) == 1 else 'are'} tied with it")
    if named["worse"]:
        parts.append(gaps_clause(rows, labels, named["worse"], "is worse by"))
    for name in undecided:
        row = rows[name]
        parts.append(
            f"{labels.get(name, name)} is undecided: {row['diff_vs_best'] * 100:+.2f} pp, 95% CI "
            f"{row['diff_ci95_low'] * 100:+.2f} to {row['diff_ci95_high'] * 100:+.2f} pp "
            f"({p_text(row['p_holm'])}), its seeds disagree; more seeds are needed"
        )
    if named["better on shared seeds"]:
        better = named["better on shared seeds"]
        parts.append(gaps_clause(rows, labels, better, "is better on shared seeds by"))
    if too_few:
        have = "has" if len(too_few) == 1 else "have"
        parts.append(f"{join_words(too_few)} {have} too few seeds paired with it to compare")
    return "; ".join(parts + last) + "."

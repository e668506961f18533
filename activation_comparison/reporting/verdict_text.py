"""The verdict in words: the headline and what it is about, and the small words every
sentence of the summary shares (`verdict_notes` writes the notes under the headline,
`tuned_text` the tuned verdict's).

Every sentence is built from a `verdict.Comparison`, so the words say exactly what the
numbers in the table say: the same best set, the same verdict words, the same margin.
"""

from activation_comparison.verdict import verdict


def join_words(words: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def pp(value: float) -> str:
    """A fraction as percentage points, without a sign: 0.0021 -> '0.21', 0.00004 -> '0.004'."""
    return f"{100 * abs(value):.{2 if abs(value) >= 0.0001 else 3}f}"


def margin_text(margin: float) -> str:
    return f"{100 * margin:g} pp"


def percent(value: float) -> str:
    return f"{100 * value:.0f}%" if value >= 0.01 or value == 0 else f"{100 * value:.1f}%"


# What every verdict is about, said where a sentence stands alone (the headline).
ESTIMAND_TAG = "conditional on this test set"


def seed_count_text(counts: list[int]) -> str:
    """'5 seeds', '3 to 5 seeds'."""
    low, high = min(counts), max(counts)
    return plural(low, "seed") if low == high else f"{low} to {high} seeds"


def estimand_sentence(comparison: verdict.Comparison) -> str:
    """What the verdict is about, in one sentence, and what the second best set adds."""
    common = (
        "The verdict is about each activation's geometric-mean test error over training seeds, a failed "
        "run counted at chance error, at these settings and on these test images (conditional on this "
        "test set)"
    )
    if comparison.new_images_best_set is not None:
        return (common + f"; a second best set also counts the {comparison.test_images:,} test images as a "
                "sample, to say whether a verdict holds on new images.")  # fmt: skip
    if comparison.test_images is not None:
        return (common + "; a second best set, which also counts the test images as a sample, needs "
                f"activations that can be ranked (at least {verdict.MIN_SEEDS} seeds).")  # fmt: skip
    return common + "; without per-image predictions the test images' own noise is not counted."


def headline(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    """One quotable sentence: the best (or the best set), who is within the margin, who is
    worse and by how much, and who could not be ranked."""
    groups = clauses(comparison, labels, ESTIMAND_TAG)
    return capitalised("; ".join(part for group in groups for part in group)) + "."


def answer(comparison: verdict.Comparison, labels: dict[str, str]) -> list[str]:
    """The headline as at most three plain sentences, for the top of summary.md: who leads,
    who is worse, and what else a reader must know (failures, what more seeds would need).
    No p-value and no method: those are in the table and below the figures."""
    groups = clauses(comparison, labels, None)
    return [capitalised("; ".join(group)) + "." for group in groups if group][:3]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def aside(text: str, tag: str | None) -> str:
    """'(0.9909, 4 seeds; conditional on this test set)', or without the tag."""
    return f"({text}; {tag})" if tag else f"({text})"


def clauses(comparison: verdict.Comparison, labels: dict[str, str], tag: str | None) -> list[list[str]]:
    """The verdict's clauses in three groups: who leads, who is worse, and the rest. `tag`
    (what the verdict is about) goes with the first clause, where the headline stands alone."""
    rows = comparison.rows

    def label(name):
        return labels.get(name, name)

    def named(word):
        return [name for name in rows if rows[name].verdict == word]

    if not any(rows[name].runs for name in rows):
        return [["there are no finished runs yet"]]
    if all(rows[name].verdict == "diverged" for name in rows if rows[name].runs):
        return [["every run diverged, so there is no test accuracy to compare"]]
    diverged = [label(name) for name in named("diverged")]
    last = [f"{join_words(diverged)} diverged on every seed"] if diverged else []
    failures = [failed_text(label(name), rows[name]) for name in rows
                if rows[name].verdict != "diverged" and rows[name].seeds_failed]  # fmt: skip
    if not comparison.ranked:
        more = (f"a verdict needs at least {verdict.MIN_SEEDS} seeds of each activation: run with --seeds "
                f"{verdict.MIN_SEEDS}, or --seeds auto to add seeds only while the answer is open")  # fmt: skip
        first = nothing_ranked(comparison, labels) if tag else plainly_nothing_ranked(comparison, labels)
        return [[first], failures + last, [] if tag else [more]]
    scores = comparison.scores
    if len(comparison.ranked) == 1:
        (only,) = comparison.ranked
        first = [f"{label(only)} is the only activation that can be ranked "
                 f"{aside(f'{mean_of(scores[only]):.4f}, ' + plural(len(scores[only]), 'seed'), tag)}, so there is "
                 "nothing to rank it against"]  # fmt: skip
    elif not comparison.best_set:
        # Possible only when pairs rest on different seeds and contradict each other.
        first = [f"no activation stays in the best set: pairs on different seeds disagree{' (' + tag + ')' if tag else ''}"]
    elif len(comparison.best_set) == 1:
        best = comparison.best_set[0]
        first = [f"{label(best)} is best {aside(f'{mean_of(scores[best]):.4f}, ' + plural(len(scores[best]), 'seed'), tag)}"]
    else:
        by_mean = sorted(comparison.best_set, key=lambda name: -mean_of(scores[name]))
        counts = [len(scores[name]) for name in comparison.ranked]
        first = [f"{join_words([label(name) for name in by_mean])} cannot be separated with "
                 f"{seed_count_text(counts)} {aside('the best set', tag)}"]  # fmt: skip
        within = [label(name) for name in comparison.best_set if rows[name].within_margin]
        if within:
            verb = "is" if len(within) == 1 else "are"
            first.append(f"{join_words(within)} {verb} within {margin_text(comparison.margin)} of the best")
        else:
            first.append(f"none is shown to be within {margin_text(comparison.margin)} of the best")
    worse = sorted(named("worse"), key=lambda name: -rows[name].below_best_by_at_least)
    second = []
    if worse:
        verb = "is" if len(worse) == 1 else "are"
        amounts = join_words([pp(rows[name].below_best_by_at_least) for name in worse])
        second.append(f"{join_words([label(name) for name in worse])} {verb} worse (by at least {amounts} pp)")
        close = [label(name) for name in worse if rows[name].within_margin]
        if close:
            verb = "is" if len(close) == 1 else "are"
            second.append(f"{join_words(close)} {verb} worse but within {margin_text(comparison.margin)} of the best")
    rest = list(failures)
    too_few = named("too few seeds")
    if too_few:
        have = "has" if len(too_few) == 1 else "have"
        rest.append(f"{join_words([label(n) for n in too_few])} {have} too few seeds to rank "
                    f"(at least {verdict.MIN_SEEDS} needed)")  # fmt: skip
    new_images = comparison.new_images_best_set
    if new_images is not None and len(comparison.ranked) > 1 and set(new_images) != set(comparison.best_set):
        names = [label(name) for name in new_images]
        rest.append(f"on new images from the same distribution the best set would be "
                    f"{join_words(names) if names else 'empty'}")  # fmt: skip
    return [first, second, rest + last]


def failed_text(label: str, row) -> str:
    """'Sigmoid failed to train on 2 of 5 seeds'; 'on all 3 seeds'; "Sigmoid's run failed to train"."""
    if row.runs == 1:
        return f"{label}'s run failed to train"
    if row.seeds_failed == row.runs:
        return f"{label} failed to train on all {row.runs} seeds"
    return f"{label} failed to train on {row.seeds_failed} of {row.runs} seeds"


def mean_of(scores: dict[int, float]) -> float:
    return sum(scores.values()) / len(scores)


def leader_of(comparison: verdict.Comparison) -> tuple[str, str]:
    """The activation with the highest mean accuracy among those that learned, and its seed
    count in words ('1 seed', '1 to 2 seeds')."""
    rows, scores = comparison.rows, comparison.scores
    learned = [name for name in rows if scores[name] and rows[name].verdict != "diverged"]
    counts = [len(scores[name]) for name in learned]
    leader = max(learned, key=lambda name: mean_of(scores[name]))
    return leader, seed_count_text(counts)


def plainly_nothing_ranked(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    leader, seeds = leader_of(comparison)
    return (f"{labels.get(leader, leader)} has the highest test accuracy ({mean_of(comparison.scores[leader]):.4f}), "
            f"but {seeds} per activation cannot rank activations: another seed could reorder them")  # fmt: skip


def nothing_ranked(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    """The first clause when no activation has enough seeds: who leads, and why that is no verdict."""
    leader, seeds = leader_of(comparison)
    first = (
        f"With {seeds} per activation nothing can be ranked yet: {labels.get(leader, leader)} has "
        f"the highest test accuracy on this test set ({mean_of(comparison.scores[leader]):.4f}), but a verdict "
        f"needs at least {verdict.MIN_SEEDS} seeds of each activation"
    )
    if comparison.mcnemar:
        first += "; " + mcnemar_clause(comparison, labels)
    return first


def mcnemar_clause(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    """Which runs differ from the top run on these test images (the p-values are in the table)."""
    rows = comparison.rows
    tested = [name for name in rows if rows[name].mcnemar_p_holm is not None]
    differ = [name for name in tested if rows[name].mcnemar_p_holm < comparison.alpha]
    same = [name for name in tested if name not in differ]
    words = []
    if differ:
        words.append("differs from " + join_words([labels.get(n, n) for n in differ]))
    if same:
        words.append("not from " + join_words([labels.get(n, n) for n in same]))
    return (
        f"on these test images its run {' but '.join(words)} (exact McNemar, Holm), yet training noise "
        "is unmeasured with one seed, so this compares trained networks, not activations"
    )

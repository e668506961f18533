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


def estimand_tag(comparison: verdict.Comparison) -> str:
    return "conditional on this test set"


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
    return common + "; without per-image predictions the test images' own noise is not counted."


def headline(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    """One quotable sentence: the best (or the best set), who is within the margin, who is
    worse and by how much, and who could not be ranked."""
    rows = comparison.rows

    def label(name):
        return labels.get(name, name)

    def named(word):
        return [name for name in rows if rows[name]["verdict"] == word]

    if not any(rows[name]["runs"] for name in rows):
        return "There are no finished runs yet."
    if all(rows[name]["verdict"] == "diverged" for name in rows if rows[name]["runs"]):
        return "Every run diverged, so there is no test accuracy to compare."
    diverged = [label(name) for name in named("diverged")]
    last = [f"{join_words(diverged)} diverged on every seed"] if diverged else []
    if not comparison.ranked:
        return "; ".join([nothing_ranked(comparison, labels)] + last) + "."
    scores, tag = comparison.scores, estimand_tag(comparison)
    if len(comparison.ranked) == 1:
        (only,) = comparison.ranked
        parts = [
            f"{label(only)} is the only activation that can be ranked "
            f"({mean_of(scores[only]):.4f}, {plural(len(scores[only]), 'seed')}; {tag}), so there is "
            "nothing to rank it against"
        ]
    elif not comparison.best_set:
        # Possible only when pairs rest on different seeds and contradict each other.
        parts = [f"no activation stays in the best set: pairs on different seeds disagree ({tag})"]
    elif len(comparison.best_set) == 1:
        best = comparison.best_set[0]
        parts = [f"{label(best)} is best ({mean_of(scores[best]):.4f}, {plural(len(scores[best]), 'seed')}; {tag})"]
    else:
        by_mean = sorted(comparison.best_set, key=lambda name: -mean_of(scores[name]))
        members = [label(name) for name in by_mean]
        counts = [len(scores[name]) for name in comparison.ranked]
        parts = [f"{join_words(members)} cannot be separated with {seed_count_text(counts)} (the best set; {tag})"]
        within = [label(name) for name in comparison.best_set if rows[name]["within_margin"]]
        if within:
            verb = "is" if len(within) == 1 else "are"
            parts.append(f"{join_words(within)} {verb} within {margin_text(comparison.margin)} of the best")
        else:
            parts.append(f"none is shown to be within {margin_text(comparison.margin)} of the best")
    worse = sorted(named("worse"), key=lambda name: -rows[name]["below_best_by_at_least"])
    if worse:
        verb = "is" if len(worse) == 1 else "are"
        amounts = join_words([pp(rows[name]["below_best_by_at_least"]) for name in worse])
        parts.append(f"{join_words([label(name) for name in worse])} {verb} worse (by at least {amounts} pp)")
        close = [label(name) for name in worse if rows[name]["within_margin"]]
        if close:
            verb = "is" if len(close) == 1 else "are"
            parts.append(f"{join_words(close)} {verb} worse but within {margin_text(comparison.margin)} of the best")
    for name in rows:
        row = rows[name]
        if row["verdict"] in ("diverged", "too few seeds"):
            continue
        if row["seeds_failed"]:
            parts.append(f"{label(name)} failed to train on {row['seeds_failed']} of {row['runs']} seeds")
    too_few = named("too few seeds")
    if too_few:
        have = "has" if len(too_few) == 1 else "have"
        parts.append(f"{join_words([label(n) for n in too_few])} {have} too few seeds to rank "
                     f"(at least {verdict.MIN_SEEDS} needed)")  # fmt: skip
    new_images = comparison.new_images_best_set
    if new_images is not None and len(comparison.ranked) > 1 and set(new_images) != set(comparison.best_set):
        names = [label(name) for name in new_images]
        parts.append(f"on new images from the same distribution the best set would be "
                     f"{join_words(names) if names else 'empty'}")  # fmt: skip
    return "; ".join(parts + last) + "."


def mean_of(scores: dict[int, float]) -> float:
    return sum(scores.values()) / len(scores)


def nothing_ranked(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    """The first clause when no activation has enough seeds: who leads, and why that is no verdict."""
    rows, scores = comparison.rows, comparison.scores
    learned = [name for name in rows if scores[name] and rows[name]["verdict"] != "diverged"]
    counts = [len(scores[name]) for name in learned]
    leader = max(learned, key=lambda name: mean_of(scores[name]))
    seeds = "seed" if max(counts) == 1 else "seeds"
    count = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)} to {max(counts)}"
    first = (
        f"With {count} {seeds} per activation nothing can be ranked yet: {labels.get(leader, leader)} has "
        f"the highest test accuracy on this test set ({mean_of(scores[leader]):.4f}), but a verdict "
        f"needs at least {verdict.MIN_SEEDS} seeds of each activation"
    )
    if comparison.mcnemar:
        first += "; " + mcnemar_clause(comparison, labels, leader)
    return first


def mcnemar_clause(comparison: verdict.Comparison, labels: dict[str, str], leader: str) -> str:
    rows = comparison.rows
    tested = [name for name in rows if rows[name]["mcnemar_p_holm"] is not None]
    differ = [name for name in tested if rows[name]["mcnemar_p_holm"] < comparison.alpha]
    same = [name for name in tested if name not in differ]
    words = []
    if differ:
        words.append(
            "differs from "
            + join_words([f"{labels.get(n, n)} ({p_text(rows[n]['mcnemar_p_holm'])})" for n in differ])
        )
    if same:
        words.append("not from " + join_words([labels.get(n, n) for n in same]))
    return (
        f"on these test images its run {' but '.join(words)} (exact McNemar, Holm), yet training noise "
        "is unmeasured with one seed, so this compares trained networks, not activations"
    )


def p_text(p_holm: float) -> str:
    return "p_holm < 0.001" if p_holm < 0.001 else f"p_holm = {p_holm:.2g}"

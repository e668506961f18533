"""The verdict in words: the headline, what it is about, its notes and its power.

Every sentence is built from a `verdict.Comparison`, so the words say exactly what the
numbers in the table say: the same best set, the same verdict words, the same margin.
"""

import math

from activation_comparison import verdict


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
    """What the verdict is about, and what the second best set adds."""
    common = (
        "The verdict is about each activation's expected test accuracy over training seeds, at these "
        "settings, on these test images (conditional on this test set)"
    )
    if comparison.new_images_best_set is not None:
        return (
            common + f". Each run's per-image predictions also give a second best set that counts the "
            f"{comparison.test_images:,} test images as a sample of new images from the same distribution "
            "(seed × image variance, with the seeds' degrees of freedom, so it is never smaller): it "
            "says whether a verdict holds beyond these images."
        )
    return (
        common + ": not every run recorded per-image predictions (or their test sets differ), so the "
        "test images' own noise (a binomial standard error of about 0.1 pp at 99% accuracy on "
        "10,000 images) is not counted, and another test set could order close activations differently."
    )


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
        if row["seeds_stuck"]:
            parts.append(f"{label(name)} was stuck at chance on {row['seeds_stuck']} of {row['runs']} seeds")
        if row["seeds_diverged"]:
            parts.append(f"{label(name)} diverged on {row['seeds_diverged']} of {row['runs']} seeds (counted at chance)")
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
        f"Diverged: {join_words(runs)}; {these} no test accuracy and each enters the comparisons at "
        "chance accuracy (1 / classes), so diverging can never make an activation look better."
    )


def stuck_note(comparison: verdict.Comparison, labels: dict[str, str]) -> str | None:
    """Per activation with stuck or diverged runs: the counts with exact intervals and the
    median, which is what its table row shows instead of a t interval."""
    words = []
    for name, row in comparison.rows.items():
        if not row["runs"] or not (row["seeds_stuck"] or row["seeds_diverged"]):
            continue
        if row["seeds_diverged"] == row["runs"]:
            continue
        counted = []
        if row["seeds_stuck"]:
            counted.append(f"stuck at chance on {count_text(row, 'stuck')}")
        if row["seeds_diverged"]:
            counted.append(f"diverged on {count_text(row, 'diverged')}")
        words.append(f"{labels.get(name, name)} {' and '.join(counted)}, median {row['test_accuracy_median']:.4f}")
    if not words:
        return None
    threshold = verdict.STUCK_FACTOR / comparison.classes
    sentence = (
        f"Runs that learned nothing: {'; '.join(words)}. A run is stuck when it finished below "
        f"{threshold:g} accuracy ({verdict.STUCK_FACTOR:g} / classes; one class for every image scores "
        "about 0.1); intervals are exact 95% Clopper–Pearson. Such an activation's accuracy is a "
        "mixture, not a bell curve, so its row shows the median instead of a t interval."
    )
    rows = comparison.rows
    kept = [
        name for name in comparison.best_set
        if rows[name]["seeds_stuck"] or rows[name]["seeds_diverged"]
    ]  # fmt: skip
    for name in kept:
        row = rows[name]
        lost = (
            f" although it lost on {row['seeds_lost_vs_top']} of {row['paired_seeds_vs_top']} seeds"
            if row["paired_seeds_vs_top"] else ""
        )
        sentence += (
            f" {labels.get(name, name)} stays in the best set{lost}: its failed runs spread its "
            "differences too widely for these seeds to place it below the others, and the same "
            "wide bounds lower every other activation's L, so usually none can be shown within the margin "
            "while it is there."
        )
    return sentence


def count_text(row: dict, kind: str) -> str:
    """'2 of 5 runs (95% CI 5–85%)'."""
    count = row["seeds_stuck"] if kind == "stuck" else row["seeds_diverged"]
    low, high = row[f"{kind}_ci95_low"], row[f"{kind}_ci95_high"]
    return f"{count} of {plural(row['runs'], 'run')} (95% CI {percent(low)}–{percent(high)})"


def best_set_sentence(comparison: verdict.Comparison) -> str:
    """How the best set is found and what its interval and the margin mean."""
    ranked = len(comparison.ranked)
    if ranked < 2:
        return (
            "The best set (Hsu's multiple comparisons with the best, in a Bonferroni form) needs at "
            f"least two activations with {verdict.MIN_SEEDS} or more seeds each: every activation is "
            "then compared one-sided with every other at level α/(K(K − 1)), and stays in the set "
            "unless another is shown better, so that equal activations all stay with probability 95%."
        )
    return (
        "The best set is Hsu's multiple comparisons with the best, in a Bonferroni form: each "
        f"activation is compared one-sided with every other at level α/(K(K − 1)) = "
        f"{comparison.alpha:g}/{max(ranked * (ranked - 1), 1)} = {comparison.level:.3g} (K = {ranked} "
        "ranked activations, paired by seed, a diverged run at chance), and it stays in the set "
        "unless another is shown better; so when all are equal, all stay with probability 95%. "
        "[L, U] bounds its distance to the best of the others, for all activations at once with "
        f"95% confidence; an activation is within the margin ({margin_text(comparison.margin)}) when "
        f"L > −{margin_text(comparison.margin)}, whether it is in the set or not. Not being separated "
        "is not being equal: only the margin column says an activation is close to the best. "
        "Where a pair's seed-by-seed differences are all equal, the exact sign-flip test replaces "
        f"the t bound (a standard error of 0 is no proof); it needs 2^−n ≤ {comparison.level:.3g}, "
        f"so {sign_flip_seeds(comparison.level)} seeds, before such a pair can say anything."
    )


def sign_flip_seeds(level: float) -> int:
    return max(verdict.MIN_SEEDS, math.ceil(math.log2(1.0 / level)))


def families_note(comparison: verdict.Comparison, labels: dict[str, str]) -> str:
    """Why pairwise.png and the best set can disagree, with the cases that occur here."""
    pairs = comparison.pairs
    sentence = (
        f"pairwise.png answers another question, \"which pairs differ?\": two-sided tests of all "
        f"{len([p for p in pairs if p['p_value'] is not None])} pairs on the seeds alone, with "
        "Holm's step-down adjustment, which tests each pair after the first at a less strict level. "
        "The best set asks \"which can be the best?\" and holds every comparison to the strictest "
        "level, so that its bounds hold for all activations at once"
        + ". So two activations can differ there and both stay in the best set. The reverse, an "
        "activation outside the set with no starred pair, takes pairs on different seeds (Holm's "
        "first step is the best set's level)."
    )
    members = set(comparison.best_set)
    both_in = [
        f"{labels.get(p['a'], p['a'])} and {labels.get(p['b'], p['b'])}"
        for p in pairs
        if p["significant"] and p["a"] in members and p["b"] in members
    ]
    starred = {name for p in pairs if p["significant"] for name in (p["a"], p["b"])}
    out_unstarred = [
        labels.get(name, name)
        for name in comparison.ranked
        if comparison.rows[name]["verdict"] == "worse" and name not in starred
    ]
    if both_in:
        sentence += f" Here {join_words(both_in)} differ in pairwise.png, yet both are in the best set."
    if out_unstarred:
        verb = "is" if len(out_unstarred) == 1 else "are"
        sentence += f" Here {join_words(out_unstarred)} {verb} outside the best set with no starred pair."
    return sentence


def power_sentence(comparison: verdict.Comparison) -> str:
    """The smallest differences these seeds detect and the seeds the margin needs, from the
    observed spreads (never from the observed differences); and why the count must be fixed."""
    fixed = (
        "Fix the number of seeds before running: adding seeds until something becomes "
        "significant inflates the error rate."
    )
    rows = comparison.rows
    clean = [
        name for name in comparison.ranked
        if rows[name]["detectable_difference"] is not None
        and not rows[name]["seeds_stuck"] and not rows[name]["seeds_diverged"]
    ]  # fmt: skip
    margin = margin_text(comparison.margin)
    if not clean:
        seeds = sign_flip_seeds(comparison.level)
        return (
            "Power: there is no spread of paired differences to compute it from yet (at least "
            f"{verdict.MIN_SEEDS} seeds of each activation are needed, and where every difference is "
            f"equal the sign-flip test needs {seeds}); once it exists, this summary gives the smallest "
            f"difference the seeds detect and the seeds needed to detect {margin}. " + fixed
        )
    detectable = [rows[name]["detectable_difference"] for name in clean]
    powers = [rows[name]["power_at_margin"] for name in clean]
    needed = [rows[name]["seeds_for_margin"] for name in clean]
    seeds = seed_count_text([rows[name]["paired_seeds_vs_top"] for name in clean])
    reachable = [count for count in needed if count is not None]
    if reachable:
        need = f"{min(reachable)}" if min(reachable) == max(reachable) else f"{min(reachable)} to {max(reachable)}"
        need_text = f"detecting {margin} with 80% power needs {need} seeds"
        if len(reachable) < len(needed):
            need_text += " (more seeds alone never reach it for some: the test images' noise is a floor)"
    else:
        need_text = f"no number of seeds detects {margin} with 80% power: the test images' noise is a floor"
    return (
        f"Power, from the spread of paired differences with the top activation (never from the "
        f"observed differences), at the best set's level ({comparison.level:.3g} one-sided): with {seeds} "
        f"a true difference is detected with 80% power from {range_text(detectable)} pp on; a "
        f"difference of {margin} is detected with {range_text(powers, percent_values=True)} "
        f"probability now, and {need_text}. " + fixed
    )


def range_text(values: list[float], percent_values: bool = False) -> str:
    """'0.12–0.35' (pp) or '35–90%'."""
    low, high = min(values), max(values)
    if percent_values:
        return percent(low) if percent(low) == percent(high) else f"{percent(low)}–{percent(high)}"
    return pp(low) if pp(low) == pp(high) else f"{pp(low)}–{pp(high)}"


def new_images_note(comparison: verdict.Comparison, labels: dict[str, str]) -> str | None:
    """What the second best set (the test images counted as a sample) says, where it exists."""
    new_images = comparison.new_images_best_set
    if new_images is None or len(comparison.ranked) < 2:
        return None
    if set(new_images) == set(comparison.best_set):
        return ("Counting the test images as a sample too (new images from the same distribution), "
                "the best set is the same.")  # fmt: skip
    names = join_words([labels.get(n, n) for n in new_images]) or "empty"
    return (
        f"On new images from the same distribution (the test images counted as a sample too) the best "
        f"set would be {names}: the test set's own noise is as large as the gaps that separate the "
        f"others here, so those gaps are about these {comparison.test_images:,} images."
    )


def mcnemar_note(comparison: verdict.Comparison) -> str | None:
    """With one seed per activation: what the McNemar column can and cannot say."""
    if not comparison.mcnemar:
        return None
    return (
        "With one seed per activation, the McNemar column compares each run with the top run on "
        "the same test images (exact binomial test on the images exactly one of them got right, "
        "Holm over these comparisons). It measures the test set's noise only: training noise, "
        "what another seed would give, is unmeasured, so no activation is ranked (verdict "
        "\"too few seeds\")."
    )


# The tuned verdict across learning rates (`tuning.Tuned`), for results/index.md.


def rate_list(rates) -> str:
    return join_words([f"{rate:g}" for rate in rates])


def tuned_method_sentence(tuned) -> str:
    """How each activation's learning rate is chosen and what is then compared."""
    return (
        f"Each activation at its own learning rate among {rate_list(tuned.rates)}: each seed is compared "
        "at the rate with the lowest median best-epoch validation loss over the activation's *other* seeds "
        "(leave one seed out, so that no seed's luck chooses its own rate; a diverged run counts as +∞, "
        "a tie goes to the smaller rate), and the test accuracies at those rates are compared paired by "
        "seed, as in each summary. Only seeds with a run at every rate take part."
    )


def tuned_headline(tuned, labels: dict[str, str]) -> str:
    if not tuned.records:
        return (
            "No seed has a rate chosen on its other seeds: that needs at least two seeds of an "
            "activation with a best-epoch validation loss at the same rates."
        )
    return "Tuned: " + headline(tuned.comparison, labels)


def fixed_rate_text(tuned) -> str:
    """'the default learning rate 0.001', or the rate used instead and why."""
    default = tuned.default_rate
    if tuned.fixed_rate == default:
        return f"the default learning rate {default:g}"
    return f"{tuned.fixed_rate:g} (no folder has the default {default:g}; the nearest rate on a log scale)"


def tuned_columns_sentence(tuned, labels: dict[str, str]) -> str:
    """How to read the tuned table: the checks on the choice and the gap change."""
    sentence = (
        "*Leave-one-out agrees*: on how many seeds the rate chosen on the other seeds is the rate "
        "chosen on all seeds; *by val. accuracy*: the rate with the highest median validation "
        "accuracy at the best epoch, a check on the choice by validation loss."
    )
    top = tuned.comparison.top
    if top is None:
        return sentence + " With no top of the tuned best set, no gap change is measured."
    reference = labels.get(top, top)
    return sentence + (
        f" *Gap change*: per seed, how much tuning moved the activation's gap to {reference} (the top "
        f"of the tuned best set), (tuned − tuned {reference}) − (fixed − fixed {reference}), the fixed "
        f"runs at {fixed_rate_text(tuned)}; its mean in pp and 95% t interval over the seeds with all "
        "four runs (a diverged run at chance). Read the interval, not the two verdict words: a gap "
        "that is significant at one rate and not at the other has not thereby changed. *same runs*: "
        "no seed's rate moved for either activation, so the change is 0 by construction; "
        "*no spread*: every seed moved by the same amount, which gives no interval."
    )


def runs_text(runs, labels: dict[str, str], most: int = 8) -> str:
    """'ReLU seed 2 (a, b) and ELU seed 0 (a, c)', the first `most` of them."""
    words = [f"{labels.get(name, name)} seed {seed} ({', '.join(folders)})" for name, seed, folders in runs[:most]]
    if len(runs) > most:
        words.append(f"{len(runs) - most} more")
    return join_words(words)


def pairing_sentence(pairing, labels: dict[str, str]) -> str:
    """Whether the same seed started from the same weights in every folder (the epoch-0 check)."""
    what = "epoch-0 diagnostics (gradient norms, activation statistics and dead units before training)"
    sentences = []
    if pairing.differ:
        sentences.append(
            f"Pairs across these folders are **not valid** for {runs_text(pairing.differ, labels)}: "
            f"their {what} differ between the folders named, so the same seed did not start from the "
            "same weights (other data, code or seeding), and their gap changes compare different starts."
        )
    same = len(pairing.checked) - len(pairing.differ)
    if same:
        subject = "The other " + plural(same, "run") if pairing.differ else plural(same, "run")
        held = (
            f"{subject} in two or more folders {'has' if same == 1 else 'have'} the same {what} in each, "
            f"so {'it' if same == 1 else 'each'} started from the same weights at every rate"
        )
        if pairing.rounding:
            largest = max(difference for _, _, difference in pairing.rounding)
            held += (
                f" ({plural(len(pairing.rounding), 'run')} up to float rounding, at most {largest:.1g} relative: "
                "another thread count changes the last digits of a sum, another start the first)"
            )
        sentences.append(("" if pairing.differ else "Pairs across folders are valid: ") + held + ".")
    if pairing.unchecked:
        folders: dict[str, int] = {}
        for _, _, names in pairing.unchecked:
            for name in names:
                folders[name] = folders.get(name, 0) + 1
        missing = join_words([f"{name} ({plural(count, 'run')})" for name, count in folders.items()])
        sentences.append(
            f"The pairing of {plural(len(pairing.unchecked), 'run')} could not be checked: {missing} "
            "recorded no epoch-0 diagnostics (--no-diagnostics)."
        )
    if not sentences:
        return "No run is in two of these folders, so there is no pairing across them to check."
    return " ".join(sentences)

"""The notes under a summary's headline: diverged and stuck runs, what the best set is,
why "which pairs differ" can disagree with it, the power, the test images' noise and the
one-seed McNemar tests.

Like the headline (`verdict_text`), every note is built from a `verdict.Comparison`, so
the words say what the table's numbers say.
"""

import math

from activation_comparison.verdict import verdict
from activation_comparison.reporting.verdict_text import join_words, margin_text, percent, plural, pp, seed_count_text


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

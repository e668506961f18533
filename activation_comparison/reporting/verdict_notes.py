"""The notes under a summary's headline: diverged and stuck runs, what the best set is,
why "which pairs differ" can disagree with it, the power, the test images' noise and the
one-seed McNemar tests.

Like the headline (`verdict_text`), every note is built from a `verdict.Comparison`, so
the words say what the table's numbers say.
"""

from activation_comparison.verdict import verdict
from activation_comparison.reporting.verdict_text import join_words, margin_text, percent, plural, pp


def failures_note(comparison: verdict.Comparison, labels: dict[str, str]) -> str | None:
    """Failed runs as their own finding: per activation k of n with the exact interval, and
    whether it fails more often than the top (exact, paired by seed)."""
    words = []
    for name, row in comparison.rows.items():
        if not row["runs"] or not row["seeds_failed"]:
            continue
        kinds = []
        if row["seeds_stuck"]:
            kinds.append(f"{row['seeds_stuck']} stuck at chance")
        if row["seeds_diverged"]:
            kinds.append(f"{row['seeds_diverged']} diverged")
        sentence = (f"{labels.get(name, name)} failed on {count_text(row)} ({', '.join(kinds)}; "
                    f"median accuracy {row['test_accuracy_median']:.4f})")  # fmt: skip
        if row["failures_p_vs_top"] is not None and comparison.top:
            sentence += (f", more often than {labels.get(comparison.top, comparison.top)} with one-sided "
                         f"exact p = {row['failures_p_vs_top']:.2g}")  # fmt: skip
        words.append(sentence)
    if not words:
        return None
    threshold = verdict.STUCK_FACTOR / comparison.classes
    return (
        f"Training failures: {'; '.join(words)}. A run failed when it diverged or finished below "
        f"{threshold:g} accuracy (one class for every image scores about 0.1); intervals are exact "
        "95% Clopper–Pearson, and a failed run enters the verdict at chance error: a large but "
        "bounded loss on the log-error scale, so failing can never make an activation look better."
    )


def count_text(row: dict) -> str:
    """'2 of 5 runs (95% CI 5–85%)'."""
    low, high = row["failed_ci95_low"], row["failed_ci95_high"]
    return f"{row['seeds_failed']} of {plural(row['runs'], 'run')} (95% CI {percent(low)}–{percent(high)})"


def looks_note(comparison: verdict.Comparison, labels: dict[str, str]) -> str | None:
    """With --seeds auto: who left at which look, why it stopped, and the runs spent."""
    progress = comparison.progress
    if progress is None:
        return None
    steps = []
    for look in progress.looks:
        left = join_words([labels.get(name, name) for name in look.left]) if look.left else "nobody"
        steps.append(f"at {look.seeds} seeds {left} left" + (f" and it stopped ({stop_text(look, comparison)})"
                                                            if look.stop else ""))  # fmt: skip
    state = ""
    if not progress.finished:
        state = (f"; it is still running: the look at {next_look(progress)} seeds needs "
                 f"{len(progress.next_runs)} more runs")  # fmt: skip
    fixed = len(comparison.rows) * (progress.looks[-1].seeds if progress.looks else 0)
    return (
        f"Seeds were spent where the answer was open (--seeds auto, looks planned before any run): "
        f"{'; '.join(steps) if steps else 'no look taken yet'}{state}. Runs spent: "
        f"{progress.runs_spent} of the {progress.most_runs} the plan could spend; a fixed design that "
        f"reached the same last look would have made {fixed}."
    )


def stop_text(look, comparison: verdict.Comparison) -> str:
    """Why the looks stopped. "Within the margin" is judged at that look's share of alpha
    among the activations still in; where that level is looser than the table's bounds
    (simultaneous over every activation at the whole alpha), those may still reach below
    the margin, and the words say why."""
    if look.stop != "within the margin":
        return look.stop
    still_in = len(comparison.progress.still_in)  # A stop is the last look taken.
    words = (f"the {still_in} still in were within {margin_text(comparison.margin)} of each other at that look's "
             f"share of alpha, {look.alpha:.2g}")  # fmt: skip
    if comparison.level < look.alpha / max(still_in * (still_in - 1), 1):
        words += (f"; the bounds below are simultaneous over all {len(comparison.rows)} activations, at "
                  f"{comparison.level:.3g} a comparison, so they are wider")  # fmt: skip
    return words


def next_look(progress) -> int:
    """The seeds of the look the missing runs are for."""
    return max(seed for _, seed in progress.next_runs) + 1


def best_set_sentence(comparison: verdict.Comparison) -> str:
    """How the best set is found, in one sentence (the method is docs/statistics.md)."""
    return (
        "The best set keeps every activation that the others are not shown to beat on log test error "
        "(Simes' combination of its comparisons, Holm's step-down, variances borrowed across activations), "
        "so that equal activations all stay with probability 95%; [L, U] bound each activation's distance "
        f"to the best of the others at {comparison.alpha:g}/(K(K − 1)) = {comparison.level:.3g} a comparison, "
        f"and within the margin means L > −{margin_text(comparison.margin)} (the method and its "
        "calibration: docs/statistics.md)."
    )


def families_note(comparison: verdict.Comparison, labels: dict[str, str]) -> str | None:
    """Why pairwise.png and the best set can disagree: one sentence, where there are pairs."""
    tested = len([p for p in comparison.pairs if p["p_value"] is not None])
    if tested == 0:
        return None
    return (
        f"pairwise.png answers another question, \"which pairs differ?\" ({plural(tested, 'pair')} "
        "on accuracy, two-sided, Holm), so two activations can differ there and both stay in the best set."
    )


def power_sentence(comparison: verdict.Comparison) -> str:
    """The smallest difference these seeds detect and the seeds the margin needs, from the
    moderated spread (never from the observed differences), in one sentence."""
    rows = comparison.rows
    usable = [name for name in comparison.ranked if rows[name]["detectable_difference"] is not None]
    margin = margin_text(comparison.margin)
    fixed = "fix the number of seeds before running, or use --seeds auto, whose looks keep the error rate"
    if not usable:
        return (f"Power needs at least {verdict.MIN_SEEDS} seeds of two activations; {fixed}.")  # fmt: skip
    detectable = [rows[name]["detectable_difference"] for name in usable]
    needed = [rows[name]["seeds_for_margin"] for name in usable if rows[name]["seeds_for_margin"] is not None]
    need = "" if not needed else (
        f"; {margin} needs {min(needed)}" + (f" to {max(needed)}" if max(needed) != min(needed) else "")
        + " seeds for 80% power")  # fmt: skip
    return (f"Power against the top, from the spread of these seeds: a difference is detected with 80% "
            f"probability from {range_text(detectable)} pp on{need}; {fixed}.")  # fmt: skip


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

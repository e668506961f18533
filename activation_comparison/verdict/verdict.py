"""From run records to one verdict row per activation: who is best, and how sure we are.

What the verdict is about (the estimand): each activation's geometric-mean test error over
training seeds, at this folder's settings, on these test images (conditional on this test
set), with a failed run (diverged, or stuck at chance) counted at chance error. It is shown
as an accuracy, 1 - that error (`typical_accuracy`). Where every run recorded its per-image
predictions, a second best set also counts the test images as a sample (new images from the
same distribution): it says whether a verdict would hold beyond these images.

Who is ranked: an activation with at least `statistics.MIN_SEEDS` runs, not all diverged.
Runs are paired by seed (the same seed gives every activation the same image order and
dropout stream).

The best set is `log_error.decide` (log error, moderated variances, step-down), the one
procedure behind every column, the headline and the index; a `--seeds auto` folder's set is
the one its looks left (`sequential.replay`). The words, used identically everywhere:

- `best`: the only member of the best set;
- `in the best set`: one of several members (or the only activation that could be ranked);
- `worse`: outside the set, shown below the best of the others;
- `too few seeds`: fewer than 3 runs, not ranked;
- `diverged`: every run diverged.

Within the margin: an activation whose simultaneous lower bound L_i (in accuracy at the top's
geometric-mean error) is above -margin is at most `margin` below the best of the others, in
the set or not (an equivalence statement; "not separated" alone never means "equal").

Failures are also their own finding: per activation the failed runs (k of n, exact
interval), and against the top an exact one-sided test of "fails more often" on the seeds
where exactly one of the two failed.
"""

from dataclasses import dataclass, field

import numpy as np

from activation_comparison.verdict import accuracy_scale, all_pairs, image_statistics, image_tables, log_error, row_columns, sequential, statistics
from activation_comparison.setup.image_format import NUM_CLASSES
from activation_comparison.verdict.statistics import ALPHA, MIN_SEEDS

# A finished run below 2 / classes learned nothing: a network that predicts one class for
# every image scores that class's share (8.9-11.4% on MNIST's test set), while any run that
# learned is far above 20%. Twice chance leaves room for unequal classes without ever
# catching a run that learned.
STUCK_FACTOR = 2.0

THIS_TEST_SET = "this test set"

VERDICTS = ("best", "in the best set", "worse", "too few seeds", "diverged")

# The columns of one activation's verdict, in the order tables show them (`VerdictRow`'s).
COLUMNS = row_columns.COLUMNS
VerdictRow = row_columns.VerdictRow


@dataclass(frozen=True)
class Comparison:
    """Everything the words need: the rows and the facts shared by all of them."""

    rows: dict[str, VerdictRow]  # activation -> its typed row (the COLUMNS)
    scores: dict[str, dict[int, float]]  # activation -> {seed: accuracy, diverged at chance}
    ranked: list[str]  # activations in the best-set procedure, in order
    best_set: list[str]  # the headline's best set
    new_images_best_set: list[str] | None  # the test images counted too; None without predictions
    top: str | None  # the best-set member with the highest mean
    estimand: str  # THIS_TEST_SET: what best_set and the verdict words are about
    margin: float
    alpha: float
    level: float  # one-sided level of the first step-down round, alpha / (K (K - 1))
    classes: int
    test_images: int | None
    mcnemar: bool = False  # one seed per activation, compared image by image
    pairs: list[dict] = field(default_factory=list)  # every pair, Holm over all (pairwise.png)
    progress: sequential.Progress | None = None  # the looks of a --seeds auto folder


def chance(classes: int) -> float:
    return 1.0 / classes


def is_stuck(accuracy: float | None, classes: int) -> bool:
    """A finished run no better than chance (below `STUCK_FACTOR` / classes)."""
    return accuracy is not None and accuracy < STUCK_FACTOR / classes


def ranking_accuracies(records: list[dict], order: list[str], classes: int = NUM_CLASSES) -> dict[str, dict[int, float]]:
    """Activation -> {seed: test accuracy}, a diverged run at chance, activations in `order`.

    An activation with no run is still present, with an empty dict, so that every table
    keeps one row per activation.
    """
    scores: dict[str, dict[int, float]] = {name: {} for name in order}
    for record in records:
        name = record["activation"]
        if name not in scores:
            continue
        if record.get("status") == "diverged":
            scores[name][int(record["seed"])] = chance(classes)
        elif record.get("status") == "finished" and record.get("test_accuracy") is not None:
            scores[name][int(record["seed"])] = float(record["test_accuracy"])
    return scores


def failures_and_scores(records: list[dict], order: list[str], classes: int = NUM_CLASSES) -> tuple[dict, dict]:
    """({activation: {seed: accuracy}}, {activation: {seed: failed}}): a run failed when it
    diverged (scored at chance) or finished stuck at chance (`is_stuck` covers both)."""
    scores = ranking_accuracies(records, order, classes)
    failed = {name: {seed: is_stuck(value, classes) for seed, value in seeds.items()} for name, seeds in scores.items()}
    return scores, failed


def counts(records: list[dict], name: str, classes: int) -> dict:
    """Runs, diverged and stuck runs of one activation, with Clopper-Pearson intervals."""
    runs = [r for r in records if r["activation"] == name and r.get("status") in ("finished", "diverged")]
    diverged = sum(r["status"] == "diverged" for r in runs)
    stuck = sum(r["status"] == "finished" and is_stuck(r.get("test_accuracy"), classes) for r in runs)
    diverged_low, diverged_high = statistics.clopper_pearson(diverged, len(runs))
    stuck_low, stuck_high = statistics.clopper_pearson(stuck, len(runs))
    failed_low, failed_high = statistics.clopper_pearson(diverged + stuck, len(runs))
    return {
        "runs": len(runs),
        "seeds_failed": diverged + stuck,
        "failed_ci95_low": failed_low,
        "failed_ci95_high": failed_high,
        "seeds_stuck": stuck,
        "diverged_ci95_low": diverged_low,
        "diverged_ci95_high": diverged_high,
        "stuck_ci95_low": stuck_low,
        "stuck_ci95_high": stuck_high,
        "seeds_diverged": diverged,
    }


def matrix(scores: dict[str, dict[int, float]], names: list[str]) -> np.ndarray:
    """(K, S) accuracies over every seed any of `names` has, NaN where a seed is missing."""
    seeds = sorted({seed for name in names for seed in scores[name]})
    return np.array([[scores[name].get(seed, np.nan) for seed in seeds] for name in names], dtype=float).reshape(
        len(names), len(seeds)
    )


def float_or_none(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def compare(records: list[dict], order: list[str], margin: float, classes: int = NUM_CLASSES,
            alpha: float = ALPHA, design: dict | None = None, looks: sequential.Progress | None = None,
            ) -> Comparison:  # fmt: skip
    """The verdict of every activation in `order` from the records of one run folder, with
    `margin` a fraction of accuracy (0.002 for --margin 0.2).

    `design`, a `--seeds auto` folder's plan from its config.json, makes the best set the one
    its looks left; an activation that left is `worse` with the look it left at. `looks`, the
    folder's looks as the command that trained it took them, are reused where they saw the
    same runs (`sequential.replay`), so that no look is decided twice.
    """
    scores, failed = failures_and_scores(records, order, classes)
    facts = {name: counts(records, name, classes) for name in order}
    # Built as dicts here, frozen into typed rows at the end: a misspelt column fails there.
    rows = {name: facts[name] | spread_columns(records, name, scores, facts[name]) for name in order}
    # An activation that diverged on every seed is not ranked: it is `diverged`, and keeping
    # it out never helps it.
    ranked = [
        name for name in order
        if facts[name]["runs"] >= MIN_SEEDS and facts[name]["seeds_diverged"] < facts[name]["runs"]
    ]  # fmt: skip
    tables = image_tables.image_table(records, order, classes) if any(facts[name]["runs"] for name in order) else None
    test_images = next((len(c) for table in (tables or {}).values() for c in table.values()), None)
    level = statistics.ALPHA
    members, new_image_members, top, progress = [], None, None, None
    if ranked:
        accuracies = matrix(scores, ranked)
        failures = matrix({name: {seed: float(flag) for seed, flag in failed[name].items()} for name in ranked}, ranked)
        y = log_error.log_error(accuracies, failures == 1.0, classes, test_images or 10_000)
        result = log_error.decide(y, alpha)
        level = result["first_level"]
        members = [name for k, name in enumerate(ranked) if result["member"][k]]
        if design is not None:
            progress = sequential.replay(scores, failed, design, classes, test_images or 10_000, previous=looks)
            members = [name for name in ranked if name in progress.still_in]
            for look in progress.looks:
                for name in look.left:
                    rows[name]["left_at_look"] = look.seeds
        typical = dict(zip(ranked, log_error.typical_accuracy(y).tolist()))
        top = max(members, key=typical.get) if members else None  # The first in order on a tie.
        top_error = 1.0 - typical[top] if top else None
        member_mask = np.array([name in members for name in ranked])
        bounds = log_error.simultaneous_bounds(result["pairs"], result["active"], level, among=member_mask)
        # Outside the set: how far below, at the level of the round that rejected it.
        rejected_at = np.where(np.isfinite(result["rejected_level"]), result["rejected_level"], level)
        below = log_error.simultaneous_bounds(result["pairs"], result["active"], rejected_at, among=member_mask)
        bounds["gap_high"] = below["gap_high"]
        if tables is not None:
            images = image_tables.image_inclusive_pairs(tables, ranked)
            new_images = accuracy_scale.best_set_of(accuracies, alpha, se=images["se"], df=images["df"])
            new_image_members = [name for k, name in enumerate(ranked) if new_images["member"][k]]
        for k, name in enumerate(ranked):
            rows[name]["typical_accuracy"] = typical[name]
            rows[name]["estimand"] = THIS_TEST_SET
            rows[name].update(row_columns.bound_columns(bounds, k, name in members, top_error, margin))
            if tables is not None:
                rows[name].update(row_columns.new_image_columns(new_images, k))
            if top is not None and name != top:
                rows[name].update(row_columns.top_columns(scores, failed, result, ranked, name, top, top_error, margin, level))
                if tables is not None:
                    rows[name]["image_share"] = float_or_none(images["image_share"][k, ranked.index(top)])
    for name in order:
        rows[name]["verdict"] = verdict_word(rows[name], facts[name], len(members), len(ranked))
    mcnemar = one_seed_mcnemar(records, order, rows, classes)
    return Comparison(
        rows={name: VerdictRow(**columns) for name, columns in rows.items()}, scores=scores, ranked=ranked, best_set=members,
        new_images_best_set=new_image_members, top=top, estimand=THIS_TEST_SET, margin=margin,
        alpha=alpha, level=level, classes=classes, test_images=test_images, mcnemar=mcnemar,
        pairs=all_pairs.all_pairs(scores, alpha), progress=progress,
    )  # fmt: skip


def spread_columns(records: list[dict], name: str, scores: dict, fact: dict) -> dict:
    """Median and mean of what is ranked; the t interval only where no run is stuck or diverged."""
    values = list(scores[name].values())
    columns = {}
    if values:
        columns["test_accuracy_median"] = float(np.median(values))
        columns["ranked_accuracy_mean"] = float(np.mean(values))
    if not fact["seeds_diverged"] and not fact["seeds_stuck"]:
        finished = [r["test_accuracy"] for r in records if r["activation"] == name and r.get("status") == "finished"]
        columns["test_accuracy_ci95_low"], columns["test_accuracy_ci95_high"] = statistics.t_interval(finished)
    return columns


def verdict_word(row: dict, fact: dict, set_size: int, ranked: int) -> str:
    if fact["runs"] == 0 or fact["seeds_diverged"] == fact["runs"]:
        return "diverged"
    if fact["runs"] < MIN_SEEDS:
        return "too few seeds"
    if not row.get("in_best_set"):
        return "worse"
    # With a single rankable activation nothing was compared: it is not called best.
    return "best" if set_size == 1 and ranked > 1 else "in the best set"


def one_seed_mcnemar(records: list[dict], order: list[str], rows: dict[str, dict], classes: int) -> bool:
    """With one run per activation and predictions: exact McNemar against the top run.

    Fills `mcnemar_p` and `mcnemar_p_holm` (Holm over these comparisons) and returns
    whether it ran. The runs still rank nothing: the test set measures these two trained
    networks, not what another seed would give.
    """
    runs = [r for r in records if r["activation"] in order and r.get("status") in ("finished", "diverged")]
    if not runs or any(sum(r["activation"] == name for r in runs) > 1 for name in order):
        return False
    finished = {r["activation"]: r for r in runs if r["status"] == "finished"}
    correct = {name: image_tables.correctness(record, classes) for name, record in finished.items()}
    correct = {name: value for name, value in correct.items() if value is not None}
    if len(correct) < 2 or len({len(value) for value in correct.values()}) != 1:
        return False
    top = max(correct, key=lambda name: (finished[name]["test_accuracy"], -order.index(name)))
    others = [name for name in order if name in correct and name != top]
    others = [name for name in others if finished[name]["seed"] == finished[top]["seed"]]
    p_values = [image_statistics.mcnemar_exact(correct[name], correct[top])["p_value"] for name in others]
    for name, p_value, p_holm in zip(others, p_values, statistics.holm(p_values)):
        rows[name].update(mcnemar_p=p_value, mcnemar_p_holm=p_holm)
    return bool(others)

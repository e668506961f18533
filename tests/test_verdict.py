"""The verdict: records to verdict rows (best set, margin, stuck and diverged runs, the test
images' noise, one seed), its sentences, and its figures.

Expected numbers are computed here, from the same arrays, with SciPy and NumPy (or by hand),
never copied from what the code printed.
"""

import math

import matplotlib.image
import numpy as np
import pytest
from scipy import stats

import activations

from activation_comparison.figures import drawing, verdict_figures
from activation_comparison.verdict import verdict
from activation_comparison.reporting import verdict_notes, verdict_text

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


# Scores.


def test_ranking_accuracies_keep_order_and_put_a_diverged_run_at_chance():
    records = [record("elu", 1, 0.98), record("relu", 0, 0.99), record("relu", 1, None)]
    records += [record("sigmoid", 0, None)]
    scores = verdict.ranking_accuracies(records, ["relu", "elu", "sigmoid", "gelu"], classes=10)
    assert list(scores) == ["relu", "elu", "sigmoid", "gelu"]
    assert scores == {"relu": {0: 0.99, 1: 0.1}, "elu": {1: 0.98}, "sigmoid": {0: 0.1}, "gelu": {}}


# The best set.


def test_best_set_rows_match_a_hand_worked_three_activation_example():
    records = [record(name, seed, value) for name, values in HAND.items() for seed, value in enumerate(values)]
    result = compare(records)
    rows = result.rows
    assert [rows[name]["verdict"] for name in HAND] == ["best", "worse", "worse"]
    assert result.best_set == ["relu"] and result.top == "relu"
    assert result.level == pytest.approx(0.05 / 6)
    assert rows["relu"]["best_set_high"] == pytest.approx(3.901999e-3, abs=1e-8)
    assert rows["relu"]["best_set_low"] == 0.0
    assert rows["elu"]["best_set_low"] == pytest.approx(-3.901999e-3, abs=1e-8)
    assert rows["elu"]["below_best_by_at_least"] == pytest.approx(1.098001e-3, abs=1e-8)
    assert rows["sigmoid"]["best_set_low"] == pytest.approx(-14.634956e-3, abs=1e-8)
    assert rows["elu"]["seeds_lost_vs_top"] == 4 and rows["elu"]["paired_seeds_vs_top"] == 4
    assert rows["elu"]["diff_vs_top"] == pytest.approx(-0.0025)


def test_best_set_rows_match_scipy_on_synthetic_seeds():
    accuracies = synthetic_accuracies()
    rows = compare(records_of(accuracies)).rows
    upper, lower = mcb_reference({name: list(values) for name, values in accuracies.items()})
    for name in ORDER:
        assert rows[name]["in_best_set"] == (upper[name] >= 0)
        assert rows[name]["best_set_high"] == pytest.approx(max(0.0, upper[name]), abs=1e-12)
        assert rows[name]["best_set_low"] == pytest.approx(min(0.0, lower[name]), abs=1e-12)
        assert rows[name]["within_margin"] == (min(0.0, lower[name]) > -MARGIN)
    assert rows["sigmoid"]["verdict"] == "worse"


def test_a_diverged_seed_enters_at_chance_so_diverging_never_makes_an_activation_best():
    # ELU scores 0.995 on the three seeds it finished and diverged on the two where it
    # would have done worst; ReLU scores 0.990 on all five. Dropping the diverged seeds
    # would make ELU best; at chance it is far below.
    records = [record("relu", seed, 0.990 + 0.0001 * seed) for seed in range(5)]
    records += [record("elu", seed, 0.995) for seed in range(3)] + [record("elu", seed, None) for seed in (3, 4)]
    result = compare(records)
    elu = result.rows["elu"]
    assert elu["verdict"] != "best"
    assert result.top == "relu"
    assert elu["ranked_accuracy_mean"] == pytest.approx((3 * 0.995 + 2 * 0.1) / 5)
    assert elu["seeds_diverged"] == 2 and elu["runs"] == 5
    expected = stats.binomtest(2, 5).proportion_ci(0.95, method="exact")
    assert (elu["diverged_ci95_low"], elu["diverged_ci95_high"]) == pytest.approx((expected.low, expected.high))
    assert elu["test_accuracy_ci95_low"] is None  # A mixture: the median, not a t interval.
    assert elu["test_accuracy_median"] == pytest.approx(0.995)
    assert elu["seeds_lost_vs_top"] == 2


def test_an_activation_whose_every_seed_diverged_is_diverged():
    records = records_of(synthetic_accuracies()) + [record("selu", seed, None) for seed in range(SEEDS)]
    rows = compare(records, ORDER + ["selu"]).rows
    assert rows["selu"]["verdict"] == "diverged"
    assert rows["selu"]["ranked_accuracy_mean"] == pytest.approx(0.1)
    assert "SELU diverged on every seed" in sentence(records, ORDER + ["selu"], LABELS | {"selu": "SELU"})


def test_every_run_diverged():
    records = [record("relu", seed, None) for seed in range(3)]
    result = compare(records)
    assert result.rows["relu"]["verdict"] == "diverged"
    assert verdict_text.headline(result, LABELS) == "Every run diverged, so there is no test accuracy to compare."


def test_fewer_than_three_seeds_give_too_few_seeds_and_leave_the_ranking():
    accuracies = synthetic_accuracies()
    records = records_of({name: accuracies[name] for name in ("relu", "gelu", "sigmoid")})
    records += [record("elu", 0, 0.99), record("elu", 1, 0.99)]
    result = compare(records, ORDER)
    assert result.rows["elu"]["verdict"] == "too few seeds"
    assert result.rows["elu"]["best_set_low"] is None and result.rows["elu"]["in_best_set"] is None
    assert result.ranked == ["relu", "gelu", "sigmoid"]
    assert result.level == pytest.approx(0.05 / 6)  # K = 3 counts the ranked activations only.
    assert "ELU has too few seeds to rank" in verdict_text.headline(result, LABELS)


@pytest.mark.parametrize("recorded_as", [float, lambda accuracy: float(np.float32(accuracy))], ids=["exact", "float32"])
def test_zero_spread_against_the_best_is_inconclusive_at_five_seeds(recorded_as):
    # ELU is exactly 0.1 pp below ReLU on every seed: a paired t-test would call this p = 0.
    # Keras reports accuracies as float32, whose rounding (about 3e-8) must not pass for spread.
    relu = [0.990, 0.992, 0.991, 0.993, 0.989]
    others = {"relu": relu, "elu": [a - 0.001 for a in relu]}
    others |= {name: [a - 0.05 - 0.001 * k for a in relu] for k, name in enumerate(("selu", "gelu", "sigmoid", "tanh"))}
    for seed in range(5):  # Give the far-below activations some spread.
        for k, name in enumerate(("selu", "gelu", "sigmoid", "tanh")):
            others[name][seed] += 0.0007 * ((seed + k) % 3)
    records = [record(n, s, recorded_as(v)) for n, values in others.items() for s, v in enumerate(values)]
    result = compare(records)
    # K = 6: the sign-flip test cannot go below 2^-5 = 0.031 > 0.05 / 30, so ELU stays in the set.
    assert result.rows["elu"]["in_best_set"] and result.rows["elu"]["verdict"] == "in the best set"
    assert result.rows["elu"]["best_set_low"] == -1.0  # Uninformative, clipped to [-1, 0].
    pair = next(p for p in result.pairs if {p["a"], p["b"]} == {"relu", "elu"})
    assert pair["test"] == "sign-flip" and pair["p_value"] >= 0.0625 and not pair["significant"]


def test_within_the_margin_in_the_set_and_out_of_it():
    base = [0.9900, 0.9920, 0.9910, 0.9930, 0.9890]
    # GELU: differences with ReLU 1, -1, 2, 0, 1 (e-4), so the two cannot be separated and
    # both are within 0.2 pp. ELU: 5, 6, 5, 6, 5 (e-4) below, a small spread: worse, but
    # by at most 0.2 pp.
    gelu = [a - d for a, d in zip(base, [0.0001, -0.0001, 0.0002, 0.0, 0.0001])]
    elu = [a - d for a, d in zip(base, [0.0005, 0.0006, 0.0005, 0.0006, 0.0005])]
    accuracies = {"relu": base, "gelu": gelu, "elu": elu}
    records = [record(n, s, v) for n, values in accuracies.items() for s, v in enumerate(values)]
    result = compare(records)
    upper, lower = mcb_reference(accuracies)
    assert [upper[n] >= 0 for n in accuracies] == [True, True, False]
    assert all(lower[n] > -MARGIN for n in accuracies)
    rows = result.rows
    assert [rows[n]["verdict"] for n in accuracies] == ["in the best set", "in the best set", "worse"]
    assert all(rows[n]["within_margin"] for n in accuracies)
    words = verdict_text.headline(result, LABELS)
    assert words.startswith("ReLU and GELU (tanh approx.) cannot be separated with 5 seeds")
    assert "ReLU and GELU (tanh approx.) are within 0.2 pp of the best" in words
    assert f"ELU is worse (by at least {100 * -upper['elu']:.2f} pp)" in words
    assert "ELU is worse but within 0.2 pp of the best" in words


def test_stuck_runs_are_counted_with_an_exact_interval_and_shown_as_a_median():
    accuracies = synthetic_accuracies()
    sigmoid = [0.898, 0.926, 0.901, 0.1135, 0.1135]
    records = records_of({name: accuracies[name][:5] for name in ("relu", "elu", "gelu")})
    records += [record("sigmoid", seed, value) for seed, value in enumerate(sigmoid)]
    result = compare(records, ORDER)
    row = result.rows["sigmoid"]
    assert row["seeds_stuck"] == 2 and row["runs"] == 5
    expected = stats.binomtest(2, 5).proportion_ci(0.95, method="exact")
    assert (row["stuck_ci95_low"], row["stuck_ci95_high"]) == pytest.approx((expected.low, expected.high))
    assert row["test_accuracy_ci95_low"] is None and row["test_accuracy_median"] == pytest.approx(0.898)
    assert row["seeds_lost_vs_top"] == 5
    assert "Sigmoid was stuck at chance on 2 of 5 seeds" in verdict_text.headline(result, LABELS)
    note = verdict_notes.stuck_note(result, LABELS)
    assert "Sigmoid stuck at chance on 2 of 5 runs (95% CI 5%–85%), median 0.8980" in note
    # Lost on every seed, yet 5 seeds cannot place a mixture below the others at 0.05 / 12.
    assert row["in_best_set"]
    assert "Sigmoid stays in the best set although it lost on 5 of 5 seeds" in note
    assert not any(result.rows[name]["within_margin"] for name in ("relu", "elu", "gelu"))


def test_a_stuck_threshold_of_twice_chance():
    assert verdict.is_stuck(0.1135, 10) and verdict.is_stuck(0.1999, 10)
    assert not verdict.is_stuck(0.2, 10) and not verdict.is_stuck(0.9, 10)


# The test images' noise.


def prediction_records(correct: dict[str, np.ndarray], labels: np.ndarray) -> list[dict]:
    """Records whose predictions are right exactly where `correct` (activation -> seeds x images) says."""
    records = []
    for name, table in correct.items():
        for seed, row in enumerate(table):
            predicted = np.where(row, labels, (labels + 1) % 10)
            records.append(record(name, seed, float(row.mean()),
                                  {"label": labels, "predicted": predicted, "p_true": row.astype(float)}))  # fmt: skip
    return records


def image_data(seeds=5, images=2000, seed=5):
    """Two activations whose errors fall on partly different images (an image effect)."""
    rng = np.random.default_rng(seed)
    hard = rng.random(images) < 0.05
    hard_for_elu = rng.random(images) < 0.03
    relu = ~((rng.random((seeds, images)) < 0.6) & hard)
    elu = ~((rng.random((seeds, images)) < 0.6) & hard_for_elu)
    return {"relu": relu, "elu": elu}, rng.integers(0, 10, images)


def test_with_predictions_a_second_best_set_counts_the_test_images_noise():
    correct, labels = image_data()
    result = compare(prediction_records(correct, labels))
    assert result.estimand == verdict.THIS_TEST_SET and result.test_images == 2000
    assert result.new_images_best_set is not None
    # A two-way ANOVA of the seed x image differences, written with NumPy directly.
    table = correct["elu"].astype(float) - correct["relu"].astype(float)
    seeds, images = table.shape
    grand = table.mean()
    ms_seed = images * ((table.mean(axis=1) - grand) ** 2).sum() / (seeds - 1)
    ms_image = seeds * ((table.mean(axis=0) - grand) ** 2).sum() / (images - 1)
    residual = table - table.mean(axis=1, keepdims=True) - table.mean(axis=0) + grand
    ms_residual = (residual**2).sum() / ((seeds - 1) * (images - 1))
    assert ms_image > ms_residual
    variance = (ms_seed + ms_image - ms_residual) / (seeds * images)
    top = result.top
    other = "elu" if top == "relu" else "relu"
    sign = 1.0 if other == "elu" else -1.0
    difference = sign * grand
    # K = 2: one-sided at 0.05 / 2, with the seeds' degrees of freedom (conservative).
    c = stats.t.ppf(1 - 0.025, seeds - 1)
    row = result.rows[other]
    assert row["image_share"] == pytest.approx((ms_image - ms_residual) / (ms_seed + ms_image - ms_residual))
    assert row["new_images_low"] == pytest.approx(min(0.0, difference - c * math.sqrt(variance)))
    # The headline's interval, seeds only and conditional on this test set, is narrower.
    per_seed = sign * table.mean(axis=1)
    assert row["best_set_low"] == pytest.approx(min(0.0, per_seed.mean() - c * stats.sem(per_seed)))
    assert row["best_set_low"] > row["new_images_low"]
    assert row["estimand"] == "this test set"
    assert "second best set that counts the 2,000 test images" in verdict_text.estimand_sentence(result)


def test_old_records_without_predictions_are_conditional_on_this_test_set():
    result = compare(records_of(synthetic_accuracies()))
    assert result.estimand == verdict.THIS_TEST_SET
    assert all(row["estimand"] == "this test set" for row in result.rows.values())
    assert all(row["image_share"] is None for row in result.rows.values())
    assert "conditional on this test set" in verdict_text.headline(result, LABELS)
    assert "(conditional on this test set)" in verdict_text.estimand_sentence(result)


def test_one_seed_with_predictions_gets_exact_mcnemar_tests_with_holm():
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 10, 10_000)
    correct = {
        "relu": rng.random((1, 10_000)) < 0.990,
        "elu": rng.random((1, 10_000)) < 0.985,
        "gelu": rng.random((1, 10_000)) < 0.989,
    }
    result = compare(prediction_records(correct, labels))
    top = max(correct, key=lambda name: correct[name].mean())
    others = [name for name in correct if name != top]
    p_values = []
    for name in others:
        only_other = int(np.sum(correct[name][0] & ~correct[top][0]))
        only_top = int(np.sum(~correct[name][0] & correct[top][0]))
        p_values.append(stats.binomtest(only_other, only_other + only_top, 0.5).pvalue)
    for name, p_value, p_holm in zip(others, p_values, holm_reference(p_values)):
        assert result.rows[name]["mcnemar_p"] == pytest.approx(p_value)
        assert result.rows[name]["mcnemar_p_holm"] == pytest.approx(p_holm)
    assert all(row["verdict"] == "too few seeds" for row in result.rows.values())
    words = verdict_text.headline(result, LABELS)
    assert words.startswith("With 1 seed per activation nothing can be ranked yet")
    assert "exact McNemar" in words and "training noise is unmeasured" in words
    assert "training noise" in verdict_notes.mcnemar_note(result)


def test_one_seed_without_predictions_says_nothing_can_be_ranked():
    accuracies = synthetic_accuracies()
    records = [record(name, 0, float(values[0])) for name, values in accuracies.items()]
    result = compare(records)
    best = max(ORDER, key=lambda name: accuracies[name][0])
    words = verdict_text.headline(result, LABELS)
    assert words.startswith("With 1 seed per activation nothing can be ranked yet")
    assert f"{LABELS[best]} has the highest test accuracy on this test set ({accuracies[best][0]:.4f})" in words
    assert "at least 3 seeds" in words
    assert not result.mcnemar and all(row["mcnemar_p"] is None for row in result.rows.values())
    assert "no spread of paired differences" in verdict_notes.power_sentence(result)


# The sentences.


def test_headline_names_the_one_best_and_the_worse_with_their_least_gap():
    accuracies = {name: list(values) for name, values in HAND.items()}
    records = [record(name, seed, value) for name, values in accuracies.items() for seed, value in enumerate(values)]
    upper, _ = mcb_reference(accuracies)
    words = sentence(records)
    mean = np.mean(HAND["relu"])
    assert words.startswith(f"ReLU is best ({mean:.4f}, 4 seeds; conditional on this test set)")
    # The largest least-gap first.
    gaps = f"{100 * -upper['sigmoid']:.2f} and {100 * -upper['elu']:.2f} pp"
    assert f"Sigmoid and ELU are worse (by at least {gaps})" in words
    assert words.endswith(".") and "\n" not in words


def test_headline_names_a_best_set_of_several_by_mean():
    accuracies = synthetic_accuracies()
    result = compare(records_of(accuracies))
    assert len(result.best_set) > 1
    members = sorted(result.best_set, key=lambda name: -accuracies[name].mean())
    words = verdict_text.headline(result, LABELS)
    names = verdict_text.join_words([LABELS[name] for name in members])
    assert words.startswith(f"{names} cannot be separated with 7 seeds (the best set; conditional on this test set)")


def test_the_word_tied_never_appears():
    accuracies = synthetic_accuracies()
    cases = [records_of(accuracies), records_of({n: accuracies[n][:1] for n in ORDER})]
    for records in cases:
        result = compare(records)
        texts = [verdict_text.headline(result, LABELS), verdict_notes.best_set_sentence(result),
                 verdict_notes.families_note(result, LABELS), verdict_notes.power_sentence(result)]  # fmt: skip
        assert not any("tied" in text for text in texts)
        assert set(row["verdict"] for row in result.rows.values()) <= set(verdict.VERDICTS)


def test_power_sentence_gives_the_detectable_difference_and_seeds_for_the_margin():
    accuracies = {name: list(values) for name, values in HAND.items() if name != "sigmoid"}
    records = [record(name, seed, value) for name, values in accuracies.items() for seed, value in enumerate(values)]
    result = compare(records)
    differences = np.array(accuracies["elu"]) - np.array(accuracies["relu"])
    sd, level = differences.std(ddof=1), 0.025  # K = 2: 0.05 / (2 x 1).
    critical = stats.t.ppf(1 - level, 3)
    from scipy import optimize

    detectable = optimize.brentq(lambda d: stats.nct.sf(critical, 3, d / (sd / 2)) - 0.8, 1e-9, 0.1)
    seeds = next(n for n in range(2, 100)
                 if stats.nct.sf(stats.t.ppf(1 - level, n - 1), n - 1, MARGIN / (sd / math.sqrt(n))) >= 0.8)  # fmt: skip
    words = verdict_notes.power_sentence(result)
    assert f"from {100 * detectable:.2f} pp on" in words
    assert f"needs {max(seeds, 3)} seeds" in words
    assert "adding seeds until something becomes significant inflates the error rate" in words
    assert result.rows["elu"]["detectable_difference"] == pytest.approx(detectable, rel=1e-6)


def pairwise_case(differences_ab, extra=()):
    """relu minus elu by `differences_ab` (e-4) on 5 seeds, plus far-below activations."""
    base = [0.9900, 0.9920, 0.9910, 0.9930, 0.9890]
    accuracies = {"relu": base, "elu": [a - 1e-4 * d for a, d in zip(base, differences_ab)]}
    spreads = ([0.0, 0.7, 0.3, 1.1, 0.5], [0.9, 0.2, 0.6, 0.0, 1.2])  # e-3, so no pair is constant.
    for k, name in enumerate(extra):
        accuracies[name] = [a - 0.05 * (k + 1) + 1e-3 * d for a, d in zip(base, spreads[k])]
    return [record(n, s, v) for n, values in accuracies.items() for s, v in enumerate(values)], accuracies


def test_a_pair_can_differ_in_pairwise_while_both_stay_in_the_best_set():
    # K = 4: the best set compares one-sided at 0.05 / 12 = 0.0042; Holm tests the last,
    # least significant of 6 pairs two-sided at 0.05, i.e. 0.025 a side. t = 2.83 (df 4)
    # falls between the two.
    records, accuracies = pairwise_case([0, 2, 4, 1, 3], extra=("gelu", "sigmoid"))
    differences = np.array(accuracies["relu"]) - np.array(accuracies["elu"])
    one_sided = stats.ttest_1samp(differences, 0.0, alternative="greater").pvalue
    assert 0.05 / 12 < one_sided < 0.025
    result = compare(records)
    pair = next(p for p in result.pairs if {p["a"], p["b"]} == {"relu", "elu"})
    assert pair["significant"]
    assert {"relu", "elu"} <= set(result.best_set)
    note = verdict_notes.families_note(result, LABELS)
    assert "ReLU and ELU differ in pairwise.png, yet both are in the best set" in note


def test_an_activation_outside_the_best_set_has_a_starred_pair_on_the_seeds_alone():
    # Both are Bonferroni-strict at their first step, and Holm steps down from there.
    rng = np.random.default_rng(4)
    for _ in range(20):
        accuracies = {name: np.round(0.99 + rng.normal(0, 0.001, 5) + shift, 4)
                      for name, shift in zip(ORDER, (0.0, 0.0, -0.001, -0.003))}  # fmt: skip
        result = compare(records_of(accuracies))
        starred = {name for p in result.pairs if p["significant"] for name in (p["a"], p["b"])}
        for name in ORDER:
            if result.rows[name]["verdict"] == "worse":
                assert name in starred
        assert "with no starred pair." not in verdict_notes.families_note(result, LABELS).split("level).")[1]


# Every pair, and divergence.


def test_pairwise_matches_scipy_with_holm_over_all_pairs():
    accuracies = synthetic_accuracies()
    pairs = verdict.pairwise(verdict.ranking_accuracies(records_of(accuracies), ORDER))
    assert [(pair["a"], pair["b"]) for pair in pairs] == [
        (ORDER[i], ORDER[j]) for i in range(4) for j in range(i + 1, 4)
    ]
    p_values = [stats.ttest_rel(accuracies[p["a"]], accuracies[p["b"]]).pvalue for p in pairs]
    for pair, p_value, p_holm in zip(pairs, p_values, holm_reference(p_values)):
        differences = accuracies[pair["a"]] - accuracies[pair["b"]]
        assert pair["diff"] == pytest.approx(differences.mean(), abs=1e-12)
        interval = stats.t.interval(0.95, SEEDS - 1, loc=differences.mean(), scale=stats.sem(differences))
        assert (pair["diff_ci95_low"], pair["diff_ci95_high"]) == pytest.approx(interval)
        assert pair["p_value"] == pytest.approx(p_value, rel=1e-6)
        assert pair["p_holm"] == pytest.approx(p_holm, rel=1e-6)
        assert pair["significant"] == (p_holm < 0.05)
    assert any(pair["significant"] for pair in pairs)


def test_a_diverged_seed_changes_only_the_pairs_that_include_it():
    accuracies = synthetic_accuracies()
    records = records_of(accuracies)
    before = {(p["a"], p["b"]): p for p in verdict.pairwise(verdict.ranking_accuracies(records, ORDER))}
    records = [r for r in records if (r["activation"], r["seed"]) != ("elu", 3)] + [record("elu", 3, None)]
    after = {(p["a"], p["b"]): p for p in verdict.pairwise(verdict.ranking_accuracies(records, ORDER))}
    for key, pair in after.items():
        assert pair["paired_seeds"] == SEEDS  # The diverged seed stays, at chance.
        if "elu" in key:
            assert pair["diff"] != before[key]["diff"]
        else:
            assert pair["diff"] == before[key]["diff"] and pair["p_value"] == before[key]["p_value"]


def test_diverged_note_names_the_diverged_runs_or_is_none():
    records = records_of(synthetic_accuracies())
    assert verdict_notes.diverged_note(records, LABELS) is None
    records += [record("sigmoid", 9, None), record("elu", 8, None), record("sigmoid", 7, None)]
    note = verdict_notes.diverged_note(records, LABELS)
    assert "ELU on seed 8" in note
    assert "Sigmoid on seeds 7 and 9" in note
    assert note.index("ELU") < note.index("Sigmoid")  # The order of the labels.
    assert "at chance accuracy" in note
    assert "\n" not in note


# Figures.


@pytest.fixture(scope="module")
def synthetic_pairs():
    return verdict.pairwise(verdict.ranking_accuracies(records_of(synthetic_accuracies()), ORDER))


def test_pairwise_matrix_holds_row_minus_column_in_pp_with_stars_only_where_significant(synthetic_pairs):
    values, annotations = verdict_figures.pairwise_matrix(synthetic_pairs, ORDER)
    accuracies = synthetic_accuracies()
    relu, sigmoid = ORDER.index("relu"), ORDER.index("sigmoid")
    expected = 100 * (accuracies["relu"] - accuracies["sigmoid"]).mean()
    assert expected > 0
    assert values[relu, sigmoid] == pytest.approx(expected)
    assert values[sigmoid, relu] == pytest.approx(-expected)
    assert annotations[relu][sigmoid].startswith(f"+{expected:.2f}")
    assert annotations[sigmoid][relu].startswith(f"-{expected:.2f}")
    for pair in synthetic_pairs:
        i, j = ORDER.index(pair["a"]), ORDER.index(pair["b"])
        p = pair["p_holm"]
        expected_stars = "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
        assert annotations[i][j] == f"{values[i, j]:+.2f}{expected_stars}"
        assert annotations[j][i] == f"{values[j, i]:+.2f}{expected_stars}"
        assert ("*" in annotations[i][j]) == pair["significant"]
    assert all(np.isnan(values[k, k]) and annotations[k][k] == "" for k in range(len(ORDER)))


def test_pairwise_matrix_marks_pairs_with_fewer_than_three_seeds():
    scores = {"relu": {0: 0.99, 1: 0.991}, "elu": {0: 0.98, 1: 0.982}}
    values, annotations = verdict_figures.pairwise_matrix(verdict.pairwise(scores), ["relu", "elu"])
    assert np.isnan(values[0, 1]) and annotations[0][1] == annotations[1][0] == "n<3"


def png_size(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    return width, height


def test_plot_pairwise_writes_a_readable_png_for_6_and_for_10_activations(tmp_path):
    rng = np.random.default_rng(7)
    six = list(activations.ACTIVATIONS)
    sizes = {}
    for names in (six, six + ["tanh", "swish", "mish", "softplus"]):
        scores = {
            name: {seed: float(np.round(0.99 + rng.normal(0, 0.001), 4)) for seed in range(5)}
            for name in names
        }
        scores[names[-1]] = {0: 0.97}  # One seed: its pairs are grey "n<3" cells.
        path = tmp_path / f"pairwise_{len(names)}.png"
        drawing.save_figure(verdict_figures.pairwise_figure(verdict.pairwise(scores), names), path)
        sizes[len(names)] = png_size(path)
    assert sizes[10][0] > sizes[6][0] and sizes[10][1] > sizes[6][1]


def sweep_point(activation, setting_value, mean, low, high, clipped):
    return {
        "activation": activation,
        "setting_value": setting_value,
        "test_accuracy_mean": mean,
        "test_accuracy_ci95_low": low,
        "test_accuracy_ci95_high": high,
        "clipped_fraction_mean": clipped,
    }


# A clip_value sweep. ReLU at 0.1 has one seed (no interval); Sigmoid diverged at 0.1 (only a
# clipped fraction) and has nothing at all at 1.0; None is the run without clipping.
SWEEP_POINTS = [
    sweep_point("relu", 1.0, 0.990, 0.989, 0.991, 0.01),
    sweep_point("relu", None, 0.991, 0.990, 0.992, None),
    sweep_point("relu", 0.1, 0.985, None, None, 0.4),
    sweep_point("sigmoid", 0.1, None, None, None, 0.9),
    sweep_point("sigmoid", 1.0, None, None, None, None),
    sweep_point("sigmoid", None, 0.980, 0.975, 0.985, 0.0),
]


def test_sweep_series_puts_no_clipping_right_of_every_value_and_keeps_missing_values_missing():
    positions, log_scale = verdict_figures.sweep_axis([p["setting_value"] for p in SWEEP_POINTS])
    assert log_scale
    assert positions[0.1] == 0.1 and positions[1.0] == 1.0 and positions[None] > 1.0
    series = verdict_figures.sweep_series(SWEEP_POINTS)
    assert series["relu"] == [
        (0.1, 0.985, None, None, 0.4),
        (1.0, 0.990, 0.989, 0.991, 0.01),
        (positions[None], 0.991, 0.990, 0.992, None),
    ]
    # Sigmoid at 1.0 has nothing to draw; at 0.1 only its clipped fraction.
    assert series["sigmoid"] == [
        (0.1, None, None, None, 0.9),
        (positions[None], 0.980, 0.975, 0.985, 0.0),
    ]


def test_sweep_axis_is_linear_when_a_value_is_not_positive():
    positions, log_scale = verdict_figures.sweep_axis([0.0, 0.5, 1.0, None])
    assert not log_scale and positions[None] > 1.0


def test_sweep_figure_draws_present_values_only():
    fig = verdict_figures.sweep_figure(SWEEP_POINTS, "clip_value")
    accuracy_axis, clipped_axis = fig.axes[:2]
    # Each errorbar container's first line is the means; the others are its bars and caps.
    accuracy_drawn = sorted(y for bars in accuracy_axis.containers for y in bars.lines[0].get_ydata())
    assert accuracy_drawn == pytest.approx(sorted([0.985, 0.990, 0.991, 0.980]))
    clipped_drawn = sorted(y for line in clipped_axis.get_lines() for y in line.get_ydata())
    assert clipped_drawn == pytest.approx(sorted([0.4, 0.01, 0.9, 0.0]))
    assert accuracy_axis.get_xscale() == "log" and accuracy_axis.get_xlabel() == "clip_value"
    assert [tick.get_text() for tick in accuracy_axis.get_xticklabels()] == ["0.1", "1", "none"]
    bottom, top = clipped_axis.get_ylim()
    assert -0.05 * top <= bottom <= 0  # From 0, with room for the markers of "nothing clipped".
    drawing.plt.close(fig)


def test_an_activation_far_below_the_rest_is_named_instead_of_flattening_the_others():
    points = [
        sweep_point("relu", 0.5, 0.990, 0.988, 0.992, 0.0),
        sweep_point("elu", 0.5, 0.980, 0.978, 0.982, 0.0),
        sweep_point("sigmoid", 0.5, 0.100, 0.095, 0.105, 0.0),
    ]
    assert verdict_figures.far_below(verdict_figures.sweep_series(points)) == {"sigmoid": 0.100}
    fig = verdict_figures.sweep_figure(points, "clip_value")
    bottom, top = fig.axes[0].get_ylim()
    assert 0.9 < bottom < 0.978 and top > 0.992
    assert any("Sigmoid 0.100" in text.get_text() for text in fig.axes[0].texts)
    drawing.plt.close(fig)


def test_pairwise_colours_resolve_small_differences_beside_an_activation_at_chance():
    scores = {
        "relu": {0: 0.990, 1: 0.991, 2: 0.989},
        "elu": {0: 0.985, 1: 0.986, 2: 0.984},
        "sigmoid": {0: 0.10, 1: 0.11, 2: 0.10},
    }
    fig = verdict_figures.pairwise_figure(verdict.pairwise(scores), list(scores))
    low, high = fig.axes[0].images[0].get_clim()
    assert high == pytest.approx(0.5) and low == pytest.approx(-0.5)  # ReLU − ELU, in pp.
    drawing.plt.close(fig)


# The calibration script.


def calibration_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "new_images_calibration.py"
    spec = importlib.util.spec_from_file_location("new_images_calibration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_extract(calibration):
    """Three activations that learn, one stuck on a seed, per-image predictions."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 400)
    records = []
    for name in ("relu", "elu", "gelu", "sigmoid"):
        for seed in range(4):
            if name == "sigmoid" and seed == 3:
                predicted = np.full(400, 1)
            else:
                wrong = rng.random(400) < np.where(np.arange(400) < 40, 0.3, 0.0)
                predicted = np.where(wrong, (labels + 1) % 10, labels)
            accuracy = float(np.mean(predicted == labels))
            records.append(record(name, seed, accuracy, {"label": labels, "predicted": predicted,
                                                         "p_true": (predicted == labels) * 1.0}))  # fmt: skip
    return records, calibration.extract_from_records(records, 10, "test")


def test_calibration_extract_keeps_accuracies_images_some_run_got_wrong_and_stuck_classes():
    calibration = calibration_module()
    records, extract = small_extract(calibration)
    assert extract["accuracy"]["relu"] == [r["test_accuracy"] for r in records if r["activation"] == "relu"]
    images = extract["images"]
    assert images["count"] == 400 and images["stuck_classes"] == [1]
    assert set(images["runs"]) == {"relu", "elu", "gelu"}  # Sigmoid has a stuck run: not in the pool.
    wrong_somewhere = set()
    for r in records:
        if r["activation"] != "sigmoid":
            wrong_somewhere |= set(np.flatnonzero(r["test_predictions"]["predicted"] != r["test_predictions"]["label"]))
    assert len(images["hard_labels"]) == len(wrong_somewhere)
    assert sum(images["errors"]["relu"]) == sum(round((1 - r["test_accuracy"]) * 400) for r in records
                                                if r["activation"] == "relu")  # fmt: skip


def test_calibration_is_reproducible_and_ends_with_the_three_rates(tmp_path, capsys):
    calibration = calibration_module()
    _, extract = small_extract(calibration)
    path = tmp_path / "extract.json"
    path.write_text(__import__("json").dumps(extract))
    outputs = []
    for _ in range(2):
        assert calibration.main(["--data", str(path), "--experiments", "30", "--image-experiments", "10"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    last = outputs[0].strip().splitlines()[-1]
    names = [part.split("=")[0] for part in last.split()]
    assert names == ["false_worse_rate", "best_set_coverage", "power"]
    assert all(0.0 <= float(part.split("=")[1]) <= 1.0 for part in last.split())


def test_calibration_without_an_extract_fails_with_one_line(tmp_path, capsys):
    calibration = calibration_module()
    assert calibration.main(["--data", str(tmp_path / "missing.json")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no extract at" in error


def test_counting_the_test_images_never_narrows_a_best_set_bound():
    """The image-inclusive bounds use the seeds' degrees of freedom: a larger variance and
    the same critical value, so they contain the seeds-only bounds."""
    rng = np.random.default_rng(7)
    images = 400
    truth = rng.random(images) < 0.9  # Which images are easy for everyone.
    records = []
    for name, skill in (("relu", 0.04), ("elu", 0.05), ("gelu", 0.045)):
        for seed in range(5):
            wrong = (~truth & (rng.random(images) < 0.8)) | (rng.random(images) < skill)
            predicted = np.where(wrong, 1, 0)
            records.append({"activation": name, "seed": seed, "status": "finished", "best_epoch": 1, "epochs": [],
                            "test_accuracy": float(np.mean(predicted == 0)), "test_loss": 0.1,
                            "test_predictions": {"label": np.zeros(images, int), "predicted": predicted,
                                                 "p_true": np.ones(images)}})  # fmt: skip
    result = verdict.compare(records, ["relu", "elu", "gelu"])
    for row in result.rows.values():
        assert row["new_images_low"] <= row["best_set_low"] + 1e-12
        assert row["new_images_high"] >= row["best_set_high"] - 1e-12
    assert set(result.best_set) <= set(result.new_images_best_set)

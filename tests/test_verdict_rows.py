"""Records to verdict rows: scores, the best set, failures, the margin, the test images'
noise, one seed, and every pair. Expected numbers come from SciPy and NumPy on the same
arrays, or by hand, never from what the code printed."""

import math

import numpy as np
import pytest
from scipy import stats

from activation_comparison.reporting import verdict_notes, verdict_text
from activation_comparison.verdict import all_pairs, verdict
from verdict_records import (HAND, LABELS, MARGIN, ORDER, SEEDS, compare, decision_reference, holm_reference, record,
                             records_of, sentence, synthetic_accuracies)

# Scores.


def test_ranking_accuracies_keep_order_and_put_a_diverged_run_at_chance():
    records = [record("elu", 1, 0.98), record("relu", 0, 0.99), record("relu", 1, None)]
    records += [record("sigmoid", 0, None)]
    scores = verdict.ranking_accuracies(records, ["relu", "elu", "sigmoid", "gelu"], classes=10)
    assert list(scores) == ["relu", "elu", "sigmoid", "gelu"]
    assert scores == {"relu": {0: 0.99, 1: 0.1}, "elu": {1: 0.98}, "sigmoid": {0: 0.1}, "gelu": {}}


# The best set.


def test_best_set_rows_follow_the_step_down_on_log_error():
    records = [record(name, seed, value) for name, values in HAND.items() for seed, value in enumerate(values)]
    result = compare(records)
    rows = result.rows
    members, pairs, rejected_at, typical = decision_reference({n: list(v) for n, v in HAND.items()})
    assert members == ["relu"] and result.best_set == ["relu"] and result.top == "relu"
    assert [rows[name]["verdict"] for name in HAND] == ["best", "worse", "worse"]
    assert result.level == pytest.approx(0.05 / 6)
    top_error = 1 - typical["relu"]
    assert rows["relu"]["typical_accuracy"] == pytest.approx(typical["relu"])
    for name in ("elu", "sigmoid"):
        # "At least this far below": the upper bound of its log-error gain over ReLU at the
        # level of the round that rejected it, in accuracy at ReLU's geometric-mean error.
        gain, se, df = pairs[name, "relu"]
        upper = gain + stats.t.ppf(1 - rejected_at[name], df) * se
        assert upper < 0
        assert rows[name]["below_best_by_at_least"] == pytest.approx(top_error * (np.exp(-upper) - 1), rel=1e-9)
        # L: against the other members of the set (here ReLU alone), at the first level.
        lower = gain - stats.t.ppf(1 - 0.05 / 6, df) * se
        assert rows[name]["best_set_low"] == pytest.approx(max(-1.0, top_error * (1 - np.exp(-lower))), rel=1e-9)
    assert rows["elu"]["seeds_lost_vs_top"] == 4 and rows["elu"]["paired_seeds_vs_top"] == 4
    assert rows["elu"]["diff_vs_top"] == pytest.approx(-0.0025)


def test_best_set_rows_match_the_reference_on_synthetic_seeds():
    accuracies = synthetic_accuracies()
    rows = compare(records_of(accuracies)).rows
    members, _, _, _ = decision_reference({name: list(values) for name, values in accuracies.items()})
    assert [name for name in ORDER if rows[name]["in_best_set"]] == members
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
def test_a_constant_difference_borrows_the_others_spread_and_float32_noise_is_no_spread(recorded_as):
    # ELU is exactly 0.1 pp below ReLU on every seed. Its own variance would be 0 (a t of
    # infinity); the moderated variance borrows the others' spread instead, and Keras'
    # float32 rounding (about 3e-8) must not change the verdict.
    relu = [0.990, 0.992, 0.991, 0.993, 0.989]
    others = {"relu": relu, "elu": [a - 0.001 for a in relu]}
    others |= {name: [a - 0.05 - 0.001 * k for a in relu] for k, name in enumerate(("selu", "gelu", "sigmoid", "tanh"))}
    for seed in range(5):  # Give the far-below activations some spread.
        for k, name in enumerate(("selu", "gelu", "sigmoid", "tanh")):
            others[name][seed] += 0.0007 * ((seed + k) % 3)
    records = [record(n, s, recorded_as(v)) for n, values in others.items() for s, v in enumerate(values)]
    result = compare(records)
    exact = compare([record(n, s, v) for n, values in others.items() for s, v in enumerate(values)])
    assert result.best_set == exact.best_set
    members, _, _, _ = decision_reference(others)
    assert result.best_set == members
    assert result.rows["elu"]["best_set_low"] == pytest.approx(exact.rows["elu"]["best_set_low"], abs=1e-6)
    pair = next(p for p in result.pairs if {p["a"], p["b"]} == {"relu", "elu"})
    assert pair["test"] == "sign-flip" and pair["p_value"] >= 0.0625 and not pair["significant"]


def test_within_the_margin_in_the_set_and_out_of_it():
    base = [0.9900, 0.9920, 0.9910, 0.9930, 0.9890, 0.9905, 0.9915, 0.9925]
    # GELU: differences with ReLU of -1 to 2 (e-4): the two cannot be separated and both are
    # within 0.2 pp. ELU: 5 to 6 (e-4) below with a small spread: worse, but by at most 0.2 pp.
    gelu = [a - d for a, d in zip(base, [0.0001, -0.0001, 0.0002, 0.0, 0.0001, 0.0, 0.0001, -0.0001])]
    elu = [a - d for a, d in zip(base, [0.0005, 0.0006, 0.0005, 0.0006, 0.0005, 0.0006, 0.0005, 0.0006])]
    accuracies = {"relu": base, "gelu": gelu, "elu": elu}
    records = [record(n, s, v) for n, values in accuracies.items() for s, v in enumerate(values)]
    result = compare(records)
    members, pairs, _, typical = decision_reference(accuracies)
    assert members == ["relu", "gelu"]
    rows = result.rows
    assert [rows[n]["verdict"] for n in accuracies] == ["in the best set", "in the best set", "worse"]
    top_error = 1 - typical[result.top]
    for name in accuracies:
        lowers = [pairs[name, other][0] - stats.t.ppf(1 - 0.05 / 6, pairs[name, other][2]) * pairs[name, other][1]
                  for other in members if other != name]  # fmt: skip
        low = top_error * (1 - np.exp(-min(lowers)))
        assert rows[name]["within_margin"] == (low > -MARGIN)
    assert all(rows[n]["within_margin"] for n in accuracies)
    words = verdict_text.headline(result, LABELS)
    assert words.startswith("ReLU and GELU (tanh approx.) cannot be separated with 8 seeds")
    assert "ReLU and GELU (tanh approx.) are within 0.2 pp of the best" in words
    assert f"ELU is worse (by at least {100 * rows['elu']['below_best_by_at_least']:.2f} pp)" in words
    assert "ELU is worse but within 0.2 pp of the best" in words


def test_failed_runs_are_counted_with_an_exact_interval_and_shown_as_a_median():
    accuracies = synthetic_accuracies()
    sigmoid = [0.898, 0.926, 0.901, 0.1135, 0.1135]
    records = records_of({name: accuracies[name][:5] for name in ("relu", "elu", "gelu")})
    records += [record("sigmoid", seed, value) for seed, value in enumerate(sigmoid)]
    result = compare(records, ORDER)
    row = result.rows["sigmoid"]
    assert row["seeds_stuck"] == 2 and row["seeds_failed"] == 2 and row["runs"] == 5
    expected = stats.binomtest(2, 5).proportion_ci(0.95, method="exact")
    assert (row["failed_ci95_low"], row["failed_ci95_high"]) == pytest.approx((expected.low, expected.high))
    assert row["test_accuracy_ci95_low"] is None and row["test_accuracy_median"] == pytest.approx(0.898)
    assert row["seeds_lost_vs_top"] == 5
    # Fails on 2 seeds where the top never does: one-sided exact p = 1/4.
    assert row["failures_p_vs_top"] == pytest.approx(0.25)
    assert "Sigmoid failed to train on 2 of 5 seeds" in verdict_text.headline(result, LABELS)
    note = verdict_notes.failures_note(result, LABELS)
    assert "Sigmoid failed on 2 of 5 runs (95% CI 5%–85%) (2 stuck at chance; median accuracy 0.8980)" in note
    # Lost on every seed, failed on two: on the log-error scale it is worse, not in the set.
    assert row["verdict"] == "worse" and not row["in_best_set"]


def test_an_activation_that_fails_on_some_seeds_and_loses_on_the_others_is_worse_at_five_seeds():
    # The recorded five-seed run: Sigmoid stuck on two seeds and 6 to 9 pp lower on the rest.
    accuracies = {
        "relu": [0.9900, 0.9896, 0.9883, 0.9885, 0.9888],
        "gelu": [0.9878, 0.9884, 0.9867, 0.9867, 0.9882],
        "sigmoid": [0.8982, 0.9261, 0.9014, 0.1135, 0.1135],
    }
    result = compare([record(n, s, v) for n, values in accuracies.items() for s, v in enumerate(values)])
    assert result.rows["sigmoid"]["verdict"] == "worse"
    assert decision_reference(accuracies)[0] == [n for n in accuracies if result.rows[n]["in_best_set"]]


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
    assert row["estimand"] == "this test set"
    assert "also counts the 2,000 test images as a sample" in verdict_text.estimand_sentence(result)


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
    assert verdict_notes.power_sentence(result).startswith("Power needs at least 3 seeds")


# Every pair, and divergence.


def test_pairwise_matches_scipy_with_holm_over_all_pairs():
    accuracies = synthetic_accuracies()
    pairs = all_pairs.all_pairs(verdict.ranking_accuracies(records_of(accuracies), ORDER))
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
    before = {(p["a"], p["b"]): p for p in all_pairs.all_pairs(verdict.ranking_accuracies(records, ORDER))}
    records = [r for r in records if (r["activation"], r["seed"]) != ("elu", 3)] + [record("elu", 3, None)]
    after = {(p["a"], p["b"]): p for p in all_pairs.all_pairs(verdict.ranking_accuracies(records, ORDER))}
    for key, pair in after.items():
        assert pair["paired_seeds"] == SEEDS  # The diverged seed stays, at chance.
        if "elu" in key:
            assert pair["diff"] != before[key]["diff"]
        else:
            assert pair["diff"] == before[key]["diff"] and pair["p_value"] == before[key]["p_value"]


def test_failures_note_counts_diverged_and_stuck_runs_or_is_none():
    records = records_of(synthetic_accuracies())
    assert verdict_notes.failures_note(compare(records), LABELS) is None
    records = [r for r in records if not (r["activation"] == "sigmoid" and r["seed"] in (5, 6))]
    records += [record("sigmoid", 5, None), record("sigmoid", 6, 0.1135)]
    note = verdict_notes.failures_note(compare(records), LABELS)
    assert "Sigmoid failed on 2 of 7 runs" in note and "1 stuck at chance, 1 diverged" in note
    assert "\n" not in note

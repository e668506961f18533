"""The verdict: paired statistics over seeds, checked against SciPy and by hand, and its figures.

Expected numbers are computed here, from the same arrays, with SciPy and NumPy (or by hand),
never copied from what the code printed.
"""

import math
import warnings

import matplotlib.image
import numpy as np
import pytest
from scipy import stats

import activations

from activation_comparison import drawing, verdict, verdict_figures

LABELS = {"relu": "ReLU", "elu": "ELU", "gelu": "GELU (tanh approx.)", "sigmoid": "Sigmoid"}
ORDER = list(LABELS)
SEEDS = 7


def record(activation, seed, accuracy):
    """A history as read from JSON; accuracy None means the run diverged."""
    return {
        "activation": activation,
        "seed": seed,
        "status": "finished" if accuracy is not None else "diverged",
        "test_accuracy": accuracy,
        "test_loss": None if accuracy is None else 1 - accuracy,
        "best_epoch": 10,
        "epochs": [],
    }


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


def holm_reference(p_values):
    """Holm written differently from the module: sort, scale, running maximum, cap, unsort."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values)
    scaled = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


def t_interval(values):
    values = np.asarray(values, dtype=float)
    return stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))


# Scores and intervals.


def test_scores_keep_finished_runs_in_order_and_an_empty_dict_for_all_diverged():
    records = [record("elu", 1, 0.98), record("relu", 0, 0.99), record("relu", 1, None)]
    records += [record("sigmoid", 0, None)]
    scores = verdict.accuracy_by_seed(records, ["relu", "elu", "sigmoid"])
    assert list(scores) == ["relu", "elu", "sigmoid"]
    assert scores == {"relu": {0: 0.99}, "elu": {1: 0.98}, "sigmoid": {}}


def test_mean_interval_is_scipys_t_interval_and_blank_below_two_values():
    values = [0.9912, 0.9905, 0.9921, 0.9899]
    assert verdict.mean_interval(values) == pytest.approx(t_interval(values), rel=1e-12)
    assert verdict.mean_interval([0.99]) == (None, None)
    assert verdict.mean_interval([0.99, 0.99]) == (0.99, 0.99)


def test_holm_on_a_hand_worked_example():
    # Sorted: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 by the
    # running maximum. Results return in the input order.
    assert verdict.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    # 0.4 x 2 = 0.8; 0.7 x 1 = 0.7 -> 0.8. And 0.6 x 2 = 1.2 is capped at 1.
    assert verdict.holm([0.7, 0.4]) == pytest.approx([0.8, 0.8])
    assert verdict.holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])
    assert verdict.holm([]) == []


# Comparison with the best.


def test_comparison_with_the_best_matches_scipy_on_synthetic_seeds():
    accuracies = synthetic_accuracies()
    rows = verdict.compare_with_best(verdict.accuracy_by_seed(records_of(accuracies), ORDER))
    best = max(ORDER, key=lambda name: accuracies[name].mean())
    assert rows[best]["verdict"] == "best"
    others = [name for name in ORDER if name != best]
    p_values = [stats.ttest_rel(accuracies[name], accuracies[best]).pvalue for name in others]
    for name, p_holm in zip(others, holm_reference(p_values)):
        row, differences = rows[name], accuracies[name] - accuracies[best]
        ttest = stats.ttest_rel(accuracies[name], accuracies[best])
        assert row["paired_seeds"] == SEEDS
        assert row["diff_vs_best"] == pytest.approx(differences.mean(), abs=1e-12)
        assert (row["diff_ci95_low"], row["diff_ci95_high"]) == pytest.approx(
            tuple(ttest.confidence_interval(0.95)), abs=1e-12
        )
        assert row["p_value"] == pytest.approx(ttest.pvalue, rel=1e-6)
        assert row["p_wilcoxon"] == pytest.approx(stats.wilcoxon(differences).pvalue, rel=1e-6)
        assert row["p_holm"] == pytest.approx(p_holm, rel=1e-6)
        assert row["cohens_dz"] == pytest.approx(differences.mean() / differences.std(ddof=1), rel=1e-6)
        own = t_interval(accuracies[name])
        assert (row["test_accuracy_ci95_low"], row["test_accuracy_ci95_high"]) == pytest.approx(own)
        expected = "tied with best" if p_holm >= 0.05 else "worse"
        assert row["verdict"] == expected
    assert rows["sigmoid"]["verdict"] == "worse"


def test_the_best_row_has_its_interval_and_no_comparison_with_itself():
    accuracies = synthetic_accuracies()
    rows = verdict.compare_with_best(verdict.accuracy_by_seed(records_of(accuracies), ORDER))
    best = max(ORDER, key=lambda name: accuracies[name].mean())
    row = rows[best]
    assert list(row) == list(verdict.COLUMNS)
    assert (row["test_accuracy_ci95_low"], row["test_accuracy_ci95_high"]) == pytest.approx(
        t_interval(accuracies[best])
    )
    assert row["paired_seeds"] == SEEDS
    for column in ("diff_vs_best", "diff_ci95_low", "diff_ci95_high", "p_value", "p_wilcoxon",
                   "p_holm", "cohens_dz"):  # fmt: skip
        assert row[column] is None


def test_on_a_tie_of_means_the_first_activation_in_order_is_best():
    scores = {"elu": {0: 0.990, 1: 0.992, 2: 0.991}, "relu": {0: 0.990, 1: 0.992, 2: 0.991}}
    assert verdict.compare_with_best(scores)["elu"]["verdict"] == "best"
    reordered = {"relu": scores["relu"], "elu": scores["elu"]}
    assert verdict.compare_with_best(reordered)["relu"]["verdict"] == "best"


def test_worked_example_with_three_paired_seeds_by_hand():
    # Differences a - b: -0.01, -0.02, -0.03. Mean -0.02; sd = sqrt((0.01² + 0 + 0.01²) / 2)
    # = 0.01; d_z = -0.02 / 0.01 = -2; t = -0.02 / (0.01 / sqrt 3) = -2 sqrt 3 = -3.4641.
    # With 2 degrees of freedom the t CDF is 1/2 + t / (2 sqrt(t² + 2)), so the two-sided
    # p = 1 - |t| / sqrt(t² + 2) = 1 - 3.4641 / sqrt 14 = 0.07418.
    # CI = -0.02 ± t_{0.975,2} · 0.01 / sqrt 3 = -0.02 ± 4.302653 · 0.0057735 = -0.02 ± 0.024841.
    scores = {"b": {0: 0.99, 1: 0.99, 2: 0.99}, "a": {0: 0.98, 1: 0.97, 2: 0.96}}
    row = verdict.compare_with_best(scores)["a"]
    t = -2 * math.sqrt(3)
    assert row["paired_seeds"] == 3
    assert row["diff_vs_best"] == pytest.approx(-0.02, abs=1e-12)
    assert row["cohens_dz"] == pytest.approx(-2.0, rel=1e-9)
    assert row["p_value"] == pytest.approx(1 - abs(t) / math.sqrt(t**2 + 2), rel=1e-9)
    assert row["p_value"] == pytest.approx(0.07418, abs=1e-5)
    half_width = 4.302653 * 0.01 / math.sqrt(3)
    assert row["diff_ci95_low"] == pytest.approx(-0.02 - half_width, abs=1e-7)
    assert row["diff_ci95_high"] == pytest.approx(-0.02 + half_width, abs=1e-7)
    # One comparison: Holm leaves its p unchanged, and 0.074 is not below 0.05.
    assert row["p_holm"] == row["p_value"]
    assert row["p_wilcoxon"] is None
    assert row["verdict"] == "tied with best"


def test_fewer_than_three_paired_seeds_give_too_few_seeds_and_blank_test_columns():
    scores = {"relu": {0: 0.991, 1: 0.992}, "elu": {0: 0.985, 1: 0.986}}
    row = verdict.compare_with_best(scores)["elu"]
    assert row["verdict"] == "too few seeds"
    assert row["paired_seeds"] == 2
    for column in ("diff_vs_best", "diff_ci95_low", "diff_ci95_high", "p_value", "p_wilcoxon",
                   "p_holm", "cohens_dz"):  # fmt: skip
        assert row[column] is None
    assert row["test_accuracy_ci95_low"] is not None


def test_wilcoxon_needs_six_pairs():
    accuracies = synthetic_accuracies()
    for seeds, expect_wilcoxon in ((5, False), (6, True)):
        scores = {name: dict(enumerate(accuracies[name][:seeds])) for name in ("relu", "sigmoid")}
        row = verdict.compare_with_best(scores)["sigmoid"]
        assert row["p_value"] is not None
        if expect_wilcoxon:
            differences = accuracies["sigmoid"][:6] - accuracies["relu"][:6]
            assert row["p_wilcoxon"] == pytest.approx(stats.wilcoxon(differences).pvalue)
        else:
            assert row["p_wilcoxon"] is None


def test_an_activation_with_no_finished_seed_is_diverged_with_blank_columns():
    records = records_of(synthetic_accuracies()) + [record("selu", seed, None) for seed in range(SEEDS)]
    rows = verdict.compare_with_best(verdict.accuracy_by_seed(records, ORDER + ["selu"]))
    assert rows["selu"]["verdict"] == "diverged"
    assert all(rows["selu"][column] is None for column in verdict.COLUMNS if column != "verdict")


def test_equal_differences_give_p_0_or_1_no_effect_size_and_no_nan_or_warning():
    base = {seed: 0.98 + 0.001 * seed for seed in range(6)}
    shifted = {seed: value + 0.01 for seed, value in base.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        constant = verdict.compare_with_best({"up": shifted, "base": base})["base"]
        same = verdict.compare_with_best({"a": base, "b": dict(base)})["b"]
    assert constant["p_value"] == 0.0 and constant["verdict"] == "worse"
    assert constant["diff_ci95_low"] == constant["diff_ci95_high"] == pytest.approx(-0.01)
    assert constant["cohens_dz"] is None
    assert same["p_value"] == 1.0 and same["p_wilcoxon"] == 1.0 and same["verdict"] == "tied with best"
    assert same["diff_vs_best"] == same["diff_ci95_low"] == same["diff_ci95_high"] == 0.0
    for row in (constant, same):
        assert not any(isinstance(v, float) and math.isnan(v) for v in row.values())


def test_better_on_shared_seeds_when_divergences_change_the_pairs():
    # "top" leads on average only thanks to seeds 0 and 1, on which "rival" diverged;
    # on the four seeds both finished, "rival" is ahead every time.
    top = {0: 0.999, 1: 0.999, 2: 0.980, 3: 0.981, 4: 0.982, 5: 0.983}
    rival = {2: 0.9850, 3: 0.9865, 4: 0.9868, 5: 0.9881}
    row = verdict.compare_with_best({"top": top, "rival": rival})["rival"]
    assert row["paired_seeds"] == 4
    assert row["diff_vs_best"] > 0
    assert row["verdict"] == "better on shared seeds"


# Every pair, and divergence.


def test_pairwise_matches_scipy_with_holm_over_all_pairs():
    accuracies = synthetic_accuracies()
    pairs = verdict.pairwise(verdict.accuracy_by_seed(records_of(accuracies), ORDER))
    assert [(pair["a"], pair["b"]) for pair in pairs] == [
        (ORDER[i], ORDER[j]) for i in range(4) for j in range(i + 1, 4)
    ]
    p_values = [stats.ttest_rel(accuracies[p["a"]], accuracies[p["b"]]).pvalue for p in pairs]
    for pair, p_value, p_holm in zip(pairs, p_values, holm_reference(p_values)):
        differences = accuracies[pair["a"]] - accuracies[pair["b"]]
        assert pair["diff"] == pytest.approx(differences.mean(), abs=1e-12)
        assert (pair["diff_ci95_low"], pair["diff_ci95_high"]) == pytest.approx(t_interval(differences))
        assert pair["p_value"] == pytest.approx(p_value, rel=1e-6)
        assert pair["p_holm"] == pytest.approx(p_holm, rel=1e-6)
        assert pair["significant"] == (p_holm < 0.05)
    assert any(pair["significant"] for pair in pairs)


def test_a_diverged_seed_drops_out_of_the_pairs_that_include_it_only():
    accuracies = synthetic_accuracies()
    records = records_of(accuracies)
    before = {(p["a"], p["b"]): p for p in verdict.pairwise(verdict.accuracy_by_seed(records, ORDER))}
    records = [r for r in records if (r["activation"], r["seed"]) != ("elu", 3)] + [record("elu", 3, None)]
    scores = verdict.accuracy_by_seed(records, ORDER)
    after = {(p["a"], p["b"]): p for p in verdict.pairwise(scores)}
    for key, pair in after.items():
        if "elu" in key:
            assert pair["paired_seeds"] == SEEDS - 1
            assert pair["diff"] != before[key]["diff"]
        else:
            assert pair["paired_seeds"] == SEEDS
            assert pair["diff"] == before[key]["diff"]
            assert pair["p_value"] == before[key]["p_value"]
    rows = verdict.compare_with_best(scores)
    assert rows["elu"]["paired_seeds"] == SEEDS - 1
    assert rows["sigmoid"]["paired_seeds"] == SEEDS


def test_diverged_note_names_the_diverged_runs_or_is_none():
    records = records_of(synthetic_accuracies())
    assert verdict.diverged_note(records, LABELS) is None
    records += [record("sigmoid", 9, None), record("elu", 8, None), record("sigmoid", 7, None)]
    note = verdict.diverged_note(records, LABELS)
    assert "ELU on seed 8" in note
    assert "Sigmoid on seeds 7 and 9" in note
    assert note.index("ELU") < note.index("Sigmoid")  # The order of the labels.
    assert "left out of every paired comparison that includes it" in note
    assert "\n" not in note


# The headline.


def p_text(p_holm):
    return "p_holm < 0.001" if p_holm < 0.001 else f"p_holm = {p_holm:.2g}"


def test_headline_names_the_best_the_tied_and_the_worse_with_pp_and_p_holm():
    accuracies = synthetic_accuracies()
    scores = verdict.accuracy_by_seed(records_of(accuracies), ORDER)
    rows = verdict.compare_with_best(scores)
    sentence = verdict.headline(rows, LABELS, scores)
    best = max(ORDER, key=lambda name: accuracies[name].mean())
    assert sentence.startswith(f"{LABELS[best]} is best ({accuracies[best].mean():.4f}, 7 seeds)")
    others = [name for name in ORDER if name != best]
    p_values = [stats.ttest_rel(accuracies[name], accuracies[best]).pvalue for name in others]
    adjusted = dict(zip(others, holm_reference(p_values)))
    tied = [LABELS[name] for name in others if adjusted[name] >= 0.05]
    worse = [name for name in others if adjusted[name] < 0.05]
    assert tied and "sigmoid" in worse
    for label in tied:
        assert label in sentence.split("tied with it")[0]
    # The largest shortfall first: "Sigmoid is worse by x pp (...) and ELU by y pp (...)".
    shortfall = {name: abs((accuracies[name] - accuracies[best]).mean()) * 100 for name in worse}
    worse.sort(key=shortfall.get, reverse=True)
    for position, name in enumerate(worse):
        words = "is worse by" if position == 0 else "by"
        amount = f"{shortfall[name]:.2f} pp ({p_text(adjusted[name])})"
        assert f"{LABELS[name]} {words} {amount}" in sentence
    assert sentence.endswith(".") and "\n" not in sentence and sentence.count("; ") <= 3


def test_headline_with_one_seed_says_nothing_can_be_ranked_and_how_many_seeds_are_needed():
    accuracies = synthetic_accuracies()
    scores = {name: {0: float(values[0])} for name, values in accuracies.items()}
    sentence = verdict.headline(verdict.compare_with_best(scores), LABELS, scores)
    best = max(ORDER, key=lambda name: accuracies[name][0])
    assert sentence.startswith("With 1 seed per activation nothing can be ranked yet")
    assert f"{LABELS[best]} has the highest test accuracy ({accuracies[best][0]:.4f})" in sentence
    assert "at least 3 seeds" in sentence and "--seeds 3" in sentence


def test_headline_mentions_diverged_and_too_few_seed_activations():
    accuracies = synthetic_accuracies()
    records = records_of({name: accuracies[name] for name in ("relu", "sigmoid")})
    records += [record("elu", 0, 0.99), record("elu", 1, 0.99)]
    records += [record("gelu", seed, None) for seed in range(SEEDS)]
    scores = verdict.accuracy_by_seed(records, ORDER)
    sentence = verdict.headline(verdict.compare_with_best(scores), LABELS, scores)
    assert "ELU has too few seeds" in sentence
    assert "GELU (tanh approx.) diverged on every seed" in sentence


# Figures.


@pytest.fixture(scope="module")
def synthetic_pairs():
    return verdict.pairwise(verdict.accuracy_by_seed(records_of(synthetic_accuracies()), ORDER))


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


def test_a_tie_with_a_wide_interval_is_called_undecided_not_tied():
    # Sigmoid learns on three seeds and stays at chance on two: no significant difference,
    # but no evidence of equal accuracy either.
    scores = {
        "relu": {0: 0.989, 1: 0.990, 2: 0.988, 3: 0.989, 4: 0.990},
        "gelu": {0: 0.988, 1: 0.990, 2: 0.989, 3: 0.988, 4: 0.990},
        "sigmoid": {0: 0.898, 1: 0.926, 2: 0.901, 3: 0.113, 4: 0.113},
    }
    rows = verdict.compare_with_best(scores)
    assert rows["sigmoid"]["verdict"] == "tied with best"  # p_holm >= 0.05
    labels = {"relu": "ReLU", "gelu": "GELU", "sigmoid": "Sigmoid"}
    sentence = verdict.headline(rows, labels, scores)
    assert "GELU is tied with it" in sentence
    assert "Sigmoid is undecided" in sentence and "more seeds are needed" in sentence
    assert "Sigmoid is tied" not in sentence and "Sigmoid and" not in sentence


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

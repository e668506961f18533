"""The numbers behind the verdict, checked against SciPy, brute force and worked examples.

Expected values are computed here independently (SciPy, plain loops, or by hand in the
comments), never copied from what the code printed.
"""

import itertools

import numpy as np
import pytest
from scipy import stats

from activation_comparison.verdict import accuracy_scale, image_statistics, statistics

# Intervals.


def test_t_interval_is_scipys_inside_the_unit_range():
    values = [0.9912, 0.9905, 0.9921, 0.9899]
    expected = stats.t.interval(0.95, 3, loc=np.mean(values), scale=stats.sem(values))
    assert statistics.t_interval(values) == pytest.approx(expected, rel=1e-12)
    assert statistics.t_interval([0.99]) == (None, None)


def test_intervals_never_leave_zero_to_one():
    # Sigmoid stuck at chance on two seeds of three: the raw t interval reaches below 0;
    # a near-perfect activation's raw interval reaches above 1.
    stuck = [0.926, 0.1135, 0.1135]
    raw_low = stats.t.interval(0.95, 2, loc=np.mean(stuck), scale=stats.sem(stuck))[0]
    assert raw_low < 0
    assert statistics.t_interval(stuck)[0] == 0.0
    perfect = [0.9999, 1.0, 0.9990]
    raw_high = stats.t.interval(0.95, 2, loc=np.mean(perfect), scale=stats.sem(perfect))[1]
    assert raw_high > 1
    assert statistics.t_interval(perfect)[1] == 1.0
    for successes in range(6):
        low, high = statistics.clopper_pearson(successes, 5)
        assert 0.0 <= low <= high <= 1.0


def test_clopper_pearson_is_scipys_exact_interval_and_zero_of_five_by_hand():
    for successes, trials in ((2, 5), (0, 5), (5, 5), (1, 10)):
        expected = stats.binomtest(successes, trials).proportion_ci(0.95, method="exact")
        assert statistics.clopper_pearson(successes, trials) == pytest.approx((expected.low, expected.high))
    # 0 of n: the upper bound solves (1 - p)^n = 0.025, so p = 1 - 0.025^(1/5) = 0.5218.
    assert statistics.clopper_pearson(0, 5) == pytest.approx((0.0, 1 - 0.025 ** (1 / 5)))
    assert statistics.clopper_pearson(0, 0) == (None, None)


# Tests.


def test_sign_flip_p_matches_scipys_permutation_test():
    differences = np.array([0.003, 0.001, -0.002, 0.004, 0.002])
    for alternative in ("two-sided", "greater", "less"):
        expected = stats.permutation_test(
            (differences,), np.sum, permutation_type="samples", n_resamples=np.inf, alternative=alternative
        ).pvalue
        assert statistics.sign_flip_p(differences, alternative) == pytest.approx(expected)


def test_zero_spread_is_inconclusive_at_five_seeds():
    # All five differences equal: only 2 of the 32 sign patterns are as extreme.
    constant = np.full(5, 0.0013)
    assert statistics.sign_flip_p(constant) == pytest.approx(2 / 32)
    assert statistics.sign_flip_p(constant) >= 0.0625
    p_value, test = statistics.paired_p(np.full(5, 0.99), np.full(5, 0.99) - 0.0013)
    assert test == "sign-flip" and p_value >= 0.0625
    # Equal differences only look spread by binary rounding.
    assert not statistics.has_spread(np.array([0.99, 0.98, 0.97]) - np.array([0.98, 0.97, 0.96]))


def test_zero_spread_has_a_closed_form_for_any_number_of_seeds():
    # Beyond the 2^20 patterns that are enumerated, equal differences still get their exact p.
    for seeds in (5, 12, 40):
        assert statistics.sign_flip_p(np.full(seeds, 0.001)) == pytest.approx(2.0 ** (1 - seeds))
        assert statistics.sign_flip_p(np.full(seeds, 0.001), "greater") == pytest.approx(2.0**-seeds)
        assert statistics.sign_flip_p(np.full(seeds, 0.001), "less") == 1.0
        assert statistics.sign_flip_p(np.zeros(seeds)) == 1.0
    # Two activations at chance on all 25 seeds differ by exactly 0.
    assert statistics.paired_p(np.full(25, 0.1), np.full(25, 0.1)) == (1.0, "sign-flip")
    # The closed form agrees with the enumeration where both apply.
    sums = np.array(list(itertools.product((1.0, -1.0), repeat=5))).sum(axis=1)  # Observed sum: 5.
    enumerated = {"two-sided": np.mean(abs(sums) >= 5), "greater": np.mean(sums >= 5), "less": np.mean(sums <= 5)}
    for alternative, expected in enumerated.items():
        assert statistics.sign_flip_p(np.full(5, 1.0), alternative) == pytest.approx(expected)


def test_paired_p_is_the_paired_t_test_where_there_is_spread():
    a, b = np.array([0.991, 0.990, 0.993, 0.989]), np.array([0.988, 0.989, 0.990, 0.989])
    assert statistics.paired_p(a, b) == (pytest.approx(stats.ttest_rel(a, b).pvalue), "t")


def test_holm_on_a_hand_worked_example():
    # Sorted: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 by the
    # running maximum. Results return in the input order.
    assert statistics.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert statistics.holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])
    assert statistics.holm([]) == []


def test_mcnemar_is_scipys_binomial_test_on_the_discordant_images():
    rng = np.random.default_rng(3)
    first = rng.random(10_000) < 0.990
    second = rng.random(10_000) < 0.986
    only_first = int(np.sum(first & ~second))
    only_second = int(np.sum(~first & second))
    result = image_statistics.mcnemar_exact(first, second)
    assert (result["only_first"], result["only_second"]) == (only_first, only_second)
    assert result["p_value"] == pytest.approx(stats.binomtest(only_first, only_first + only_second, 0.5).pvalue)
    assert image_statistics.mcnemar_exact(first, first)["p_value"] == 1.0


# The best set (Hsu's MCB).

# Three activations, four seeds. Differences A - B: 2, 2, 3, 3 (x 1e-3): mean 2.5e-3,
# sd = sqrt(4 x 0.25 / 3) e-3, se = sd / 2 = 0.288675e-3. A - C: 10, 12, 11, 13: mean 11.5e-3,
# sd = sqrt(5/3) e-3, se = 0.645497e-3. B - C = 8, 10, 8, 10: mean 9e-3, se = 0.577350e-3.
# K = 3, so each comparison is one-sided at 0.05 / (3 x 2) = 0.008333:
# c = t.ppf(1 - 0.05/6, 3) = 4.856657; c se = 1.401999, 3.134956, 2.803993 (e-3).
# U_A = min(2.5 + 1.401999, 11.5 + 3.134956) e-3 = 3.901999e-3 > 0: in the set.
# U_B = min(-2.5 + 1.401999, 9 + 2.803993) e-3 = -1.098001e-3 < 0: out, by at least that much.
# U_C = min(-11.5 + 3.134956, -9 + 2.803993) < 0: out.
# L_A = min(0, 2.5 - 1.401999, 11.5 - 3.134956) = 0; L_B = min(0, -2.5 - 1.401999, 9 - 2.803993)
# = -3.901999e-3; L_C = min(0, -11.5 - 3.134956, -9 - 2.803993) e-3 = -14.634956e-3.
HAND_A = [0.990, 0.992, 0.991, 0.993]
HAND_B = [a - d for a, d in zip(HAND_A, [0.002, 0.002, 0.003, 0.003])]
HAND_C = [a - d for a, d in zip(HAND_A, [0.010, 0.012, 0.011, 0.013])]


def test_best_set_on_a_hand_worked_three_activation_example():
    result = accuracy_scale.best_set_of(np.array([HAND_A, HAND_B, HAND_C]))
    assert stats.t.ppf(1 - 0.05 / 6, 3) == pytest.approx(4.856657, abs=1e-6)
    assert result["level"] == pytest.approx(0.05 / 6)
    assert list(result["member"]) == [True, False, False]
    assert result["high"] == pytest.approx([3.901999e-3, 0.0, 0.0], abs=1e-8)
    assert result["low"] == pytest.approx([0.0, -3.901999e-3, -14.634956e-3], abs=1e-8)
    assert -result["gap_high"][1] == pytest.approx(1.098001e-3, abs=1e-8)


def test_equal_activations_are_all_kept_at_level_alpha_over_k_times_k_minus_1():
    # Each ordered comparison at alpha / (K (K - 1)): Bonferroni over the K (K - 1) / 2
    # pairs, two-sided, so all-equal activations lose one with probability at most alpha.
    assert accuracy_scale.comparison_level(6) == pytest.approx(0.05 / 30)
    assert accuracy_scale.comparison_level(2) == pytest.approx(0.025)


def test_best_set_keeps_every_activation_that_no_other_is_shown_to_beat():
    # A - B: 1, -1, 2, 0 (e-3): mean 0.5e-3 and a wide spread, so B stays with A.
    b = [a - d for a, d in zip(HAND_A, [0.001, -0.001, 0.002, 0.0])]
    result = accuracy_scale.best_set_of(np.array([HAND_A, b, HAND_C]))
    assert list(result["member"]) == [True, True, False]


def test_zero_spread_pair_bounds_follow_the_exact_sign_flip_test():
    # B is exactly 0.13 pp below A on every seed.
    a = np.array([0.990, 0.992, 0.991, 0.993, 0.989, 0.990])
    b = a - 0.0013
    pairs = accuracy_scale.accuracy_pair_statistics(np.array([a[:5], b[:5]]))
    assert pairs["constant"][0, 1] and pairs["se"][0, 1] == 0
    # K = 2, 5 seeds: level 0.025 < 2^-5 = 0.03125, nothing can be rejected: uninformative.
    five = accuracy_scale.best_set_of(np.array([a[:5], b[:5]]))
    assert five["lower"][0, 1] == -np.inf and five["upper"][0, 1] == np.inf
    assert list(five["member"]) == [True, True]
    # K = 2, 6 seeds: 2^-6 = 0.0156 <= 0.025, so the bound collapses to the constant difference.
    six = accuracy_scale.best_set_of(np.array([a, b]))
    assert six["lower"][0, 1] == pytest.approx(0.0013) and six["upper"][1, 0] == pytest.approx(-0.0013)
    assert list(six["member"]) == [True, False]
    # With six activations (level 0.05 / 30) six seeds are not enough again.
    others = [a - 0.05 - 0.001 * k + np.array([0.0, 0.002, -0.001, 0.001, 0.0, 0.001]) for k in range(4)]
    many = accuracy_scale.best_set_of(np.array([a, b, *others]))
    assert many["member"][1] and not any(many["member"][2:])


def test_identical_activations_both_stay_in_the_best_set():
    # Six identical seeds at K = 2: the sign-flip bound collapses to a difference of exactly
    # 0, and a tie at 0 is not being shown worse.
    a = np.array([0.990, 0.992, 0.991, 0.993, 0.989, 0.990])
    result = accuracy_scale.best_set_of(np.array([a, a.copy()]))
    assert result["gap_high"] == pytest.approx([0.0, 0.0])
    assert list(result["member"]) == [True, True]


def test_pairs_with_fewer_than_three_shared_seeds_are_uninformative():
    a = [0.990, 0.992, np.nan, np.nan]
    b = [0.980, 0.981, 0.982, 0.983]
    result = accuracy_scale.best_set_of(np.array([a, b]))
    assert result["pairs"]["seeds"][0, 1] == 2
    assert list(result["member"]) == [True, True]
    assert result["low"][0] == -np.inf


def test_the_vectorised_best_set_equals_one_experiment_at_a_time():
    rng = np.random.default_rng(11)
    experiments = np.round(0.99 + rng.normal(0, 0.001, (50, 4, 5)), 4)
    experiments[3, 2, 1] = np.nan
    together = accuracy_scale.best_set_of(experiments)
    for index in range(len(experiments)):
        alone = accuracy_scale.best_set_of(experiments[index])
        for key in ("low", "high", "member"):
            np.testing.assert_array_equal(together[key][index], alone[key])


def test_pair_statistics_match_numpy_on_the_shared_seeds():
    a = np.array([0.990, 0.992, np.nan, 0.993, 0.989])
    b = np.array([0.985, 0.990, 0.984, np.nan, 0.988])
    pairs = accuracy_scale.accuracy_pair_statistics(np.array([a, b]))
    differences = np.array([0.990 - 0.985, 0.992 - 0.990, 0.989 - 0.988])
    assert pairs["seeds"][0, 1] == 3
    assert pairs["mean"][0, 1] == pytest.approx(differences.mean())
    assert pairs["se"][0, 1] == pytest.approx(stats.sem(differences))
    assert pairs["mean"][1, 0] == pytest.approx(-differences.mean())


# The test images' noise.


def anova_by_loops(table):
    """Two-way ANOVA without replication, written with plain loops."""
    seeds, images = len(table), len(table[0])
    grand = sum(sum(row) for row in table) / (seeds * images)
    seed_means = [sum(row) / images for row in table]
    image_means = [sum(table[s][i] for s in range(seeds)) / seeds for i in range(images)]
    ss_seed = images * sum((m - grand) ** 2 for m in seed_means)
    ss_image = seeds * sum((m - grand) ** 2 for m in image_means)
    ss_residual = 0.0
    for s in range(seeds):
        for i in range(images):
            ss_residual += (table[s][i] - seed_means[s] - image_means[i] + grand) ** 2
    return ss_seed / (seeds - 1), ss_image / (images - 1), ss_residual / ((seeds - 1) * (images - 1))


def test_crossed_variance_matches_a_brute_force_two_way_anova_and_satterthwaite():
    # Per-image differences in correctness (-1/0/1), 3 seeds x 8 images, with one image
    # that one activation always gets wrong: a real image effect.
    table = [
        [1, 0, 0, -1, 1, 0, 1, 0],
        [1, 0, 1, 0, 1, 0, 0, 0],
        [1, -1, 0, 0, 1, 0, 1, 1],
    ]
    ms_seed, ms_image, ms_residual = anova_by_loops(table)
    assert ms_image > ms_residual  # The image component is positive here.
    result = image_statistics.crossed_variance_of(np.array(table))
    seeds, images = 3, 8
    assert result["ms_seed"] == pytest.approx(ms_seed)
    assert result["ms_image"] == pytest.approx(ms_image)
    assert result["ms_residual"] == pytest.approx(ms_residual)
    assert result["variance"] == pytest.approx((ms_seed + ms_image - ms_residual) / (seeds * images))
    df = (ms_seed + ms_image - ms_residual) ** 2 / (
        ms_seed**2 / (seeds - 1) + ms_image**2 / (images - 1) + ms_residual**2 / ((seeds - 1) * (images - 1))
    )
    assert result["satterthwaite_df"] == pytest.approx(df)
    # The bounds use the seeds' own degrees of freedom, which Satterthwaite's never undercut.
    assert result["df"] == seeds - 1 < result["satterthwaite_df"]
    share = (ms_image - ms_residual) / (ms_seed + ms_image - ms_residual)
    assert result["image_share"] == pytest.approx(share)
    # MS_seed / (S I) alone is the variance of the mean of the per-seed differences.
    per_seed = np.array(table).mean(axis=1)
    assert result["seed_variance"] == pytest.approx(per_seed.var(ddof=1) / seeds)


def test_crossed_variance_never_drops_below_the_seeds_own_variance():
    # Every image's differences cancel over seeds: the image estimate is negative.
    table = np.array([[1, -1, 0, 1], [-1, 1, 1, 0], [0, 0, -1, -1]], dtype=float)
    ms_seed, ms_image, ms_residual = anova_by_loops(table.tolist())
    assert ms_image < ms_residual
    result = image_statistics.crossed_variance_of(table)
    assert result["variance"] == pytest.approx(ms_seed / table.size)
    assert result["df"] == pytest.approx(2.0) and result["satterthwaite_df"] == pytest.approx(2.0)
    assert result["image_share"] == 0.0




def test_sign_flip_reference_enumeration_by_hand():
    # 3 differences 1, 2, -3: sums of the 8 sign patterns are 0, 6, -4, 2, -2, 4, -6, 0;
    # |sum| >= |0| for all 8, so the two-sided p is 1; "greater" counts sums >= 0: 5 of 8.
    differences = [1.0, 2.0, -3.0]
    sums = [sum(s * d for s, d in zip(signs, differences)) for signs in itertools.product((1, -1), repeat=3)]
    assert sorted(sums) == [-6, -4, -2, 0, 0, 2, 4, 6]
    assert statistics.sign_flip_p(differences) == 1.0
    assert statistics.sign_flip_p(differences, "greater") == pytest.approx(5 / 8)


def test_image_noise_widens_a_pair_whose_seed_differences_have_no_spread():
    # Two activations 0.1 pp apart on all 12 seeds: from the seeds alone the sign-flip test
    # pins the difference (2^-12 is within 0.05 / 2), but the test images' noise still counts.
    accuracies = np.array([np.full(12, 0.990), np.full(12, 0.989)])
    seeds_only = accuracy_scale.best_set_of(accuracies)
    assert seeds_only["lower"][0, 1] == seeds_only["upper"][0, 1] == pytest.approx(0.001)
    image_se = np.full((2, 2), 0.0008)
    with_images = accuracy_scale.best_set_of(accuracies, se=image_se, df=np.full((2, 2), 11))
    critical = stats.t.ppf(1 - 0.05 / 2, 11)
    assert with_images["lower"][0, 1] == pytest.approx(0.001 - critical * 0.0008)
    assert with_images["upper"][0, 1] == pytest.approx(0.001 + critical * 0.0008)

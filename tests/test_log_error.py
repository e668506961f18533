"""The best set that decides (verdict/log_error.py, its variances in verdict/variances.py)
and --seeds auto's looks (verdict/sequential.py): pure functions of arrays, checked against
SciPy, closed forms and simulations with known truth. No training."""

import math

import numpy as np
import pytest
from scipy import special, stats

from activation_comparison.verdict import log_error, power, sequential, variances


def test_log_error_puts_a_failed_run_at_chance_and_floors_a_perfect_run_at_half_an_image():
    accuracy = np.array([0.99, 0.1135, 1.0, np.nan])
    failed = np.array([False, True, False, False])
    y = log_error.log_error(accuracy, failed, classes=10, test_images=10_000)
    assert y[0] == pytest.approx(math.log(0.01))
    assert y[1] == pytest.approx(math.log(0.9))
    assert y[2] == pytest.approx(math.log(0.5 / 10_000))
    assert np.isnan(y[3])
    assert log_error.typical_accuracy(np.log([[0.01, 0.04]]))[0] == pytest.approx(1 - 0.02)


def test_a_seed_effect_shared_by_every_activation_leaves_no_residual_spread():
    seed_effect = np.array([0.3, -0.1, 0.5, 0.0, -0.4])
    y = np.array([[-4.5], [-4.3], [-4.0]]) + seed_effect
    variance, df = variances.residual_variances(y)
    assert np.all(variance == variances.VARIANCE_FLOOR) and np.all(df == 4)


def test_residual_variances_are_unbiased_for_equal_gaussian_spread():
    rng = np.random.default_rng(3)
    y = rng.normal(0, 0.2, (20_000, 6, 5)) + rng.normal(0, 0.3, (20_000, 1, 5))
    variance, _ = variances.residual_variances(y)
    assert variance.mean() == pytest.approx(0.04, rel=0.01)


def test_one_wild_activation_does_not_inflate_the_others_residual_spread():
    rng = np.random.default_rng(4)
    y = rng.normal(0, 0.1, (5_000, 6, 5))
    y[:, 5] *= 30  # A failing activation: thirty times the spread.
    variance, _ = variances.residual_variances(y)
    # A mean seed effect would carry (30 x 0.1)^2 / 36 = 0.25 into each of them; the median
    # carries a fraction of one of their own variances.
    assert variance[:, :5].mean() < 2 * 0.01


def test_trigamma_inverse_inverts_scipys_trigamma():
    x = np.array([0.05, 0.5, 2.0, 40.0])
    assert variances.trigamma_inverse(special.polygamma(1, x)) == pytest.approx(x, rel=1e-8)


def test_equal_variances_are_pooled_with_the_two_way_degrees_of_freedom():
    variance, df = variances.moderated_variances(np.full(6, 0.04), np.full(6, 4.0))
    # No spread of log variances beyond chance: d0 is infinite, everyone gets the prior, and
    # no variance claims more than (K - 1)(S - 1) = 20 degrees of freedom.
    assert np.allclose(variance, variance[0]) and np.all(df == 20)
    expected = 0.04 * math.exp(math.log(2.0) - special.digamma(2.0))  # limma's s0^2 at d0 = inf.
    assert variance[0] == pytest.approx(expected, rel=1e-3)


def test_a_variance_far_above_the_others_keeps_its_own_value_and_degrees_of_freedom():
    variance = np.array([0.010, 0.012, 0.009, 0.011, 0.010, 0.5])
    moderated, df = variances.moderated_variances(variance, np.full(6, 4.0))
    assert moderated[5] == 0.5 and df[5] == 4
    assert np.all(moderated[:5] < 0.05) and np.all(df[:5] > 4)
    shrunk, _ = variances.moderated_variances(variance, np.full(6, 4.0), outlier_quantile=None)
    assert shrunk[5] < 0.5  # Without the rule it would borrow the others' small spread.


def test_the_outlier_quantile_catches_a_threefold_spread_with_probability_092_and_is_at_most_095():
    quantiles = variances.outlier_quantiles([2.0, 3.0, 4.0, 9.0])
    assert quantiles[-1] == 0.95 and np.all(np.diff(quantiles) >= 0)
    for df, quantile in zip((2.0, 3.0, 4.0), quantiles[:3]):
        # With the prior known, s^2 / s0^2 of a spread three times the prior's is 9 chi2(d) / d.
        caught = stats.chi2.sf(stats.chi2.ppf(quantile, df) / 9.0, df)
        assert caught == pytest.approx(0.92, abs=1e-9)


def test_at_three_seeds_a_spread_three_times_the_others_is_not_shrunk_to_theirs():
    # Two degrees of freedom each; the sixth activation's variance is 6 times the rest's:
    # the 95th percentile of F(2, d0) would shrink it, the three-seed quantile does not.
    variance = np.array([0.010, 0.014, 0.008, 0.012, 0.011, 0.066])
    moderated, df = variances.moderated_variances(variance, np.full(6, 2.0))
    assert moderated[5] == 0.066 and df[5] == 2
    fixed, _ = variances.moderated_variances(variance, np.full(6, 2.0), outlier_quantile=0.95)
    assert fixed[5] < 0.066


def test_pair_statistics_are_welchs_t_on_the_paired_means():
    rng = np.random.default_rng(5)
    y = rng.normal(-4.5, 0.1, (2, 6))
    variance, df = np.array([0.01, 0.03]), np.array([5.0, 5.0])
    pairs = log_error.log_error_pair_statistics(y, variance, df)
    gain = np.mean(y[1] - y[0])  # Gain of activation 0 over 1: its error is lower by this.
    t = gain / pairs["se"][0, 1]
    reference = stats.ttest_ind_from_stats(gain, math.sqrt(0.01), 6, 0.0, math.sqrt(0.03), 6, equal_var=False)
    welch_df = (0.01 / 6 + 0.03 / 6) ** 2 / ((0.01 / 6) ** 2 / 5 + (0.03 / 6) ** 2 / 5)
    assert pairs["mean"][0, 1] == pytest.approx(gain)
    assert t == pytest.approx(reference.statistic)
    assert stats.t.sf(t, welch_df) == pytest.approx(reference.pvalue / 2)
    # Moderated variances share their prior, so a pair claims no more degrees of freedom
    # than the better-informed of the two.
    assert welch_df > 5 and pairs["df"][0, 1] == 5


def test_two_activations_are_a_paired_t_test_on_log_error():
    rng = np.random.default_rng(6)
    accuracy = np.array([0.99 + rng.normal(0, 0.001, 6), 0.987 + rng.normal(0, 0.001, 6)])
    y = log_error.log_error(accuracy)
    result = log_error.decide(y)
    expected = stats.ttest_rel(y[1], y[0], alternative="greater")
    assert result["p"][0, 1] == pytest.approx(expected.pvalue, rel=1e-9)
    assert result["member"].tolist() == [True, expected.pvalue > 0.025]


def test_the_step_down_matches_a_reference_written_with_scipy():
    from verdict_records import decision_reference

    rng = np.random.default_rng(7)
    for _ in range(30):
        accuracy = 0.989 + rng.normal(0, 0.0008, (4, 6)) - rng.choice([0, 0.001, 0.002, 0.005], (4, 1))
        accuracy = np.round(accuracy, 4)
        result = log_error.decide(log_error.log_error(accuracy))
        names = ["a", "b", "c", "d"]
        members, _, rejected_at, _ = decision_reference(dict(zip(names, accuracy.tolist())))
        assert [n for k, n in enumerate(names) if result["member"][k]] == members
        for k, name in enumerate(names):
            if name in rejected_at:
                assert result["rejected_level"][k] == pytest.approx(rejected_at[name])


def test_an_activation_losing_to_every_other_is_out_where_its_closest_comparison_alone_is_not():
    # The recorded five-seed run: Sigmoid stuck on two seeds, 6-9 pp lower on the others.
    accuracy = np.array([
        [0.8982, 0.9261, 0.9014, 0.1135, 0.1135],
        [0.9900, 0.9896, 0.9883, 0.9885, 0.9888],
        [0.9846, 0.9832, 0.9841, 0.9816, 0.9857],
        [0.9883, 0.9873, 0.9878, 0.9868, 0.9874],
        [0.9835, 0.9853, 0.9860, 0.9850, 0.9860],
        [0.9878, 0.9884, 0.9867, 0.9867, 0.9882],
    ])  # fmt: skip
    result = log_error.decide(log_error.log_error(accuracy))
    p_sigmoid = np.delete(result["p"][:, 0], 0)
    # Bonferroni's (K - 1) x its smallest p stays above alpha / 4, the level Holm's
    # step-down reaches once ELU and SELU are out ...
    assert 5 * p_sigmoid.min() > 0.05 / 4
    # ... but it loses to all five, and Simes' rule sees it.
    assert not result["member"][0]
    assert result["beaten_p"][0] == pytest.approx(min(5 * p / k for k, p in enumerate(np.sort(p_sigmoid), 1)))


def test_equal_activations_all_stay_with_probability_at_least_95_percent():
    rng = np.random.default_rng(8)
    y = rng.normal(-4.5, 0.07, (4_000, 6, 5)) + rng.normal(0, 0.05, (4_000, 1, 5))
    left_out = ~log_error.decide(y)["member"].all(axis=-1)
    assert left_out.mean() < 0.05 + 3 * math.sqrt(0.05 * 0.95 / 4_000)


def test_a_better_activation_is_kept_and_usually_singled_out_at_ten_seeds():
    rng = np.random.default_rng(9)
    accuracy = 0.989 + rng.normal(0, 0.00078, (2_000, 6, 10)) + rng.normal(0, 0.0005, (2_000, 1, 10))
    accuracy[:, 0] += 0.002
    member = log_error.decide(log_error.log_error(np.round(accuracy, 4)))["member"]
    assert member[:, 0].mean() > 0.99
    assert (member[:, 0] & ~member[:, 1:].any(axis=-1)).mean() > 0.9


def test_failures_more_often_is_a_one_sided_exact_sign_test_on_discordant_seeds():
    assert log_error.more_failures_p([1, 1, 0, 0, 0], [0, 0, 0, 0, 0]) == pytest.approx(0.25)
    assert log_error.more_failures_p([1, 1, 1, 0, 1], [0, 1, 0, 0, 0]) == pytest.approx(
        stats.binomtest(3, 3, 0.5, alternative="greater").pvalue)  # fmt: skip
    assert log_error.more_failures_p([0, 0], [0, 0]) is None


def test_power_is_scipys_noncentral_t_and_seeds_needed_reaches_it():
    assert power.power(0.3, 0.1, 12, 0.01) == pytest.approx(stats.nct.sf(stats.t.ppf(0.99, 12), 12, 3.0))
    detectable = power.detectable_difference(0.1, 12, 0.01)
    assert power.power(detectable, 0.1, 12, 0.01) == pytest.approx(0.8)
    seeds = power.seeds_needed(0.2, 0.1, 5, 12, 0.01)
    assert power.power(0.2, 0.1 * math.sqrt(5 / seeds), 12 * (seeds - 1) / 4, 0.01) >= 0.8
    assert power.power(0.2, 0.1 * math.sqrt(5 / (seeds - 1)), 12 * (seeds - 2) / 4, 0.01) < 0.8


# --seeds auto.


def test_the_planned_looks_end_at_max_seeds():
    assert sequential.planned_looks(20) == [3, 5, 8, 12, 16, 20]
    assert sequential.planned_looks(10) == [3, 5, 8, 10]
    assert sequential.planned_looks(3) == [3]


def test_the_spending_plan_spends_alpha_with_the_pocock_type_function():
    looks = sequential.planned_looks(20)
    shares = sequential.spending(looks)
    assert sum(shares) == pytest.approx(0.05)
    assert shares[0] == pytest.approx(0.05 * math.log(1 + (math.e - 1) * 3 / 20))
    assert all(share > 0 for share in shares)


def make_scores(means: dict, seeds: int, failing: dict | None = None, seed: int = 0):
    rng = np.random.default_rng(seed)
    scores, failed = {}, {}
    for name, mean in means.items():
        scores[name], failed[name] = {}, {}
        for s in range(seeds):
            fails = failing is not None and rng.random() < failing.get(name, 0.0)
            scores[name][s] = 0.1135 if fails else round(mean + rng.normal(0, 0.0008), 4)
            failed[name][s] = fails
    return scores, failed


def test_replay_drops_a_plainly_worse_activation_and_asks_only_for_the_rest():
    means = {"relu": 0.989, "gelu": 0.9888, "sigmoid": 0.90}
    scores, failed = make_scores(means, 20, {"sigmoid": 1.0})
    plan = sequential.design(list(means), 20, 0.002)
    first = {name: {s: v for s, v in runs.items() if s < 3} for name, runs in scores.items()}
    progress = sequential.replay(first, failed, plan)
    assert [look.seeds for look in progress.looks] == [3]
    assert progress.looks[0].left == ("sigmoid",)
    assert set(progress.next_runs) == {(name, seed) for name in ("relu", "gelu") for seed in (3, 4)}
    assert progress.runs_spent == 9 and not progress.finished


def test_replay_is_the_same_from_any_later_state_of_the_folder():
    means = {"relu": 0.989, "gelu": 0.9875, "elu": 0.984, "sigmoid": 0.90}
    scores, failed = make_scores(means, 20, {"sigmoid": 0.4}, seed=1)
    plan = sequential.design(list(means), 20, 0.002)
    final = sequential.replay(scores, failed, plan)
    assert final.finished
    # Runs made beyond what the looks asked for change nothing; so does a folder cut back to
    # any look's runs (a kill), which then asks for exactly the next look's runs.
    for look in final.looks[:-1]:
        cut = {name: {s: v for s, v in runs.items() if s < look.seeds} for name, runs in scores.items()}
        partial = sequential.replay(cut, failed, plan)
        assert partial.looks == final.looks[: len(partial.looks)]
        assert partial.looks[-1].seeds == look.seeds
        assert not partial.finished


def test_a_look_stops_when_every_member_is_within_the_margin():
    y = np.log(1 - np.array([[0.9890, 0.9891, 0.9889, 0.9890, 0.9890] * 2,
                             [0.9891, 0.9890, 0.9890, 0.9889, 0.9890] * 2]))  # fmt: skip
    wide = sequential.look_decision(y, np.array([True, True]), 0.05, margin_log=math.log(2.0))
    narrow = sequential.look_decision(y, np.array([True, True]), 0.05, margin_log=1e-6)
    assert wide["stop_within"] and not narrow["stop_within"]
    assert not wide["stop_single"]

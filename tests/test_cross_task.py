"""The cross-task numbers (verdict/cross_task.py) against SciPy, statsmodels' figures and hand
computations, the control arm of `--seeds auto`, and the calibration's looks against
`sequential.replay`."""

import math

import numpy as np
import pytest
from scipy import stats

from activation_comparison.verdict import cross_task, sequential, statistics
from test_calibration import load_script


def test_random_effects_mean_and_hartung_knapp_interval_match_a_worked_example():
    # statsmodels 0.15's combine_effects(gains, se**2, method_re="dl") gives, for its
    # "random effect wls" (HKSJ) row: mean 0.0742660394, sd 0.0340116669, tau2 0.0025863137,
    # interval (-0.0201654866, 0.1686975655). q is 1.15 here, so the floor at 1 changes nothing.
    gains = np.array([0.12, 0.05, 0.20, -0.03, 0.09])
    se = np.array([0.04, 0.03, 0.08, 0.05, 0.06])
    result = cross_task.random_effects(gains, se)
    assert float(result["tau2"]) == pytest.approx(0.0025863137455, rel=1e-9)
    assert float(result["mean"]) == pytest.approx(0.0742660394381, rel=1e-9)
    assert float(result["se"]) == pytest.approx(0.0340116668839, rel=1e-9)
    assert (float(result["low"]), float(result["high"])) == pytest.approx((-0.0201654866013, 0.1686975654775), rel=1e-9)
    # By hand: DerSimonian-Laird's tau^2, then the weighted residual variance on T - 1 df.
    w = 1 / se**2
    fixed = (w * gains).sum() / w.sum()
    tau2 = max(0.0, (((w * (gains - fixed) ** 2).sum()) - 4) / (w.sum() - (w**2).sum() / w.sum()))
    w_star = 1 / (se**2 + tau2)
    mean = (w_star * gains).sum() / w_star.sum()
    q = (w_star * (gains - mean) ** 2).sum() / 4
    assert float(result["p"]) == pytest.approx(stats.t.sf(mean / math.sqrt(q / w_star.sum()), 4), rel=1e-9)


def test_the_hartung_knapp_scale_is_floored_at_one():
    gains, se = np.array([0.1, 0.1, 0.1]), np.array([0.05, 0.05, 0.05])  # q = 0: no spread at all.
    floored = cross_task.random_effects(gains, se)
    assert float(floored["se"]) == pytest.approx(math.sqrt(1 / (3 / 0.05**2)))
    assert float(cross_task.random_effects(gains, se, floor_q=False)["se"]) == pytest.approx(0.0, abs=1e-12)


def test_paired_gains_are_the_one_sided_paired_t_test_on_log_error():
    rng = np.random.default_rng(0)
    y = rng.normal(-4.5, 0.1, (3, 6))
    y[2, 4:] = np.nan  # Two seeds not run: paired over the four both have.
    gains = cross_task.paired_gains(y, control=1)
    for k, seeds in ((0, 6), (2, 4)):
        expected = stats.ttest_rel(y[1, :seeds], y[k, :seeds], alternative="greater")
        assert gains["p"][k] == pytest.approx(expected.pvalue)
        assert gains["mean"][k] == pytest.approx(np.mean(y[1, :seeds] - y[k, :seeds]))
        low, high = stats.ttest_rel(y[1, :seeds], y[k, :seeds]).confidence_interval(0.95)
        assert (gains["low"][k], gains["high"][k]) == pytest.approx((low, high))
    assert np.isnan(gains["mean"][1]) and gains["seeds"].tolist() == [6, 0, 4]


def test_holm_along_an_axis_matches_the_verdicts_holm_and_leaves_gaps():
    p = np.array([[0.01, 0.04, np.nan, 0.03, 0.2], [0.5, 0.001, 0.02, np.nan, np.nan]])
    adjusted = cross_task.holm(p)
    for row in range(2):
        present = np.isfinite(p[row])
        assert adjusted[row, present] == pytest.approx(statistics.holm(p[row, present]))
        assert np.isnan(adjusted[row, ~present]).all()


def test_each_family_of_claims_gets_half_of_alpha():
    per_task = np.array([[np.nan, 0.0004], [np.nan, 0.03]])  # (T, K), the control's column NaN.
    decided = cross_task.claims(per_task, np.array([np.nan, 0.03]))
    assert decided["better_on_task"].tolist() == [[False, True], [False, False]]  # 0.0008 and 0.03 after Holm.
    assert not decided["better_on_average"][1]  # 0.03 is below 0.05 but not below 0.025.


def test_probability_of_improvement_counts_seeds_paired_and_ties_as_half():
    y = np.array([[1.0, 2.0, 3.0, np.nan], [2.0, 2.0, 1.0, 0.0]])  # Control is row 1.
    assert cross_task.probability_of_improvement(y, 1)[0] == pytest.approx((1 + 0.5 + 0) / 3)


def test_the_mean_improvement_interval_resamples_seeds_within_each_task():
    varying = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 1.0])
    constant = np.full(5, 0.25)
    low, high = cross_task.mean_improvement_interval([varying, constant], resamples=20_000)
    alone = stats.bootstrap([varying], np.mean, n_resamples=20_000, method="percentile", rng=np.random.default_rng(0))
    # The constant task adds 0.25 / 2 to every resample's mean: half the varying task's interval.
    assert low == pytest.approx((alone.confidence_interval.low + 0.25) / 2, abs=0.02)
    assert high == pytest.approx((alone.confidence_interval.high + 0.25) / 2, abs=0.02)
    assert cross_task.mean_improvement_interval([constant, constant]) == (0.25, 0.25)


def test_performance_profile_is_the_share_of_tasks_within_a_factor_of_the_best():
    errors = np.array([[0.010, 0.10, 0.20], [0.012, 0.09, 0.30]])  # (K, T)
    profile = cross_task.performance_profile(errors, [1.0, 1.15, 1.25, 1.5])
    assert profile.tolist() == [[2 / 3, 1.0, 1.0, 1.0], [1 / 3, 1 / 3, 2 / 3, 1.0]]


def make_scores(means, seeds, rng):
    scores = {name: {s: round(mean + rng.normal(0, 0.0008), 4) for s in range(seeds)} for name, mean in means.items()}
    return scores, {name: {s: False for s in runs} for name, runs in scores.items()}


def test_the_control_arm_gets_seeds_at_every_look_after_leaving_and_never_comes_back():
    means = {"sigmoid": 0.989, "relu": 0.985, "gelu": 0.9888}
    scores, failed = make_scores(means, 12, np.random.default_rng(3))
    plain = sequential.replay(scores, failed, sequential.design(list(means), 12, 0.002))
    controlled = sequential.replay(scores, failed, sequential.design(list(means), 12, 0.002, control="relu"))
    assert "control" not in sequential.design(list(means), 12, 0.002)  # Older folders' designs stay as they were.
    left_at = {name: look.seeds for look in controlled.looks for name in look.left}
    assert "relu" in left_at and "relu" not in controlled.still_in
    assert controlled.seeds_of["relu"] == controlled.looks[-1].seeds > left_at["relu"]
    assert plain.seeds_of["relu"] == {name: look.seeds for look in plain.looks for name in look.left}["relu"]


def test_the_calibrations_looks_are_sequential_replays_looks():
    calibration = load_script("cross_task_calibration")
    from activation_comparison.setup import tasks

    task = tasks.Task("t", "", "mnist", margin=0.2, max_seeds=8)
    rng = np.random.default_rng(5)
    names = ["a", "relu", "b", "c"]
    means = np.array([0.989, 0.9885, 0.986, 0.989])
    accuracy = np.round(means[None, :, None] + rng.normal(0, 0.001, (40, 4, 8)), 4)
    from activation_comparison.verdict import log_error

    seeds_of, member = calibration.task_looks(log_error.log_error(accuracy), task, 10_000, control=1)
    design = sequential.design(names, 8, 0.002, control="relu")
    for experiment in range(40):
        scores = {name: {s: float(accuracy[experiment, k, s]) for s in range(8)} for k, name in enumerate(names)}
        progress = sequential.replay(scores, {name: dict.fromkeys(range(8), False) for name in names}, design)
        assert [progress.seeds_of[name] for name in names] == seeds_of[experiment].tolist()
        assert [name in progress.still_in for name in names] == member[experiment].tolist()

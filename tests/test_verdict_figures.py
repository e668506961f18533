"""The verdict's figures: pairwise.png and the sweep figures, read back from what is drawn."""

import matplotlib.image
import numpy as np
import pytest

import activations
from activation_comparison.figures import drawing, verdict_figures
from activation_comparison.verdict import all_pairs, verdict
from verdict_records import ORDER, records_of, synthetic_accuracies

# Figures.


@pytest.fixture(scope="module")
def synthetic_pairs():
    return all_pairs.all_pairs(verdict.ranking_accuracies(records_of(synthetic_accuracies()), ORDER))


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
    values, annotations = verdict_figures.pairwise_matrix(all_pairs.all_pairs(scores), ["relu", "elu"])
    assert np.isnan(values[0, 1]) and annotations[0][1] == annotations[1][0] == "n<3"


def png_size(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    return width, height


def test_plot_pairwise_writes_a_readable_png_for_6_and_for_10_activations(tmp_path):
    rng = np.random.default_rng(7)
    six = list(activations.DEFAULT_ACTIVATIONS)
    sizes = {}
    for names in (six, six + ["tanh", "swish", "mish", "softplus"]):
        scores = {
            name: {seed: float(np.round(0.99 + rng.normal(0, 0.001), 4)) for seed in range(5)}
            for name in names
        }
        scores[names[-1]] = {0: 0.97}  # One seed: its pairs are grey "n<3" cells.
        path = tmp_path / f"pairwise_{len(names)}.png"
        drawing.save_figure(verdict_figures.pairwise_figure(all_pairs.all_pairs(scores), names), path)
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
    fig = verdict_figures.pairwise_figure(all_pairs.all_pairs(scores), list(scores))
    low, high = fig.axes[0].images[0].get_clim()
    assert high == pytest.approx(0.5) and low == pytest.approx(-0.5)  # ReLU − ELU, in pp.
    drawing.plt.close(fig)




def test_a_clip_that_clips_nothing_is_one_line_of_text_not_a_panel_of_zeros():
    points = [sweep_point(name, value, 0.99, 0.985, 0.995, 0.0)
              for name in ("relu", "elu") for value in (0.001, 0.003)]  # fmt: skip
    fig = verdict_figures.sweep_figure(points, "learning_rate")
    assert len(fig.axes) == 1
    assert any("changed no gradient element" in text.get_text() for text in fig.texts)
    some = [dict(point) for point in points]
    some[0]["clipped_fraction_mean"] = 0.01
    assert len(verdict_figures.sweep_figure(some, "learning_rate").axes) == 2

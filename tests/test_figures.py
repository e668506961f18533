"""What each figure draws, read back from the matplotlib figure before it is saved."""

import dataclasses

import numpy as np
import pytest

import activations
import plotting
from activation_comparison.figures import diagnostic_figures, drawing
from activation_comparison import notebook
from activation_comparison.results.folder_result import FolderResult
from activation_comparison.setup.config import ExperimentConfig

LAYERS = ("conv1", "dense1", "output")
ACTIVATION_LAYERS = ("act_conv1", "act_dense1")


def synthetic_history(activation, seed, with_diagnostics=True):
    """A history as the experiment writes it, with made-up values that differ per seed."""
    rng = np.random.default_rng([seed, len(activation)])
    epochs = []
    for epoch in range(3):
        row = {"epoch": epoch}
        if epoch:
            row |= {"loss": 1.0 / epoch + seed, "accuracy": 0.9, "val_loss": float(rng.uniform()),
                    "val_accuracy": 0.9, "seconds": 1.0}  # fmt: skip
        if with_diagnostics:
            for layer in LAYERS:
                row[f"grad_norm_{layer}"] = float(rng.uniform(1e-4, 1.0))
                row[f"clipped_fraction_{layer}"] = float(rng.uniform())
            row["clipped_fraction"] = float(rng.uniform())
            for layer in ACTIVATION_LAYERS:
                row[f"dead_fraction_{layer}"] = float(rng.uniform())
                row[f"act_mean_{layer}"] = float(rng.normal())
                row[f"act_std_{layer}"] = float(rng.uniform(0.5, 1.5))
        if epoch or with_diagnostics:
            epochs.append(row)
    return {"activation": activation, "seed": seed, "status": "finished", "epochs": epochs,
            "test_accuracy": 0.9 + 0.01 * seed}  # fmt: skip


ORDER = ["sigmoid", "relu", "selu"]
HISTORIES = [synthetic_history(a, s) for a in ORDER for s in (0, 1)]


def result_of(histories, **settings):
    """A folder's result from hand-made histories, as the figures and a notebook read it."""
    saved = {"config": dataclasses.asdict(ExperimentConfig(**settings))}
    return notebook.Result.of_result(FolderResult.of_records(histories, 0.002, saved=saved))


def curve_labels(ax):
    """Legend labels of the mean curves in one panel (markers and bands carry none)."""
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


@pytest.mark.parametrize(
    "draw, panel_titles",
    [
        (diagnostic_figures.gradient_norms_figure, list(LAYERS)),
        (diagnostic_figures.clipped_fraction_figure, ["all layers", *LAYERS]),
        (diagnostic_figures.dead_units_figure, list(ACTIVATION_LAYERS)),
        (diagnostic_figures.activation_stats_figure,
         [f"{layer}: {stat}" for stat in ("mean", "std") for layer in ACTIVATION_LAYERS]),
    ],
)  # fmt: skip
def test_diagnostic_figures_have_a_panel_per_layer_and_a_curve_per_activation(draw, panel_titles):
    fig = draw(HISTORIES, ORDER)
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == panel_titles
    labels = [activations.get(name).label for name in ORDER]
    for ax in axes:
        assert curve_labels(ax) == labels
    drawing.plt.close(fig)


def test_gradient_norm_curve_is_the_mean_over_seeds():
    fig = diagnostic_figures.gradient_norms_figure(HISTORIES, ORDER)
    relu_line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "ReLU")
    expected = [
        np.mean([h["epochs"][epoch]["grad_norm_conv1"] for h in HISTORIES if h["activation"] == "relu"])
        for epoch in range(3)
    ]
    np.testing.assert_allclose(relu_line.get_ydata(), expected)
    np.testing.assert_array_equal(relu_line.get_xdata(), [0, 1, 2])
    drawing.plt.close(fig)


@pytest.mark.parametrize(
    "draw",
    [diagnostic_figures.gradient_norms_figure, diagnostic_figures.clipped_fraction_figure,
     diagnostic_figures.dead_units_figure, diagnostic_figures.activation_stats_figure],
)  # fmt: skip
def test_diagnostic_figures_are_skipped_without_diagnostic_columns(draw):
    assert draw([synthetic_history("relu", 0, with_diagnostics=False)], ["relu"]) is None


@pytest.mark.slow  # Draws and saves every registry figure.
def test_plot_all_writes_the_registry_figures_that_have_data(tmp_path):
    histories = [synthetic_history(a, 0, with_diagnostics=False) for a in ORDER]
    (tmp_path / "pairwise.png").write_bytes(b"an earlier, emptier folder's figure")
    written = plotting.plot_all(result_of(histories), tmp_path)
    assert "val_loss.png" in written and "gradient_norms.png" not in written
    assert "pairwise.png" not in written  # One seed each: no pair to test, and the old file goes.
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(written)
    assert set(written) <= set(plotting.FIGURES)
    for name in written:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))


def diverged_in_first_epoch(activation):
    """A run whose loss was NaN in epoch 1: no finite value of any training column."""
    return {"activation": activation, "seed": 0, "status": "diverged", "diverged_epoch": 1,
            "test_accuracy": None,
            "epochs": [{"epoch": 1, "loss": None, "accuracy": 0.1, "val_loss": None,
                        "val_accuracy": 0.1, "seconds": 1.0}]}  # fmt: skip


def divergence_markers(ax):
    return [line for line in ax.get_lines() if line.get_marker() == "x"]


def test_a_run_diverging_in_its_first_epoch_is_marked_visibly():
    histories = [synthetic_history("sigmoid", 0), diverged_in_first_epoch("relu")]
    fig = plotting.FIGURES["val_loss.png"].draw(result_of(histories))
    ax = fig.axes[0]
    (marker,) = divergence_markers(ax)
    assert marker.get_xdata().tolist() == [1]
    assert np.isfinite(marker.get_ydata()).all()
    assert marker.get_color() == activations.get("relu").color
    assert "ReLU (diverged ×1)" in curve_labels(ax)
    drawing.plt.close(fig)


def test_a_later_divergence_is_marked_on_the_last_finite_value():
    relu = synthetic_history("relu", 0, with_diagnostics=False)
    relu |= {"status": "diverged", "diverged_epoch": 3, "test_accuracy": None}
    fig = plotting.FIGURES["train_loss.png"].draw(result_of([relu]))
    (marker,) = divergence_markers(fig.axes[0])
    assert marker.get_xdata().tolist() == [3]
    assert marker.get_ydata().tolist() == [relu["epochs"][-1]["loss"]]
    drawing.plt.close(fig)


def test_test_accuracy_figure_shows_every_seed_and_the_mean():
    fig = plotting.FIGURES["test_accuracy.png"].draw(result_of(HISTORIES))
    ax = fig.axes[0]
    dots = [collection.get_offsets() for collection in ax.collections]
    assert [len(points) for points in dots] == [2, 2, 2]
    bars = [patch.get_height() for patch in ax.patches]
    assert bars == pytest.approx([0.905] * 3)
    drawing.plt.close(fig)


def test_diagnostic_layers_come_in_model_order():
    history = synthetic_history("relu", 0)
    assert diagnostic_figures.diagnostic_layers([history], "grad_norm_") == list(LAYERS)
    assert diagnostic_figures.diagnostic_layers([history], "clipped_fraction_") == list(LAYERS)


def test_activation_statistics_of_eight_layers_take_rows_of_four_means_then_four_stds():
    layers = [f"act_dense{number}" for number in range(1, 9)]
    history = {"activation": "relu", "seed": 0, "status": "finished", "epochs": [
        {"epoch": epoch, **{f"act_mean_{layer}": 0.1 * epoch for layer in layers},
         **{f"act_std_{layer}": 1.0 for layer in layers}} for epoch in range(3)]}  # fmt: skip
    fig = diagnostic_figures.activation_stats_figure([history], ["relu"])
    panels = visible_axes(fig)
    assert [ax.get_title() for ax in panels] == [f"{layer}: mean" for layer in layers] + [
        f"{layer}: std" for layer in layers
    ]
    # Four panels a row: every mean sits above every std.
    assert max(ax.get_position().y0 for ax in panels[8:]) < min(ax.get_position().y0 for ax in panels[:8])
    drawing.plt.close(fig)


def test_median_loss_curves_are_medians_and_quartiles_and_a_diverged_seed_counts_as_infinite():
    def history(seed, losses, diverged_epoch=None):
        rows = [{"epoch": epoch, "loss_without_dropout": value, "val_loss": None if value is None else value + 0.1}
                for epoch, value in enumerate(losses, start=1)]  # fmt: skip
        return {"activation": "gelu", "seed": seed, "status": "diverged" if diverged_epoch else "finished",
                "diverged_epoch": diverged_epoch, "epochs": rows}  # fmt: skip

    histories = [history(0, [1.0, 0.5, 0.25]), history(1, [2.0, 1.0, 0.5]), history(2, [3.0, 1.5, 0.75]),
                 history(3, [4.0, None], diverged_epoch=2)]  # fmt: skip
    epochs, median, low, high = drawing.epoch_quartiles(histories, "gelu", "loss_without_dropout")
    assert list(epochs) == [1, 2, 3]
    assert median[0] == pytest.approx(np.median([1, 2, 3, 4]))
    assert median[1] == pytest.approx(np.median([0.5, 1.0, 1.5, np.inf]))  # 1.25, not a mean's inf.
    assert (low[0], high[0]) == pytest.approx(tuple(np.percentile([1, 2, 3, 4], [25, 75])))
    assert high[2] == np.inf
    fig = plotting.median_loss_figure(histories, ["gelu"])
    (ax,) = fig.axes
    solid = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert list(solid[0].get_ydata()) == pytest.approx(list(median))
    assert "without dropout" in ax.get_title()
    drawing.plt.close(fig)


@pytest.mark.slow  # Draws every registry figure.
def test_every_folder_figure_names_the_settings_that_tell_it_from_its_siblings(tmp_path, monkeypatch):
    from activation_comparison.setup.config import ExperimentConfig

    histories = [synthetic_history(name, seed) for name in ("relu", "gelu") for seed in range(2)]
    titles = {}
    monkeypatch.setattr(plotting, "save_figure", lambda fig, path: titles.setdefault(path.name, fig._suptitle.get_text()))
    with_dropout = ExperimentConfig(model="mlp", dropout=0.5, learning_rate=1e-4, clip_value=None)
    written = plotting.plot_all(result_of(histories), tmp_path, with_dropout.describe())
    assert written and set(titles) == set(written)
    for title in titles.values():
        assert "MLP, learning rate 0.0001, dropout 0.5, no clipping" in title
    assert with_dropout.describe() != ExperimentConfig(model="mlp", learning_rate=1e-4, clip_value=None).describe()


def one_epoch(activation, seed, val_loss):
    return {"activation": activation, "seed": seed, "status": "finished", "best_epoch": 1, "test_accuracy": 0.9,
            "epochs": [{"epoch": 0, "clipped_fraction": 0.0, "grad_norm_conv1": 0.1},
                       {"epoch": 1, "loss": 1.0, "val_loss": val_loss, "val_accuracy": 0.9, "seconds": 1.0,
                        "clipped_fraction": 0.0, "grad_norm_conv1": 0.2}]}  # fmt: skip


def test_a_one_epoch_run_is_drawn_as_points_on_whole_epoch_ticks():
    histories = [one_epoch("relu", seed, 0.3 + 0.1 * seed) for seed in range(2)]
    for name in ("val_loss.png", "median_loss.png"):
        fig = plotting.FIGURES[name].draw(result_of(histories))
        ax = fig.axes[0]
        assert list(ax.get_xticks()) == [1]
        low, high = ax.get_xlim()
        assert low < 0.5 and high > 1.5  # The point sits in the middle, not on an edge.
        points = [line for line in ax.get_lines() if len(line.get_xdata()) == 1 and line.get_marker() not in ("", "x")]
        assert points and all(line.get_markersize() >= 6 for line in points)
        drawing.plt.close(fig)


def test_an_epoch_axis_never_ticks_between_epochs():
    fig = diagnostic_figures.gradient_norms_figure(HISTORIES, ORDER)  # Epochs 0, 1, 2.
    assert all(float(tick).is_integer() for tick in fig.axes[0].get_xticks())
    drawing.plt.close(fig)


def test_figures_with_nothing_to_show_are_not_drawn_and_say_why_and_what_would_draw_them():
    histories = [one_epoch(name, 0, 0.3) for name in ("relu", "gelu")]
    result = result_of(histories)
    assert plotting.FIGURES["pairwise.png"].draw(result) is None
    assert "at least 3 seeds of two activations" in plotting.FIGURES["pairwise.png"].missing(result)
    assert "--seeds 3" in plotting.FIGURES["pairwise.png"].missing(result)
    # The clip changed nothing: a panel of zeros becomes one line.
    assert plotting.FIGURES["clipped_fraction.png"].draw(result) is None
    assert "clipped fraction 0" in plotting.FIGURES["clipped_fraction.png"].missing(result)
    assert "--no-clip" in plotting.FIGURES["clipped_fraction.png"].missing(result_of(histories, clip_value=None))
    bare = result_of([synthetic_history("relu", 0, with_diagnostics=False)])
    assert "--no-diagnostics" in plotting.FIGURES["gradient_norms.png"].missing(bare)
    with pytest.raises(plotting.UsageError, match="at least 3 seeds of two activations"):
        result.figure("pairwise")


def test_a_notebook_asks_for_a_figure_by_name_and_an_unknown_one_names_the_choices():
    fig = result_of(HISTORIES).figure("test_accuracy.png")
    assert fig.axes[0].get_title() == "Test accuracy at the best validation-loss epoch"
    assert "clip value 0.5, 12 epochs" in fig._suptitle.get_text()
    drawing.plt.close(fig)
    with pytest.raises(plotting.UsageError, match="unknown figure 'loss.png': choose from val_accuracy.png"):
        result_of(HISTORIES).figure("loss")

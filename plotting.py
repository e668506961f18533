"""Every figure, drawn from saved histories and a folder's result (`FolderResult`), never
from live Keras objects, so figures can be redrawn from the files alone.

`FIGURES` is the one list of figure files, a run folder's and the index's: each with the
caption summary.md prints under it, the function that draws it, its scope, and for a
folder's figure the one line summary.md prints instead where it has nothing to show (the
draw function then returns None): why, and what would draw it.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import activations
from activation_comparison.figures import cross_task_figures, diagnostic_figures, verdict_figures
from activation_comparison.figures.drawing import (draw_quartiles, draw_series, epoch_ticks, name_settings,
                                                   one_epoch_shift, plt, save_figure)  # fmt: skip
from activation_comparison.setup.config import UsageError


def curves_figure(histories, column, order, ylabel, title):
    """One mean curve per activation of a history column against the epoch."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for position, activation in enumerate(order):
        draw_series(ax, histories, activation, column, shift=one_epoch_shift(position, len(order)))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    epoch_ticks(ax)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def test_accuracy_figure(histories, order):
    """Every seed's test accuracy as a dot and the mean as a bar, per activation."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for position, activation in enumerate(order):
        spec = activations.get(activation)
        scores = [
            h["test_accuracy"]
            for h in histories
            if h["activation"] == activation and h.get("test_accuracy") is not None
        ]
        if scores:
            ax.bar(position, np.mean(scores), color=spec.color, alpha=0.35, width=0.6)
            ax.scatter([position] * len(scores), scores, color=spec.color, zorder=3, s=18)
            # Above the highest seed, so that the number never covers a dot.
            ax.annotate(f"{np.mean(scores):.4f}", (position, max(scores)), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize="small")  # fmt: skip
        else:
            ax.annotate("diverged", (position, 0), ha="center", va="bottom", fontsize="small")
    scores = [h["test_accuracy"] for h in histories if h.get("test_accuracy") is not None]
    if scores:
        # Zoom in on the range that matters; bars from 0 would hide every difference.
        low = min(scores)
        ax.set_ylim(max(0.0, low - 0.5 * (1 - low) - 0.002), 1.0)
    ax.set_xticks(range(len(order)), [activations.get(a).label for a in order], rotation=20)
    ax.set_ylabel("test accuracy")
    ax.set_title("Test accuracy at the best validation-loss epoch")
    ax.grid(axis="y", alpha=0.3)
    return fig


def activation_functions_figure(histories, order):
    """Each activation and its derivative, computed from the functions the models use."""
    x = np.linspace(-5, 5, 801, dtype=np.float32)
    fig, (ax_value, ax_derivative) = plt.subplots(1, 2, figsize=(11, 4.5))
    for activation in order:
        spec = activations.get(activation)
        ax_value.plot(x, activations.evaluate(spec, x), color=spec.color, label=spec.label)
        ax_derivative.plot(x, activations.derivative(spec, x), color=spec.color, label=spec.label)
    ax_value.set_title("activation f(x)")
    ax_derivative.set_title("derivative f'(x)")
    for ax in (ax_value, ax_derivative):
        ax.axhline(0, color="black", linewidth=0.5)
        ax.axvline(0, color="black", linewidth=0.5)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    ax_value.set_ylim(-2, 5)
    ax_value.legend(fontsize="small")
    return fig


def median_loss_figure(histories, order):
    """The GELU paper's Figure: per activation, the median over seeds of the training log
    loss (darker, solid) and of the validation log loss (fainter, dashed) per epoch, with
    the interquartile range as a band.

    The training loss is that of the network without dropout on each batch, before its
    update, where the runs recorded it (--loss-without-dropout); otherwise Keras' training
    loss, which with dropout is the loss of the network with dropout active.
    """
    without_dropout = any(row.get("loss_without_dropout") is not None for h in histories for row in h["epochs"])
    training = "loss_without_dropout" if without_dropout else "loss"
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    for position, activation in enumerate(order):
        label, shift = activations.get(activation).label, one_epoch_shift(position, len(order))
        draw_quartiles(ax, histories, activation, training, f"{label}, training", shift=shift)
        draw_quartiles(ax, histories, activation, "val_loss", f"{label}, validation", linestyle="--", alpha=0.55,
                       shift=shift)  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("log loss (median over seeds, band: quartiles)")
    which = "without dropout, before each batch's update" if without_dropout else "as trained, dropout active"
    ax.set_title(f"Median training loss ({which}) and validation loss", fontsize="medium")
    epoch_ticks(ax)
    ax.grid(alpha=0.3, which="both")
    # Beside the axes: two entries per activation would cover the curves.
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def pairwise_figure(result):
    """Every pair of activations, as the folder's result tested them (a diverged run at
    chance, as in the best set); None when no pair has the seeds for a test."""
    if not any(pair["p_value"] is not None for pair in result.pairs):
        return None
    return verdict_figures.pairwise_figure(result.pairs, result.order)


def clipped_fraction_figure(histories, order):
    """The clipped fraction; None where it is 0 everywhere (a line of summary.md says so)."""
    measured = [value for h in histories for row in h["epochs"] for key, value in row.items()
                if key.startswith("clipped_fraction") and value is not None]  # fmt: skip
    if measured and max(measured) == 0:
        return None
    return diagnostic_figures.clipped_fraction_figure(histories, order)


def of_histories(draw: Callable) -> Callable:
    """A figure of (histories, activation order) as a folder's figure, drawn from its result."""
    return lambda result: draw(result.histories, result.order)


def curves(column, ylabel, title):
    return of_histories(lambda histories, order: curves_figure(histories, column, order, ylabel, title))


NO_DIAGNOSTICS = ("not drawn: these runs recorded no diagnostics (they ran with --no-diagnostics); "
                  "retrain them without it (the same command without --no-diagnostics, with --force) to draw it.")  # fmt: skip


def diagnostics_missing(result) -> str:
    return NO_DIAGNOSTICS


def pairs_missing(result) -> str:
    return ("not drawn: a pair needs at least 3 seeds of two activations, and no two have that many here; "
            "run with --seeds 3 (or more, or --seeds auto) to draw it.")  # fmt: skip


def clipping_missing(result) -> str:
    """Why clipped_fraction.png is not drawn: no diagnostics, no clip, or a clip that clipped nothing."""
    if not any(key.startswith("clipped_fraction") for h in result.histories for row in h["epochs"] for key in row):
        return NO_DIAGNOSTICS
    settings = result.settings
    if settings.get("clip_value") is None and settings.get("clip_norm") is None:
        return "not drawn: these runs were not clipped (--no-clip), so no gradient element was clipped."
    return ("not drawn: the clip changed no gradient element of any run at any epoch (clipped fraction 0), so "
            "clipping did nothing here; a smaller clip, such as --clip-value 0.001, would clip.")  # fmt: skip


@dataclass(frozen=True)
class FigureSpec:
    caption: str
    # "folder": draw(result) -> Figure, or None when it has nothing to show; "sweep" and
    # "tuned": see `scope`.
    draw: Callable
    # "folder": drawn for every run folder; "sweep": one per sweep of results/index.md,
    # draw(points, setting, none_label); "tuned": one per learning-rate group of the index,
    # draw(histories at each activation's chosen rate, activation order); "cross-task": the
    # cross-task folder's.
    scope: str = "folder"
    # A folder's figure: (result) -> summary.md's line where draw returned None.
    missing: Callable | None = None


FIGURES: dict[str, FigureSpec] = {
    "val_accuracy.png": FigureSpec(
        "Validation accuracy per epoch (mean over seeds, band ± std).",
        curves("val_accuracy", "validation accuracy", "Validation accuracy")),
    "val_loss.png": FigureSpec(
        "Validation loss per epoch; the test set is scored at its minimum.",
        curves("val_loss", "validation loss", "Validation loss")),
    "train_loss.png": FigureSpec(
        "Training loss per epoch (with dropout active).",
        curves("loss", "training loss", "Training loss")),
    "median_loss.png": FigureSpec(
        "As the GELU paper draws it: median over seeds of the training log loss (solid; the loss "
        "of the network without dropout where recorded with --loss-without-dropout) and the "
        "validation log loss (dashed), with the interquartile range as a band.",
        of_histories(median_loss_figure)),
    "test_accuracy.png": FigureSpec(
        "Test accuracy of every seed (dots) and their mean (bar).", of_histories(test_accuracy_figure)),
    "pairwise.png": FigureSpec(
        "Which pairs differ? Row minus column, mean paired difference in test accuracy "
        "(percentage points) over the seeds both ran (a diverged run at chance); stars mark "
        "differences whose two-sided paired test (t, or the exact sign-flip test where the "
        "differences have no spread) survives Holm's adjustment over all pairs; grey cells have "
        "fewer than 3 paired seeds. This is not the best set: a pair can differ here while both "
        "stay in the best set.",
        pairwise_figure, missing=pairs_missing),
    "activation_functions.png": FigureSpec(
        "Each activation and its derivative, from the model's own functions.",
        of_histories(activation_functions_figure)),
    "gradient_norms.png": FigureSpec(
        "Loss-gradient norm of each layer's kernel on the probe batch, before clipping; epoch 0 "
        "is before training. Small first-layer norms mean vanishing gradients.",
        of_histories(diagnostic_figures.gradient_norms_figure), missing=diagnostics_missing),
    "clipped_fraction.png": FigureSpec(
        "Share of gradient elements the clip changes; 0 means clipping does nothing, so "
        "rerunning with another clip value only matters where this is above 0.",
        of_histories(clipped_fraction_figure), missing=clipping_missing),
    "dead_units.png": FigureSpec(
        "Share of units whose derivative is ~0 on every probe image: dead ReLUs, saturated "
        "sigmoids. Dead units no longer learn.",
        of_histories(diagnostic_figures.dead_units_figure), missing=diagnostics_missing),
    "activation_stats.png": FigureSpec(
        "Mean and standard deviation of each activation layer's output; SELU's claim is "
        "mean ≈ 0 and std ≈ 1 in every layer.",
        of_histories(diagnostic_figures.activation_stats_figure), missing=diagnostics_missing),
    # results/index.md's figures, drawn by experiment.write_index.
    "sweep_<setting>.png": FigureSpec(
        "Left: test accuracy (mean and 95% CI over seeds) per activation against the setting; "
        "right: the mean fraction of gradient elements the clip changed. A setting whose clipped "
        "fraction is 0 clipped nothing, so it cannot explain a difference in accuracy.",
        verdict_figures.sweep_figure, scope="sweep"),
    "tuned_median_loss.png": FigureSpec(
        "Each activation at the learning rate chosen on all its seeds: median over seeds of the "
        "training log loss (solid; without dropout where recorded) and the validation log loss "
        "(dashed), with the interquartile range as a band, as the GELU paper draws its MNIST curves.",
        median_loss_figure, scope="tuned"),
    # The cross-task folder's figure, drawn by matrix.write_cross_task: draw(taus, profile, names).
    "performance_profile.png": FigureSpec(
        "The share of tasks on which each activation's geometric-mean test error is within a factor τ of the "
        "lowest there (Dolan and Moré's performance profile): higher and further left is better.",
        cross_task_figures.performance_profile_figure, scope="cross-task"),
}  # fmt: skip


FOLDER_FIGURES = [name for name, spec in FIGURES.items() if spec.scope == "folder"]


def draw_folder_figure(result, name: str, settings: str | None = None):
    """One of a folder's figures from its result, or None where it has nothing to show.
    `settings` names the folder's settings in its title, so that two folders' figures of
    the same kind say which is which."""
    fig = FIGURES[name].draw(result)
    if fig is not None and settings:
        name_settings(fig, settings)
    return fig


def folder_figure(result, name: str):
    """A folder's figure for a notebook: a matplotlib Figure, or a UsageError that names the
    choices or says why the figure has nothing to show."""
    if name not in FOLDER_FIGURES:
        raise UsageError(f"unknown figure {name!r}: choose from {', '.join(FOLDER_FIGURES)}")
    config = result.config
    fig = draw_folder_figure(result, name, config.describe() if config else None)
    if fig is None:
        raise UsageError(f"{name}: {FIGURES[name].missing(result)}")
    return fig


def plot_all(result, folder: Path, settings: str | None = None) -> list[str]:
    """Draw every figure of a run folder from its result; return the files written. A figure
    with nothing to show is not drawn, and an earlier file of it is removed."""
    written = []
    for name in FOLDER_FIGURES:
        fig = draw_folder_figure(result, name, settings)
        if fig is None:
            (Path(folder) / name).unlink(missing_ok=True)
            continue
        save_figure(fig, Path(folder) / name)
        written.append(name)
    return written

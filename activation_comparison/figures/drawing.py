"""What every figure shares: atomic PNG files, one mean curve per activation, and epoch axes
that tick whole epochs."""

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import transforms  # noqa: E402

import activations  # noqa: E402
from activation_comparison.results import storage  # noqa: E402

# Where a divergence is marked when no finite value came before it: near the top of the
# panel, at the epoch it happened.
DIVERGED_MARKER_HEIGHT = 0.95


def epoch_ticks(ax) -> None:
    """Tick whole epochs only (1, 2, 3 or 0, 5, 10; never 0.96, 0.98, ...), and give an axis of
    one epoch room on either side, so that its points sit in the middle."""
    low, high = ax.dataLim.intervalx
    if not (math.isfinite(low) and math.isfinite(high)):
        return
    first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
    step = next(step for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if (last - first) / step <= 10)
    ax.set_xticks(range(first - first % step, last + 1, step))
    if high - low < 1:
        ax.set_xlim(low - 0.75, high + 0.75)
    else:
        ax.set_xlim(low - 0.04 * (high - low), high + 0.04 * (high - low))


def name_settings(fig, settings: str) -> None:
    """Put the settings that tell this figure from its siblings (network, learning rate,
    dropout, ...) in its title: under a figure title where there is one, else as the title."""
    if fig._suptitle is not None:
        fig.suptitle(f"{fig._suptitle.get_text()}\n{settings}", fontsize="medium")
    else:
        fig.suptitle(settings, fontsize="medium")
    fig.tight_layout()


def save_figure(fig, path: Path) -> None:
    """Write the PNG under a temporary name and rename it, so no half-written file shows."""
    try:
        storage.write_atomically(
            Path(path), lambda handle: fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
        )
    finally:
        plt.close(fig)


def epoch_series(histories: list[dict], activation: str, column: str):
    """Epochs, mean and std over seeds of `column` for one activation.

    A diverged seed contributes up to its last finite value; epochs where no seed has a
    value are left out. Returns empty arrays when nothing was recorded.
    """
    by_epoch: dict[int, list[float]] = {}
    for history in histories:
        if history["activation"] != activation:
            continue
        for row in history["epochs"]:
            if row.get(column) is not None:
                by_epoch.setdefault(row["epoch"], []).append(row[column])
    epochs = np.array(sorted(by_epoch), dtype=int)
    values = [np.array(by_epoch[e], dtype=float) for e in epochs]
    means = np.array([v.mean() for v in values])
    stds = np.array([v.std(ddof=1) if len(v) > 1 else 0.0 for v in values])
    return epochs, means, stds


def epoch_quartiles(histories: list[dict], activation: str, column: str):
    """Epochs, and the median, first and third quartile over seeds of `column` for one
    activation.

    A seed that diverged counts as +inf from its diverged epoch on, so the median stays
    honest about it (and the band reaches infinity when a quarter of the seeds diverged).
    """
    by_epoch: dict[int, list[float]] = {}
    own = [history for history in histories if history["activation"] == activation]
    for history in own:
        for row in history["epochs"]:
            if row.get(column) is not None:
                by_epoch.setdefault(row["epoch"], []).append(row[column])
    last = max(by_epoch, default=0)
    for history in own:
        if history.get("status") == "diverged":
            for epoch in range(history["diverged_epoch"], max(last, history["diverged_epoch"]) + 1):
                by_epoch.setdefault(epoch, []).append(np.inf)
    epochs = np.array(sorted(by_epoch), dtype=int)
    # NumPy interpolates between neighbours, and inf - inf is undefined: stand in a huge
    # finite value for +inf, and read anything that huge back as +inf.
    huge = np.finfo(float).max
    quartiles = np.array([
        np.percentile(np.where(np.isinf(by_epoch[epoch]), huge, by_epoch[epoch]), [50, 25, 75]) for epoch in epochs
    ]).reshape(-1, 3)  # fmt: skip
    quartiles = np.where(quartiles > huge / 1e8, np.inf, quartiles)
    return epochs, quartiles[:, 0], quartiles[:, 1], quartiles[:, 2]


def one_epoch_shift(position: int, count: int) -> float:
    """How far the `position`-th of `count` activations' points sit beside the epoch when a
    run has one epoch, so that points of equal value stay apart."""
    return 0.08 * (position - (count - 1) / 2)


def draw_quartiles(ax, histories, activation, column, label, linestyle="-", alpha=1.0, shift=0.0):
    """One activation's median curve of `column` with its interquartile band."""
    spec = activations.get(activation)
    epochs, median, low, high = epoch_quartiles(histories, activation, column)
    finite = np.isfinite(median)
    if finite.sum() == 1:
        # One epoch: a point, its quartiles as a bar (a band one epoch wide would not show).
        band = np.isfinite(low[finite]) & np.isfinite(high[finite])
        spread = np.array([median[finite] - low[finite], high[finite] - median[finite]]) if band.all() else None
        ax.errorbar(epochs[finite] + shift, median[finite], yerr=spread, color=spec.color, alpha=alpha, label=label,
                    marker="o" if linestyle == "-" else "D", markersize=6, linestyle="none", capsize=3)  # fmt: skip
    elif finite.any():
        ax.plot(epochs[finite], median[finite], color=spec.color, linestyle=linestyle, alpha=alpha, label=label)
        band = np.isfinite(low) & np.isfinite(high)
        ax.fill_between(epochs[band], low[band], high[band], color=spec.color, alpha=0.15 * alpha)


def diverged_epochs(histories: list[dict], activation: str) -> list[int]:
    return [
        h["diverged_epoch"]
        for h in histories
        if h["activation"] == activation and h.get("status") == "diverged"
    ]


def draw_series(ax, histories, activation, column, label=None, shift=0.0):
    """One activation's mean curve with a ± std band; crosses mark divergence.

    A cross sits on the last value before the divergence; a run that diverged before any
    value was recorded gets its cross near the top of the panel, so it is never lost. A
    curve of one epoch is a point, moved `shift` epochs aside (`one_epoch_shift`).
    """
    spec = activations.get(activation)
    epochs, means, stds = epoch_series(histories, activation, column)
    diverged = diverged_epochs(histories, activation)
    if label is None:
        label = spec.label + (f" (diverged ×{len(diverged)})" if diverged else "")
    if len(epochs) == 1:
        # One epoch: a point, its ± std as a bar (a band one epoch wide would not show).
        ax.errorbar(epochs + shift, means, yerr=stds if stds.any() else None, marker="o", markersize=7, capsize=3,
                    linestyle="none", color=spec.color, label=label)  # fmt: skip
    elif len(epochs):
        ax.plot(epochs, means, marker="o", markersize=3, color=spec.color, label=label)
        if stds.any():
            ax.fill_between(epochs, means - stds, means + stds, color=spec.color, alpha=0.2)
    elif diverged:
        ax.plot([], [], color=spec.color, label=label)
    for epoch in diverged:
        earlier = epochs < epoch
        if earlier.any():
            ax.plot([epoch], [means[earlier][-1]], marker="x", markersize=9, color=spec.color)
        else:
            top_of_panel = transforms.blended_transform_factory(ax.transData, ax.transAxes)
            ax.plot([epoch], [DIVERGED_MARKER_HEIGHT], marker="x", markersize=9,
                    color=spec.color, transform=top_of_panel, clip_on=False)  # fmt: skip


def draw_panels(histories, panels, order, title, ylabel, log_scale=False, reference=None,
                columns=None, fraction=False):  # fmt: skip
    """A figure with one subplot per (column, subplot title), each with one mean curve per
    activation.

    A panel of None is left empty. `reference` maps a column to a value drawn as a dashed
    line (e.g. SELU's target std 1);
    `columns` is the number of subplots per row (at most 3 by default); `fraction` starts the
    y axis at 0, so that "none" reads as none rather than as noise around an arbitrary axis.
    """
    columns = columns or min(len(panels), 3)
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.3 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        if panel is None:  # A gap that starts the next group of panels on a new row.
            ax.set_visible(False)
            continue
        column, panel_title = panel
        for activation in order:
            draw_series(ax, histories, activation, column)
        if reference and column in reference:
            ax.axhline(reference[column], color="black", linestyle="--", linewidth=0.8)
        if log_scale:
            # A zero norm (every unit dead) has no place on a log axis; leave it out.
            ax.set_yscale("log", nonpositive="mask")
        if fraction:
            top = max(ax.get_ylim()[1], 0.05)
            ax.set_ylim(-0.02 * top, top)
        ax.set_title(panel_title, fontsize="medium")
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        epoch_ticks(ax)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    return fig

"""The figures of the verdict: every pairwise difference, and a sweep over one setting.

Each figure is drawn from plain values that a small function computes first
(`pairwise_matrix`, `sweep_series`), so tests check those values rather than pixels.
"""

import math

import numpy as np
from matplotlib import lines, patches

import activations
from activation_comparison.figures.drawing import plt  # Agg, selected before any figure exists.

# Holm-adjusted p-value thresholds and their stars, strictest first.
STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
TOO_FEW = "n<3"
# A difference this large (5 pp: an activation at chance after a short run) is kept out of
# the colour and axis ranges, so the differences of a few tenths of a point stay visible.
FAR_BELOW = 0.05


def stars(p_holm: float | None) -> str:
    for threshold, mark in STARS:
        if p_holm is not None and p_holm < threshold:
            return mark
    return ""


def pairwise_matrix(pairs: list[dict], order: list[str]) -> tuple[np.ndarray, list[list[str]]]:
    """Row a, column b: the mean paired difference a - b in percentage points, and its label.

    The matrix is antisymmetric; the diagonal and pairs with too few seeds are NaN, labelled
    "" and "n<3". A label carries Holm stars only when the pair is significant.
    """
    index = {name: position for position, name in enumerate(order)}
    values = np.full((len(order), len(order)), np.nan)
    annotations = [[TOO_FEW] * len(order) for _ in order]
    for position in range(len(order)):
        annotations[position][position] = ""
    for pair in pairs:
        if pair["a"] not in index or pair["b"] not in index or pair["diff"] is None:
            continue
        row, column = index[pair["a"]], index[pair["b"]]
        mark = stars(pair["p_holm"]) if pair["significant"] else ""
        for i, j, sign in ((row, column, 1.0), (column, row, -1.0)):
            values[i, j] = sign * 100.0 * pair["diff"]
            annotations[i][j] = f"{values[i, j]:+.2f}{mark}"
    return values, annotations


def pairwise_figure(pairs: list[dict], order: list[str]):
    """The n x n matrix of paired differences, red where the row is worse, blue where better."""
    values, annotations = pairwise_matrix(pairs, order)
    count = len(order)
    # Cells shrink and text with them as activations are added, so 10 still fit on a page.
    side = 1.8 + 0.75 * count
    font_size = max(6.0, 11.0 - 0.45 * count)
    fig, ax = plt.subplots(figsize=(side + 1.6, side))
    finite = np.abs(values[np.isfinite(values)])
    # The colours resolve the differences that matter (a few tenths of a point); a far
    # larger one (an activation at chance) saturates its cells and keeps its number.
    small = finite[finite < 100 * FAR_BELOW]
    limit = max(float((small if small.size else finite).max()) if finite.size else 0.0, 0.01)
    colormap = plt.get_cmap("RdBu").with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=colormap, vmin=-limit, vmax=limit)
    for i in range(count):
        for j in range(count):
            text = annotations[i][j]
            if text == TOO_FEW:
                ax.add_patch(patches.Rectangle((j - 0.5, i - 0.5), 1, 1, color="lightgrey"))
            dark = np.isfinite(values[i, j]) and abs(values[i, j]) > 0.6 * limit
            ax.text(j, i, text, ha="center", va="center", fontsize=font_size,
                    color="white" if dark else "black")  # fmt: skip
    labels = [activations.get(name).label for name in order]
    ax.set_xticks(range(count), labels, rotation=35, ha="right", fontsize=font_size + 1)
    ax.set_yticks(range(count), labels, fontsize=font_size + 1)
    ax.set_xlabel("column b")
    ax.set_ylabel("row a")
    saturated = bool(finite.size) and float(finite.max()) > limit
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8, extend="both" if saturated else "neither")
    colorbar.set_label("test accuracy a − b (percentage points)")
    tested = sum(pair["p_holm"] is not None for pair in pairs)
    ax.set_title(
        "Which pairs differ? Mean paired difference in test accuracy, row − column (pp)\n"
        f"stars: two-sided, Holm-adjusted over all {tested} pairs (* < 0.05, ** < 0.01, "
        f"*** < 0.001); grey: fewer than 3 paired seeds",
        fontsize="medium",
    )
    return fig


def sweep_axis(values) -> tuple[dict, bool]:
    """Where each setting value sits on the x axis, and whether the axis is logarithmic.

    Numbers sit at themselves; None (no clipping) gets its own place to the right of the
    largest number, labelled "none". The axis is logarithmic when every number is positive.
    """
    numbers = sorted({float(value) for value in values if value is not None})
    log_scale = bool(numbers) and numbers[0] > 0
    positions: dict = {number: number for number in numbers}
    if any(value is None for value in values):
        if not numbers:
            positions[None] = 1.0
        elif log_scale:
            positions[None] = numbers[-1] * max((numbers[-1] / numbers[0]) ** 0.2, 2.0)
        else:
            span = numbers[-1] - numbers[0] or abs(numbers[-1]) or 1.0
            positions[None] = numbers[-1] + 0.25 * span
    return positions, log_scale


def sweep_series(points: list[dict]) -> dict[str, list[tuple]]:
    """Activation -> [(x, accuracy mean, CI low, CI high, clipped fraction)] sorted by x.

    x comes from `sweep_axis`. A missing value stays None (the plot skips it, it is never
    drawn as 0); a point with neither an accuracy nor a clipped fraction is left out.
    """
    positions, _ = sweep_axis([point["setting_value"] for point in points])
    series: dict[str, list[tuple]] = {}
    for point in points:
        value = point["setting_value"]
        mean, clipped = point.get("test_accuracy_mean"), point.get("clipped_fraction_mean")
        if mean is None and clipped is None:
            continue
        x = positions[None if value is None else float(value)]
        low, high = point.get("test_accuracy_ci95_low"), point.get("test_accuracy_ci95_high")
        series.setdefault(point["activation"], []).append((x, mean, low, high, clipped))
    return {name: sorted(entries, key=lambda entry: entry[0]) for name, entries in series.items()}


def shifted(xs: list[float], shift: float, log_scale: bool) -> list[float]:
    """`xs` moved by `shift` decades (log axis) or `shift` units, so error bars do not overlap."""
    return [x * 10**shift for x in xs] if log_scale else [x + shift for x in xs]


def draw_sweep_points(axes, entries, style: dict, shift: float, log_scale: bool) -> bool:
    """One activation's accuracy means with CI bars and its clipped fractions, skipping gaps.

    Returns whether any clipped fraction was drawn.
    """
    ax_accuracy, ax_clipped = axes
    accuracy = [entry for entry in entries if entry[1] is not None]
    if accuracy:
        means = [mean for _, mean, _, _, _ in accuracy]
        below = [mean - low if low is not None else 0.0 for _, mean, low, _, _ in accuracy]
        above = [high - mean if high is not None else 0.0 for _, mean, _, high, _ in accuracy]
        xs = shifted([entry[0] for entry in accuracy], shift, log_scale)
        ax_accuracy.errorbar(xs, means, yerr=[below, above], capsize=3, **style)
    clipped = [(x, fraction) for x, _, _, _, fraction in entries if fraction is not None]
    if clipped and ax_clipped is not None:
        ax_clipped.plot(*zip(*clipped), **style)
    return bool(clipped)


def far_below(series: dict) -> dict[str, float]:
    """Activation -> its best mean, for those more than FAR_BELOW under the overall best."""
    best_means = {
        name: max(entry[1] for entry in entries if entry[1] is not None)
        for name, entries in series.items()
        if any(entry[1] is not None for entry in entries)
    }
    if not best_means:
        return {}
    top = max(best_means.values())
    return {name: mean for name, mean in best_means.items() if mean < top - FAR_BELOW}


def sweep_figure(points: list[dict], setting: str, none_label: str = "none"):
    """Test accuracy (left) and the fraction of gradient elements clipped (right) per setting.

    The right panel shows whether a setting changed anything: a clip that clips nothing
    cannot explain a difference in accuracy. Where every measured fraction is 0 the panel
    is one line of text under the accuracy panel instead. A point from one seed has no
    error bar.
    """
    series = sweep_series(points)
    outliers = far_below(series)
    positions, log_scale = sweep_axis([point["setting_value"] for point in points])
    xs = sorted(positions.values())
    width = math.log10(xs[-1] / xs[0]) if log_scale else xs[-1] - xs[0]
    step = 0.012 * (width or 1.0)
    measured = [point["clipped_fraction_mean"] for point in points if point.get("clipped_fraction_mean") is not None]
    # A panel of zeros says one thing: no setting clipped anything. A line of text says it.
    nothing_clipped = bool(measured) and max(measured) == 0
    if nothing_clipped:
        fig, ax_accuracy = plt.subplots(figsize=(7, 4.6))
        axes = (ax_accuracy, None)
    else:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    ax_accuracy, ax_clipped = axes
    any_clipped = False
    for number, (name, entries) in enumerate(series.items()):
        color = activations.get(name).color
        shift = (number - (len(series) - 1) / 2) * step
        # "none" is not the next value of the setting, so no line leads to it.
        values = [entry for entry in entries if entry[0] != positions.get(None)]
        unclipped = [entry for entry in entries if entry[0] == positions.get(None)]
        for part, linestyle in ((values, "-"), (unclipped, "none")):
            style = {"color": color, "marker": "o", "linestyle": linestyle}
            any_clipped |= draw_sweep_points(axes, part, style, shift, log_scale)
    ticks = sorted(positions.items(), key=lambda item: item[1])
    for ax in (ax for ax in axes if ax is not None):
        if log_scale:
            ax.set_xscale("log")
            ax.minorticks_off()
        ax.set_xticks([x for _, x in ticks], [none_label if v is None else f"{v:g}" for v, _ in ticks])
        ax.set_xlabel(setting)
        ax.grid(alpha=0.3)
    if outliers and len(outliers) < len(series):
        kept = [
            entry[2] if entry[2] is not None else entry[1]
            for name, entries in series.items() if name not in outliers
            for entry in entries if entry[1] is not None
        ]  # fmt: skip
        top = max(entry[3] if entry[3] is not None else entry[1]
                  for entries in series.values() for entry in entries if entry[1] is not None)  # fmt: skip
        margin = 0.1 * (top - min(kept)) or 0.005
        ax_accuracy.set_ylim(min(kept) - margin, top + margin)
        names = ", ".join(f"{activations.get(name).label} {mean:.3f}" for name, mean in outliers.items())
        ax_accuracy.text(0.01, 0.01, f"below the axis (best mean): {names}", transform=ax_accuracy.transAxes,
                         fontsize="small", va="bottom")  # fmt: skip
    ax_accuracy.set_ylabel("test accuracy (mean, 95% CI over seeds)")
    ax_accuracy.set_title(f"Test accuracy against {setting}", fontsize="medium")
    specs = [activations.get(name) for name in series]
    handles = [lines.Line2D([], [], color=spec.color, marker="o", label=spec.label) for spec in specs]
    if handles:
        ax_accuracy.legend(handles=handles, fontsize="small")
    if nothing_clipped:
        fig.text(0.5, 0.005, "The gradient clip changed no gradient element at any of these settings "
                 "(clipped fraction 0 for every activation).", ha="center", va="bottom", fontsize="small")  # fmt: skip
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        return fig
    top = max(ax_clipped.get_ylim()[1], 0.05) if any_clipped else 1.0
    # Starting at 0 lets "nothing clipped" read as nothing, not as noise around an offset.
    ax_clipped.set_ylim(-0.02 * top, top)
    ax_clipped.set_ylabel("fraction of gradient elements clipped (mean)")
    ax_clipped.set_title("Does this setting clip anything?", fontsize="medium")
    if not any_clipped:
        ax_clipped.text(0.5, 0.5, "no clipped-fraction measurements", ha="center",
                        va="center", transform=ax_clipped.transAxes)  # fmt: skip
    fig.tight_layout()
    return fig

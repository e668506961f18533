"""Every figure of the comparison, drawn from saved histories (plain dicts), never from
live Keras objects, so figures can be redrawn from the files alone."""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import activations  # noqa: E402


def save_figure(fig, path: Path) -> None:
    """Write the PNG under a temporary name and rename it, so no half-written file shows."""
    path = Path(path)
    # The same naming as compare_activations.temporary_path, whose clean-up finds the
    # leftovers of killed processes by it.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fig.savefig(temporary, format="png", dpi=110, bbox_inches="tight")
        os.replace(temporary, path)
    finally:
        plt.close(fig)
        temporary.unlink(missing_ok=True)


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


def diverged_epochs(histories: list[dict], activation: str) -> list[int]:
    return [
        h["diverged_epoch"]
        for h in histories
        if h["activation"] == activation and h.get("status") == "diverged"
    ]


def draw_series(ax, histories, activation, column, label=None):
    """One activation's mean curve with a ± std band; crosses mark divergence."""
    spec = activations.get(activation)
    epochs, means, stds = epoch_series(histories, activation, column)
    diverged = diverged_epochs(histories, activation)
    if label is None:
        label = spec.label + (f" (diverged ×{len(diverged)})" if diverged else "")
    if len(epochs):
        ax.plot(epochs, means, marker="o", markersize=3, color=spec.color, label=label)
        if stds.any():
            ax.fill_between(epochs, means - stds, means + stds, color=spec.color, alpha=0.2)
    elif diverged:
        ax.plot([], [], color=spec.color, label=label)
    for epoch in diverged:
        last = means[epochs < epoch][-1] if (epochs < epoch).any() else np.nan
        ax.plot([epoch], [last], marker="x", markersize=9, color=spec.color)


def plot_curves(histories, column, path, ylabel, order, title, log_scale=False):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for activation in order:
        draw_series(ax, histories, activation, column)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log_scale:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    save_figure(fig, path)


def plot_test_accuracy(histories, path, order):
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
            ax.annotate(f"{np.mean(scores):.4f}", (position, np.mean(scores)), ha="center",
                        va="bottom", fontsize="small")  # fmt: skip
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
    save_figure(fig, path)


def plot_activation_functions(order, path):
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
    save_figure(fig, path)


def plot_all(histories: list[dict], folder: Path, order: list[str]) -> None:
    """Draw every figure of a run folder from its histories."""
    folder = Path(folder)
    curves = [
        ("val_accuracy", "val_accuracy.png", "validation accuracy", "Validation accuracy"),
        ("val_loss", "val_loss.png", "validation loss", "Validation loss"),
        ("loss", "train_loss.png", "training loss", "Training loss"),
    ]
    for column, name, ylabel, title in curves:
        plot_curves(histories, column, folder / name, ylabel, order, title)
    plot_test_accuracy(histories, folder / "test_accuracy.png", order)
    plot_activation_functions(order, folder / "activation_functions.png")
    # The diagnostic figures are drawn only when the histories hold diagnostic columns.
    plot_gradient_norms(histories, folder / "gradient_norms.png", order)
    plot_clipped_fraction(histories, folder / "clipped_fraction.png", order)
    plot_dead_units(histories, folder / "dead_units.png", order)
    plot_activation_stats(histories, folder / "activation_stats.png", order)


# Diagnostic figures: why an activation wins or loses. They read the columns that
# `diagnostics.measure` adds to each epoch (epoch 0 is before any training), and each returns
# False without writing anything when the histories have none (a run with --no-diagnostics).


def diagnostic_layers(histories: list[dict], prefix: str) -> list[str]:
    """Layer names of the columns `<prefix><layer>`, in the order the model has them."""
    names: dict[str, None] = {}
    for history in histories:
        for row in history["epochs"]:
            for column in row:
                if column.startswith(prefix):
                    names.setdefault(column[len(prefix):], None)
    return list(names)


def default_order(histories: list[dict]) -> list[str]:
    """Activations in the order they first appear in the histories."""
    return list(dict.fromkeys(h["activation"] for h in histories))


def draw_panels(histories, panels, path, order, title, ylabel, log_scale=False, reference=None,
                columns=None, fraction=False):  # fmt: skip
    """One subplot per (column, subplot title), each with one mean curve per activation.

    `reference` maps a column to a value drawn as a dashed line (e.g. SELU's target std 1);
    `columns` is the number of subplots per row (at most 3 by default); `fraction` starts the
    y axis at 0, so that "none" reads as none rather than as noise around an arbitrary axis.
    """
    columns = columns or min(len(panels), 3)
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.3 * rows), squeeze=False)
    for ax, (column, panel_title) in zip(axes.flat, panels):
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
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_gradient_norms(histories, path, order=None) -> bool:
    """Per trainable layer, the L2 norm of the loss gradient w.r.t. its kernel, log scale."""
    layers = diagnostic_layers(histories, "grad_norm_")
    if not layers:
        return False
    panels = [(f"grad_norm_{layer}", layer) for layer in layers]
    draw_panels(histories, panels, path, order or default_order(histories),
                "Gradient norm per layer on the probe batch (epoch 0: before training)",
                "‖∂loss/∂kernel‖", log_scale=True)  # fmt: skip
    return True


def plot_clipped_fraction(histories, path, order=None) -> bool:
    """Fraction of gradient elements that the configured clip changes: all layers, then each."""
    layers = diagnostic_layers(histories, "clipped_fraction_")
    has_total = any("clipped_fraction" in row for h in histories for row in h["epochs"])
    if not has_total and not layers:
        return False
    panels = [("clipped_fraction", "all layers")] if has_total else []
    panels += [(f"clipped_fraction_{layer}", layer) for layer in layers]
    draw_panels(histories, panels, path, order or default_order(histories),
                "Fraction of gradient elements the clip changes", "fraction clipped",
                fraction=True)  # fmt: skip
    return True


def plot_dead_units(histories, path, order=None) -> bool:
    """Per activation layer, the fraction of units with derivative < 1e-6 on every probe input."""
    layers = diagnostic_layers(histories, "dead_fraction_")
    if not layers:
        return False
    panels = [(f"dead_fraction_{layer}", layer) for layer in layers]
    draw_panels(histories, panels, path, order or default_order(histories),
                "Dead (ReLU) or saturated (sigmoid) units: derivative < 1e-6 on every probe input",
                "fraction of units", fraction=True)  # fmt: skip
    return True


def plot_activation_stats(histories, path, order=None) -> bool:
    """Per activation layer, the output mean (top row) and std (bottom row) on the probe batch.

    Dashed lines mark 0 and 1, the mean and std that SELU is meant to keep through depth.
    """
    layers = diagnostic_layers(histories, "act_mean_")
    if not layers:
        return False
    panels = [(f"act_mean_{layer}", f"{layer}: mean") for layer in layers]
    panels += [(f"act_std_{layer}", f"{layer}: std") for layer in layers]
    reference = {f"act_mean_{layer}": 0.0 for layer in layers} | {f"act_std_{layer}": 1.0 for layer in layers}
    # One row for the means and one for the stds, whatever the number of layers.
    draw_panels(histories, panels, path, order or default_order(histories),
                "Activation output mean and std on the probe batch", "value",
                reference=reference, columns=len(layers))  # fmt: skip
    return True

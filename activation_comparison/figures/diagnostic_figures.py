"""Diagnostic figures: why an activation wins or loses.

They read the columns that `diagnostics.measure` adds to each epoch (epoch 0 is before any
training). Each returns a figure, or None when the histories have none of its columns (a
run with --no-diagnostics).
"""

from activation_comparison.figures.drawing import draw_panels


def diagnostic_layers(histories: list[dict], prefix: str) -> list[str]:
    """Layer names of the columns `<prefix><layer>`, in the order the model has them."""
    names: dict[str, None] = {}
    for history in histories:
        for row in history["epochs"]:
            for column in row:
                if column.startswith(prefix):
                    names.setdefault(column[len(prefix):], None)
    return list(names)


def gradient_norms_figure(histories, order):
    """Per trainable layer, the L2 norm of the loss gradient w.r.t. its kernel, log scale."""
    layers = diagnostic_layers(histories, "grad_norm_")
    if not layers:
        return None
    panels = [(f"grad_norm_{layer}", layer) for layer in layers]
    return draw_panels(histories, panels, order,
                       "Gradient norm per layer on the probe batch (epoch 0: before training)",
                       "‖∂loss/∂kernel‖", log_scale=True)  # fmt: skip


def clipped_fraction_figure(histories, order):
    """Fraction of gradient elements that the configured clip changes: all layers, then each."""
    layers = diagnostic_layers(histories, "clipped_fraction_")
    has_total = any("clipped_fraction" in row for h in histories for row in h["epochs"])
    if not has_total and not layers:
        return None
    panels = [("clipped_fraction", "all layers")] if has_total else []
    panels += [(f"clipped_fraction_{layer}", layer) for layer in layers]
    return draw_panels(histories, panels, order,
                       "Fraction of gradient elements the clip changes", "fraction clipped",
                       fraction=True)  # fmt: skip


def dead_units_figure(histories, order):
    """Per activation layer, the fraction of units with derivative < 1e-6 on every probe input."""
    layers = diagnostic_layers(histories, "dead_fraction_")
    if not layers:
        return None
    panels = [(f"dead_fraction_{layer}", layer) for layer in layers]
    return draw_panels(histories, panels, order,
                       "Dead (ReLU) or saturated (sigmoid) units: derivative < 1e-6 on every probe input",
                       "fraction of units", fraction=True)  # fmt: skip


def activation_stats_figure(histories, order):
    """Per activation layer, the output mean (the first row or rows) and std (the rows after)
    on the probe batch.

    Dashed lines mark 0 and 1, the mean and std that SELU is meant to keep through depth.
    """
    layers = diagnostic_layers(histories, "act_mean_")
    if not layers:
        return None
    panels = [(f"act_mean_{layer}", f"{layer}: mean") for layer in layers]
    panels += [(f"act_std_{layer}", f"{layer}: std") for layer in layers]
    reference = {f"act_mean_{layer}": 0.0 for layer in layers} | {f"act_std_{layer}": 1.0 for layer in layers}
    # The means, then the stds, each starting a row: at most 4 panels a row, so the 8
    # activation layers of the MLP take two rows each.
    columns = min(len(layers), 4)
    if len(layers) % columns:
        panels = panels[: len(layers)] + [None] * (columns - len(layers) % columns) + panels[len(layers):]
    return draw_panels(histories, panels, order,
                       "Activation output mean and std on the probe batch", "value",
                       reference=reference, columns=columns)  # fmt: skip

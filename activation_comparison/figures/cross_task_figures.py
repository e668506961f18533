"""The cross-task figure: each activation's performance profile over the tasks."""

import numpy as np

import activations
from activation_comparison.figures.drawing import plt


def performance_profile_figure(taus, profile, names):
    """Step curves of the share of tasks within a factor tau of the best error, per activation;
    None with fewer than two activations (nothing to compare)."""
    if len(names) < 2:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row, name in enumerate(names):
        spec = activations.get(name)
        ax.step(np.asarray(taus), np.asarray(profile[row]), where="post", color=spec.color, label=spec.label)
    ax.set_xlabel("τ: error within this factor of the best activation's on the task")
    ax.set_ylabel("share of tasks")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Performance profile over the tasks")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    return fig

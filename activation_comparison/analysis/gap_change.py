"""Whether tuning the learning rate changes the verdict, measured rather than read off two
labels (a change in significance is not itself significant).

For activation a against the tuned reference r (the top of the tuned best set), per seed,

    delta_s = (tuned_a,s - tuned_r,s) - (fixed_a,s - fixed_r,s)

with "fixed" the folder at the default learning rate (or, where no folder has it, the
nearest rate on a log scale, the smaller on a tie), over the seeds that have all four
numbers (diverged runs at chance); its mean and 95% t interval. delta lies in [-2, 2]: the
difference of two differences of accuracies. Where the deltas have no spread there is no
interval (a standard error of 0 is no proof); where no seed's rate changed for either
activation, delta is 0 by construction.
"""

import numpy as np

from activation_comparison.verdict import statistics

GAP_CHANGE_BOUNDS = (-2.0, 2.0)


def gap_changes(tuned: dict[str, dict[int, float]], fixed: dict[str, dict[int, float]], reference: str | None,
                tuned_rates: dict[str, dict[int, float]], fixed_at: float | None) -> dict[str, dict]:  # fmt: skip
    """Per activation against `reference`: mean delta_s (this module's docstring), its 95% t
    interval, the seeds it rests on, the mean gaps it compares, and on how many of those
    seeds either activation's tuned rate differs from the fixed one.

    `tuned` and `fixed` are activation -> {seed: accuracy} (`verdict.ranking_accuracies`),
    `tuned_rates` activation -> {seed: chosen rate}.
    """
    changes = {}
    for name in tuned:
        row = dict.fromkeys(("gap_reference", "gap_fixed_mean", "gap_tuned_mean", "gap_change", "gap_change_ci95_low",
                             "gap_change_ci95_high", "gap_change_seeds", "gap_change_seeds_rate_changed"))  # fmt: skip
        changes[name] = row
        if reference is None:
            continue
        row["gap_reference"] = reference
        if name == reference:
            continue
        seeds = sorted(set(tuned[name]) & set(tuned[reference])
                       & set(fixed.get(name, {})) & set(fixed.get(reference, {})))  # fmt: skip
        row["gap_change_seeds"] = len(seeds)
        if not seeds:
            continue
        tuned_gaps = np.array([tuned[name][seed] - tuned[reference][seed] for seed in seeds])
        fixed_gaps = np.array([fixed[name][seed] - fixed[reference][seed] for seed in seeds])
        deltas = np.round(tuned_gaps - fixed_gaps, statistics.DECIMALS)
        row.update(
            gap_tuned_mean=float(tuned_gaps.mean()),
            gap_fixed_mean=float(fixed_gaps.mean()),
            gap_change=float(deltas.mean()),
            gap_change_seeds_rate_changed=sum(
                tuned_rates[name][seed] != fixed_at or tuned_rates[reference][seed] != fixed_at for seed in seeds
            ),
        )
        if statistics.has_spread(deltas):
            row["gap_change_ci95_low"], row["gap_change_ci95_high"] = statistics.t_interval(
                deltas, bounds=GAP_CHANGE_BOUNDS
            )
    return changes

"""One activation's verdict row, typed (`VerdictRow`), and its columns from the best set's
arrays: its bounds and membership in accuracy, the second (new-images) set's, and the
comparison with the top."""

import dataclasses
from collections import abc
from dataclasses import dataclass

import numpy as np

from activation_comparison.verdict import log_error, power, sequential


class Columns(abc.Mapping):
    """A frozen dataclass row that reads like a read-only dict of its columns as well as by
    attribute: `row.verdict` or `row["verdict"]`, `dict(row)`. An unknown column is an
    AttributeError or a KeyError, never a silent None, and a row is made in one call, so a
    misspelt column fails where it is written."""

    def __getitem__(self, column: str):
        if column not in self.column_names():
            raise KeyError(column)
        return getattr(self, column)

    def __iter__(self):
        return iter(self.column_names())

    def __len__(self) -> int:
        return len(self.column_names())

    @classmethod
    def column_names(cls) -> tuple[str, ...]:
        return tuple(item.name for item in dataclasses.fields(cls))


@dataclass(frozen=True)
class VerdictRow(Columns):
    """One activation's verdict: counts and failures, the best set's bounds and membership,
    the comparison with the top, power and the one-seed McNemar test (docs/statistics.md
    says what each column means)."""

    runs: int = 0
    typical_accuracy: float | None = None
    seeds_failed: int = 0
    failed_ci95_low: float | None = None
    failed_ci95_high: float | None = None
    failures_p_vs_top: float | None = None
    left_at_look: int | None = None
    seeds_stuck: int = 0
    diverged_ci95_low: float | None = None
    diverged_ci95_high: float | None = None
    stuck_ci95_low: float | None = None
    stuck_ci95_high: float | None = None
    test_accuracy_median: float | None = None
    test_accuracy_ci95_low: float | None = None
    test_accuracy_ci95_high: float | None = None
    ranked_accuracy_mean: float | None = None
    estimand: str | None = None
    best_set_low: float | None = None
    best_set_high: float | None = None
    below_best_by_at_least: float | None = None
    in_best_set: bool | None = None
    within_margin: bool | None = None
    new_images_low: float | None = None
    new_images_high: float | None = None
    new_images_in_best_set: bool | None = None
    paired_seeds_vs_top: int | None = None
    diff_vs_top: float | None = None
    seeds_lost_vs_top: int | None = None
    image_share: float | None = None
    power_at_margin: float | None = None
    detectable_difference: float | None = None
    seeds_for_margin: int | None = None
    mcnemar_p: float | None = None
    mcnemar_p_holm: float | None = None
    verdict: str = ""
    # Not one of COLUMNS: the summary's columns lead with it.
    seeds_diverged: int = 0


# The verdict's columns in summary.csv, in the order tables show them.
COLUMNS = tuple(name for name in VerdictRow.column_names() if name != "seeds_diverged")


def bound_columns(bounds: dict, k: int, member: bool, top_error: float | None, margin: float) -> dict:
    """Activation k's simultaneous bounds on its distance to the best of the others, in
    accuracy at the top's geometric-mean error, its membership and whether it is within the
    margin."""
    if top_error is None:
        return {"in_best_set": member}
    low = float(log_error.gain_to_accuracy(bounds["low"][k], top_error))
    high = float(log_error.gain_to_accuracy(bounds["high"][k], top_error))
    gap_high = float(log_error.gain_to_accuracy(bounds["gap_high"][k], top_error))
    # A difference of two accuracies lies in [-1, 1]; an uninformative bound says so.
    return {
        "best_set_low": float(np.clip(low, -1.0, 0.0)) if np.isfinite(low) else -1.0,
        "best_set_high": float(np.clip(high, 0.0, 1.0)) if np.isfinite(high) else 1.0,
        "in_best_set": member,
        "within_margin": bool(np.isfinite(low) and low > -margin),
        "below_best_by_at_least": None if member else float(np.clip(-gap_high, 0.0, 1.0)) if np.isfinite(gap_high) else 0.0,
    }


def new_image_columns(new_images: dict, k: int) -> dict:
    """Activation k's bounds and membership with the test images counted as a sample too."""
    return {
        "new_images_low": float(np.clip(new_images["low"][k], -1.0, 0.0)),
        "new_images_high": float(np.clip(new_images["high"][k], 0.0, 1.0)),
        "new_images_in_best_set": bool(new_images["member"][k]),
    }


def top_columns(scores, failed, result, ranked, name, top, top_error, margin, level) -> dict:
    """Against the top of the best set: the paired difference, the seeds lost, whether it
    fails more often, and the power of these seeds (from the moderated spread, at `level`)."""
    k, t = ranked.index(name), ranked.index(top)
    seeds = sorted(set(scores[name]) & set(scores[top]))
    differences = [scores[name][seed] - scores[top][seed] for seed in seeds]
    columns = {
        "paired_seeds_vs_top": len(seeds),
        "diff_vs_top": float(np.mean(differences)) if seeds else None,
        "seeds_lost_vs_top": sum(difference < 0 for difference in differences),
        "failures_p_vs_top": log_error.more_failures_p([failed[name][s] for s in seeds], [failed[top][s] for s in seeds]),
    }
    se, df = float(result["pairs"]["se"][t, k]), float(result["pairs"]["df"][t, k])
    if len(seeds) >= 2 and np.isfinite(se) and se > 0 and np.isfinite(df):
        margin_log = sequential.margin_in_log_error(margin, top_error)
        columns["power_at_margin"] = power.power(margin_log, se, df, level)
        detectable = power.detectable_difference(se, df, level)
        # In accuracy at the top's error; beyond 100 pp nothing is detectable: left blank.
        detectable = top_error * (np.exp(detectable) - 1.0)
        columns["detectable_difference"] = float(detectable) if detectable <= 1.0 else None
        columns["seeds_for_margin"] = power.seeds_needed(margin_log, se, len(seeds), df, level)
    return columns

"""The per-activation summary of one run folder: scores over seeds and the verdict.

Pure functions of history dicts; `experiment` writes what they return.
"""

import numpy as np

import activations
import plotting
from activation_comparison import verdict
from activation_comparison.config import ExperimentConfig

SUMMARY_COLUMNS = [
    "activation", "label", "seeds_finished", "seeds_diverged",
    "test_accuracy_mean", "test_accuracy_std", "test_loss_mean", "test_loss_std",
    "best_epoch_mean", "seconds_per_epoch", *verdict.COLUMNS,
]  # fmt: skip


def activation_order(names) -> list[str]:
    """Registry order first, then any other activations alphabetically."""
    names = set(names)
    return [n for n in activations.ACTIVATIONS if n in names] + sorted(
        names - set(activations.ACTIVATIONS)
    )


def mean_and_std(values: list[float]):
    """Mean and sample standard deviation (None for fewer than two values)."""
    if not values:
        return None, None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), std


def summarize(histories: list[dict]) -> list[dict]:
    """One row per activation: test scores as mean and std over the finished seeds, and
    the paired comparison with the best activation (`verdict.COLUMNS`)."""
    order = activation_order(h["activation"] for h in histories)
    comparisons = verdict.compare_with_best(verdict.accuracy_by_seed(histories, order))
    rows = []
    for name in order:
        runs = [h for h in histories if h["activation"] == name]
        finished = [h for h in runs if h["status"] == "finished"]
        row = {
            "activation": name,
            "label": activations.get(name).label,
            "seeds_finished": len(finished),
            "seeds_diverged": len(runs) - len(finished),
        }
        metrics = ["test_accuracy", "test_loss"]
        if any("test_binary_accuracy" in h for h in finished):
            metrics.append("test_binary_accuracy")
        for metric in metrics:
            row[f"{metric}_mean"], row[f"{metric}_std"] = mean_and_std(
                [h[metric] for h in finished if h.get(metric) is not None]
            )
        row["best_epoch_mean"], _ = mean_and_std([h["best_epoch"] for h in finished])
        row["seconds_per_epoch"], _ = mean_and_std(
            [r["seconds"] for h in runs for r in h["epochs"] if r.get("seconds") is not None]
        )
        rows.append(row | comparisons[name])
    return rows


def headline(histories: list[dict]) -> str:
    """The one sentence a reader can quote: best, tied, worse and by how much."""
    order = activation_order(h["activation"] for h in histories)
    scores = verdict.accuracy_by_seed(histories, order)
    labels = {name: activations.get(name).label for name in order}
    return verdict.headline(verdict.compare_with_best(scores), labels, scores)


def format_pp(value) -> str:
    return "–" if value is None else f"{100 * value:+.2f}"


def format_p(value) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.2g}"


def format_interval(low, high, scale=1.0, digits=4) -> str:
    if low is None:
        return "–"
    return f"[{scale * low:.{digits}f}, {scale * high:.{digits}f}]"


def summary_columns(rows: list[dict]) -> list[str]:
    """SUMMARY_COLUMNS, then any others the rows hold, in the order they appear."""
    columns = SUMMARY_COLUMNS + [key for row in rows for key in row if key not in SUMMARY_COLUMNS]
    return list(dict.fromkeys(columns))


def format_mean_std(mean, std, digits=4) -> str:
    if mean is None:
        return "–"
    return f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")


def format_best_epoch(row: dict) -> str:
    """A number of epochs: "10" for one seed, the mean with one decimal for several."""
    if row["best_epoch_mean"] is None:
        return "–"
    if row["seeds_finished"] == 1:
        return f"{row['best_epoch_mean']:.0f}"
    return f"{row['best_epoch_mean']:.1f}"


def summary_markdown(
    config: ExperimentConfig, rows: list[dict], figures: list[str], histories: list[dict]
) -> str:
    """summary.md: the verdict sentence, the table, then every figure in `figures` with
    its caption."""
    binary = any(row.get("test_binary_accuracy_mean") is not None for row in rows)
    header = (
        "| activation | test accuracy | 95% CI | test loss | best epoch | s / epoch | seeds "
        "| vs best (pp) | 95% CI (pp) | p (t) | p (Wilcoxon) | p_holm | d_z | verdict |"
    )
    labels = {row["activation"]: row["label"] for row in rows}
    note = verdict.diverged_note(histories, labels)
    lines = [
        f"# {config.run_name()}",
        "",
        headline(histories),
        "",
        *([note, ""] if note else []),
        "The activation is the only thing that differs between these runs; every other "
        "setting is in `config.json`. Test scores use the weights of the epoch with the "
        "lowest validation loss; the test images were never seen during training.",
        "",
        header + (" test binary accuracy (article's metric) |" if binary else ""),
        "|---" * 14 + "|" + ("---|" if binary else ""),
    ]
    for row in rows:
        seeds = f"{row['seeds_finished']}"
        if row["seeds_diverged"]:
            seeds += f" (+{row['seeds_diverged']} diverged)"
        cells = [
            row["label"],
            format_mean_std(row["test_accuracy_mean"], row["test_accuracy_std"]),
            format_interval(row["test_accuracy_ci95_low"], row["test_accuracy_ci95_high"]),
            format_mean_std(row["test_loss_mean"], row["test_loss_std"]),
            format_best_epoch(row),
            "–" if row["seconds_per_epoch"] is None else f"{row['seconds_per_epoch']:.1f}",
            seeds,
            format_pp(row["diff_vs_best"]),
            format_interval(row["diff_ci95_low"], row["diff_ci95_high"], scale=100, digits=2),
            format_p(row["p_value"]),
            format_p(row["p_wilcoxon"]),
            format_p(row["p_holm"]),
            "–" if row["cohens_dz"] is None else f"{row['cohens_dz']:.2f}",
            row["verdict"],
        ]
        if binary:
            cells.append(
                format_mean_std(row.get("test_binary_accuracy_mean"), row.get("test_binary_accuracy_std"))
            )
        lines.append("| " + " | ".join(cells) + " |")
    most_seeds = max((row["seeds_finished"] for row in rows), default=0)
    lines += [
        "",
        "Mean ± sample standard deviation over seeds, and the 95% t interval of the mean. "
        "Runs with the same seed share the image order and dropout stream, so each activation "
        "is compared with the best one seed by seed: the mean paired difference in percentage "
        "points with its 95% interval, the paired t-test and Wilcoxon signed-rank test "
        f"(from {verdict.MIN_WILCOXON_PAIRS} pairs), Holm's adjustment over the comparisons "
        "with the best, and Cohen's d_z. *tied with best* means p_holm ≥ 0.05: no difference "
        "these seeds can show, not proof that there is none. "
        + (
            ""
            if most_seeds > 1
            else "With one seed per activation there is no estimate of run-to-run noise: "
            "rerun with `--seeds 5` before ranking activations that differ by a few tenths "
            "of a percentage point."
        ),
        "",
    ]
    for name in figures:
        caption = plotting.FIGURES[name].caption
        lines += [f"## {name}", "", caption, "", f"![{name}]({name})", ""]
    return "\n".join(lines)

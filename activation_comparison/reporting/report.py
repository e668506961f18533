"""The per-activation summary of one run folder: scores over seeds and the verdict.

Pure functions of history dicts; `experiment` writes what they return.
"""

import numpy as np

import activations
import plotting
from activation_comparison.reporting import epoch_timing, verdict_notes, verdict_text
from activation_comparison.verdict import verdict
from activation_comparison.setup.config import ExperimentConfig

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


def comparison(histories: list[dict], margin: float = verdict.DEFAULT_MARGIN,
               design: dict | None = None) -> verdict.Comparison:  # fmt: skip
    """The verdict of a folder's histories, activations in registry order; `design` is a
    `--seeds auto` folder's plan from its config.json."""
    order = activation_order(h["activation"] for h in histories)
    return verdict.compare(histories, order, margin, design=design)


def labels_of(names) -> dict[str, str]:
    return {name: activations.get(name).label for name in names}


def summarize(histories: list[dict], margin: float = verdict.DEFAULT_MARGIN,
              result: verdict.Comparison | None = None) -> list[dict]:  # fmt: skip
    """One row per activation: test scores as mean and std over the finished seeds, and
    the verdict columns (`verdict.COLUMNS`) of `result` (computed here when not given)."""
    rows_of = (result or comparison(histories, margin)).rows
    rows = []
    for name in rows_of:
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
        rows.append(row | {key: rows_of[name][key] for key in verdict.COLUMNS})
    return rows


def headline(histories: list[dict], margin: float = verdict.DEFAULT_MARGIN,
             result: verdict.Comparison | None = None) -> str:  # fmt: skip
    """The one sentence a reader can quote: the best or the best set, who is within the
    margin, who is worse and by at least how much, and what the verdict is about."""
    result = result or comparison(histories, margin)
    return verdict_text.headline(result, labels_of(result.rows))


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


def format_count(row: dict, kind: str) -> str:
    """'2 of 5 (5–85%)': a count of runs with its exact 95% interval."""
    count = row["seeds_stuck"] if kind == "stuck" else row["seeds_diverged"]
    low, high = row[f"{kind}_ci95_low"], row[f"{kind}_ci95_high"]
    if low is None:
        return "–"
    return f"{count} of {row['runs']} ({verdict_text.percent(low)}–{verdict_text.percent(high)})"


def format_spread(row: dict) -> str:
    """The t interval of the mean, or the median where stuck or diverged runs make it a mixture."""
    if row["test_accuracy_ci95_low"] is not None:
        return format_interval(row["test_accuracy_ci95_low"], row["test_accuracy_ci95_high"])
    if row["test_accuracy_median"] is not None and (row["seeds_stuck"] or row["seeds_diverged"]):
        return f"median {row['test_accuracy_median']:.4f}"
    return "–"


def format_seeds(row: dict) -> str:
    seeds = f"{row['seeds_finished']}"
    if row["seeds_diverged"]:
        seeds += f" (+{row['seeds_diverged']} diverged)"
    if row["seeds_stuck"]:
        seeds += f" ({row['seeds_stuck']} stuck)"
    return seeds


def format_yes_no(value) -> str:
    return "–" if value is None else ("yes" if value else "no")


def format_bound(value) -> str:
    if value is None:
        return "–"
    if not np.isfinite(value):
        return "−∞" if value < 0 else "+∞"
    return f"{100 * value:+.2f}"


def format_lost(row: dict) -> str:
    if not row["paired_seeds_vs_top"]:
        return "–"
    return f"{row['seeds_lost_vs_top']} of {row['paired_seeds_vs_top']}"


def format_number(value, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def format_failed(row: dict) -> str:
    """'2 of 5 (5–85%)': failed runs (diverged or stuck at chance) with the exact interval."""
    if row["failed_ci95_low"] is None:
        return "–"
    low, high = verdict_text.percent(row["failed_ci95_low"]), verdict_text.percent(row["failed_ci95_high"])
    return f"{row['seeds_failed']} of {row['runs']} ({low}–{high})"


def format_gap_bound(row: dict) -> str:
    """What the best set says of the distance to the best of the others, in pp: 'at least
    0.08 below' outside the set, 'L −0.32' (no more than that below) inside it."""
    if row["verdict"] == "worse" and row["below_best_by_at_least"] is not None:
        return f"≥ {100 * row['below_best_by_at_least']:.2f} below"
    if row["best_set_low"] is None:
        return "–"
    return f"L {format_bound(row['best_set_low'])}"


def table_columns(margin: float, binary: bool, mcnemar: bool, new_images: bool = False) -> list[tuple[str, object]]:
    """(header, cell of a row) for summary.md's table: the few columns a reader needs first;
    every statistic is in summary.csv."""
    columns = [
        ("activation", lambda row: row["label"]),
        ("test accuracy (95% CI)", lambda row: format_accuracy(row)),
        ("verdict", lambda row: row["verdict"] + (f" (left at {row['left_at_look']} seeds)" if row["left_at_look"] else "")),
        ("vs top (pp)", lambda row: format_pp(row["diff_vs_top"])),
        ("bound (pp)", format_gap_bound),
        (f"within {verdict_text.margin_text(margin)}", lambda row: format_yes_no(row["within_margin"])),
        ("lost on", format_lost),
        ("failed", format_failed),
        ("seeds", format_seeds),
    ]  # fmt: skip
    if new_images:
        columns.append(("new images: in set", lambda row: format_yes_no(row["new_images_in_best_set"])))
    if mcnemar:
        columns.append(("McNemar p_holm", lambda row: format_p(row["mcnemar_p_holm"])))
    if binary:
        columns.append(("test binary accuracy (article's metric)", lambda row: format_mean_std(
            row.get("test_binary_accuracy_mean"), row.get("test_binary_accuracy_std"))))  # fmt: skip
    return columns


def format_accuracy(row: dict) -> str:
    """'0.9891 [0.9883, 0.9899]': the mean with its t interval, or the median where failed
    runs make the seeds a mixture."""
    if row["test_accuracy_mean"] is None:
        return "–"
    if row["test_accuracy_ci95_low"] is not None:
        return f"{row['test_accuracy_mean']:.4f} {format_interval(row['test_accuracy_ci95_low'], row['test_accuracy_ci95_high'])}"
    if row["test_accuracy_median"] is not None and (row["seeds_stuck"] or row["seeds_diverged"]):
        return f"median {row['test_accuracy_median']:.4f}"
    return f"{row['test_accuracy_mean']:.4f}"


def filled(columns: list[tuple[str, object]], rows: list[dict]) -> list[tuple[str, object]]:
    """The columns with something to say in at least one row (the activation's always)."""
    return [column for position, column in enumerate(columns)
            if position == 0 or any(column[1](row) not in ("–", "") for row in rows)]  # fmt: skip


def summary_markdown(
    config: ExperimentConfig, rows: list[dict], figures: list[str], histories: list[dict],
    margin: float = verdict.DEFAULT_MARGIN, result: verdict.Comparison | None = None,
) -> str:  # fmt: skip
    """summary.md: the verdict sentence, the table a reader needs, one sentence per part of
    the method, then every figure in `figures` with its caption."""
    result = result or comparison(histories, margin)
    labels = {row["activation"]: row["label"] for row in rows}
    binary = any(row.get("test_binary_accuracy_mean") is not None for row in rows)
    columns = filled(table_columns(margin, binary, result.mcnemar, result.new_images_best_set is not None), rows)
    notes = [
        verdict_notes.looks_note(result, labels),
        verdict_notes.failures_note(result, labels),
        verdict_notes.new_images_note(result, labels),
        verdict_notes.mcnemar_note(result),
    ]
    lines = [
        f"# {config.run_name()}",
        "",
        verdict_text.headline(result, labels),
        "",
        "| " + " | ".join(header for header, _ in columns) + " |",
        "|---" * len(columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell(row) for _, cell in columns) + " |")
    lines += [
        "",
        "The activation is the only setting that differs between these runs (every setting is in "
        "`config.json`); each run is scored once on the untouched test images, with the weights of "
        "its lowest validation loss. Every statistic behind this table is in `summary.csv`.",
        "",
        verdict_text.estimand_sentence(result),
        "",
        *[line for note in notes if note for line in (note, "")],
        verdict_notes.best_set_sentence(result),
        "",
        verdict_notes.power_sentence(result),
        "",
        *([note, ""] if (note := verdict_notes.families_note(result, labels)) else []),
        *([note, ""] if (note := epoch_timing.timing_sentence(histories, labels)) else []),
    ]
    for name in figures:
        caption = plotting.FIGURES[name].caption
        lines += [f"## {name}", "", caption, "", f"![{name}]({name})", ""]
    return "\n".join(lines)

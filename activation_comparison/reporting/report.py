"""summary.md and summary.csv of one run folder, read from its result (`FolderResult`).

Pure functions of the result; `experiment` writes what they return. summary.md reads answer
first: at most three plain sentences, the table, the figures (or, where a figure has
nothing to show, one line saying why and what would draw it), then how the numbers were
made.
"""

import numpy as np

import plotting
from activation_comparison.reporting import machine_mix, timing_text, verdict_notes, verdict_text
from activation_comparison.results.folder_result import SUMMARY_COLUMNS, activation_order  # noqa: F401 (re-exported)


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
        # As the headline writes it: 0.004, not 0.00, for a gap under a hundredth of a point.
        return f"≥ {verdict_text.pp(row['below_best_by_at_least'])} below"
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


def figure_lines(result, figures: list[str]) -> list[str]:
    """Each of the folder's figures with its caption, in registry order; one not drawn gets
    one line instead: why it has nothing to show, and what would draw it."""
    lines = []
    for name in plotting.FOLDER_FIGURES:
        spec = plotting.FIGURES[name]
        if name in figures:
            lines += [f"## {name}", "", spec.caption, "", f"![{name}]({name})", ""]
        elif spec.missing is not None:  # A figure that is always drawn has no line for its absence.
            lines += [f"## {name}", "", verdict_text.capitalised(spec.missing(result)), ""]
    return lines


def method_lines(result) -> list[str]:
    """How the numbers were made, one paragraph a part, after the figures."""
    comparison, labels = result.comparison, result.labels
    notes = [
        verdict_notes.looks_note(comparison, labels),
        verdict_notes.failures_note(comparison, labels),
        verdict_notes.new_images_note(comparison, labels),
        verdict_notes.mcnemar_note(comparison),
        verdict_notes.best_set_sentence(comparison) if comparison.ranked else None,
        verdict_notes.power_sentence(comparison),
        verdict_notes.families_note(comparison, labels),
        timing_text.timing_sentence(result.histories, labels),
    ]
    return [
        "## How these numbers were made",
        "",
        "The activation is the only setting that differs between these runs (every setting is in "
        "`config.json`); each run is scored once on the untouched test images, with the weights of "
        "its lowest validation loss. Every statistic behind the table is in `summary.csv`; the method, "
        "its assumptions and its calibration are in docs/statistics.md.",
        "",
        verdict_text.estimand_sentence(comparison),
        "",
        *[line for note in notes if note for line in (note, "")],
    ]


def summary_markdown(result, figures: list[str]) -> str:
    """summary.md: the answer in at most three plain sentences, the table a reader needs,
    the machines where they differed, every figure in `figures` (the others, one line each),
    then how the numbers were made."""
    rows, comparison = result.rows, result.comparison
    binary = any(row.test_binary_accuracy_mean is not None for row in rows)
    columns = filled(table_columns(result.margin, binary, comparison.mcnemar,
                                   comparison.new_images_best_set is not None), rows)  # fmt: skip
    config = result.config
    lines = [
        f"# {config.run_name() if config else result.name}",
        "",
        " ".join(verdict_text.answer(comparison, result.labels)),
        "",
        "| " + " | ".join(header for header, _ in columns) + " |",
        "|---" * len(columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell(row) for _, cell in columns) + " |")
    lines.append("")
    if machines := machine_mix.machine_sentence(result.histories):
        lines += [machines, ""]
    lines += figure_lines(result, figures) + method_lines(result)
    return "\n".join(lines).rstrip() + "\n"

"""results/index.md: every run folder side by side, its verdict, and sweep figures.

Pure functions of each folder's result (`FolderResult`: its settings, histories, rows and
verdict, each folder judged at its own margin); `experiment` writes the files.
Where folders differ in one setting only, they form a sweep over that setting, drawn as
test accuracy (mean, 95% CI) and the clipped fraction against the setting. Where that
setting is the learning rate, the index adds the tuned verdict (`tuning`): each activation
at its own rate, with its numbers in `tuned_learning_rate.csv` (one file per group, named by
the group, where several groups are swept).
"""

import json
from pathlib import Path

import activations
import plotting
from activation_comparison.reporting import report, tuned_text, verdict_text
from activation_comparison.analysis import tuning
from activation_comparison.results.folder_result import FolderResult

TUNED_CSV = "tuned_learning_rate"
# Their entries in the figure registry (plotting.FIGURES), which also holds each folder's.
SWEEP_FIGURE = "sweep_<setting>.png"
TUNED_FIGURE = "tuned_median_loss.png"


def tuned_learning_rates(sweep_figures: list[tuple[str, str, list[FolderResult]]]) -> list[tuple[str, tuning.Tuned]]:
    """(CSV file, tuned verdict) for each group of folders that differ only in learning rate.

    One group writes `tuned_learning_rate.csv`; several are told apart by their common
    folder name (`tuned_learning_rate_<name>.csv`), or by number where that is empty or shared.
    """
    groups = [group for _, setting, group in sweep_figures if setting == tuning.SETTING]
    results = [tuning.tune(group) for group in groups]
    if len(results) == 1:
        return [(f"{TUNED_CSV}.csv", results[0])]
    names = [result.name for result in results]
    return [
        (f"{TUNED_CSV}_{result.name if result.name and names.count(result.name) == 1 else number}.csv", result)
        for number, result in enumerate(results, start=1)
    ]


def format_gap_change(row: dict, reference: str | None) -> str:
    """'+0.12 [-0.05, +0.29]' in pp; 'reference' for the reference itself."""
    if row["activation"] == reference:
        return "reference"
    if row["gap_change"] is None:
        return "–"
    change = report.format_pp(row["gap_change"])
    if row["gap_change_ci95_low"] is not None:
        low, high = report.format_pp(row["gap_change_ci95_low"]), report.format_pp(row["gap_change_ci95_high"])
        return f"{change} [{low}, {high}]"
    return f"{change} ({'same runs' if not row['gap_change_seeds_rate_changed'] else 'no spread'})"


def index_files(results_dir: Path) -> set[str]:
    """The files in `results_dir` that only the index writes: sweep figures, tuned CSVs
    and tuned figures."""
    patterns = ("sweep_*.png", f"{TUNED_CSV}*.csv", "tuned_median_loss*.png")
    return {path.name for pattern in patterns for path in results_dir.glob(pattern)}


def tuned_figure_file(csv_file: str) -> str:
    """tuned_learning_rate[_name].csv -> tuned_median_loss[_name].png."""
    return csv_file.replace(TUNED_CSV, "tuned_median_loss").removesuffix(".csv") + ".png"


def at_chosen_rates(tuned: tuning.Tuned) -> list[dict]:
    """Every run of each activation at the rate chosen on all its seeds (one rate per
    activation, as the GELU paper plots each nonlinearity at its best rate)."""
    histories = []
    for folder in tuned.folders:
        rate = tuning.rate_of(folder)
        histories += [
            history for history in folder.histories
            if history["activation"] in tuned.choices and tuned.choices[history["activation"]].learning_rate == rate
        ]  # fmt: skip
    return histories


def tuned_section(csv_file: str, tuned: tuning.Tuned) -> list[str]:
    """The index's lines for one learning-rate group: method, headline, table, checks."""
    rows = tuned.rows
    labels = {row["activation"]: row["label"] for row in rows}
    top = tuned.comparison.top
    reference = labels.get(top, "the top")
    lines = [
        "",
        f"## Tuned learning rate{': ' + tuned.name if tuned.name else ''}",
        "",
        f"Folders: {', '.join(folder.name for folder in tuned.folders)}. {tuned_text.tuned_method_sentence(tuned)}",
        "",
        tuned_text.tuned_headline(tuned, labels),
        "",
        f"| activation | rate chosen | leave-one-out agrees | by val. accuracy | tuned test accuracy | verdict "
        f"| gap change vs {reference} (pp) [95% CI] |",
        "|---" * 7 + "|",
    ]
    for row in rows:
        cells = [
            row["label"],
            tuning.rate_text(row["learning_rate"]),
            f"{row['loo_agreement']} of {row['loo_seeds']}" if row["loo_seeds"] else "–",
            tuning.rate_text(row["learning_rate_by_val_accuracy"]),
            report.format_mean_std(row["test_accuracy_mean"], row["test_accuracy_std"]),
            row["verdict"] or "–",
            format_gap_change(row, top),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        tuned_text.tuned_columns_sentence(tuned, labels),
        "",
        tuned_text.pairing_sentence(tuned.pairing, labels),
        "",
        f"Every number per activation, with the leave-one-out rate of each seed and the summary's "
        f"verdict columns: [{csv_file}]({csv_file}).",
        "",
        plotting.FIGURES[TUNED_FIGURE].caption,
        "",
        f"![{tuned_figure_file(csv_file)}]({tuned_figure_file(csv_file)})",
    ]
    return lines


def index_markdown(folders: list[FolderResult], sweep_figures: list[tuple[str, str, list[FolderResult]]],
                   tuned: list[tuple[str, tuning.Tuned]] | None = None) -> str:  # fmt: skip
    """One row per folder with the settings that differ, its verdict at its own margin, then
    the sweeps and, per learning-rate sweep, the tuned verdict (`tuned`: from
    `tuned_learning_rates`, computed here when not given)."""
    differing = [
        key
        for key in folders[0].settings
        if len({json.dumps(folder.settings.get(key)) for folder in folders}) > 1
    ]
    names = report.activation_order(row.activation for folder in folders for row in folder.rows)
    labels = [activations.get(name).label for name in names]
    lines = [
        "# Runs in this folder",
        "",
        "Test accuracy per activation (mean ± std over seeds) for every configuration; "
        + (
            "the columns before the activations are the settings that differ."
            if differing
            else "all runs share the same settings."
        ),
        "",
        "| run | " + " | ".join(differing + labels) + " |",
        "|---" * (1 + len(differing) + len(labels)) + "|",
    ]
    for folder in folders:
        cells = [f"[{folder.name}]({folder.name}/summary.md)"]
        cells += [str(folder.settings.get(key)) for key in differing]
        rows = {row.activation: row for row in folder.rows}
        for activation in names:
            row = rows.get(activation)
            cells.append("–" if row is None else report.format_mean_std(row.test_accuracy_mean, row.test_accuracy_std))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Verdicts", "", "Each folder is judged at its own margin, the one it was summarised at.", ""]
    lines += [f"- **{folder.name}**: {verdict_text.headline(folder.comparison, folder.labels)}" for folder in folders]
    for figure, setting, group in sweep_figures:
        lines += [
            "",
            f"## Sweep over {setting}",
            "",
            f"Folders: {', '.join(folder.name for folder in group)}. {plotting.FIGURES[SWEEP_FIGURE].caption}",
            "",
            f"![{figure}]({figure})",
        ]
    for csv_file, result in tuned_learning_rates(sweep_figures) if tuned is None else tuned:
        lines += tuned_section(csv_file, result)
    return "\n".join(lines) + "\n"

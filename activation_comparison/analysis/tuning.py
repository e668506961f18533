"""The tuned verdict: each activation at its own learning rate, across run folders.

Pure functions of folders (anything with `name`, `settings`, `histories` and `margin`, such as
`FolderResult`) and records; `experiment` writes what they return.

Where run folders differ only in learning rate, one activation may do best at a rate that
another does not like, so a verdict at one fixed rate may be a verdict about the rate. This
module chooses each activation's rate and compares them again.

Choosing a rate. A run's score is its best-epoch validation loss (the epoch that also gave
its test accuracy); a diverged run's is +inf. A rate's score is the median over seeds,
because one diverged run makes a mean infinite. The lowest median wins; on a tie the
smaller rate wins (ties happen in practice only when the medians are +inf, i.e. most runs
diverged at both rates, and the smaller rate is the less likely to diverge again).

Why leave one seed out. Choosing the rate on the seeds that are then compared favours lucky
seeds: validation and test score the same trained network, so a seed that happened to do
well at one rate pulls the choice there and then counts its luck again on the test set.
So seed s of activation a is compared at the rate chosen on a's *other* seeds. Only seeds
with a finished or diverged run at every rate of the group take part, in the choice and in
the verdict: a seed with a run at one rate only (the default folder often has more seeds
than the sweep) would otherwise be "tuned" to the one rate it has, and rates' medians would
be taken over different seeds. With two seeds a rate's median is the mean of the two, so one
diverged run makes it +inf: with two values, half diverged.

The tuned records are the real records of the chosen folders, predictions included, so the
verdict is a `FolderResult` of them, computed once, with the verdict's usual rules (a diverged run at chance, the test
images' noise where predictions exist) and `tuned_text` words it.

The rate chosen on all seeds, how often the leave-one-out choices agree with it, and the
choice by validation accuracy (highest median of the best epoch's val_accuracy; a diverged
run at chance) are reported as checks on the choice, not used by the verdict.

Whether tuning changes the verdict is measured by `gap_change`.

Pairs across folders are valid only if the same seed starts the same way at every rate;
`pairing_check` checks it from each run's epoch-0 diagnostics.
"""

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

import activations
from activation_comparison.setup import config, declarations
from activation_comparison.results.folder_result import SUMMARY_COLUMNS, FolderResult, activation_order
from activation_comparison.verdict import verdict
from activation_comparison.setup.image_format import NUM_CLASSES
from activation_comparison.analysis.gap_change import gap_changes
from activation_comparison.analysis.pairing_check import PairingCheck, check_pairing, initial_state_text

SETTING = "learning_rate"
DEFAULT_RATE = config.DEFAULTS[SETTING]

# The columns tuned_learning_rate.csv adds before the summary's (`SUMMARY_COLUMNS`).
TUNING_COLUMNS = [
    "activation", "label", "learning_rate", "val_loss_median", "seeds", "learning_rate_by_seed",
    "loo_agreement", "loo_seeds", "learning_rate_by_val_accuracy", "val_accuracy_median",
    "fixed_learning_rate", "gap_reference", "gap_fixed_mean", "gap_tuned_mean", "gap_change",
    "gap_change_ci95_low", "gap_change_ci95_high", "gap_change_seeds", "gap_change_seeds_rate_changed",
    "initial_state",
]  # fmt: skip
CSV_COLUMNS = list(dict.fromkeys(TUNING_COLUMNS + SUMMARY_COLUMNS))


@dataclass(frozen=True)
class Choice:
    """One activation's learning rates: chosen on all seeds, per seed on the others, and by
    validation accuracy."""

    activation: str
    learning_rate: float | None  # lowest median best-epoch validation loss over all seeds
    val_loss_median: float | None
    by_seed: dict[int, float | None]  # leave one seed out; every seed with a run at every rate, in order
    by_val_accuracy: float | None  # highest median best-epoch validation accuracy
    val_accuracy_median: float | None

    @property
    def loo_seeds(self) -> int:
        return sum(rate is not None for rate in self.by_seed.values())

    @property
    def loo_agreement(self) -> int:
        return sum(rate is not None and rate == self.learning_rate for rate in self.by_seed.values())


@dataclass(frozen=True)
class Tuned:
    """The tuned verdict of one group of folders that differ only in learning rate."""

    name: str  # the folders' common name, without the learning-rate token
    folders: list  # ascending learning rate
    fixed_rate: float | None  # the rate whose folder is the untuned comparison
    choices: dict[str, Choice]  # activation order
    records: list[dict]  # the real records at the chosen rates, each with its `learning_rate`
    result: FolderResult  # of `records`: the tuned verdict and rows, computed once
    gap_changes: dict[str, dict]
    pairing: PairingCheck

    @property
    def comparison(self) -> verdict.Comparison:
        return self.result.comparison

    @property
    def rates(self) -> list[float]:
        return [rate_of(folder) for folder in self.folders]

    @cached_property
    def rows(self) -> list[dict]:
        """tuned_learning_rate.csv's rows (`csv_rows`), made once for the CSV and the index."""
        return csv_rows(self)


def rate_of(folder) -> float:
    return folder.settings[SETTING]


def rate_text(rate: float | None) -> str:
    """'0.001', '0.0003'; '–' for no rate."""
    return "–" if rate is None else declarations.exact_number(rate)


def best_row(record: dict) -> dict | None:
    best = record.get("best_epoch")
    if best is None:
        return None
    return next((row for row in record.get("epochs", []) if row.get("epoch") == best), None)


def best_val_loss(record: dict) -> float | None:
    """The validation loss of the run's best epoch; +inf for a diverged run; None when the
    record has none (it then neither is a candidate nor counts)."""
    if record.get("status") == "diverged":
        return math.inf
    row = best_row(record)
    return None if row is None or row.get("val_loss") is None else float(row["val_loss"])


def best_val_accuracy(record: dict, classes: int = NUM_CLASSES) -> float | None:
    """The validation accuracy of the run's best epoch; chance for a diverged run."""
    if record.get("status") == "diverged":
        return verdict.chance(classes)
    row = best_row(record)
    return None if row is None or row.get("val_accuracy") is None else float(row["val_accuracy"])


def choose(values_by_rate: dict[float, list[float]], higher_is_better: bool = False):
    """(rate, its median) for the best median of each rate's values, or (None, None) when
    no rate has a value. A tie goes to the smaller rate."""
    medians = [(rate, float(np.median(values))) for rate, values in values_by_rate.items() if values]
    if not medians:
        return None, None
    sign = -1.0 if higher_is_better else 1.0
    return min(medians, key=lambda item: (sign * item[1], item[0]))


def scores_by_rate(folders, activation: str, score) -> dict[float, dict[int, float]]:
    """rate -> {seed: score(record)} for the activation's ended runs that have a score."""
    table = {}
    for folder in folders:
        runs = {}
        for record in folder.histories:
            if record["activation"] == activation and (value := score(record)) is not None:
                runs[int(record["seed"])] = value
        table[rate_of(folder)] = runs
    return table


def choose_rates(activation: str, losses: dict[float, dict[int, float]],
                 accuracies: dict[float, dict[int, float]]) -> Choice:  # fmt: skip
    """The rates of one activation from rate -> {seed: best-epoch validation loss} (and
    the same of validation accuracy), see the module docstring. Only seeds with a score at
    every rate take part."""
    complete = set.intersection(*(set(runs) for runs in losses.values())) if losses else set()
    losses = {rate: {seed: v for seed, v in runs.items() if seed in complete} for rate, runs in losses.items()}
    accuracies = {rate: {seed: v for seed, v in runs.items() if seed in complete} for rate, runs in accuracies.items()}
    seeds = sorted(complete)
    rate, median = choose({rate: list(runs.values()) for rate, runs in losses.items()})
    by_seed = {}
    for seed in seeds:
        others = {rate: [value for other, value in runs.items() if other != seed] for rate, runs in losses.items()}
        by_seed[seed] = choose(others)[0]
    by_accuracy, accuracy_median = choose(
        {rate: list(runs.values()) for rate, runs in accuracies.items()}, higher_is_better=True
    )
    return Choice(activation, rate, median, by_seed, by_accuracy, accuracy_median)


def tuned_records(folders, choices: dict[str, Choice]) -> list[dict]:
    """For each activation and seed with a leave-one-out rate, the record of the folder at
    that rate (a shallow copy, predictions included) with its `learning_rate`."""
    by_rate = {rate_of(folder): folder for folder in folders}
    records = []
    for name, choice in choices.items():
        for seed, rate in choice.by_seed.items():
            if rate is None:
                continue
            record = next(r for r in by_rate[rate].histories if r["activation"] == name and int(r["seed"]) == seed)
            records.append(dict(record, learning_rate=rate))
    return records


def fixed_rate(rates: list[float]) -> float | None:
    """The default learning rate where a folder has it, else the nearest on a log scale
    (the smaller on a tie)."""
    if not rates:
        return None
    if DEFAULT_RATE in rates:
        return DEFAULT_RATE
    return min(rates, key=lambda rate: (abs(math.log(rate / DEFAULT_RATE)), rate))


def group_name(folders) -> str:
    """The name parts every folder shares, in the first folder's order: the folder name
    without its learning-rate token ('mnist-e12-b128-clipvalue0.5-cce-val0.1'); '' when
    they share none."""
    parts = [name.split("-") for name in (folder.name for folder in folders)]
    return "-".join(part for part in parts[0] if all(part in other for other in parts[1:]))


def tune(folders, classes: int = NUM_CLASSES) -> Tuned:
    """The tuned verdict of folders that differ only in learning rate, at the margin of the
    folder it is compared with (the one at the fixed rate)."""
    folders = sorted(folders, key=rate_of)
    order = activation_order(r["activation"] for folder in folders for r in folder.histories)
    choices = {
        name: choose_rates(
            name,
            scores_by_rate(folders, name, best_val_loss),
            scores_by_rate(folders, name, lambda record: best_val_accuracy(record, classes)),
        )
        for name in order
    }
    records = tuned_records(folders, choices)
    at = fixed_rate([rate_of(folder) for folder in folders])
    fixed = next(folder for folder in folders if rate_of(folder) == at)
    result = FolderResult.of_records(records, fixed.margin, name=group_name(folders), classes=classes)
    comparison, fixed_records = result.comparison, fixed.histories
    changes = gap_changes(
        verdict.ranking_accuracies(records, order, classes),
        verdict.ranking_accuracies(fixed_records, order, classes),
        comparison.top,
        {name: choice.by_seed for name, choice in choices.items()},
        at,
    )
    return Tuned(
        name=group_name(folders), folders=folders, fixed_rate=at, choices=choices, records=records,
        result=result, gap_changes=changes, pairing=check_pairing(folders),
    )  # fmt: skip


def csv_columns(rows: list[dict]) -> list[str]:
    """`CSV_COLUMNS`, then any others the rows hold (the article's binary accuracy)."""
    return list(dict.fromkeys(CSV_COLUMNS + [key for row in rows for key in row]))


def csv_rows(tuned: Tuned) -> list[dict]:
    """One row per activation: `TUNING_COLUMNS`, then the summary's columns (blank for an
    activation with no tuned run)."""
    columns = tuned.result.columns()  # The binary accuracy only where a run recorded it.
    summary = {row.activation: {column: row[column] for column in columns} for row in tuned.result.rows}
    rows = []
    for name, choice in tuned.choices.items():
        row = dict.fromkeys(CSV_COLUMNS) | summary.get(name, {})
        row.update(
            activation=name,
            label=activations.get(name).label,
            learning_rate=choice.learning_rate,
            val_loss_median=choice.val_loss_median,
            seeds=" ".join(str(seed) for seed in choice.by_seed),
            learning_rate_by_seed=" ".join(rate_text(rate) for rate in choice.by_seed.values()),
            loo_agreement=choice.loo_agreement,
            loo_seeds=choice.loo_seeds,
            learning_rate_by_val_accuracy=choice.by_val_accuracy,
            val_accuracy_median=choice.val_accuracy_median,
            fixed_learning_rate=tuned.fixed_rate,
            initial_state=initial_state_text(tuned.pairing, name),
            **tuned.gap_changes[name],
        )
        rows.append(row)
    return rows

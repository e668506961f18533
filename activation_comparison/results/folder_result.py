"""A run folder's result, built once from the folder alone and read by everything else.

`FolderResult.of(path)` reads the folder's config.json (its settings, its own margin and,
with --seeds auto, its design) and its histories, and computes the verdict once: the
comparison (`verdict.Comparison`: the best set, every pair for pairwise.png, the looks) and
one typed row per activation (`Row`, summary.csv's columns). The summary, the index, the
sweep points, the tuned verdict, the figures and a notebook (`activation_comparison.load`)
all read it; none of them calls the statistics again. Like statsmodels' `Results`, it holds
numbers as plain attributes and no words: the headline and the figures a notebook asks
for (`.verdict`, `.figure`) are `notebook.Result`'s, which reads them from `reporting` and
`plotting`, above this room.
"""

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import activations
from activation_comparison.results import extract, history_files, run_folder
from activation_comparison.setup.config import DEFAULTS, ExperimentConfig, UsageError, margin_fraction
from activation_comparison.setup.image_format import NUM_CLASSES
from activation_comparison.verdict import sequential, verdict
from activation_comparison.verdict.row_columns import VerdictRow

NOTEBOOK_EXTRA = 'pip install -e ".[notebook]"'


@dataclass(frozen=True)
class Row(VerdictRow):
    """One activation's line of summary.csv: its test scores over seeds and its verdict."""

    activation: str = ""
    label: str = ""
    seeds_finished: int = 0
    test_accuracy_mean: float | None = None
    test_accuracy_std: float | None = None
    test_loss_mean: float | None = None
    test_loss_std: float | None = None
    best_epoch_mean: float | None = None
    seconds_per_epoch: float | None = None
    # The article's binary accuracy, recorded only with --loss binary_crossentropy.
    test_binary_accuracy_mean: float | None = None
    test_binary_accuracy_std: float | None = None

    @classmethod
    def column_names(cls) -> tuple[str, ...]:
        return tuple(SUMMARY_COLUMNS) + BINARY_COLUMNS


# summary.csv's columns, in its order; the binary accuracy follows where it was recorded.
SUMMARY_COLUMNS = [
    "activation", "label", "seeds_finished", "seeds_diverged",
    "test_accuracy_mean", "test_accuracy_std", "test_loss_mean", "test_loss_std",
    "best_epoch_mean", "seconds_per_epoch", *verdict.COLUMNS,
]  # fmt: skip
BINARY_COLUMNS = ("test_binary_accuracy_mean", "test_binary_accuracy_std")


def activation_order(names) -> list[str]:
    """Registry order first, then any other activations alphabetically."""
    names = set(names)
    return [n for n in activations.ACTIVATIONS if n in names] + sorted(names - set(activations.ACTIVATIONS))


def mean_and_std(values: list[float]):
    """Mean and sample standard deviation (None for fewer than two values)."""
    if not values:
        return None, None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), std


def rows_of(histories: list[dict], comparison: verdict.Comparison) -> tuple[Row, ...]:
    """One row per activation of `comparison`: test scores as mean and std over the finished
    seeds, then its verdict row."""
    rows = []
    for name, verdict_row in comparison.rows.items():
        runs = [h for h in histories if h["activation"] == name]
        finished = [h for h in runs if h["status"] == "finished"]
        scores = {}
        metrics = ["test_accuracy", "test_loss"]
        if any("test_binary_accuracy" in h for h in finished):
            metrics.append("test_binary_accuracy")
        for metric in metrics:
            scores[f"{metric}_mean"], scores[f"{metric}_std"] = mean_and_std(
                [h[metric] for h in finished if h.get(metric) is not None]
            )
        rows.append(Row(
            **dict(verdict_row), **scores, activation=name, label=activations.get(name).label,
            seeds_finished=len(finished),
            best_epoch_mean=mean_and_std([h["best_epoch"] for h in finished if h.get("best_epoch") is not None])[0],
            seconds_per_epoch=mean_and_std([r["seconds"] for h in runs for r in h["epochs"]
                                            if r.get("seconds") is not None])[0],
        ))  # fmt: skip
    return tuple(rows)


def recorded_margin(saved: dict) -> float:
    """A folder's own margin, as a fraction: its --seeds auto design's (fixed when the folder
    was made), else the one it was last summarised at, else its last command's --margin."""
    if saved.get("design"):
        return float(saved["design"]["margin"])
    points = (saved.get("summary") or {}).get("margin_pp", (saved.get("config") or {}).get("margin"))
    return margin_fraction(DEFAULTS["margin"] if points is None else points)


@dataclass(frozen=True)
class FolderResult:
    """A folder's verdict and rows, computed once; see the module docstring."""

    name: str
    saved: dict  # config.json ({} for hand-made records)
    histories: list[dict]
    margin: float  # the folder's own, as a fraction of accuracy
    comparison: verdict.Comparison
    rows: tuple[Row, ...]  # one per activation, in registry order
    path: Path | None = None
    fingerprint: str | None = None  # of the histories it was computed from

    @classmethod
    def of_records(cls, histories: list[dict], margin: float, *, name: str = "", saved: dict | None = None,
                   path: Path | None = None, looks: sequential.Progress | None = None,
                   classes: int = NUM_CLASSES, fingerprint: str | None = None) -> "FolderResult":  # fmt: skip
        """The result of run records (plain dicts, as read from a folder or made by hand) at
        `margin`; `looks` are the folder's looks as the command took them, reused where they
        saw the same runs."""
        saved = saved or {}
        order = activation_order(h["activation"] for h in histories)
        comparison = verdict.compare(histories, order, margin, classes, design=saved.get("design"), looks=looks)
        return cls(name, saved, histories, margin, comparison, rows_of(histories, comparison), path, fingerprint)

    @classmethod
    def of(cls, path, margin: float | None = None, looks: sequential.Progress | None = None) -> "FolderResult":
        """The result of the run folder at `path`, at its own recorded margin unless `margin`
        (a fraction) is given."""
        path = Path(path)
        saved = run_folder.read_json_or_refuse(path / "config.json")
        if not saved:
            raise UsageError(f"{path} is not a results folder (it has no config.json): give a folder such as "
                             "results/<run name>/ that compare_activations.py wrote")  # fmt: skip
        fingerprint = history_files.histories_fingerprint(path)
        return cls.of_records(history_files.read_histories(path), recorded_margin(saved) if margin is None else margin,
                              name=path.name, saved=saved, path=path, looks=looks, fingerprint=fingerprint)  # fmt: skip

    @property
    def settings(self) -> dict:
        """The settings that define the folder (`ExperimentConfig.identity`)."""
        return ExperimentConfig.identity(self.saved.get("config", {}))

    @property
    def config(self) -> ExperimentConfig | None:
        """The folder's last command's settings, or None where its config.json predates them."""
        known = {item.name for item in dataclasses.fields(ExperimentConfig)}
        try:
            return ExperimentConfig(**{k: v for k, v in self.saved.get("config", {}).items() if k in known})
        except (UsageError, TypeError):
            return None

    @property
    def design(self) -> dict | None:
        return self.saved.get("design")

    @property
    def order(self) -> list[str]:
        return [row.activation for row in self.rows]

    @property
    def labels(self) -> dict[str, str]:
        return {row.activation: row.label for row in self.rows}

    @property
    def looks(self) -> sequential.Progress | None:
        """A --seeds auto folder's looks (None for a fixed number of seeds)."""
        return self.comparison.progress

    @property
    def pairs(self) -> list[dict]:
        """Every pair of activations (pairwise.png's question, "which pairs differ?")."""
        return self.comparison.pairs

    def columns(self) -> list[str]:
        """summary.csv's columns: the binary accuracy only where a run recorded it."""
        binary = any(row.test_binary_accuracy_mean is not None for row in self.rows)
        return SUMMARY_COLUMNS + (list(BINARY_COLUMNS) if binary else [])

    def table(self):
        """The rows as a pandas DataFrame, one row per activation (summary.csv's columns)."""
        try:
            import pandas
        except ImportError:
            raise UsageError(f"FolderResult.table() needs pandas, the notebook extra: {NOTEBOOK_EXTRA}") from None
        columns = self.columns()
        return pandas.DataFrame([[row[column] for column in columns] for row in self.rows], columns=columns)


def load(path, margin: float | None = None, known: dict | None = None,
         looks: sequential.Progress | None = None) -> FolderResult:  # fmt: skip
    """The result of a run folder, at its own margin unless `margin` (a fraction) is given.

    `known` (path -> result) holds the results a command has computed: one whose histories
    and margin have not changed since is returned as it is, so a command computes a
    folder's verdict at most once. `path` may also be a folder's extract
    (`results.extract`), whose result is that of the folder it was written from.
    """
    path = Path(path)
    if path.is_file():
        if not extract.is_extract(path):
            raise UsageError(f"{path} is a file: load() takes a results folder (holding config.json and histories/) "
                             "or a folder's extract (published/<folder>.jsonl)")  # fmt: skip
        # An extract holds the folder's config.json and histories: its result needs no folder.
        saved = extract.read(path)
        wanted = recorded_margin(saved.config_json) if margin is None else margin
        return FolderResult.of_records(saved.runs, wanted, name=saved.folder, saved=saved.config_json, looks=looks)
    if known is None:
        return FolderResult.of(path, margin, looks)
    saved = run_folder.read_json_or_refuse(path / "config.json") or {}
    wanted = recorded_margin(saved) if margin is None else margin
    previous = known.get(path)
    if previous is None or previous.margin != wanted or previous.fingerprint != history_files.histories_fingerprint(path):
        known[path] = FolderResult.of(path, wanted, looks)
    return known[path]

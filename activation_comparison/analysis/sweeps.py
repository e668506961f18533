"""The sweeps of a results directory: groups of folders that differ in exactly one numeric
setting, and the points each sweep's figure draws, read from each folder's result."""

import json

import numpy as np

from activation_comparison.results.folder_result import FolderResult
from activation_comparison.setup import config

# Settings a sweep figure can put on an x axis: the numeric ones that define a folder (None,
# e.g. no clipping, gets a place of its own).
NUMERIC_SETTINGS = tuple(
    name for name, declared in config.SETTINGS.items() if declared.identity and config.is_numeric(name)
)


def sweeps(folders: list[FolderResult]) -> list[tuple[str, str, list[FolderResult]]]:
    """(figure file, setting, folders) for each group of two or more folders that differ in
    exactly one numeric setting."""
    found = []
    for setting in NUMERIC_SETTINGS:
        groups: dict[str, list[FolderResult]] = {}
        for folder in folders:
            rest = {key: value for key, value in folder.settings.items() if key != setting}
            groups.setdefault(json.dumps(rest, sort_keys=True), []).append(folder)
        swept = [group for group in groups.values() if len(group) > 1]
        for number, group in enumerate(swept, start=1):
            suffix = "" if len(swept) == 1 else f"_{number}"
            found.append((f"sweep_{setting}{suffix}.png", setting, group))
    return found


def mean_clipped_fraction(histories: list[dict], activation: str):
    """The clipped fraction averaged over every measured epoch and seed, or None."""
    values = [
        row["clipped_fraction"]
        for history in histories
        if history["activation"] == activation
        for row in history["epochs"]
        if row.get("clipped_fraction") is not None
    ]
    return float(np.mean(values)) if values else None


def sweep_points(setting: str, folders: list[FolderResult]) -> list[dict]:
    """The points `verdict_figures.sweep_figure` draws: one per folder and activation, from
    each folder's rows."""
    return [
        {
            "activation": row.activation,
            "setting_value": folder.settings.get(setting),
            "test_accuracy_mean": row.test_accuracy_mean,
            "test_accuracy_ci95_low": row.test_accuracy_ci95_low,
            "test_accuracy_ci95_high": row.test_accuracy_ci95_high,
            "clipped_fraction_mean": mean_clipped_fraction(folder.histories, row.activation),
        }
        for folder in folders
        for row in folder.rows
    ]

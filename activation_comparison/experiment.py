"""The comparison: every (activation, seed) run of a configuration, then its summary,
figures and the index of all run folders.

This is the one place that writes result files; `training` returns records and `report`
and `plotting` turn records into tables and figures.
"""

import sys
from pathlib import Path

import numpy as np

import activations
import plotting
from activation_comparison import (
    drawing, report, results_index, run_folder, storage, training, verdict_figures,
)
from activation_comparison.config import ExperimentConfig, UsageError
from activation_comparison.data import Dataset, Split
from activation_comparison.run_folder import FINAL_STATUSES, RunPaths


def run_experiment(
    config: ExperimentConfig,
    data: Dataset,
    results_dir: Path,
    force: bool = False,
    verbose="auto",
    command: str = "",
) -> Path:
    """Train every (activation, seed) not yet finished, then write summary, figures, index."""
    results_dir = Path(results_dir)
    split = Split.of(data, config)
    run_dir = run_folder.open_run_folder(results_dir, config, data, command)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    training.make_deterministic()

    specs = [activations.get(name) for name in config.activations]
    plan = [(spec, seed) for seed in range(config.seeds) for spec in specs]
    for number, (spec, seed) in enumerate(plan, start=1):
        prefix = f"[{number}/{len(plan)}] {spec.name}, seed {seed}"
        paths = RunPaths.of(run_dir, spec.name, seed)
        with storage.file_lock(paths.lock, wait=False) as acquired:
            if not acquired:
                print(f"{prefix} — being trained by another process; skipped here", flush=True)
                continue
            previous = run_folder.read_json_or_refuse(paths.history_json)
            if previous and previous.get("status") in FINAL_STATUSES:
                if not force:
                    print(f"{prefix} — already {previous['status']}, reused", flush=True)
                    paths.checkpoint.unlink(missing_ok=True)  # Left if killed while finishing.
                    continue
                paths.checkpoint.unlink(missing_ok=True)
            print(f"{prefix} — {estimate_remaining(run_dir, plan[number - 1:], config)}", flush=True)
            record = training.train_run(
                config, spec, seed, split, paths.checkpoint,
                lambda partial: run_folder.write_history(paths, config, partial), verbose,
            )  # fmt: skip
            run_folder.write_history(paths, config, record)
            paths.checkpoint.unlink(missing_ok=True)

    with storage.file_lock(run_dir / ".summary.lock"):
        write_summary(run_dir, config)
    with storage.file_lock(results_dir / ".index.lock"):
        write_index(results_dir)
    return run_dir


def estimate_remaining(run_dir: Path, remaining_plan, config: ExperimentConfig) -> str:
    """'ETA 14 min' from the seconds per epoch measured so far in this folder."""
    seconds = [
        row["seconds"]
        for path in (run_dir / "histories").glob("*.json")
        for row in (run_folder.read_json_or_refuse(path) or {}).get("epochs", [])
        if row.get("seconds") is not None
    ]
    if not seconds:
        return "ETA known after the first epoch"
    total = float(np.median(seconds)) * config.epochs * len(remaining_plan)
    return f"ETA {total / 60:.0f} min" if total >= 60 else f"ETA {total:.0f} s"


def write_summary(run_dir: Path, config: ExperimentConfig) -> list[dict]:
    histories = run_folder.read_histories(run_dir)
    rows = report.summarize(histories)
    storage.write_csv(run_dir / "summary.csv", rows, report.summary_columns(rows))
    order = report.activation_order(h["activation"] for h in histories)
    figures = plotting.plot_all(histories, run_dir, order)
    storage.write_text(
        run_dir / "summary.md", report.summary_markdown(config, rows, figures, histories)
    )
    return rows


def write_index(results_dir: Path) -> None:
    """results/index.md with every run folder's verdict, and a figure per sweep."""
    folders = []
    for config_path in sorted(results_dir.glob("*/config.json")):
        try:
            saved = storage.read_json(config_path)
            histories = run_folder.read_histories(config_path.parent)
        except (ValueError, UsageError) as error:
            print(f"index: {config_path.parent.name} left out ({error})", flush=True)
            continue
        if saved and "config" in saved and histories:
            settings = ExperimentConfig.identity(saved["config"])
            folders.append(results_index.Folder(config_path.parent.name, settings, histories))
    if not folders:
        return
    sweep_figures = results_index.sweeps(folders)
    for figure, setting, group in sweep_figures:
        points = results_index.sweep_points(setting, group)
        drawing.save_figure(verdict_figures.sweep_figure(points, setting), results_dir / figure)
    storage.write_text(results_dir / "index.md", results_index.index_markdown(folders, sweep_figures))

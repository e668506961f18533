"""The comparison: every (activation, seed) run of a configuration, then its summary,
figures and the index of all run folders.

This is the one place that writes result files; `training` returns records, the folder's
result (`FolderResult`) is computed once from the folder, and `report` and `plotting` turn
it into tables and figures.
"""

import concurrent.futures
import contextlib
from pathlib import Path

import numpy as np

import activations
import plotting
from activation_comparison.figures import drawing
from activation_comparison.planning import epoch_timing
from activation_comparison.reporting import report, results_index
from activation_comparison.analysis import sweeps, tuning
from activation_comparison.results import folder_result, history_files
from activation_comparison.execution import execution
from activation_comparison.setup import datasets
from activation_comparison.results import run_folder, storage
from activation_comparison.verdict import sequential, verdict
from activation_comparison.setup.config import AUTO, SETTINGS, ExperimentConfig, UsageError, margin_fraction
from activation_comparison.setup.data import Dataset, Split
from activation_comparison.training import tensorboard_log
from activation_comparison.results.run_folder import FINAL_STATUSES, RunPaths


class RunFailed(Exception):
    """A run ended with an error that is not the user's input: a worker died or crashed."""


def run(results_dir="results", data: str | None = None, force: bool = False, threads: int | None = None,
        workers: int | None = None, ray: str | None = None, gpus_per_run: float = 0.0, verbose="auto",
        **settings) -> folder_result.FolderResult:  # fmt: skip
    """The command line's work from Python, for one run folder: `settings` are the command
    line's settings with underscores (epochs=1, train_limit=300, activations=["relu", "gelu"]),
    the other arguments its flags of the same names. Returns the folder's result. Bad
    arguments raise UsageError with the command line's one-line message, before anything
    trains."""
    options = ("results_dir", "data", "force", "threads", "workers", "ray", "gpus_per_run", "verbose")
    config = ExperimentConfig.from_settings(settings, options)
    execution.check_options(threads, workers, ray, gpus_per_run)
    if config.tensorboard:
        tensorboard_log.check_installed()
    dataset = datasets.load_dataset(config.dataset, data)
    threads = execution.threads_per_run(threads, workers, ray is not None)
    runner = execution.make_runner(dataset, workers, threads, ray, gpus_per_run, verbose)
    command = f"activation_comparison.run({', '.join(f'{key}={value!r}' for key, value in settings.items())})"
    try:
        return run_experiment(config, dataset, Path(results_dir), force=force, verbose=verbose, command=command,
                              runner=runner, threads=threads)  # fmt: skip
    finally:
        runner.close()


def run_experiment(
    config: ExperimentConfig,
    data: Dataset,
    results_dir: Path,
    force: bool = False,
    verbose="auto",
    command: str = "",
    runner=None,
    threads: int | None = None,
    known: dict | None = None,
    control: str | None = None,
) -> folder_result.FolderResult:
    """Train every (activation, seed) not yet finished, then write summary, figures, index;
    return the folder's result.

    `runner` decides where runs execute (`execution.InProcess` by default, or worker
    processes, or Ray tasks); `threads` is each run's intra-op thread count (None: the
    backend's default). Whatever the runner, this loop claims each run's lock, and writes
    its final history when its record comes back. `known` (path -> result) keeps the
    folder results this command has computed, so that a sweep's index does not compute
    them again. `control`, with `--seeds auto`, is the activation that gets seeds at every
    look (a task's ReLU under `--tasks`).
    """
    known = {} if known is None else known
    results_dir = Path(results_dir)
    Split.of(data, config)  # A split that leaves nothing to train on is refused first.
    design = auto_design(config, control)
    run_dir = run_folder.open_run_folder(results_dir, config, data, command, threads, design)
    runner = runner or execution.InProcess(data, verbose)

    looks = None
    if design is None:
        specs = [activations.get(name) for name in config.activations]
        train_runs(run_dir, [(spec, seed) for seed in range(config.seeds) for spec in specs],
                   config, runner, threads, force, "")  # fmt: skip
    else:
        looks = run_looks(run_dir, config, runner, threads, force)

    with storage.file_lock(run_dir / ".summary.lock"):
        result = write_summary(run_dir, config, looks, known)
    with storage.file_lock(results_dir / ".index.lock"):
        write_index(results_dir, known)
    return result


def train_runs(run_dir: Path, plan: list, config: ExperimentConfig, runner, threads, force: bool, label: str) -> None:
    """Train every (spec, seed) of `plan` not yet finished, as one batch: up to
    `runner.workers` at once. `label` starts each progress line (the look, with --seeds auto)."""
    waiting = list(enumerate(plan, start=1))
    running: dict = {}  # future -> (prefix, paths, lock held for the run)
    completed = 0
    try:
        while waiting or running:
            while waiting and len(running) < runner.workers:
                number, (spec, seed) = waiting.pop(0)
                prefix = f"{label}[{number}/{len(plan)}] {spec.name}, seed {seed}"
                claim = claim_run(run_dir, spec.name, seed, prefix, force)
                if claim is None:
                    continue
                remaining = len(waiting) + len(running) + 1
                print(f"{prefix} — {estimate_remaining(run_dir, remaining, config, runner.workers)}", flush=True)
                task = execution.RunTask(config, spec.name, seed, run_dir, threads)
                try:
                    future = runner.submit(task)  # In process, this trains the run now.
                except BaseException:
                    claim[1].close()
                    raise
                running[future] = (prefix, *claim)
            if not running:
                break
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                prefix, paths, lock = running.pop(future)
                try:
                    record = result_of(future, prefix)
                    history_files.write_history(paths, config, record)
                    paths.checkpoint.unlink(missing_ok=True)
                finally:
                    lock.close()
                completed += 1
                if runner.workers > 1:
                    print(f"{prefix} — {outcome(record)} ({completed} trained here; "
                          f"{estimate_remaining(run_dir, len(waiting) + len(running), config, runner.workers)})",
                          flush=True)  # fmt: skip
    except BaseException:
        runner.close(cancel=True)  # No worker may go on training what nobody will record.
        for _, _, lock in running.values():
            lock.close()
        raise


def auto_design(config: ExperimentConfig, control: str | None = None) -> dict | None:
    """The planned looks and alpha spending of a `--seeds auto` folder; None for a fixed number."""
    if config.seeds != AUTO:
        return None
    return sequential.design(config.activations, config.max_seeds, margin_fraction(config.margin), control=control)


def run_looks(run_dir: Path, config: ExperimentConfig, runner, threads, force: bool) -> sequential.Progress:
    """`--seeds auto`: take the folder's planned looks in order, each look's runs one batch;
    return the looks taken.

    The looks are retaken from the finished runs (`sequential.replay`), so a folder resumed
    after a kill continues from its last look with the same decisions; within one command a
    look already taken is reused, so each look is decided once. The design is the one
    config.json recorded when the folder was made.
    """
    design = run_folder.read_json_or_refuse(run_dir / "config.json")["design"]
    told = 0  # Looks already printed.
    progress = None
    while True:
        progress = looks_taken(run_dir, design, progress)
        for look in progress.looks[told:]:
            print(f"look at {look.seeds} seeds: " + sequential.look_text(look), flush=True)
        told = len(progress.looks)
        run_folder.record_looks(run_dir, [sequential.look_record(look) for look in progress.looks])
        if progress.finished:
            return progress
        look = design["looks"][len(progress.looks)]
        print(f"look {len(progress.looks) + 1} of {len(design['looks'])}: {len(progress.next_runs)} runs to reach "
              f"{look} seeds for {', '.join(progress.still_in)}", flush=True)  # fmt: skip
        plan = [(activations.get(name), seed) for name, seed in progress.next_runs]
        train_runs(run_dir, plan, config, runner, threads, force, f"[look {len(progress.looks) + 1}] ")
        after = looks_taken(run_dir, design, progress)
        if len(after.looks) == len(progress.looks) and set(after.next_runs) == set(progress.next_runs):
            raise UsageError(f"{run_dir}: runs of this look are being trained by another process; "
                             "run the same command again when it is done")  # fmt: skip


def looks_taken(run_dir: Path, design: dict, previous: sequential.Progress | None = None) -> sequential.Progress:
    """The folder's looks, retaken from its finished runs; those of `previous` that saw the
    same runs are reused."""
    scores, failed = verdict.failures_and_scores(history_files.read_histories(run_dir), design["activations"])
    return sequential.replay(scores, failed, design, previous=previous)


def claim_run(run_dir: Path, activation: str, seed: int, prefix: str, force: bool):
    """(paths, held lock) for a run this process should train, or None after saying why not."""
    paths = RunPaths.of(run_dir, activation, seed)
    lock = contextlib.ExitStack()
    if not lock.enter_context(storage.file_lock(paths.lock, wait=False)):
        lock.close()
        print(f"{prefix} — being trained by another process; skipped here", flush=True)
        return None
    try:
        previous = run_folder.read_json_or_refuse(paths.history_json)
    except UsageError:
        lock.close()
        raise
    if previous and previous.get("status") in FINAL_STATUSES:
        paths.checkpoint.unlink(missing_ok=True)  # Left if killed while finishing.
        if not force:
            lock.close()
            print(f"{prefix} — already {previous['status']}, reused", flush=True)
            return None
    return paths, lock


def result_of(future, prefix: str) -> dict:
    try:
        return future.result()
    except (KeyboardInterrupt, UsageError, OSError):
        raise
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise RunFailed(
            f"{prefix} failed ({type(error).__name__}: {first_line}); finished runs and "
            "completed epochs are saved: run the same command again to resume"
        ) from None


def outcome(record: dict) -> str:
    if record["status"] == "finished":
        return f"finished, test accuracy {record['test_accuracy']:.4f}"
    return f"diverged in epoch {record['diverged_epoch']}"


def estimate_remaining(run_dir: Path, runs: int, config: ExperimentConfig, workers: int = 1) -> str:
    """'ETA 14 min' for `runs` runs from what an epoch's parts (training steps, validation,
    diagnostics, saving) have cost so far in this folder: the median, so that neither a
    first epoch's compilation nor a stall on a busy machine sets the pace."""
    histories = [
        history
        for path in (run_dir / "histories").glob("*.json")
        if (history := run_folder.read_json_or_refuse(path)) and history.get("epochs")
    ]
    costs = [epoch_timing.epoch_cost(row) for _, row in epoch_timing.trained_rows(histories)]
    if not costs:
        return "ETA known after the first epoch"
    total = float(np.median(costs)) * config.epochs * -(-runs // workers)
    return f"ETA {total / 60:.0f} min" if total >= 60 else f"ETA {total:.0f} s"


def write_summary(run_dir: Path, config: ExperimentConfig, looks: sequential.Progress | None = None,
                  known: dict | None = None) -> folder_result.FolderResult:  # fmt: skip
    """summary.csv, the figures and summary.md, all from the folder's result, computed once at
    this command's margin, which config.json then records as the folder's."""
    run_folder.record_summary(run_dir, config.margin)
    result = folder_result.load(run_dir, known={} if known is None else known, looks=looks)
    storage.write_csv(run_dir / "summary.csv", [dict(row) for row in result.rows], result.columns())
    figures = plotting.plot_all(result, run_dir, config.describe())
    storage.write_text(run_dir / "summary.md", report.summary_markdown(result, figures))
    return result


def write_index(results_dir: Path, known: dict | None = None) -> None:
    """results/index.md with every run folder's verdict at its own margin, a figure per
    sweep, and per learning-rate sweep the tuned verdict's table (`tuned_learning_rate*.csv`).
    `known` holds the folder results this command has computed already."""
    known = {} if known is None else known
    folders = []
    for config_path in sorted(results_dir.glob("*/config.json")):
        try:
            result = folder_result.load(config_path.parent, known=known)
        except (ValueError, UsageError) as error:
            print(f"index: {config_path.parent.name} left out ({error})", flush=True)
            continue
        if "config" in result.saved and result.histories:
            folders.append(result)
    if not folders:
        return
    sweep_figures = sweeps.sweeps(folders)
    draw_sweep = plotting.FIGURES[results_index.SWEEP_FIGURE].draw
    written = set()
    for figure, setting, group in sweep_figures:
        points = sweeps.sweep_points(setting, group)
        drawing.save_figure(draw_sweep(points, setting, SETTINGS[setting].none_label), results_dir / figure)
        written.add(figure)
    tuned = results_index.tuned_learning_rates(sweep_figures)
    draw_tuned = plotting.FIGURES[results_index.TUNED_FIGURE].draw
    for csv_file, result in tuned:
        storage.write_csv(results_dir / csv_file, result.rows, tuning.csv_columns(result.rows))
        figure = results_index.tuned_figure_file(csv_file)
        drawing.save_figure(draw_tuned(results_index.at_chosen_rates(result), list(result.choices)), results_dir / figure)
        written |= {csv_file, figure}
    storage.write_text(results_dir / "index.md", results_index.index_markdown(folders, sweep_figures, tuned))
    # A group that has grown or split since the last index (another folder added) has new
    # file names; the old ones would sit beside them, answering a question no longer asked.
    for stale in results_index.index_files(results_dir) - written:
        (results_dir / stale).unlink(missing_ok=True)

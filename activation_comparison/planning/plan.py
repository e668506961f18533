"""`--plan`: what a command would train and for how long, without training.

For each run folder the command would use, the runs it would train, the runs that have
already ended (finished or diverged, reused), the runs another process is training now,
and the wall time. The plan changes nothing: a folder that does not exist yet simply has
no runs, and a run's lock is probed only where its lock file already exists.

The time is the whole command's: its start-up, every run's parts and each folder's
summary, costed by `planning.run_costs` from the runs recorded under --results-dir where
they tell a part, else from its measured defaults. With --seeds auto a folder's looks are
retaken from its ended runs (`verdict.sequential`), so a partly run folder is planned from
where it stands: its next look, and the most it can still spend.
"""

import dataclasses
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from activation_comparison.planning import run_costs
from activation_comparison.setup import data
from activation_comparison.results import history_files, run_folder, storage
from activation_comparison.setup.config import AUTO, ExperimentConfig, UsageError, margin_fraction
from activation_comparison.results.run_folder import FINAL_STATUSES, RunPaths
from activation_comparison.verdict import sequential, verdict

# Both named datasets have 60,000 training images, so a plan needs to load only --data.
TRAINING_IMAGES = {"mnist": 60_000, "fashion_mnist": 60_000}
DEFAULT_THREADS = 2


@dataclass(frozen=True)
class Row:
    """One line of the plan: runs to train, ended and locked, and their wall time (the
    runs' training and the folder's summary)."""

    label: str
    to_train: int
    retrained: int
    finished: int
    locked: int
    seconds: float


def epoch_images(train_images: int, settings) -> int:
    """The images one epoch trains on, taken from `train_images` as `data.Split` takes them
    (`settings.train_limit`, `settings.validation_split`), and refused in the same words."""
    placeholders = data.Dataset(
        np.empty((train_images, 0)), np.zeros(train_images, np.int64), np.empty((0, 0)), np.zeros(0, np.int64)
    )
    return len(data.Split.of(placeholders, settings).x_train)


def lock_held(lock: Path) -> bool:
    """Whether another process holds a run's lock now. The lock is taken and released at
    once, and only where its file exists, so that probing creates nothing."""
    if not lock.exists():
        return False
    with storage.file_lock(lock, wait=False) as taken:
        return not taken


def run_state(run_dir: Path, activation: str, seed: int, force: bool) -> tuple[str, int]:
    """("finished" (ended, reused), "locked" (being trained elsewhere), "retrain" (ended,
    trained again with --force) or "train", the epochs a "train" run has already saved).
    A damaged history is refused, as training would."""
    paths = RunPaths.of(run_dir, activation, seed)
    history = run_folder.read_json_or_refuse(paths.history_json) or {}
    ended = history.get("status") in FINAL_STATUSES
    if ended and not force:
        return "finished", 0
    if lock_held(paths.lock):
        return "locked", 0
    if ended:
        return "retrain", 0
    saved = max((row.get("epoch", 0) for row in history.get("epochs", [])), default=0)
    return "train", saved if paths.checkpoint.exists() else 0


def folder_settings(run_dir: Path) -> tuple[dict, int | None, int | None]:
    """A folder's settings, the images its epochs trained on and its machine's cores, from
    its config.json; images and cores are None where it does not say."""
    try:
        saved = storage.read_json(run_dir / "config.json") or {}
    except ValueError:
        saved = {}
    settings = saved.get("config", {})
    try:
        limits = types.SimpleNamespace(train_limit=settings.get("train_limit"),
                                       validation_split=settings.get("validation_split", 0.1))  # fmt: skip
        images = epoch_images(saved["data"]["train_images"], limits)
    except (KeyError, TypeError, UsageError):
        images = None
    return settings, images, (saved.get("hardware") or {}).get("cores")


def recorded_runs(results_dir: Path, cores: int) -> dict[str, list[run_costs.RunRecord]]:
    """What every recorded run under `results_dir` cost, by folder name; a damaged history
    is left out. A folder without a config.json is taken to be of the default settings on
    this machine."""
    records = {}
    for histories in sorted(Path(results_dir).glob("*/histories")):
        settings, images, folder_cores = folder_settings(histories.parent)
        key = run_costs.cost_key(settings)
        for path in sorted(histories.glob("*.json")):
            try:
                history = storage.read_json(path)
            except ValueError:
                continue
            if isinstance(history, dict) and (record := run_costs.run_record(history, key, images, folder_cores or cores)):
                records.setdefault(histories.parent.name, []).append(record)
    return records


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 10 * 60:
        return f"{seconds / 60:.1f} min"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def seconds_too(seconds: float) -> str:
    """'4.2 min (251 s)': the duration, with its seconds where it is not given in them."""
    return duration(seconds) + (f" ({seconds:.0f} s)" if seconds >= 90 else "")


def training_seconds(run_seconds: list[float], at_once: int) -> float:
    """Wall time of runs handed out in order to `at_once` slots, each to the first free."""
    lanes = [0.0] * at_once
    for seconds in run_seconds:
        lanes[lanes.index(min(lanes))] += seconds
    return max(lanes)


def count_row(label: str, states: list[tuple[str, int]], cost: run_costs.RunCost, config: ExperimentConfig,
              at_once: int, activations: list[str | None] | None = None) -> Row:  # fmt: skip
    """A row of the runs in `states` (of `activations`, in the same order), with the summary
    of the folder they are in."""
    names = [state for state, _ in states]
    activations = activations or [None] * len(states)
    train = [(saved, activation) for (state, saved), activation in zip(states, activations)
             if state in ("train", "retrain")]  # fmt: skip
    seconds = training_seconds([cost.seconds(config.epochs - saved, activation) for saved, activation in train], at_once)
    seconds += run_costs.summary_seconds(config.model, len(states))
    return Row(label, len(train), names.count("retrain"), names.count("finished"), names.count("locked"), seconds)


def auto_progress(config: ExperimentConfig, run_dir: Path, control: str | None = None) -> tuple[dict, sequential.Progress]:
    """A --seeds auto folder's design (its config.json's, else the one it would get, with
    `control` as its control arm) and its looks retaken from its ended runs."""
    saved = run_folder.read_json_or_refuse(run_dir / "config.json") or {}
    design = saved.get("design") or sequential.design(config.activations, config.max_seeds, margin_fraction(config.margin),
                                                      control=control)  # fmt: skip
    histories = history_files.read_histories(run_dir) if run_dir.is_dir() else []
    scores, failed = verdict.failures_and_scores(histories, design["activations"])
    return design, sequential.replay(scores, failed, design)


def folder_rows(config: ExperimentConfig, run_dir: Path, cost: run_costs.RunCost, at_once: int, force: bool,
                control: str | None = None) -> list[Row]:  # fmt: skip
    """One row for a fixed number of seeds; with --seeds auto, one for the next look and one
    for the most the looks can still take (none once the looks have stopped)."""
    def row(label: str, runs) -> Row:
        states = [run_state(run_dir, name, seed, force) for name, seed in runs]
        return count_row(label, states, cost, config, at_once, [name for name, _ in runs])

    if config.seeds != AUTO:
        return [row(str(run_dir), [(name, seed) for seed in range(config.seeds) for name in config.activations])]
    design, progress = auto_progress(config, run_dir, control)
    if force:
        progress = sequential.replay({}, {}, design)
    names = design["activations"]
    # An activation that has left keeps the seeds it had; the others may get up to the most.
    # A control arm (--tasks) gets seeds at every look, in or out.
    kept = [(name, seed) for seed in range(design["max_seeds"]) for name in names
            if name in progress.still_in or name == design.get("control") or seed < progress.seeds_of[name]]  # fmt: skip
    if progress.finished:
        stop = progress.looks[-1]
        return [row(f"{run_dir}, stopped at {stop.seeds} seeds ({stop.stop})",
                    [run for run in kept if run[1] < progress.seeds_of[run[0]]])]  # fmt: skip
    look = design["looks"][len(progress.looks)]
    which = "next" if progress.looks else "first"
    return [row(f"{run_dir}, {which} look ({look} seeds)", [run for run in kept if run[1] < look]),
            row(f"{run_dir}, at most ({design['max_seeds']} seeds)", kept)]  # fmt: skip


def table(rows: list[Row]) -> list[str]:
    lines = [f"  {'to train':>8}  {'finished':>8}  {'locked':>6}  {'time':>7}  run folder"]
    for row in rows:
        time = duration(row.seconds) if row.to_train else "-"
        lines.append(f"  {row.to_train:>8}  {row.finished:>8}  {row.locked:>6}  {time:>7}  {row.label}")
    return lines


def total(label: str, rows: list[Row]) -> Row:
    return Row(label, sum(row.to_train for row in rows), sum(row.retrained for row in rows),
               sum(row.finished for row in rows), sum(row.locked for row in rows), sum(row.seconds for row in rows))  # fmt: skip


def runs_at_once(workers: int | None, ray_address: str | None, threads: int | None, cores: int) -> tuple[int, str]:
    """How many runs the command trains at once, and the words for it: --workers, or on a
    local Ray instance one per `threads` cores (as its runner counts them)."""
    if ray_address == "local":
        count = max(1, cores // (threads or 1))
        return count, f"{count} runs at a time (a local Ray instance: {cores} cores, {plural(threads or 1, 'thread')} per run)"
    if ray_address is not None:
        return 1, "one run at a time assumed (a Ray cluster's size is known only once it is reached)"
    if workers is None or workers == 1:
        return 1, "one run at a time"
    return workers, f"{workers} runs at a time (--workers {workers})"


def cost_sentence(cost: run_costs.RunCost, images: int, threads: int) -> str:
    """'21 s per epoch of 54,000 images with 2 threads (the default), ...' for one folder."""
    return (f"{duration(cost.epoch)} per epoch of {images:,} images with {plural(threads, 'thread')} "
            f"({cost.sources['epoch']}), the first {duration(cost.first)} ({cost.sources['first']}), "
            f"{duration(cost.fixed)} per run for the diagnostics before training and the test scoring "
            f"({cost.sources['fixed']})")  # fmt: skip


def plan_text(configs: list[ExperimentConfig], results_dir: Path, train_images: int,
              at_once: tuple[int, str] = (1, "one run at a time"), force: bool = False,
              threads: int | None = None, cores: int = DEFAULT_THREADS, ray: bool = False) -> str:  # fmt: skip
    """The plan of one command: a table of its run folders, the whole command's wall time
    and where its times come from.

    `train_images` is the size of the training set before --train-limit and the validation
    split; `at_once` is `runs_at_once(...)`; `threads` each run's intra-op threads (None: the
    backend's, one per core) on a machine of `cores` cores; `ray` whether Ray starts. The
    configs of one command differ only in swept settings, so they share their epochs and seeds.
    """
    results_dir = Path(results_dir)
    recorded = recorded_runs(results_dir, cores)
    used = min(threads or cores, cores)
    slot = run_costs.Slot(used, at_once[0], cores)
    folders, sources = [], {}
    for config in configs:
        images = epoch_images(train_images, config)
        key = run_costs.cost_key(dataclasses.asdict(config))
        # A folder's own runs trained on its settings and images, whether or not its config.json says so.
        own = [dataclasses.replace(record, key=key, images=record.images or images)
               for record in recorded.get(config.run_name(), [])]  # fmt: skip
        records = own + [record for name, runs in recorded.items() if name != config.run_name() for record in runs]
        cost = run_costs.run_cost(key, images, slot, records)
        run_dir = results_dir / config.run_name()
        folders.append(folder_rows(config, run_dir, cost, at_once[0], force))
        sources[run_dir] = cost_sentence(cost, images, used)
    rows = [row for folder in folders for row in folder]
    auto = configs[0].seeds == AUTO
    # With --seeds auto a folder has its next look's row, then the most's (one row once stopped).
    totals = ([total("total, next looks", [folder[0] for folder in folders]),
               total("total, at most", [folder[-1] for folder in folders])] if auto else [total("total", rows)])  # fmt: skip
    start = run_costs.start_seconds(at_once[0], ray)
    lines = ["Plan (nothing is trained or written; run the command without --plan to start it):", ""]
    lines += table(rows + (totals if len(configs) > 1 else [])) + [""]
    whole = [start + row.seconds for row in totals]
    if auto:
        lines.append(f"Wall time of the whole command: about {seconds_too(whole[0])} to the next look, "
                     f"at most {seconds_too(whole[1])}, with {duration(start)} of start-up "
                     "and the summaries and figures.")  # fmt: skip
    else:
        lines.append(f"Wall time of the whole command: about {seconds_too(whole[0])}, with "
                     f"{duration(start)} of start-up and the summaries and figures.")  # fmt: skip
    if len(set(sources.values())) == 1:
        lines.append(f"Time: {next(iter(sources.values()))}.")
    else:
        lines += ["Time:"] + [f"  {run_dir}: {source}" for run_dir, source in sources.items()]
    lines.append(f"Defaults measured on {run_costs.REFERENCE_MACHINE}; runs recorded under {results_dir} "
                 "replace them where they tell a part.")  # fmt: skip
    lines.append(f"Each run trains {plural(configs[0].epochs, 'epoch')}, {at_once[1]}.")
    if auto:
        looks = ", ".join(map(str, sequential.planned_looks(configs[0].max_seeds)))
        lines += [f"--seeds auto: looks at {looks} seeds. After each look only the activations still in the",
                  "best set get more seeds, so the runs lie between the next look's and the most."]
    if totals[-1].locked:
        lines.append("locked: being trained by another process now; this command would skip them.")
    if totals[-1].retrained:
        lines.append(f"--force: {totals[-1].retrained} of the runs to train have ended already and are trained again.")
    return "\n".join(lines) + "\n"

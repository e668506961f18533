"""`--plan`: what a command would train and for how long, without training.

For each run folder the command would use, the runs it would train, the runs that have
already ended (finished or diverged, reused), the runs another process is training now,
and the wall time. The plan changes nothing: a folder that does not exist yet simply has
no runs, and a run's lock is probed only where its lock file already exists.

The time per epoch comes from the epochs recorded under --results-dir: the folder's own
where it has some, else per training image from folders of the same network (else of any
network), scaled to this folder's images; without any, from a stated default. Reads
`setup`, the epoch costs of `reporting.epoch_timing` and the looks of `verdict.sequential`.
"""

import math
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from activation_comparison.reporting import epoch_timing
from activation_comparison.setup import data, run_folder, storage
from activation_comparison.setup.config import AUTO, ExperimentConfig, UsageError
from activation_comparison.setup.run_folder import FINAL_STATUSES, RunPaths
from activation_comparison.verdict import sequential

# Both named datasets have 60,000 training images, so a plan needs to load only --data.
TRAINING_IMAGES = {"mnist": 60_000, "fashion_mnist": 60_000}
# Without recorded epochs: the CNN trains an epoch of 54,000 images (MNIST less its
# validation tenth) in about 30 s on 2 CPU cores.
DEFAULT_EPOCH_SECONDS = 30.0
DEFAULT_EPOCH_IMAGES = 54_000
DEFAULT_THREADS = 2


@dataclass(frozen=True)
class Recorded:
    """The trained epochs of one run folder: the network, the images an epoch trains on
    (None when its config.json does not say), each epoch's cost in seconds and the intra-op
    threads its run used (None where the history does not say)."""

    model: str
    images: int | None
    costs: list[float]
    threads: list[int | None]


@dataclass(frozen=True)
class Row:
    """One line of the plan: runs to train, ended and locked, and their wall time."""

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


def run_state(run_dir: Path, activation: str, seed: int, force: bool) -> str:
    """"finished" (ended, reused), "locked" (being trained elsewhere), "retrain" (ended,
    trained again with --force) or "train". A damaged history is refused, as training would."""
    paths = RunPaths.of(run_dir, activation, seed)
    history = run_folder.read_json_or_refuse(paths.history_json) or {}
    ended = history.get("status") in FINAL_STATUSES
    if ended and not force:
        return "finished"
    if lock_held(paths.lock):
        return "locked"
    return "retrain" if ended else "train"


def epoch_costs(run_dir: Path) -> tuple[list[float], list[int | None]]:
    """Each trained epoch's cost (`epoch_timing.epoch_cost`) in a folder's histories,
    finished or not, and the threads of its run; a damaged history is left out."""
    histories = []
    for path in sorted((run_dir / "histories").glob("*.json")):
        try:
            history = storage.read_json(path)
        except ValueError:
            continue
        if isinstance(history, dict) and history.get("epochs"):
            histories.append(history)
    rows = list(epoch_timing.trained_rows(histories))
    return [epoch_timing.epoch_cost(row) for _, row in rows], [history.get("intra_op_threads") for history, _ in rows]


def folder_settings(run_dir: Path) -> tuple[str, int | None]:
    """A folder's network and the images its epochs trained on, from its config.json; the
    images are None when it does not say."""
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
    return settings.get("model", "cnn"), images


def recorded_epochs(results_dir: Path) -> dict[str, Recorded]:
    """Every folder under `results_dir` with trained epochs, by folder name."""
    recorded = {}
    for histories in sorted(Path(results_dir).glob("*/histories")):
        costs, threads = epoch_costs(histories.parent)
        if costs:
            recorded[histories.parent.name] = Recorded(*folder_settings(histories.parent), costs, threads)
    return recorded


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def at_threads(costs: list[float], recorded: list[int | None], threads: int, cores: int) -> list[float]:
    """Epoch costs as a run with `threads` intra-op threads would see them: the cores do the
    work, so an epoch recorded with 2 threads takes about twice as long with 1 (two workers
    on 2 cores train no faster than one run). A cost whose threads are not recorded stays."""
    used = min(threads, cores)
    return [cost * (min(count, cores) / used if count else 1.0) for cost, count in zip(costs, recorded)]


def seconds_per_epoch(config: ExperimentConfig, images: int, recorded: dict[str, Recorded], results_dir: Path,
                      threads: int, cores: int) -> tuple[float, str]:  # fmt: skip
    """(seconds, where they come from) for one epoch of `images` images of a run with
    `threads` threads: the median epoch, so that neither a first epoch's compilation nor a
    stall sets the pace."""
    own = recorded.get(config.run_name())
    if own is not None:
        costs = at_threads(own.costs, own.threads, threads, cores)
        return float(np.median(costs)), f"the median of {plural(len(costs), 'epoch')} recorded in this folder"
    scalable = {name: folder for name, folder in recorded.items() if folder.images}
    same_network = {name: folder for name, folder in scalable.items() if folder.model == config.model}
    for chosen, network in ((same_network, f" {config.model}"), (scalable, "")):
        if chosen:
            per_image = np.median([cost / folder.images for folder in chosen.values()
                                   for cost in at_threads(folder.costs, folder.threads, threads, cores)])  # fmt: skip
            count = sum(len(folder.costs) for folder in chosen.values())
            where = f"{plural(len(chosen), 'other' + network + ' folder')} under {results_dir}"
            return float(per_image) * images, f"the median per image of {plural(count, 'epoch')} recorded in {where}"
    default = at_threads([DEFAULT_EPOCH_SECONDS], [DEFAULT_THREADS], threads, cores)[0]
    return (default * images / DEFAULT_EPOCH_IMAGES,
            f"the default, {DEFAULT_EPOCH_SECONDS:.0f} s per {DEFAULT_EPOCH_IMAGES:,}-image epoch of the CNN on "
            f"2 CPU cores with 2 threads (no epochs are recorded under {results_dir} yet)")  # fmt: skip


def wall_seconds(epoch_seconds: float, epochs: int, runs: int, at_once: int) -> float:
    """Runs go in batches of `at_once`, each run `epochs` epochs."""
    return epoch_seconds * epochs * math.ceil(runs / at_once)


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def count_row(label: str, states: list[str], epoch_seconds: float, epochs: int, at_once: int) -> Row:
    to_train = states.count("train") + states.count("retrain")
    return Row(label, to_train, states.count("retrain"), states.count("finished"), states.count("locked"),
               wall_seconds(epoch_seconds, epochs, to_train, at_once))  # fmt: skip


def folder_rows(config: ExperimentConfig, run_dir: Path, epoch_seconds: float, at_once: int, force: bool) -> list[Row]:
    """One row for a fixed number of seeds; with --seeds auto, one for the first look and
    one for the most runs the looks can take."""
    def states(seeds: int) -> list[str]:
        return [run_state(run_dir, name, seed, force) for seed in range(seeds) for name in config.activations]

    if config.seeds != AUTO:
        return [count_row(str(run_dir), states(config.seeds), epoch_seconds, config.epochs, at_once)]
    first = sequential.planned_looks(config.max_seeds)[0]
    return [
        count_row(f"{run_dir}, first look ({first} seeds)", states(first), epoch_seconds, config.epochs, at_once),
        count_row(f"{run_dir}, at most ({config.max_seeds} seeds)", states(config.max_seeds), epoch_seconds,
                  config.epochs, at_once),
    ]  # fmt: skip


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


def plan_text(configs: list[ExperimentConfig], results_dir: Path, train_images: int,
              at_once: tuple[int, str] = (1, "one run at a time"), force: bool = False,
              threads: int | None = None, cores: int = DEFAULT_THREADS) -> str:  # fmt: skip
    """The plan of one command: a table of its run folders and where its times come from.

    `train_images` is the size of the training set before --train-limit and the validation
    split; `at_once` is `runs_at_once(...)`; `threads` each run's intra-op threads (None: the
    backend's, one per core) on a machine of `cores` cores. The configs of one command differ only in swept
    settings, so they share their epochs and seeds.
    """
    results_dir = Path(results_dir)
    recorded = recorded_epochs(results_dir)
    rows, sources = [], {}
    for config in configs:
        images = epoch_images(train_images, config)
        epoch_seconds, source = seconds_per_epoch(config, images, recorded, results_dir, threads or cores, cores)
        run_dir = results_dir / config.run_name()
        rows += folder_rows(config, run_dir, epoch_seconds, at_once[0], force)
        sources[run_dir] = (f"{duration(epoch_seconds)} per epoch of {images:,} images with "
                            f"{plural(min(threads or cores, cores), 'thread')}, from {source}")  # fmt: skip
    auto = configs[0].seeds == AUTO
    # With --seeds auto every folder has two rows: its first look, then the most runs.
    largest = rows[1::2] if auto else rows
    totals = [total("total, first looks", rows[0::2]), total("total, at most", largest)] if auto else [total("total", rows)]
    lines = ["Plan (nothing is trained or written; run the command without --plan to start it):", ""]
    lines += table(rows + (totals if len(configs) > 1 else [])) + [""]
    if len(set(sources.values())) == 1:
        lines.append(f"Time: {next(iter(sources.values()))}.")
    else:
        lines += ["Time:"] + [f"  {run_dir}: {source}" for run_dir, source in sources.items()]
    lines.append(f"Each run trains {plural(configs[0].epochs, 'epoch')}, {at_once[1]}.")
    if auto:
        looks = ", ".join(map(str, sequential.planned_looks(configs[0].max_seeds)))
        lines += [f"--seeds auto: looks at {looks} seeds. After each look only the activations still in the",
                  "best set get more seeds, so the runs lie between the first look's and the most."]
    if totals[-1].locked:
        lines.append("locked: being trained by another process now; this command would skip them.")
    if totals[-1].retrained:
        lines.append(f"--force: {totals[-1].retrained} of the runs to train have ended already and are trained again.")
    return "\n".join(lines) + "\n"

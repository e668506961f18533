"""What a command costs in wall time: its start-up, each run's parts, each folder's summary.

A run costs its fixed part (the diagnostics before training, scoring the test set and
saving its predictions), a first epoch (which also traces and compiles the model), and
its later epochs. An epoch costs a fixed part (validation set-up, diagnostics, saving)
plus a part per training image. A command adds its start-up (loading TensorFlow and the
data, the first model's warm-up, and worker processes) and, per run folder, the summary,
figures and index.

Each part comes from the runs recorded under --results-dir where they can tell it, else
from the measured defaults below, and always for the same network and cost settings
(`cost_key`). An epoch's time is taken only from recorded epochs of comparable size
(`COMPARABLE`): the epochs of a small run are mostly their fixed part, and their cost per
image, scaled up to the full training set, would be several times too large. Threads are
taken as measured, not as linear: `slot_factor`. Pure functions of plain records.
"""

import statistics
from dataclasses import dataclass, field

# The defaults' machine. Elsewhere they are a first guess until a run records its own.
REFERENCE_MACHINE = "a 2-core Intel Xeon with AMX, TensorFlow 2.21"
REFERENCE_CORES = 2
# An epoch recorded on between half and twice this epoch's images is of comparable size.
COMPARABLE = 2.0


@dataclass(frozen=True)
class NetworkCosts:
    """One network's measured costs in seconds, float32, 2 threads, one run at a time.

    `slots[(threads, runs_at_once)]` is the time of the same work relative to 2 threads
    and one run at a time, on the reference machine's 2 cores.
    """

    epoch_fixed: float
    per_image: float
    first_extra: float
    run_fixed: float
    slots: dict = field(default_factory=dict)
    # --loss-without-dropout: one more forward pass per step.
    without_dropout_factor: float = 1.0


# Measured on REFERENCE_MACHINE with nothing else running (benchmarks/README.md, "Planned
# against real wall time"): an epoch of all 54,000 MNIST training images takes the CNN
# about 22 s, the MLP about 1.5 s.
DEFAULTS = {
    "cnn": NetworkCosts(epoch_fixed=0.3, per_image=4.07e-4, first_extra=1.2, run_fixed=2.4,
                        slots={(2, 1): 1.0, (1, 1): 1.5, (1, 2): 1.45}, without_dropout_factor=1.3),  # fmt: skip
    "mlp": NetworkCosts(epoch_fixed=0.1, per_image=2.6e-5, first_extra=1.2, run_fixed=0.7,
                        slots={(2, 1): 1.0, (1, 1): 1.2, (1, 2): 1.3}, without_dropout_factor=1.3),  # fmt: skip
}
# A process's start-up: importing TensorFlow and Keras, loading MNIST, and the warm-up of
# its first model. Worker processes start in parallel, each paying its own.
START_SECONDS = 5.0
WORKER_START_SECONDS = 6.0
# A local Ray instance's start, beside the workers it starts (benchmarks/README.md).
RAY_START_SECONDS = 12.0
# Writing a folder's summary and figures, then the index: a fixed part and one per run.
SUMMARY_SECONDS = 2.5
SUMMARY_SECONDS_PER_RUN = 0.05
# Saving a run's history and predictions, and what no recorded part times.
RUN_UNTIMED_SECONDS = 0.3


def cost_key(settings: dict) -> tuple:
    """The settings, besides the images, that change what an epoch costs."""
    return (settings.get("model", "cnn"), settings.get("precision", "float32"), settings.get("batch_size", 128),
            bool(settings.get("loss_without_dropout")), settings.get("diagnostics", True))  # fmt: skip


@dataclass(frozen=True)
class RunRecord:
    """What one recorded run cost: its folder's `cost_key` and images per epoch, its threads
    and the runs that trained beside it on its machine's cores, its first epoch's and later
    epochs' wall seconds (first is None when the run was resumed), and its fixed part (None
    until it finished)."""

    key: tuple
    images: int | None
    threads: int
    at_once: int
    cores: int
    first: float | None
    later: tuple
    fixed: float | None


def run_record(history: dict, key: tuple, images: int | None, cores: int) -> RunRecord | None:
    """A history's costs, or None without a trained epoch. A run with fewer threads than
    the cores is taken to have shared them with others (--workers gives each cores / N)."""
    rows = [row for row in history.get("epochs", []) if row.get("epoch", 0) >= 1 and row.get("seconds") is not None]
    if not rows:
        return None
    threads = history.get("intra_op_threads") or cores
    at_once = max(1, cores // threads)
    first = rows[0]["seconds"] if rows[0]["epoch"] == 1 else None
    later = tuple(row["seconds"] for row in rows if row["epoch"] > 1)
    fixed = None
    if history.get("test_seconds") is not None:
        before = history["epochs"][0]
        fixed = history["test_seconds"] + ((before.get("diagnostics_seconds") or 0.0) if before.get("epoch") == 0 else 0.0)
    return RunRecord(key, images, threads, at_once, cores, first, later, fixed)


def slot_factor(model: str, threads: int, at_once: int, cores: int) -> float:
    """Time of a run's work with `threads` threads while `at_once` runs share `cores` cores,
    relative to 2 threads alone on 2 cores: as measured where the defaults have the slot;
    otherwise threads beyond 2 are taken to gain nothing, and runs that ask for more threads
    than there are cores to share them out."""
    slots = DEFAULTS.get(model, DEFAULTS["cnn"]).slots
    threads = max(1, min(threads, cores))
    if cores == REFERENCE_CORES and (threads, at_once) in slots:
        return slots[(threads, at_once)]
    alone = slots[(min(threads, 2), 1)]
    return alone * max(1.0, at_once * threads / cores)


@dataclass(frozen=True)
class Slot:
    """Where the planned runs train: threads each, runs at once, the machine's cores."""

    threads: int
    at_once: int
    cores: int


@dataclass(frozen=True)
class RunCost:
    """A planned run's parts in seconds, and for each part where it came from."""

    epoch: float
    first_extra: float
    fixed: float
    sources: dict

    def seconds(self, epochs: int, first_included: bool = True) -> float:
        extra = self.first_extra if first_included else 0.0
        return self.fixed + RUN_UNTIMED_SECONDS + extra + epochs * self.epoch


def recorded(count: int, noun: str) -> str:
    return f"{count} recorded {noun}{'' if count == 1 else 's'}"


def default_epoch(network: NetworkCosts, key: tuple, images: int) -> float:
    per_image = network.per_image * (network.without_dropout_factor if key[3] else 1.0)
    return network.epoch_fixed + per_image * images


def run_cost(key: tuple, images: int, slot: Slot, records: list[RunRecord]) -> RunCost:
    """A run's parts for `images` images per epoch in `slot`, from the `records` of the
    same `key` where they tell the part, else from `DEFAULTS`. Records made in other slots
    are scaled by `slot_factor`."""
    model = key[0]
    network = DEFAULTS.get(model, DEFAULTS["cnn"])
    target = slot_factor(model, slot.threads, slot.at_once, slot.cores)
    same = [record for record in records if record.key == key]

    def scale(record: RunRecord) -> float:
        return target / slot_factor(model, record.threads, record.at_once, record.cores)

    def shape(record: RunRecord) -> float:
        # From the record's images to these, along the default's fixed and per-image parts.
        return default_epoch(network, key, images) / default_epoch(network, key, record.images)

    sources = {}
    extras = [(record.first - statistics.median(record.later)) * scale(record)
              for record in same if record.first is not None and record.later]  # fmt: skip
    if extras:
        first_extra, sources["first"] = max(0.0, statistics.median(extras)), recorded(len(extras), "run")
    else:
        first_extra, sources["first"] = network.first_extra * target, "the default"
    comparable = [record for record in same if record.images and 1 / COMPARABLE <= record.images / images <= COMPARABLE]
    epochs = [seconds * scale(record) * shape(record) for record in comparable for seconds in record.later]
    if not epochs:
        # A first epoch, less what a first epoch adds, is an epoch too.
        epochs = [(record.first * scale(record) - first_extra) * shape(record)
                  for record in comparable if record.first is not None]  # fmt: skip
    if epochs:
        epoch, sources["epoch"] = statistics.median(epochs), recorded(len(epochs), "epoch") + " of comparable size"
    else:
        epoch, sources["epoch"] = default_epoch(network, key, images) * target, "the default"
    fixed_parts = [record.fixed * scale(record) for record in same if record.fixed is not None]
    if fixed_parts:
        fixed, sources["fixed"] = statistics.median(fixed_parts), recorded(len(fixed_parts), "run")
    else:
        fixed, sources["fixed"] = network.run_fixed * target, "the default"
    return RunCost(epoch, first_extra, fixed, sources)


def start_seconds(at_once: int, ray: bool) -> float:
    """A command's start-up: this process, then its worker processes or Ray instance."""
    if ray:
        return START_SECONDS + RAY_START_SECONDS
    return START_SECONDS + (WORKER_START_SECONDS if at_once > 1 else 0.0)


def summary_seconds(runs: int) -> float:
    """A folder's summary, figures and index, over its `runs` ended runs."""
    return SUMMARY_SECONDS + SUMMARY_SECONDS_PER_RUN * runs

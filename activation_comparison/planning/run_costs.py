"""What a command costs in wall time: its start-up, each run's parts, each folder's summary.

A run costs its fixed part (the diagnostics before training, scoring the test set and
saving its predictions), a first epoch (which also traces and compiles the model), and
its later epochs. Each kind of epoch costs a fixed part (validation set-up, diagnostics,
saving) plus a part per training image. A command adds its start-up (loading TensorFlow and the
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
    """One network's measured costs in seconds, float32, 2 threads, one run at a time: an
    epoch's fixed part and its part per image, the same for a first epoch (which also
    traces and compiles), a run's fixed part, and its folder's summary and figures.

    `slots[(threads, runs_at_once)]` is the time of the same work relative to 2 threads
    and one run at a time, on the reference machine's 2 cores.
    """

    epoch_fixed: float
    per_image: float
    first_fixed: float
    first_per_image: float
    run_fixed: float
    summary: float
    slots: dict = field(default_factory=dict)
    # activation -> (first epoch, later epochs) as a multiple of ReLU's; 1 for any other.
    activations: dict = field(default_factory=dict)

    def factors(self, activation: str | None) -> tuple[float, float]:
        return self.activations.get(activation, (1.0, 1.0))

    def epoch(self, images: int) -> float:
        return self.epoch_fixed + self.per_image * images

    def first(self, images: int) -> float:
        return self.first_fixed + self.first_per_image * images


# Measured on REFERENCE_MACHINE while nothing else trained (benchmarks/README.md, "Planned
# against real wall time"). The CNN: an epoch of all 54,000 MNIST training images 20-22 s,
# its first 22-25 s; one of 2,700 images 1.3 s, its first 2.2 s; the test scoring and the
# diagnostics before training 2.4-2.8 s. The MLP (--loss-without-dropout changes nothing
# measurable there): an epoch of 55,000 images 1.35 s (ReLU) to 1.8 s (GELU), its first
# 2.7-3.5 s. One thread alone: the CNN's epochs 1.31 times as long; two workers of one
# thread each: the CNN's 2.0 times, the MLP's 1.0-1.34 (its sweep). The MLP alone with one
# thread was not measured: taken as its workers'. The parts above are ReLU's; each other
# activation's epochs are a multiple of them, the medians of the published 12-epoch run (36
# runs, 432 epochs) and of the MLP sweep (90 runs); GELU's first CNN epoch, 1.9 times ReLU's
# in the 12-epoch run on shared cores, is 1.2 times on quiet ones (benchmarks/plan_accuracy.py).
# SiLU/Swish, Mish, Softplus and tanh: the medians of the published ten-activation task
# matrix, on quiet cores (the CNN's 18,000-image epochs on MNIST and Fashion-MNIST, 13 runs
# each where none left early; the MLP's 55,000-image epochs); tanh's MLP epochs equal ReLU's.
DEFAULTS = {
    "cnn": NetworkCosts(epoch_fixed=0.3, per_image=3.9e-4, first_fixed=0.9, first_per_image=4.4e-4, run_fixed=2.7,
                        summary=2.3, slots={(2, 1): 1.0, (1, 1): 1.31, (1, 2): 2.0},
                        activations={"sigmoid": (1.12, 1.13), "elu": (1.03, 1.01), "leaky_relu": (1.01, 1.05),
                                     "selu": (1.14, 1.20), "gelu": (1.2, 1.19), "swish": (1.26, 1.29),
                                     "mish": (1.61, 1.60), "softplus": (1.33, 1.34), "tanh": (1.01, 1.02)}),  # fmt: skip
    "mlp": NetworkCosts(epoch_fixed=0.05, per_image=2.6e-5, first_fixed=1.4, first_per_image=3.0e-5, run_fixed=0.55,
                        summary=4.0, slots={(2, 1): 1.0, (1, 1): 1.3, (1, 2): 1.3},
                        activations={"gelu": (1.15, 1.17), "swish": (1.14, 1.25), "mish": (1.14, 1.35),
                                     "softplus": (1.10, 1.27)}),  # fmt: skip
}
# A process's start-up: starting Python, importing TensorFlow and Keras, loading MNIST,
# and the warm-up of its first model. Worker processes start in parallel, each paying its own.
START_SECONDS = 7.0
WORKER_START_SECONDS = 9.0
# A local Ray instance's start, beside the workers it starts (benchmarks/README.md).
RAY_START_SECONDS = 12.0
# A folder's summary reads every ended run's history and predictions.
SUMMARY_SECONDS_PER_RUN = 0.1
# Building the model, saving a run's history and predictions: what no recorded part times.
RUN_UNTIMED_SECONDS = 0.4


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
    activation: str | None = None


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
    return RunRecord(key, images, threads, at_once, cores, first, later, fixed, history.get("activation"))


def slot_factor(model: str, threads: int, at_once: int, cores: int) -> float:
    """Time of a run's work with `threads` threads while `at_once` runs share `cores` cores,
    relative to 2 threads alone on 2 cores: as measured where the defaults have the slot;
    otherwise threads beyond 2 are taken to gain nothing, and runs that ask for more threads
    than there are cores to share them out."""
    slots = network_costs(model).slots
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
    """A planned run's parts in seconds (its first epoch, each later one, its fixed part),
    ReLU's, and for each part where it came from; `factors` (activation -> first, later)
    carry the epochs to another activation."""

    first: float
    epoch: float
    fixed: float
    sources: dict
    factors: dict = field(default_factory=dict)

    def seconds(self, epochs: int, activation: str | None = None) -> float:
        """A run of `activation` for `epochs` epochs; a resumed run's first epoch is no
        longer its first, but its model is still compiled again."""
        if epochs <= 0:
            return self.fixed + RUN_UNTIMED_SECONDS
        first, later = self.factors.get(activation, (1.0, 1.0))
        return self.fixed + RUN_UNTIMED_SECONDS + first * self.first + (epochs - 1) * later * self.epoch


def recorded(count: int, noun: str) -> str:
    return f"{count} recorded {noun}{'' if count == 1 else 's'}"


def network_costs(model: str) -> NetworkCosts:
    return DEFAULTS.get(model, DEFAULTS["cnn"])


def run_cost(key: tuple, images: int, slot: Slot, records: list[RunRecord]) -> RunCost:
    """A run's parts for `images` images per epoch in `slot`, from the `records` of the
    same `key` where they tell the part, else from `DEFAULTS`. An epoch is taken only from
    records of comparable size, carried to these images along the defaults' fixed and
    per-image parts; records made in other slots are scaled by `slot_factor`, and each record's epochs are
    taken back to ReLU's by its activation's factors."""
    network = network_costs(key[0])
    target = slot_factor(key[0], slot.threads, slot.at_once, slot.cores)
    same = [record for record in records if record.key == key]
    comparable = [record for record in same if record.images and 1 / COMPARABLE <= record.images / images <= COMPARABLE]

    def scale(record: RunRecord) -> float:
        return target / slot_factor(key[0], record.threads, record.at_once, record.cores)

    firsts = [record.first * scale(record) * network.first(images) / network.first(record.images)
              / network.factors(record.activation)[0] for record in comparable if record.first is not None]  # fmt: skip
    epochs = [seconds * scale(record) * network.epoch(images) / network.epoch(record.images)
              / network.factors(record.activation)[1] for record in comparable for seconds in record.later]  # fmt: skip
    # Where only one kind of epoch is recorded, the other keeps the defaults' ratio to it.
    first = statistics.median(firsts) if firsts else None
    epoch = statistics.median(epochs) if epochs else None
    if first is None:
        first = network.first(images) * (epoch / network.epoch(images) if epoch else target)
    if epoch is None:
        epoch = network.epoch(images) * (first / network.first(images) if firsts else target)
    sources = {"first": recorded(len(firsts), "first epoch") + " of comparable size" if firsts else
               "from the later epochs" if epochs else "the default",
               "epoch": recorded(len(epochs), "epoch") + " of comparable size" if epochs else
               "from the first epochs" if firsts else "the default"}  # fmt: skip
    fixed_parts = [record.fixed * scale(record) for record in same if record.fixed is not None]
    if fixed_parts:
        fixed, sources["fixed"] = statistics.median(fixed_parts), recorded(len(fixed_parts), "run")
    else:
        fixed, sources["fixed"] = network.run_fixed * target, "the default"
    return RunCost(first, epoch, fixed, sources, network.activations)


def start_seconds(at_once: int, ray: bool) -> float:
    """A command's start-up: this process, then its worker processes or Ray instance."""
    if ray:
        return START_SECONDS + RAY_START_SECONDS
    return START_SECONDS + (WORKER_START_SECONDS if at_once > 1 else 0.0)


def summary_seconds(model: str, runs: int) -> float:
    """A folder's summary, figures and index, over its `runs` ended runs."""
    return network_costs(model).summary + SUMMARY_SECONDS_PER_RUN * runs

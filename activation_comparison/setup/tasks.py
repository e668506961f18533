"""The tasks of a cross-task comparison, as a registry: `--tasks NAME ...` runs them.

A task is everything but the activation: a dataset, a network, its reference settings with
one learning rate for every activation, a budget (epochs and training images), the test
split (the dataset's own), a margin, and the most seeds its looks may take. Every task runs
with `--seeds auto` and ReLU as its control arm (`verdict/sequential.py`). Its settings are
its definition: flags that would change them are refused beside `--tasks`.

The budgets are short on purpose: a whole ten-activation matrix, at its most runs (ten
activations x `max_seeds`), fits in 4 hours of `--plan` on 2 CPU cores. `epoch_seconds` is
an epoch's time measured on such a machine with 2 threads, which `--plan` uses until the
task's folder has recorded epochs of its own.
"""

from dataclasses import dataclass, field

from activation_comparison.setup.errors import UsageError

CONTROL = "relu"
# The article's optimiser: Adam, batch 128, each gradient element clipped to 0.5.
ARTICLE = {"batch_size": 128, "learning_rate": 1e-3, "clip_value": 0.5, "loss": "categorical_crossentropy"}


@dataclass(frozen=True)
class Task:
    name: str
    description: str  # One line: what is trained on what.
    dataset: str
    settings: dict = field(default_factory=dict)  # ExperimentConfig fields beyond the dataset.
    margin: float = 0.2  # Percentage points, as --margin.
    max_seeds: int = 12
    epoch_seconds: float = 10.0
    budget_reason: str = ""


TASKS: dict[str, Task] = {
    "mnist": Task(
        "mnist", "the article's CNN on MNIST", "mnist",
        ARTICLE | {"model": "cnn", "epochs": 2, "train_limit": 20_000},
        margin=0.2, epoch_seconds=10.0,
        budget_reason="2 epochs of 18,000 images: about 99% accuracy already, at a third of a full epoch's cost"),
    "mnist_mlp": Task(
        "mnist_mlp", "the GELU paper's MLP on MNIST (no clipping, 5,000 validation images)", "mnist",
        {"model": "mlp", "epochs": 5, "batch_size": 128, "learning_rate": 1e-3, "clip_value": None,
         "validation_split": 0.0833333},
        margin=0.5, epoch_seconds=2.0,
        budget_reason="5 of the paper's epochs of 55,000 images: the MLP's epoch is cheap, its error settles later"),
    "fashion_mnist": Task(
        "fashion_mnist", "the article's CNN on Fashion-MNIST", "fashion_mnist",
        ARTICLE | {"model": "cnn", "epochs": 2, "train_limit": 20_000},
        margin=2.0, epoch_seconds=10.0,
        budget_reason="as mnist: 2 epochs of 18,000 images"),
    "mnist1d": Task(
        "mnist1d", "a small 1-D CNN on MNIST-1D (4,000 training, 1,000 test sequences)", "mnist1d",
        ARTICLE | {"model": "cnn1d", "epochs": 60, "learning_rate": 3e-3},
        margin=3.0, epoch_seconds=0.2,
        budget_reason="60 epochs of 3,600 sequences (1,700 steps): an epoch is a fifth of a second"),
    "digits": Task(
        "digits", "a small MLP on scikit-learn's 8x8 digits (1,347 training, 450 test images)", "digits",
        ARTICLE | {"model": "mlp_small", "epochs": 60},
        margin=1.0, epoch_seconds=0.05,
        budget_reason="60 epochs of 1,212 images; one of its 450 test images is 0.22 pp, so its margin is 1 pp"),
}  # fmt: skip


def get(name: str) -> Task:
    """Return the task `name`, or raise `UsageError` naming the valid choices."""
    if name not in TASKS:
        raise UsageError(f"--tasks: unknown task {name!r}, choose from {', '.join(TASKS)} (or all)")
    return TASKS[name]


def named(names) -> list[Task]:
    """The tasks `names` asks for, in the registry's order ("all": every task)."""
    names = list(TASKS) if "all" in names else list(names)
    chosen = {get(name).name for name in names}
    return [task for task in TASKS.values() if task.name in chosen]


def settings(task: Task, activations) -> dict:
    """The `ExperimentConfig` fields of `task` for `activations`, with ReLU's control arm."""
    if CONTROL not in activations:
        raise UsageError(f"--tasks compares every activation with {CONTROL}: add {CONTROL} to --activations")
    return {"activations": tuple(activations), "dataset": task.dataset, "seeds": "auto", "max_seeds": task.max_seeds,
            "margin": task.margin} | task.settings  # fmt: skip

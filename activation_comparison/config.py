"""The settings of one comparison, checked when they are made, and the run folder's name."""

import math
from dataclasses import dataclass

import activations
from activation_comparison import losses

DATASETS = ("mnist", "fashion_mnist")
# Keras' mixed-precision policies; each changes the numbers, so it is part of the folder name.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


class UsageError(Exception):
    """Bad settings or data: the message says what was wrong and what to do."""


def exact_number(value: float) -> str:
    """`value` as short as `:g` writes it when that is exact, else every digit it has.

    `:g` keeps six significant digits, so 0.0010000001 and 0.001 would share a name.
    """
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


@dataclass(frozen=True)
class ExperimentConfig:
    """Every setting of one comparison; the activation is the only scientific variable.

    Making one checks it, so a library caller gets the same one-line `UsageError` as the
    command line. The messages name the command-line flag of each setting.
    """

    activations: tuple[str, ...] = activations.DEFAULT_ACTIVATIONS
    seeds: int = 1  # Seeds 0..seeds-1 for every activation.
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 1e-3
    clip_value: float | None = 0.5  # Adam(clipvalue=...), as in the article.
    clip_norm: float | None = None  # Adam(clipnorm=...): each gradient's L2 norm.
    loss: str = "categorical_crossentropy"
    validation_split: float = 0.1
    train_limit: int | None = None
    dataset: str = "mnist"
    diagnostics: bool = True
    probe_size: int = 512
    precision: str = "float32"

    def __post_init__(self):
        object.__setattr__(self, "activations", tuple(self.activations))
        for name in self.activations:
            try:
                activations.get(name)
            except ValueError as error:
                raise UsageError(str(error)) from None
        try:
            losses.get(self.loss)
        except ValueError as error:
            raise UsageError(f"--loss: {error}") from None
        checks = [
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}"),
            (self.seeds >= 1, f"--seeds must be at least 1, got {self.seeds}"),
            (self.probe_size >= 1, f"--probe-size must be at least 1, got {self.probe_size}"),
            (
                math.isfinite(self.learning_rate) and self.learning_rate > 0,
                f"--learning-rate must be a positive number, got {self.learning_rate}",
            ),
            (
                0 < self.validation_split < 1,
                f"--validation-split must be between 0 and 1, got {self.validation_split}",
            ),
            (
                self.train_limit is None or self.train_limit >= 2,
                f"--train-limit must be at least 2 images, got {self.train_limit}",
            ),
            (
                len(self.activations) == len(set(self.activations)) and self.activations,
                "--activations must name each activation once",
            ),
            (self.dataset in DATASETS, f"--dataset must be one of {', '.join(DATASETS)}"),
            (self.precision in PRECISIONS, f"--precision must be one of {', '.join(PRECISIONS)}"),
            (
                self.clip_value is None or self.clip_norm is None,
                "set one of clip_value and clip_norm, not both: Keras optimizers accept one",
            ),
        ]
        for flag, value in (("--clip-value", self.clip_value), ("--clip-norm", self.clip_norm)):
            if value is not None:
                checks.append(
                    (
                        math.isfinite(value) and value > 0,
                        f"{flag} must be a positive number, got {value}; "
                        "use --no-clip for no clipping",
                    )
                )
        for passed, message in checks:
            if not passed:
                raise UsageError(message)

    def clip_name(self) -> str:
        if self.clip_value is not None:
            return f"clipvalue{exact_number(self.clip_value)}"
        if self.clip_norm is not None:
            return f"clipnorm{exact_number(self.clip_norm)}"
        return "noclip"

    def run_name(self) -> str:
        """A readable folder name from the settings that change what a run computes.

        Activations and seeds are left out on purpose: adding either to a configuration
        trains only the new runs and keeps the finished ones.
        """
        name = (
            f"{self.dataset}-e{self.epochs}-b{self.batch_size}"
            f"-lr{exact_number(self.learning_rate)}-{self.clip_name()}"
            f"-{losses.get(self.loss).short_name}-val{exact_number(self.validation_split)}"
        )
        if self.train_limit is not None:
            name += f"-n{self.train_limit}"
        if self.precision != "float32":
            name += f"-{self.precision}"
        return name

    @staticmethod
    def identity(settings: dict) -> dict:
        """The settings, from `asdict` or config.json, that define a run folder."""
        not_identity = ("activations", "seeds", "diagnostics", "probe_size")
        return {key: value for key, value in settings.items() if key not in not_identity}

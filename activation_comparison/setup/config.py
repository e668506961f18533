"""The settings of one comparison, each declared once, and the run folder's name.

A setting is one field of `ExperimentConfig`, made by `setting(...)` (`declarations`): its type and default,
its check and one-line error, its command-line flag and help, its group in `--help`, its token
in the folder name (left out at the default where so declared, so that older folder names
stay), whether it defines the folder (`identity`), and whether several values sweep. The
config's checks, the folder name, the identity check that keeps a folder to one setting,
the command line and the index's sweeps all read these declarations (`SETTINGS`).
"""

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any

import activations
from activation_comparison.setup import datasets, losses, networks
from activation_comparison.setup.checks import (at_least, between_zero_and_one, dropout_rate, known_activations, one_of,
                                                positive_number, type_problem)  # fmt: skip
from activation_comparison.setup.declarations import (CLIPPING, COMPARED, OUTPUT, TRAINING, VERDICT, Setting,
                                                      clip_token, exact_number, prefixed, setting)  # fmt: skip
from activation_comparison.setup.errors import UsageError  # noqa: F401 (re-exported)

DATASETS = tuple(datasets.DATASETS)
# Keras' mixed-precision policies; each changes the numbers, so it is part of the folder name.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
AUTO = "auto"


def margin_fraction(percentage_points: float) -> float:
    """The --margin setting, in percentage points, as the verdict takes it: a fraction of
    accuracy (0.2 -> 0.002). The one place the margin changes unit."""
    return percentage_points / 100


def margin_points(fraction: float) -> float:
    """A margin as a fraction of accuracy back in percentage points (0.002 -> 0.2)."""
    return 100 * fraction


def parse_seeds(text: str) -> int | str:
    """--seeds: a positive integer, or "auto"."""
    if text == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--seeds must be a positive integer or auto, got {text!r}") from None


def seed_count(value, flag):
    if value == AUTO or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    return f"{flag} must be a positive integer or auto, got {value!r}"


@dataclass(frozen=True)
class ExperimentConfig:
    """Every setting of one comparison; the activation is the only scientific variable.

    Making one checks it, so a library caller gets the same one-line `UsageError` as the
    command line. The messages name the command-line flag of each setting.
    """

    activations: tuple[str, ...] = setting(
        activations.DEFAULT_ACTIVATIONS, "--activations",
        "activations to compare, or a named set: " + ", ".join(
            f"{name} ({' '.join(members)})" for name, members in activations.ACTIVATION_SETS.items())
        + "; any Keras built-in such as celu or hard_tanh also works", group=COMPARED,
        check=known_activations, identity=False, metavar="NAME")
    # "auto": seeds spent where the answer is open (verdict/sequential.py); its folder is
    # its own ("-auto"), so that its design is fixed before any of its runs is seen.
    seeds: int | str = setting(1, "--seeds", "run seeds 0..K-1 for every activation; auto adds seeds in planned "
                               "looks (3, 5, 8, 12, 16, 20) only to the activations still in the best set", group=COMPARED,
                               check=seed_count, token=lambda value, config: "auto" if value == AUTO else None,
                               identity=False, metavar="K|auto")
    max_seeds: int = setting(20, "--max-seeds", "with --seeds auto: the most seeds any activation gets, and the last look",
                             group=COMPARED, check=at_least(3), identity=False, metavar="N")
    dataset: str = setting("mnist", "--dataset", "which dataset: " + "; ".join(
        f"{spec.name}: {spec.description}" for spec in datasets.DATASETS.values()),
                           group=COMPARED, check=one_of(lambda: DATASETS, "dataset"), choices=lambda: DATASETS,
                           token=lambda value, config: value)
    model: str = setting("cnn", "--model", "the network: " + networks.describe_choices(), group=COMPARED,
                         check=one_of(lambda: tuple(networks.NETWORKS), "network"), choices=lambda: tuple(networks.NETWORKS),
                         token=lambda value, config: value, omit_at_default=True)
    epochs: int = setting(12, "--epochs", "training epochs per run", group=TRAINING, check=at_least(1), token=prefixed("e"),
                          metavar="N")
    batch_size: int = setting(128, "--batch-size", "training batch size", group=TRAINING, check=at_least(1),
                              token=prefixed("b"), metavar="N")
    learning_rate: float = setting(1e-3, "--learning-rate", "Adam's learning rate; several values sweep", group=TRAINING,
                                   check=positive_number(), token=prefixed("lr"), sweep=True, metavar="LR")
    # Adam(clipvalue=...), as in the article; clip_norm is Keras' per-variable clipnorm.
    clip_value: float | None = setting(
        0.5, "--clip-value", "clip each gradient element to ±V; several values sweep "
        "(default: 0.5, as in the article, when no clip flag is given)", group=CLIPPING,
        check=positive_number("; use --no-clip for no clipping"), token=clip_token("value"), sweep=True, metavar="V")
    clip_norm: float | None = setting(
        None, "--clip-norm", "rescale each variable's gradient to L2 norm at most V (Keras' clipnorm); several values sweep",
        group=CLIPPING,
        check=positive_number("; use --no-clip for no clipping"), token=clip_token("norm"), sweep=True, metavar="V")
    loss: str = setting("categorical_crossentropy", "--loss",
                        "training loss; binary_crossentropy reproduces the article's setting (accuracy stays top-1 "
                        "classification accuracy, the article's binary accuracy is recorded separately)", group=TRAINING,
                        check=one_of(lambda: tuple(losses.LOSSES), "loss"), choices=lambda: tuple(losses.LOSSES),
                        token=lambda value, config: losses.get(value).short_name)
    validation_split: float = setting(0.1, "--validation-split",
                                      "fraction of the training images held out for validation, the last ones as in Keras",
                                      group=TRAINING, check=between_zero_and_one, token=prefixed("val"), metavar="FRACTION")
    train_limit: int | None = setting(None, "--train-limit", "use only the first N training images (quick looks and tests)",
                                      group=TRAINING, check=at_least(2, " images"), token=prefixed("n"),
                                      omit_at_default=True, metavar="N")
    precision: str = setting("float32", "--precision",
                             "Keras mixed-precision policy; it changes the numbers, so it is part of the folder name",
                             group=TRAINING, check=one_of(lambda: PRECISIONS, "precision"), choices=lambda: PRECISIONS,
                             token=lambda value, config: value, omit_at_default=True)
    # None keeps each network's own dropout: the CNN's 0.25 and 0.5, none in the MLP.
    dropout: float | None = setting(
        None, "--dropout", "dropout rate after every hidden layer of the MLP, or of both of the CNN's dropout layers "
        "(default: the network's own: 0.25 and 0.5 in the CNN, none in the MLP); several values sweep", group=TRAINING,
        check=dropout_rate, token=prefixed("dropout"), omit_at_default=True, sweep=True,
        none_label="network's own", metavar="RATE")
    loss_without_dropout: bool = setting(
        False, "--loss-without-dropout", "also record, per epoch, the mean over its batches of the training loss "
        "of the network without dropout, before each batch's update (the GELU paper's training curve; "
        "one more forward pass per step)", group=OUTPUT, identity=False)
    diagnostics: bool = setting(True, "--no-diagnostics",
                                "skip the per-epoch gradient, clipping and dead-unit measurements", group=OUTPUT,
                                identity=False)
    probe_size: int = setting(512, "--probe-size", "validation images used for the diagnostics", group=OUTPUT,
                              check=at_least(1), identity=False, metavar="N")
    tensorboard: bool = setting(False, "--tensorboard", "write each run's per-epoch scalars for TensorBoard under "
                                "its run folder (tensorboard --logdir results)", group=OUTPUT, identity=False)
    margin: float = setting(0.2, "--margin", "equivalence margin in percentage points: an activation whose simultaneous "
                            "lower bound to the best is above -PP is within the margin of the best", group=VERDICT,
                            check=positive_number(what="number of percentage points"), identity=False, metavar="PP")

    def __post_init__(self):
        if isinstance(self.activations, str):
            object.__setattr__(self, "activations", tuple(name for name in self.activations.split(",") if name))
        for item in dataclasses.fields(self):
            declared = item.metadata["setting"]
            # --seeds' own check names its two forms (a number or auto).
            problem = None if item.name == "seeds" else type_problem(getattr(self, item.name), item.type, declared.flag)
            if problem:
                raise UsageError(problem)
        # A set's name (`--activations wide`) stands for its activations.
        object.__setattr__(self, "activations", activations.expand_sets(self.activations))
        for item in dataclasses.fields(self):
            declared = item.metadata["setting"]
            problem = declared.check(getattr(self, item.name), declared.flag) if declared.check else None
            if problem:
                raise UsageError(problem)
        if self.clip_value is not None and self.clip_norm is not None:
            raise UsageError("set one of clip_value and clip_norm, not both: Keras optimizers accept one")
        if self.dropout is not None and self.dropout == networks.get(self.model).own_dropout:
            # "--dropout 0" on the MLP is its own dropout: one network, one folder name.
            object.__setattr__(self, "dropout", None)

    def describe(self) -> str:
        """The settings a reader tells folders apart by, in words, for figure titles:
        "CNN, learning rate 0.001, dropout 0.5, clip value 0.5, 12 epochs"."""
        dropout = "the network's own dropout" if self.dropout is None else f"dropout {exact_number(self.dropout)}"
        if self.clip_value is not None:
            clip = f"clip value {exact_number(self.clip_value)}"
        elif self.clip_norm is not None:
            clip = f"clip norm {exact_number(self.clip_norm)}"
        else:
            clip = "no clipping"
        parts = [self.model.upper(), f"learning rate {exact_number(self.learning_rate)}", dropout, clip,
                 f"{self.epochs} epoch{'' if self.epochs == 1 else 's'}"]  # fmt: skip
        if self.train_limit is not None:
            parts.append(f"{self.train_limit:,} training images")
        if self.precision != "float32":
            parts.append(self.precision)
        return ", ".join(parts)

    def run_name(self) -> str:
        """A readable folder name from the settings that change what a run computes.

        Activations and seeds are left out on purpose: adding either to a configuration
        trains only the new runs and keeps the finished ones.
        """
        tokens = []
        for item in dataclasses.fields(self):
            declared = item.metadata["setting"]
            value = getattr(self, item.name)
            if declared.token is None or (declared.omit_at_default and value == item.default):
                continue
            token = declared.token(value, self)
            if token is not None:
                tokens.append(token)
        return "-".join(tokens)

    @classmethod
    def from_settings(cls, settings: dict, options: tuple[str, ...] = ()) -> "ExperimentConfig":
        """One checked config from keyword settings, as `activation_comparison.run` takes them
        beside its `options` (results_dir, workers, ...). An unknown name, or several values of
        a swept setting, is refused in one line; `no_clip` and a clip norm without a clip
        value read as the command line's flags do."""
        settings = dict(settings)
        for name, value in settings.items():
            if name not in SETTINGS and name != "no_clip":
                known = [*SETTINGS, "no_clip", *options]
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise UsageError(f"unknown setting {name!r}{hint}; run() takes the command line's flags with "
                                 f"underscores: {', '.join(known)}")  # fmt: skip
            if name in SETTINGS and SETTINGS[name].sweep and isinstance(value, (list, tuple)):
                raise UsageError(f"{name}: run() makes one run folder, so give one value, not {value!r} "
                                 "(the command line sweeps several)")  # fmt: skip
        if settings.pop("no_clip", False):
            settings |= {"clip_value": None, "clip_norm": None}
        if settings.get("clip_norm") is not None and "clip_value" not in settings:
            settings["clip_value"] = None  # One clip: a clip norm replaces the default clip value.
        return cls(**settings)

    @staticmethod
    def identity(settings: dict) -> dict:
        """The settings, from `asdict` or config.json, that define a run folder; a setting
        that an older config.json lacks has its default (it was not yet a choice)."""
        return {
            item.name: settings.get(item.name, item.default)
            for item in dataclasses.fields(ExperimentConfig)
            if item.metadata["setting"].identity
        }


SETTINGS: dict[str, Setting] = {item.name: item.metadata["setting"] for item in dataclasses.fields(ExperimentConfig)}
DEFAULTS: dict[str, Any] = {item.name: item.default for item in dataclasses.fields(ExperimentConfig)}


def is_numeric(name: str) -> bool:
    """Whether a setting is a number (or None), so that a sweep figure can put it on an axis."""
    kind = {item.name: item.type for item in dataclasses.fields(ExperimentConfig)}[name]
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    return any(option in (int, float) for option in options)

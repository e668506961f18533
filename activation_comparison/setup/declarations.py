"""How a setting is declared: its `Setting` (check, folder-name token, flag, help, group),
the `setting(...)` field that carries it into `ExperimentConfig`, the command line's
argument groups, and the folder-name tokens' number format."""

import typing
from dataclasses import dataclass, field
from typing import Any, Callable

# The command line's argument groups, in the order --help lists them. Every setting names
# its group; the flags that are not settings join theirs in compare_activations.py.
COMPARED, TRAINING, CLIPPING, OUTPUT, VERDICT, EXECUTION = GROUPS = (
    "what to compare", "training", "clipping", "measurements and output", "the verdict", "where runs execute",
)


def exact_number(value: float) -> str:
    """`value` as short as `:g` writes it when that is exact, else every digit it has.

    `:g` keeps six significant digits, so 0.0010000001 and 0.001 would share a name.
    """
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


@dataclass(frozen=True)
class Setting:
    """How one setting is checked, named, asked for and compared; see the module docstring.

    `group` is its heading in `--help` (one of `GROUPS`). `check(value, flag)` returns the
    one-line error ("--epochs must be at least 1, got 0") or None. `token(value, config)` is
    its part of the folder name, or None for no part. A setting with `identity`
    changes what a run computes, so a folder holds runs of one value only. `sweep`: the flag
    takes several values, each making its own folder. `none_label` names None on a sweep
    figure's axis.
    """

    flag: str | None
    help: str
    group: str
    check: Callable[[Any, str], str | None] | None = None
    token: Callable[[Any, Any], str | None] | None = None  # (value, the ExperimentConfig)
    omit_at_default: bool = False
    identity: bool = True
    sweep: bool = False
    choices: Callable[[], typing.Sequence[str]] | None = None
    none_label: str = "none"
    metavar: str | None = None


def setting(default, flag: str | None, help: str, *, group: str, **declaration) -> Any:
    """A field of `ExperimentConfig` carrying its `Setting` declaration."""
    return field(default=default, metadata={"setting": Setting(flag, help, group, **declaration)})


# Folder-name tokens.


def prefixed(prefix: str):
    return lambda value, config: f"{prefix}{exact_number(value) if isinstance(value, float) else value}"


def clip_token(kind: str):
    """"clipvalue0.5" or "clipnorm1"; "noclip" (once, from clip_value) when neither is set."""

    def token(value, config):
        if value is not None:
            return f"clip{kind}{exact_number(value)}"
        if kind == "value" and config.clip_norm is None:
            return "noclip"
        return None

    return token

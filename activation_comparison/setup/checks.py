"""The checks of the settings' declarations (`config.setting(..., check=...)`): each takes
the value and the setting's flag and returns the one-line error, or None. `type_problem`
checks a value against the setting's declared type, for Python callers (the command line
has converted its strings already)."""

import math
import types
import typing
from typing import Callable

import activations


def at_least(smallest: int, unit: str = ""):
    def check(value, flag):
        if value is None or value >= smallest:
            return None
        return f"{flag} must be at least {smallest}{unit}, got {value}"

    return check


def positive_number(hint: str = "", what: str = "number"):
    def check(value, flag):
        if value is None or (math.isfinite(value) and value > 0):
            return None
        return f"{flag} must be a positive {what}, got {value}{hint}"

    return check


def dropout_rate(value, flag):
    if value is None or (math.isfinite(value) and 0 <= value < 1):
        return None
    return f"{flag} must be a rate in [0, 1), got {value}"


def between_zero_and_one(value, flag):
    return None if 0 < value < 1 else f"{flag} must be between 0 and 1, got {value}"


def one_of(choices: Callable[[], typing.Sequence[str]], noun: str):
    def check(value, flag):
        return None if value in choices() else f"{flag}: unknown {noun} {value!r}, choose from {', '.join(choices())}"

    return check


def known_activations(names, flag):
    for name in names:
        try:
            activations.get(name)
        except ValueError as error:
            return str(error)
    if not names or len(names) != len(set(names)):
        return f"{flag} must name each activation once"
    return None


def type_problem(value, kind, flag: str) -> str | None:
    """The one-line error when `value` is not of the declared type `kind` (a Python caller
    can pass anything; the command line has already converted its strings), else None."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    for option in options:
        origin = typing.get_origin(option) or option
        if option is type(None) and value is None:
            return None
        if origin is tuple and isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value):
            return None
        if origin in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
            if origin is float or isinstance(value, int):
                return None
        if origin in (str, bool) and isinstance(value, origin):
            return None
    words = {int: "a whole number", float: "a number", str: "a name", bool: "True or False",
             tuple: "a list of names", type(None): "None"}  # fmt: skip
    wanted = " or ".join(dict.fromkeys(words[typing.get_origin(option) or option] for option in options))
    return f"{flag} must be {wanted}, got {value!r}"

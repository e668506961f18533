"""Whether runs of one seed can be paired across folders: did each (activation, seed)
start the same way in every folder of a sweep?

Pairs across folders are valid only if the same seed starts the same way at every rate:
same data order, dropout stream and initial weights. The epoch-0 row (diagnostics before
training) is a function of the initial weights and the probe images alone, so each
(activation, seed)'s epoch-0 diagnostics must agree in every folder. Bit-identical is
expected on one machine with one thread count; another thread count can change the last
digits of a gradient norm's sum, a different start changes the first ones, so values that
differ by less than `ROUNDING` (relative) are reported as equal up to rounding. Runs
without an epoch-0 row (--no-diagnostics) cannot be checked, and are named.
"""

import math
from dataclasses import dataclass

from activation_comparison.results.folder_result import activation_order

# Epoch-0 columns that depend only on the initial weights and the probe images (not the
# clip, which can differ in another sweep, nor the wall-clock time).
INITIAL_STATE_PREFIXES = ("grad_norm_", "act_mean_", "act_std_", "dead_fraction_")
ROUNDING = 1e-4


@dataclass(frozen=True)
class PairingCheck:
    """Whether each (activation, seed) in two or more folders started the same way in all."""

    checked: list[tuple[str, int]]  # compared in two or more folders
    differ: list[tuple[str, int, list[str]]]  # with the folders that disagree with the first
    rounding: list[tuple[str, int, float]]  # equal up to ROUNDING, with the largest relative difference
    unchecked: list[tuple[str, int, list[str]]]  # with the folders that have no epoch-0 diagnostics

    @property
    def status(self) -> str:
        """'differs', 'held', 'partly checked' or 'not checked'."""
        if self.differ:
            return "differs"
        if not self.unchecked:
            return "held"
        return "partly checked" if self.checked else "not checked"


def initial_state(record: dict) -> dict | None:
    """The epoch-0 diagnostics that depend only on the initial weights and probe images,
    or None when the run has none (--no-diagnostics)."""
    row = next((row for row in record.get("epochs", []) if row.get("epoch") == 0), None)
    if row is None:
        return None
    columns = {key: value for key, value in row.items() if key.startswith(INITIAL_STATE_PREFIXES)}
    return columns or None


def relative_difference(first: dict, second: dict) -> float:
    """The largest relative difference of two epoch-0 rows; inf where their columns or a
    missing value differ."""
    if first.keys() != second.keys():
        return math.inf
    largest = 0.0
    for key, value in first.items():
        other = second[key]
        if value is None or other is None:
            if value is not other:
                return math.inf
            continue
        if value != other:
            largest = max(largest, abs(value - other) / max(abs(value), abs(other)))
    return largest


def check_pairing(folders) -> PairingCheck:
    """Compare each (activation, seed)'s epoch-0 diagnostics across the folders that have
    the run; the first folder with them (lowest rate) is the reference."""
    runs: dict[tuple[str, int], list[tuple[str, dict | None]]] = {}
    for folder in folders:
        for record in folder.histories:
            runs.setdefault((record["activation"], int(record["seed"])), []).append(
                (folder.name, initial_state(record))
            )
    order = activation_order(name for name, _ in runs)
    checked, differ, rounding, unchecked = [], [], [], []
    for (name, seed), states in sorted(runs.items(), key=lambda item: (order.index(item[0][0]), item[0][1])):
        if len(states) < 2:
            continue
        missing = [folder for folder, state in states if state is None]
        present = [(folder, state) for folder, state in states if state is not None]
        if missing:
            unchecked.append((name, seed, missing))
        if len(present) < 2:
            continue
        checked.append((name, seed))
        reference = present[0][1]
        differences = {folder: relative_difference(reference, state) for folder, state in present[1:]}
        disagree = [folder for folder, difference in differences.items() if difference > ROUNDING]
        if disagree:
            differ.append((name, seed, [present[0][0], *disagree]))
        elif max(differences.values()) > 0:
            rounding.append((name, seed, max(differences.values())))
    return PairingCheck(checked, differ, rounding, unchecked)


def initial_state_text(pairing: PairingCheck, name: str) -> str:
    """One activation's part of the epoch-0 check, for the CSV: 'same', 'same up to
    rounding (seeds 1)', 'differs (seeds 2)', 'not checked (seeds 0 1)', or '' when none of
    its runs is in two folders."""
    def seeds_of(entries):
        return " ".join(str(entry[1]) for entry in entries if entry[0] == name)

    parts = []
    if differ := seeds_of(pairing.differ):
        parts.append(f"differs (seeds {differ})")
    if rounding := seeds_of(pairing.rounding):
        parts.append(f"same up to rounding (seeds {rounding})")
    if unchecked := seeds_of(pairing.unchecked):
        parts.append(f"not checked (seeds {unchecked})")
    if not parts and any(entry[0] == name for entry in pairing.checked):
        parts.append("same")
    return "; ".join(parts)

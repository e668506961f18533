"""`--seeds auto`: seeds spent only where the answer is still open, with the error kept.

The design is fixed before any run is seen: planned looks (after 3, 5, 8, 12, 16 and 20
seeds, cut at `--max-seeds`) and an alpha-spending plan over them. At each look the
step-down best set (`log_error.decide`) is computed at that look's share of alpha; an
activation it rejects gets no more seeds and never comes back. The experiment stops when
the set has one member, when every member is within the margin of the others (every L_i
above -margin), or at the last look.

A control arm (`design(..., control="relu")`, as `--tasks` plans each task): the control
activation gets seeds at every look the experiment takes, so that every other activation has
it beside each of its own seeds, whatever the looks decide. It leaves the best set as any
other activation does and never comes back to it; it only stays in the decisions (it is
compared with, and counted among, the activations still in), which can only make each look
more careful.

Error control across looks. An equal activation is wrongly left out only if some look
rejects it; look k rejects a true best with probability at most its alpha_k, so the chance
of any such error is at most the sum of the alpha_k = alpha (Bonferroni over looks: no
assumption about how the looks are correlated). The alpha_k are the increments of the
Lan-DeMets spending function of Pocock type, alpha ln(1 + (e - 1) t) at information time
t = seeds / max seeds (Lan & DeMets, 1983; Kim & DeMets, 1987): it spends enough at the
first looks to drop an activation that fails or plainly loses after 3 or 5 seeds, which an
O'Brien-Fleming-type plan (almost nothing before half-way) cannot.
"""

import math
from dataclasses import dataclass

import numpy as np

from activation_comparison.verdict import log_error, statistics, variances

DEFAULT_LOOKS = (3, 5, 8, 12, 16, 20)
DEFAULT_MAX_SEEDS = 20


def planned_looks(max_seeds: int = DEFAULT_MAX_SEEDS) -> list[int]:
    """The looks up to `max_seeds`, which is always the last look."""
    looks = [look for look in DEFAULT_LOOKS if look < max_seeds]
    return looks + [max_seeds]


def spending(looks, alpha: float = statistics.ALPHA) -> list[float]:
    """Each look's share of alpha: increments of alpha ln(1 + (e - 1) t), t = look / last."""
    last = looks[-1]
    spent = [alpha * math.log(1.0 + (math.e - 1.0) * look / last) for look in looks]
    return [spent[0]] + [b - a for a, b in zip(spent, spent[1:])]


def look_decision(y, alive, level_alpha: float, margin_log: float | None = None,
                  outlier_quantile=variances.outlier_quantiles, in_set=None) -> dict:  # fmt: skip
    """One look: who stays, and whether to stop.

    `y` (..., K, S) log errors with NaN for runs not made; `alive` (..., K) the activations
    that take part in the decision; `in_set` (default: `alive`) those of them still in the
    best set (a control arm that has left it is alive but not in the set). Returns `member`
    (who stays), `stop_single` (one member left), `stop_within` (every member's lower bound of
    its gain over the best of the others is above -`margin_log`, a log-error margin) and the
    decision's arrays.
    """
    result = log_error.decide(y, level_alpha, outlier_quantile, active=alive)
    member = result["member"] if in_set is None else result["member"] & np.asarray(in_set, dtype=bool)
    single = member.sum(axis=-1) <= 1
    within = np.zeros_like(single)
    if margin_log is not None:
        count = member.sum(axis=-1, keepdims=True)
        level = level_alpha / np.maximum(count * (count - 1), 1)
        bounds = log_error.simultaneous_bounds(result["pairs"], member, np.broadcast_to(level, member.shape))
        within = np.all(~member | (bounds["gap_low"] > -margin_log), axis=-1) & ~single
    return result | {"member": member, "stop_single": single, "stop_within": within}


def margin_in_log_error(margin: float, error: float) -> float:
    """A margin in accuracy points at a given error rate, as a log-error margin: an error of
    e + margin is log((e + margin) / e) above e."""
    return math.log((error + margin) / error)


METHOD = "log-error step-down best set, alpha spent over looks (Pocock-type Lan-DeMets)"
# The verdict's version: raise it whenever a change can move a decision (log_error.py, the
# looks or their alpha), so a folder says which method took each of its looks.
METHOD_VERSION = 3


def design(activations, max_seeds: int, margin: float, alpha: float = statistics.ALPHA,
           control: str | None = None) -> dict:  # fmt: skip
    """The plan of a `--seeds auto` folder, written to config.json before its first run;
    `control` (one of `activations`) gets seeds at every look (a plan without one has no key)."""
    looks = planned_looks(max_seeds)
    return ({"control": control} if control is not None else {}) | {
        "method": METHOD,
        "method_version": METHOD_VERSION,
        "activations": list(activations),
        "looks": looks,
        "alpha": [round(share, 10) for share in spending(looks, alpha)],
        "max_seeds": max_seeds,
        "margin": margin,
    }


@dataclass(frozen=True)
class Look:
    """One planned look that has been taken: who was in, who left, and whether it stopped."""

    seeds: int  # Seeds 0..seeds-1 of every activation still in before this look.
    alpha: float
    before: tuple[str, ...]
    left: tuple[str, ...]
    stop: str | None  # "one remains", "within the margin", "last look", or None.
    typical_accuracy: dict  # activation -> accuracy at its geometric-mean error, this look's seeds
    # What the look decided on: (activation, seed, accuracy, failed) for every run it saw,
    # then the classes, test images and margin. The same inputs give the same look, so a look
    # already taken is reused, never decided again (`replay`'s `previous`).
    inputs: tuple = ()


@dataclass(frozen=True)
class Progress:
    """Where a `--seeds auto` folder stands: the looks taken, who is still in, the runs the
    next look needs (none when it has stopped), and the runs spent."""

    looks: list[Look]
    still_in: tuple[str, ...]
    next_runs: list[tuple[str, int]]
    finished: bool
    runs_spent: int
    seeds_of: dict  # activation -> seeds it got
    most_runs: int  # activations x max seeds: what the plan could spend at most


def replay(scores: dict, failed: dict, plan: dict, classes: int = 10, test_images: int = 10_000,
           previous: Progress | None = None) -> Progress:  # fmt: skip
    """Retake every look of `plan` from the finished runs, in order.

    `scores[name][seed]` is a run's test accuracy (a diverged run at chance) and
    `failed[name][seed]` whether it failed. Each look sees only the seeds below it of the
    activations still in, and the seeds an activation had when it left, so the decisions
    depend on the runs alone: a folder resumed after a kill retakes the same looks with the
    same outcome. A look of `previous` (an earlier replay of the same folder) that saw
    exactly the same runs is reused as it is: each look is decided once.
    """
    known = {look.seeds: look for look in (previous.looks if previous else [])}
    names = list(plan["activations"])
    control = plan.get("control")
    most = len(names) * plan["max_seeds"]
    still_in = list(names)
    seeds_of = {name: 0 for name in names}
    looks: list[Look] = []
    for look, share in zip(plan["looks"], plan["alpha"]):
        # Who gets this look's seeds and takes part in its decision: the control always.
        deciding = [name for name in names if name in still_in or name == control]
        missing = [(name, seed) for seed in range(look) for name in deciding if seed not in scores.get(name, {})]
        if missing:
            return Progress(looks, tuple(still_in), missing, False, sum(seeds_of.values()), seeds_of, most)
        for name in deciding:
            seeds_of[name] = look
        inputs = tuple((name, seed, float(scores[name][seed]), bool(failed[name][seed]))
                       for name in names for seed in range(seeds_of[name])) + (classes, test_images, plan["margin"])  # fmt: skip
        taken = known.get(look)
        if taken is None or taken.inputs != inputs or taken.before != tuple(still_in) or taken.alpha != share:
            taken = take_look(names, still_in, deciding, seeds_of, scores, failed, look, share, plan, classes,
                              test_images, inputs)  # fmt: skip
        looks.append(taken)
        still_in = [name for name in still_in if name not in taken.left]
        if taken.stop:
            return Progress(looks, tuple(still_in), [], True, sum(seeds_of.values()), seeds_of, most)
    return Progress(looks, tuple(still_in), [], True, sum(seeds_of.values()), seeds_of, most)


def take_look(names, still_in, deciding, seeds_of, scores, failed, look, share, plan, classes, test_images,
              inputs) -> Look:  # fmt: skip
    """Decide one look: the step-down at this look's share of alpha on the activations still
    in (and the control arm, which `deciding` keeps), each with the seeds it has."""
    y = np.full((len(names), look), np.nan)
    for row, name in enumerate(names):
        for seed in range(seeds_of[name]):
            y[row, seed] = log_error.log_error(scores[name][seed], failed[name][seed], classes, test_images)
    alive = np.array([name in deciding for name in names])
    typical = log_error.typical_accuracy(y)
    top_error = 1.0 - max(typical[row] for row, name in enumerate(names) if name in still_in)
    margin_log = margin_in_log_error(plan["margin"], max(top_error, 0.5 / test_images))
    outcome = look_decision(y, alive, share, margin_log, in_set=np.array([name in still_in for name in names]))
    members = [name for row, name in enumerate(names) if outcome["member"][row] and name in still_in]
    left = tuple(name for name in still_in if name not in members)
    stop = None
    if outcome["stop_single"]:
        stop = "one remains"
    elif outcome["stop_within"]:
        stop = "within the margin"
    elif look == plan["looks"][-1]:
        stop = "last look"
    return Look(look, share, tuple(still_in), left, stop,
                {name: float(typical[row]) for row, name in enumerate(names) if seeds_of[name]}, inputs)  # fmt: skip


def look_record(look: Look) -> dict:
    """A look as config.json keeps it once taken: who left, whether it stopped, and the
    method version that took it."""
    return {"seeds": look.seeds, "left": list(look.left), "stop": look.stop, "method_version": METHOD_VERSION}


def look_text(look: Look) -> str:
    """'ELU and Sigmoid left; stopped: one remains' for a progress line."""
    parts = [f"{', '.join(look.left)} left" if look.left else "nobody left"]
    if look.stop:
        parts.append(f"stopped: {look.stop}")
    return "; ".join(parts)

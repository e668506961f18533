"""The cross-task verdict in words and tables: `cross-task/summary.md` and `summary.csv`.

Reads a `cross_task_verdict.CrossTask` and computes nothing of its own.
"""

import math

import numpy as np

import activations

PROFILE_FIGURE = "performance_profile.png"
AVERAGE = "mean over tasks"


def number(value, digits: int = 3) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def csv_rows(result) -> list[dict]:
    """One row per (activation, task), then one per activation for the mean over tasks."""
    rows = []
    for k, name in enumerate(result.names):
        if name == result.control:
            continue
        for t, task in enumerate(result.tasks):
            rows.append({
                "activation": name, "task": task, "seeds_paired": int(result.per_task["seeds"][t, k]),
                "log_error_gain": number(result.per_task["mean"][t, k], 4),
                "gain_ci95_low": number(result.per_task["low"][t, k], 4),
                "gain_ci95_high": number(result.per_task["high"][t, k], 4),
                "p_better": number(result.per_task["p"][t, k], 4), "p_holm": number(result.per_task["p_holm"][t, k], 4),
                "better": bool(result.per_task["better_on_task"][t, k]),
                "probability_of_improvement": number(result.per_task["probability"][t, k], 3),
                "pi_ci95_low": "", "pi_ci95_high": "", "tau2": "", "task_verdict": result.words[t][k],
            })  # fmt: skip
        rows.append({
            "activation": name, "task": AVERAGE, "seeds_paired": int(result.per_task["seeds"][:, k].sum()),
            "log_error_gain": number(result.average["mean"][k], 4),
            "gain_ci95_low": number(result.average["low"][k], 4), "gain_ci95_high": number(result.average["high"][k], 4),
            "p_better": number(result.average["p"][k], 4), "p_holm": number(result.average["p_holm"][k], 4),
            "better": bool(result.average["better_on_average"][k]),
            "probability_of_improvement": number(result.probability["mean"][k], 3),
            "pi_ci95_low": number(result.probability["low"][k], 3), "pi_ci95_high": number(result.probability["high"][k], 3),
            "tau2": number(result.average["tau2"][k], 5), "task_verdict": "",
        })  # fmt: skip
    return rows


def label(name: str) -> str:
    return activations.get(name).label


def as_percent(gain: float) -> str:
    """A log-error gain as the change of error it stands for: 0.1 -> "10% lower error"."""
    if not np.isfinite(gain):
        return "—"
    change = 1.0 - math.exp(-gain)
    return f"{abs(change):.0%} {'lower' if change >= 0 else 'higher'}"


def headline(result) -> str:
    """At most three plain sentences: who is better than ReLU on average, on which tasks."""
    control = label(result.control)
    on_average = [label(n) for k, n in enumerate(result.names) if n != result.control and result.average["better_on_average"][k]]
    on_tasks = [f"{label(n)} on {', '.join(t for j, t in enumerate(result.tasks) if result.per_task['better_on_task'][j, k])}"
                for k, n in enumerate(result.names)
                if n != result.control and result.per_task["better_on_task"][:, k].any()]  # fmt: skip
    first = (f"Better than {control} on average over the {len(result.tasks)} tasks: {', '.join(on_average)}."
             if on_average else f"No activation is shown better than {control} on average over the {len(result.tasks)} tasks.")
    second = (f"Better than {control} on a task: {'; '.join(on_tasks)}." if on_tasks
              else f"None is shown better than {control} on any single task.")  # fmt: skip
    return (f"{first} {second} Each claim is one-sided at 2.5% (Holm), so the chance of any false "
            "\"better\" is at most 5%.")


def verdict_lines(result) -> list[str]:
    """The headline, then the table: per activation its gain on each task and over tasks."""
    lines = [headline(result), ""]
    lines += [f"| activation | {' | '.join(result.tasks)} | mean over tasks (95% HKSJ) | P(improvement), 95% CI |",
              "|---|" + "---|" * (len(result.tasks) + 2)]  # fmt: skip
    for k, name in enumerate(result.names):
        if name == result.control:
            continue
        cells = []
        for t in range(len(result.tasks)):
            mark = " **better**" if result.per_task["better_on_task"][t, k] else ""
            cells.append(f"{number(result.per_task['mean'][t, k], 2)} [{number(result.per_task['low'][t, k], 2)}, "
                         f"{number(result.per_task['high'][t, k], 2)}] {result.words[t][k]}{mark}")  # fmt: skip
        mark = " **better**" if result.average["better_on_average"][k] else ""
        average = (f"{number(result.average['mean'][k], 2)} [{number(result.average['low'][k], 2)}, "
                   f"{number(result.average['high'][k], 2)}] ({as_percent(result.average['mean'][k])}){mark}")  # fmt: skip
        probability = (f"{number(result.probability['mean'][k], 2)} [{number(result.probability['low'][k], 2)}, "
                       f"{number(result.probability['high'][k], 2)}]")  # fmt: skip
        lines.append(f"| {label(name)} | {' | '.join(cells)} | {average} | {probability} |")
    return lines


def summary_markdown(result, figures: list[str]) -> str:
    control = label(result.control)
    lines = [f"# Across tasks: each activation against {control}", "", *verdict_lines(result)]
    lines += ["", f"Each cell: the log-error gain over {control} (positive: lower error; 0.1 is about 10% lower), "
              "mean over the seeds both ran, with its 95% paired t interval, and the task's own verdict word. "
              "The mean over tasks is a random-effects mean (DerSimonian-Laird tau², Hartung-Knapp-Sidik-Jonkman "
              "interval on tasks − 1 degrees of freedom). P(improvement): the share of seeds on which the "
              f"activation's error is below {control}'s, averaged over tasks, with a stratified bootstrap interval "
              "(seeds resampled within each task). Margins: " + ", ".join(
                  f"{task} {100 * margin:g} pp" for task, margin in zip(result.tasks, result.margins)) + ".", ""]  # fmt: skip
    for figure in figures:
        lines += [f"![{figure}]({figure})", "",
                  "The share of tasks on which each activation's geometric-mean test error is within a factor τ of "
                  "the lowest there (Dolan and Moré's performance profile): higher and further left is better.", ""]
    lines += ["How the claims are made and calibrated: docs/statistics.md (across tasks).", ""]
    return "\n".join(lines)

"""Each published comparison's own numbers and tables, beyond what its summary gives:
functions of the facts `published_facts` recomputes from its extracts, which
`published_numbers` names in its quotes and blocks."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import activations  # noqa: E402
from activation_comparison.figures import drawing  # noqa: E402
from activation_comparison.analysis import sweeps  # noqa: E402
from activation_comparison import matrix  # noqa: E402
from activation_comparison.reporting import cross_task_text, report, results_index  # noqa: E402
from activation_comparison.planning import plan  # noqa: E402
from activation_comparison.setup import tasks  # noqa: E402
from activation_comparison.verdict import verdict  # noqa: E402


def low_high(values) -> dict:
    values = list(values)
    return {"low": min(values), "high": max(values)}


def five_seed_numbers(facts: dict) -> dict:
    """The five-seed run's numbers beyond its summary's: Sigmoid's seeds that learned, and
    the spread of each activation's accuracy and of its paired difference with ReLU."""
    scores, rows = facts["comparison"].scores, facts["rows"]
    relu = scores["relu"]
    learned = {seed: value for seed, value in scores["sigmoid"].items() if not verdict.is_stuck(value, 10)}
    learners = [name for name, row in rows.items() if not row["seeds_failed"]]
    return {
        "sigmoid_learned": low_high(learned.values()),
        "sigmoid_learned_seeds": low_high(learned),
        "sigmoid_failed_seeds": sorted(set(scores["sigmoid"]) - set(learned)),
        "sigmoid_below_relu": low_high(100 * (relu[seed] - value) for seed, value in learned.items()),
        "seed_sd_pp": low_high(100 * rows[name]["test_accuracy_std"] for name in learners),
        "paired_sd_pp": {name: 100 * float(np.std([scores[name][seed] - relu[seed] for seed in relu], ddof=1))
                         for name in learners},  # fmt: skip
    }


def row_at(history: dict, epoch: int | None = None) -> dict:
    """A history's row of `epoch` (None: its last)."""
    rows = history["epochs"]
    return rows[-1] if epoch is None else next(row for row in rows if row["epoch"] == epoch)


def seed_zero_numbers(facts: dict) -> dict:
    """Seed 0 of each activation at 12 epochs: its scores, and the diagnostics that say why
    the activations differ (rows of epoch 0, before training; 1; and the last)."""
    seed0 = {name: seeds[0] for name, seeds in facts["runs"].items() if 0 in seeds}
    start, one, end = ({name: row_at(run, epoch) for name, run in seed0.items()} for epoch in (0, 1, None))
    return {
        "seed0": seed0, "at_start": start, "after_one": one, "at_end": end,
        "seed0_pct": {name: 100 * run["test_accuracy"] for name, run in seed0.items()},
        "conv1_below_relu": start["relu"]["grad_norm_conv1"] / start["sigmoid"]["grad_norm_conv1"],
        "conv1_below_dense": start["sigmoid"]["grad_norm_dense1"] / start["sigmoid"]["grad_norm_conv1"],
        "others_after_one": min(row["val_accuracy"] for name, row in one.items() if name != "sigmoid"),
        "dense_dead_pct": {moment: {name: 100 * row["dead_fraction_act_dense1"] for name, row in rows.items()}
                           for moment, rows in (("start", start), ("one", one), ("end", end))},
    }  # fmt: skip


def twelve_epoch_numbers(facts: dict) -> dict:
    """The 12-epoch run: seed 0's numbers, and over every seed an activation ran, the
    diagnostics that say why each one left (ranges over its seeds; ratios paired by seed)."""
    runs = facts["runs"]
    start = {name: {seed: row_at(run, 0) for seed, run in seeds.items()} for name, seeds in runs.items()}
    end = {name: {seed: row_at(run) for seed, run in seeds.items()} for name, seeds in runs.items()}

    def lowest_val_loss(run: dict) -> float:
        return min(row["val_loss"] for row in run["epochs"] if row["epoch"] >= 1)

    return seed_zero_numbers(facts) | {
        "all_conv1_below_relu": low_high(start["relu"][seed]["grad_norm_conv1"] / row["grad_norm_conv1"]
                                         for seed, row in start["sigmoid"].items()),
        "best_epochs": {name: low_high(run["best_epoch"] for run in seeds.values()) for name, seeds in runs.items()},
        "final_train_loss": {name: low_high(row["loss"] for row in rows.values()) for name, rows in end.items()},
        "lowest_val_loss": {name: low_high(map(lowest_val_loss, seeds.values())) for name, seeds in runs.items()},
        "dense_std_end": {name: low_high(row["act_std_act_dense1"] for row in rows.values()) for name, rows in end.items()},
        "dense_dead_pct_end": {name: low_high(100 * row["dead_fraction_act_dense1"] for row in rows.values())
                               for name, rows in end.items()},
    }  # fmt: skip


def seed_zero_table(facts: dict) -> str:
    lines = ["| activation | test accuracy | test loss | best epoch |", "|---|---|---|---|"]
    for name in facts["rows"]:  # In the summary's order.
        run = facts["seed0"][name]
        lines.append(f"| {facts['rows'][name]['label']} | {run['test_accuracy']:.4f} | {run['test_loss']:.4f} "
                     f"| {run['best_epoch']} |")  # fmt: skip
    return "\n".join(lines)


def short_label(name: str) -> str:
    """'Leaky ReLU' for 'Leaky ReLU (0.2)': the label without its parenthesis."""
    return activations.get(name).label.split(" (")[0]


def clip_numbers(facts: dict) -> dict:
    """The clip sweep's folders by clip value, and how much each clip clipped."""
    by_clip = {folder["config"].clip_value: folder for folder in facts["folders"].values()}
    clipped = {clip: {name: 100 * (sweeps.mean_clipped_fraction(folder["histories"], name) or 0.0)
                      for name in folder["rows"]} for clip, folder in by_clip.items()}  # fmt: skip
    moves = [abs(by_clip[0.001]["rows"][name]["test_accuracy_mean"] - by_clip[0.5]["rows"][name]["test_accuracy_mean"])
             for name in by_clip[0.5]["rows"]]  # fmt: skip
    return {"by_clip": by_clip, "clipped_pct_0001": clipped[0.001], "clipped_pct_05_max": max(clipped[0.5].values()),
            "largest_move_pp": 100 * max(moves)}  # fmt: skip


def clip_table(facts: dict) -> str:
    by_clip = facts["by_clip"]
    names = list(by_clip[0.5]["rows"])
    lines = ["| clip | " + " | ".join(map(short_label, names)) + " |", "|---" * (len(names) + 1) + "|"]
    for clip, label in ((0.5, "value 0.5 (the article's)"), (0.001, "value 0.001"), (None, "none")):
        rows = by_clip[clip]["rows"]
        lines.append(f"| {label} | " + " | ".join(report.format_mean_std(rows[name]["test_accuracy_mean"],
                                                                        rows[name]["test_accuracy_std"])
                                                  for name in names) + " |")  # fmt: skip
    fractions = facts["clipped_pct_0001"]
    lines.append("| mean clipped fraction at 0.001 | " + " | ".join(f"{fractions[name] / 100:.3f}" for name in names) + " |")
    return "\n".join(lines)


def clip_verdicts(facts: dict) -> str:
    return "\n".join(f"- `{name}`: {folder['headline']}" for name, folder in facts["folders"].items())


def median_final(histories: list[dict], name: str, column: str) -> float:
    return float(np.median([row_at(history)[column] for history in histories if history["activation"] == name]))


def gelu_paper_numbers(facts: dict) -> dict:
    """The MLP sweep: each group's (dropout 0, 0.5) tuned rates and, at them, the median
    curves the paper draws; every folder's median final training loss."""
    folders = [folder["result"] for folder in facts["folders"].values()]
    tuned = results_index.tuned_learning_rates(sweeps.sweeps(folders))
    final, groups, verdicts = {}, {}, {}
    training = "loss_without_dropout"
    for name, folder in facts["folders"].items():
        config = folder["config"]
        key = f"{config.learning_rate:g}/{config.dropout or 0:g}"
        final[key] = {activation: median_final(folder["histories"], activation, training) for activation in folder["rows"]}
    for csv_file, result in tuned:
        dropout = f"{result.folders[0].settings['dropout'] or 0:.1f}"  # "0.0", "0.5": keys a quote can name
        lines = results_index.tuned_section(csv_file, result)
        verdicts[dropout] = "\n".join([lines[5], ""] + lines[7:9 + len(result.choices)])
        groups[dropout] = {}
        for activation, choice in result.choices.items():
            folder = next(f for f in facts["folders"].values()
                          if f["config"].learning_rate == choice.learning_rate and f"{f['config'].dropout or 0:.1f}" == dropout)
            epochs, median, _, _ = drawing.epoch_quartiles(folder["histories"], activation, "val_loss")
            runs = [h for h in folder["histories"] if h["activation"] == activation]
            groups[dropout][activation] = {
                "rate": choice.learning_rate, "row": folder["rows"][activation],
                "train_loss": median_final(folder["histories"], activation, training),
                "best_val_loss": float(np.min(median)), "best_val_epoch": int(epochs[np.argmin(median)]),
                "dead_pct": low_high(100 * row_at(run)["dead_fraction_act_dense1"] for run in runs),
                "dead_pct_start": low_high(100 * row_at(run, 0)["dead_fraction_act_dense1"] for run in runs),
                "accuracies": low_high(run["test_accuracy"] for run in runs),
                "curve": drawing.epoch_quartiles(folder["histories"], activation, training)[:2],
            }  # fmt: skip
    lowest_from, curves = {}, {}
    for dropout, group in groups.items():
        curves[dropout] = {name: numbers.pop("curve") for name, numbers in group.items()}
        epochs = next(iter(curves[dropout].values()))[0]
        lowest = [min(curves[dropout], key=lambda name: curves[dropout][name][1][k]) for k in range(len(epochs))]
        # The first epoch from which GELU's median stays the lowest; none where it does not end lowest.
        start = next((k for k in range(len(lowest)) if set(lowest[k:]) == {"gelu"}), None)
        lowest_from[dropout] = None if start is None else int(epochs[start])
    ratios = {dropout: {name: numbers["train_loss"] / min(other["train_loss"] for other in group.values())
                        for name, numbers in group.items()} for dropout, group in groups.items()}  # fmt: skip
    return {"final": final, "tuned": groups, "tuned_verdicts": verdicts, "lowest_from": lowest_from,
            "loss_ratio": ratios,
            "best_val_epochs": {dropout: low_high(numbers["best_val_epoch"] for numbers in group.values())
                                for dropout, group in groups.items()},
            "tuned_accuracy": {dropout: low_high(group[name]["row"]["test_accuracy_mean"] for name in group)
                               for dropout, group in groups.items()}}  # fmt: skip


def gelu_paper_table(facts: dict) -> str:
    lines = ["| dropout | activation | training log loss, epoch 20 | lowest validation log loss (epoch) | test accuracy |",
             "|---|---|---|---|---|"]  # fmt: skip
    for dropout, group in facts["tuned"].items():
        lowest = min(group.values(), key=lambda numbers: numbers["train_loss"])
        best_val = min(group.values(), key=lambda numbers: numbers["best_val_loss"])
        for name, numbers in sorted(group.items(), key=lambda item: item[1]["train_loss"]):
            train = f"{numbers['train_loss']:.4f}"
            val = f"{numbers['best_val_loss']:.4f}"
            lines.append(f"| {float(dropout):g} | {short_label(name)} | {f'**{train}**' if numbers is lowest else train} | "
                         f"{f'**{val}**' if numbers is best_val else val} ({numbers['best_val_epoch']}) | "
                         f"{report.format_mean_std(numbers['row']['test_accuracy_mean'], numbers['row']['test_accuracy_std'])} |")  # fmt: skip
    return "\n".join(lines)


def cross_task_numbers(facts: dict) -> dict:
    """The task matrix: its cross-task verdict, computed from the task folders' extracts as
    `cross-task/summary.md` is (folders named `tasks-<set>/<task>/<run folder>`); per
    activation its mean log-error gain over ReLU with its interval and probability of
    improvement (`average`), its gain on each task (`gain`), each task's folder facts and
    failed seeds by task name (`task`, `failed`), Softplus's dense layer on the CNN tasks
    (`softplus_cnn`) and the performance profile's numbers (`profile`)."""
    by_task = {Path(name).parts[1]: folder for name, folder in facts["folders"].items()}
    result = matrix.cross_task_result([(tasks.get(task), folder["histories"], folder["result"].saved)
                                       for task, folder in by_task.items()])  # fmt: skip
    average = {name: {"gain": result.average["mean"][k], "low": result.average["low"][k],
                      "high": result.average["high"][k], "p_improvement": result.probability["mean"][k]}
               for k, name in enumerate(result.names)}  # fmt: skip
    gain = {name: {task: result.per_task["mean"][t, k] for t, task in enumerate(result.tasks)}
            for k, name in enumerate(result.names)}  # fmt: skip
    failed = {task: {name: row["seeds_failed"] for name, row in folder["rows"].items()} for task, folder in by_task.items()}
    return {"cross_task": result, "average": average, "gain": gain, "task": by_task, "failed": failed,
            "softplus_cnn": cnn_dense_layer(by_task, "softplus"), "profile": profile_numbers(result)}


def profile_numbers(result) -> dict:
    """From the performance profile, per activation: on how many tasks its error is the
    lowest, and the smallest factor τ within which it is of the lowest on every task."""
    lowest_on = {name: round(result.profile[k, 0] * len(result.tasks)) for k, name in enumerate(result.names)}
    within = {name: next((tau for tau, share in zip(result.profile_taus, result.profile[k]) if share >= 1.0), None)
              for k, name in enumerate(result.names)}  # fmt: skip
    return {"lowest_on": lowest_on, "within_all": within}


def cnn_dense_layer(by_task: dict, name: str) -> dict | None:
    """On the matrix's CNN tasks (mnist, fashion_mnist), over every seed `name` ran: its dense
    layer's gradient norm before training, alone and as a multiple of ReLU's on the same
    seed, and its dense layer's mean output before training and after the first epoch; None
    where no CNN task ran it."""
    start, ratio, mean_start, mean_one = [], [], [], []
    for folder in by_task.values():
        runs = folder["runs"]
        if folder["config"].model != "cnn" or name not in runs:
            continue
        for seed, run in runs[name].items():
            before, after = row_at(run, 0), row_at(run, 1)
            start.append(before["grad_norm_dense1"])
            ratio.append(before["grad_norm_dense1"] / row_at(runs["relu"][seed], 0)["grad_norm_dense1"])
            mean_start.append(before["act_mean_act_dense1"])
            mean_one.append(after["act_mean_act_dense1"])
    if not start:
        return None
    return {"grad_start": low_high(start), "grad_vs_relu": low_high(ratio), "mean_start": low_high(mean_start),
            "mean_one": low_high(mean_one)}  # fmt: skip


def cross_task_block(facts: dict) -> str:
    """cross-task/summary.md's verdict and table."""
    return "\n".join(cross_task_text.verdict_lines(facts["cross_task"])) + "\n"


def cross_task_profile(facts: dict):
    """cross-task/performance_profile.png as the run draws it, from the recomputed verdict."""
    return matrix.profile_figure(facts["cross_task"])


def task_budget_table(facts: dict) -> str:
    """Each task of the matrix: what it trains, its budget and margin, where its looks
    stopped, the runs it spent of the most it could, and its best set."""
    lines = ["| task | what is trained | budget | margin | stopped | runs | best set |", "|---|---|---|---|---|---|---|"]
    for name, folder in facts["task"].items():
        task, config, saved = tasks.get(name), folder["config"], folder["result"].saved
        images = plan.epoch_images(saved["data"]["train_images"], config)
        look = saved["looks"][-1]
        most = len(config.activations) * config.max_seeds
        best = ", ".join(row["label"] for row in folder["rows"].values() if row["in_best_set"])
        lines.append(f"| {task.name} | {task.description} | {config.epochs} epochs of {images:,} | {task.margin:g} pp "
                     f"| {look['stop']} at {look['seeds']} seeds | {len(folder['histories'])} of {most} | {best} |")  # fmt: skip
    return "\n".join(lines)

"""`--tasks`: the activations on several tasks, each task in its own folder with `--seeds
auto` and ReLU as its control arm, then one cross-task folder and summary.

The matrix lives in `<results-dir>/tasks-<activation set>/`: one results folder per task
(`<task>/`, holding the task's run folder and index), and `cross-task/` (summary.md,
summary.csv, performance_profile.png). Every task's dataset is checked before anything
trains. `plan_text` is the matrix's `--plan`.
"""

import dataclasses
from pathlib import Path

import activations
import plotting
from activation_comparison import experiment
from activation_comparison.planning import plan
from activation_comparison.figures import drawing
from activation_comparison.reporting import cross_task_text
from activation_comparison.planning import run_costs
from activation_comparison.setup import datasets, tasks
from activation_comparison.results import history_files, run_folder, storage
from activation_comparison.setup.config import ExperimentConfig, UsageError, margin_fraction
from activation_comparison.verdict import cross_task_verdict

CROSS_TASK = "cross-task"
# Flags beside --tasks that change no task's definition: what to compare, where and how runs
# execute, what is measured beside them, and where results go.
ALLOWED_FLAGS = {"activations", "tasks", "results_dir", "force", "plan", "threads", "workers", "ray", "gpus_per_run",
                 "diagnostics", "probe_size", "tensorboard", "loss_without_dropout"}  # fmt: skip


def refuse_definition_flags(given: dict[str, str]) -> None:
    """One line for the first flag given beside --tasks (`given`: destination -> flag) that
    would change a task's definition."""
    for name, flag in given.items():
        if name not in ALLOWED_FLAGS:
            raise UsageError(f"{flag} would change the tasks' definitions, which --tasks fixes "
                             "(each task's settings: docs/reference.md); leave it out, or run without --tasks")  # fmt: skip


def matrix_folder(results_dir: Path, names) -> Path:
    """`tasks-wide`, `tasks-article` or `tasks-relu+gelu`: one folder per activation set."""
    return Path(results_dir) / f"tasks-{activations.set_name(names)}"


def task_run_dir(folder: Path, task: tasks.Task, config: ExperimentConfig) -> Path:
    """A task's run folder inside the matrix's `folder`: `<task>/<run folder>`."""
    return Path(folder) / task.name / config.run_name()


def task_configs(task_names, names) -> list[tuple[tasks.Task, ExperimentConfig]]:
    """Each task with its checked config; a dataset that cannot load offline is refused
    here, in one line naming what to install, before anything trains."""
    chosen = tasks.named(task_names)
    for task in chosen:
        problem = datasets.missing(task.dataset)
        if problem:
            raise UsageError(f"task {task.name}: {problem}")
    return [(task, ExperimentConfig(**tasks.settings(task, names))) for task in chosen]


def run_matrix(task_names, names, results_dir: Path, make_runner, threads: int | None = None, force: bool = False,
               command: str = "", extra_settings: dict | None = None) -> Path:  # fmt: skip
    """Run every task's looks, then write the cross-task folder; return it.

    `make_runner(dataset)` gives the runner for one task's data (`execution.make_runner`);
    `extra_settings` are the allowed settings that change no definition (diagnostics, ...)."""
    folder = matrix_folder(results_dir, names)
    configs = [(task, dataclasses.replace(config, **(extra_settings or {})))
               for task, config in task_configs(task_names, names)]  # fmt: skip
    for task, config in configs:
        print(f"task {task.name}: {task.description}", flush=True)
        data = datasets.load(task.dataset)
        runner = make_runner(data)
        try:
            experiment.run_experiment(config, data, task_run_dir(folder, task, config).parent, force=force, command=command, runner=runner,
                                      threads=threads, control=tasks.CONTROL)  # fmt: skip
        finally:
            runner.close()
    return write_cross_task(folder, [(task, task_run_dir(folder, task, config)) for task, config in configs])


def cross_task_result(task_records: list[tuple[tasks.Task, list[dict], dict]]) -> cross_task_verdict.CrossTask:
    """The cross-task verdict of each task's (task, run records, config.json): a run folder's
    or an extract's."""
    inputs = [cross_task_verdict.TaskInput(task.name, margin_fraction(task.margin), records, saved.get("design"))
              for task, records, saved in task_records]  # fmt: skip
    return cross_task_verdict.compare_tasks(inputs, tasks.CONTROL)


def profile_figure(result: cross_task_verdict.CrossTask):
    """The cross-task performance profile of `result` (None when there is nothing to draw)."""
    return plotting.FIGURES[cross_task_text.PROFILE_FIGURE].draw(result.profile_taus, result.profile, result.names)


def write_cross_task(folder: Path, task_folders: list[tuple[tasks.Task, Path]]) -> Path:
    """`cross-task/`: summary.md, summary.csv and the performance profile, from the task folders alone."""
    result = cross_task_result([(task, history_files.read_histories(run_dir),
                                 run_folder.read_json_or_refuse(run_dir / "config.json") or {})
                                for task, run_dir in task_folders])  # fmt: skip
    out = folder / CROSS_TASK
    out.mkdir(parents=True, exist_ok=True)
    rows = cross_task_text.csv_rows(result)
    storage.write_csv(out / "summary.csv", rows, list(rows[0]))
    figures = []
    figure = profile_figure(result)
    if figure is not None:
        drawing.save_figure(figure, out / cross_task_text.PROFILE_FIGURE)
        figures.append(cross_task_text.PROFILE_FIGURE)
    storage.write_text(out / "summary.md", cross_task_text.summary_markdown(result, figures))
    return out


def task_cost(task: tasks.Task, config: ExperimentConfig, run_dir: Path, slot: run_costs.Slot) -> run_costs.RunCost:
    """A task's planned run: from its own recorded runs where they tell a part, else from
    the measured defaults of its network; a network without them (the small tasks') takes
    the task's measured epoch for every epoch."""
    images = plan.epoch_images(datasets.get(task.dataset).train_images, config)
    key = run_costs.cost_key(dataclasses.asdict(config))
    records = [dataclasses.replace(record, key=key, images=record.images or images)
               for runs in plan.recorded_runs(run_dir.parent, slot.cores).values() for record in runs]  # fmt: skip
    if config.model in run_costs.DEFAULTS or records:
        return run_costs.run_cost(key, images, slot, records)
    epoch = task.epoch_seconds * run_costs.slot_factor(config.model, slot.threads, slot.at_once, slot.cores)
    source = "the task's measured epoch"
    return run_costs.RunCost(epoch, epoch, epoch, {"first": source, "epoch": source, "fixed": source})


def plan_text(task_names, names, results_dir: Path, threads: int, cores: int, force: bool = False) -> str:
    """The matrix's `--plan`: per task the runs of its next look and the most its looks can
    still take, with their time, and the totals; nothing is trained or written."""
    folder = matrix_folder(results_dir, names)
    slot = run_costs.Slot(min(threads, cores), 1, cores)
    rows = []
    for task, config in task_configs(task_names, names):
        run_dir = task_run_dir(folder, task, config)
        task_rows = plan.folder_rows(config, run_dir, task_cost(task, config, run_dir, slot), 1, force,
                                      tasks.CONTROL)  # fmt: skip
        # A task whose looks have stopped has one row: it is both its next look and its most.
        rows.append((task_rows[0], task_rows[-1]))
    totals = [plan.total("total, next looks", [first for first, _ in rows]),
              plan.total("total, at most", [most for _, most in rows])]  # fmt: skip
    start = run_costs.start_seconds(1, False)
    lines = [f"Plan of the task matrix in {folder} (nothing is trained or written):", ""]
    lines += plan.table([row for pair in rows for row in dict.fromkeys(pair)] + totals) + [""]
    lines.append(f"Wall time of the whole matrix: about {plan.seconds_too(start + totals[0].seconds)} to every "
                 f"task's next look, at most {plan.seconds_too(start + totals[1].seconds)}, with the start-up "
                 "and the summaries.")  # fmt: skip
    lines.append(f"Each task's runs: its own recorded runs where it has some, else the measured defaults of its "
                 f"network (the small networks: the task's measured epoch), at {plan.plural(slot.threads, 'thread')}; "
                 "one run at a time.")  # fmt: skip
    lines.append("Each task takes --seeds auto looks with relu as its control arm; the runs lie between the "
                 "next looks' and the most.")  # fmt: skip
    return "\n".join(lines) + "\n"

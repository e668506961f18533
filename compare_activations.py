"""Which activation function trains the classic Keras MNIST CNN (or the GELU paper's MLP,
`--model mlp`) best, and why.

`python compare_activations.py --epochs 12` trains the same network once per activation and
seed, scores each run once on the untouched test set, and writes histories, a summary and
figures to `results/<run-name>/`. This file is the command line only: flags become one
`ExperimentConfig` per setting of a sweep, `activation_comparison.experiment` runs them
(or `--plan` says what they would do), and errors become one line and an exit status.
"""

import argparse
import contextlib
import itertools
import os
import shlex
import signal
import sys
from pathlib import Path

if __name__ == "__mp_main__":
    # This file is being loaded by a --workers process. Ctrl-C is for the parent, which
    # stops its workers; a worker interrupted while it loads would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

# TensorFlow's C++ log lines are not about this experiment: even its error level carries
# version-skew notices from tf.data on every run. Python exceptions and fatal errors still
# show; set TF_CPP_MIN_LOG_LEVEL=0 to see everything.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from activation_comparison.execution import quiet_start  # noqa: E402

quiet_start.import_backend()

from activation_comparison.setup import config, data, datasets, declarations, hardware, tasks  # noqa: E402
from activation_comparison.execution import execution  # noqa: E402
from activation_comparison import experiment, matrix  # noqa: E402
from activation_comparison.planning import plan  # noqa: E402
from activation_comparison.training import tensorboard_log  # noqa: E402
from activation_comparison.setup.config import UsageError  # noqa: E402


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as a UsageError (one line) instead of exiting."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def add_setting(parser, name: str, declared: declarations.Setting) -> None:
    """One flag from one setting's declaration (`config.SETTINGS`), on `parser` or one of
    its argument groups."""
    default = config.DEFAULTS[name]
    if isinstance(default, bool):
        # A switch: the flag turns the default around (--no-diagnostics, --tensorboard).
        parser.add_argument(declared.flag, dest=name, action="store_false" if default else "store_true",
                            help=declared.help)  # fmt: skip
        return
    options = {"dest": name, "help": declared.help, "metavar": declared.metavar}
    if declared.choices:
        options["choices"] = list(declared.choices())
    if name == "activations":
        # Several names, one setting: "relu elu" and "relu,elu" both work.
        options |= {"nargs": "+", "default": list(default)}
    elif declared.sweep:
        # Clip flags start empty so the command line can tell whether any was given.
        options |= {"nargs": "+", "type": float, "default": [] if name.startswith("clip_") else [default]}
    elif name == "seeds":
        options |= {"type": config.parse_seeds, "default": default}
    else:
        options |= {"type": type(default) if default is not None else int, "default": default}
    if default is not None and not name.startswith("clip_") and "default:" not in declared.help:
        shown = " ".join(map(str, default)) if isinstance(default, tuple) else default
        options["help"] += f" (default: {shown})"
    parser.add_argument(declared.flag, **options)


DESCRIPTION = """\
Train a network (the classic Keras MNIST CNN by default) once per activation
function and seed, and write histories, a summary and figures to a run folder,
<results-dir>/<run-name>/. Settings whose help says 'several values sweep' take
several values (and --no-clip beside the clip flags): every combination gets
its own run folder."""

EXAMPLES = """\
examples:
  a quick look (about 1 minute on 2 CPU cores):
    python compare_activations.py --epochs 1 --train-limit 3000
  the comparison, one seed per activation:
    python compare_activations.py --epochs 12
  a verdict over seeds, added in looks while the answer is open, 2 at a time:
    python compare_activations.py --epochs 4 --seeds auto --workers 2

Add --plan to any command to see what it would train and for how long.
Every flag, and every file a run folder holds: docs/reference.md."""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="compare_activations.py", description=DESCRIPTION, epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    groups = {title: parser.add_argument_group(title) for title in declarations.GROUPS}
    for name, declared in config.SETTINGS.items():
        if declared.flag is not None:
            add_setting(groups[declared.group], name, declared)
    # The flags that are not settings: each follows the settings of its group.
    groups[declarations.COMPARED].add_argument("--tasks", nargs="+", metavar="TASK", help="run the cross-task matrix: "
        "each task (" + ", ".join(tasks.TASKS) + ", or all) in its own folder with --seeds auto and relu as its control "
        "arm, then a cross-task summary; flags that change a task's definition are refused beside it")
    groups[declarations.COMPARED].add_argument("--data", metavar="PATH", help="other local data: a Keras-layout .npz or a folder of the four IDX files")
    groups[declarations.CLIPPING].add_argument("--no-clip", action="store_true", help="no gradient clipping; beside --clip-value or --clip-norm it adds an unclipped setting to the sweep")
    output = groups[declarations.OUTPUT]
    output.add_argument("--results-dir", default="results", metavar="PATH", help="where run folders are written (default: %(default)s)")
    output.add_argument("--force", action="store_true", help="retrain runs that are already finished")
    output.add_argument("--plan", action="store_true", help="print what this command would do, per run folder (runs to train, already finished, locked by another process) and about how long it takes, then exit without training or writing anything")
    where = groups[declarations.EXECUTION]
    where.add_argument("--threads", type=int, metavar="T", help="intra-op threads per run; the same seed gives the same numbers only with the same T (default: the backend's, or cores / workers with --workers, or 1 with --ray)")
    where.add_argument("--workers", type=int, metavar="N", help="train up to N runs at once, each in its own process")
    where.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS", help="run every pending run as a Ray task: a local Ray instance, or an existing cluster at ADDRESS (auto, or HOST:PORT from `ray start --head`); needs pip install -e \".[ray]\"")
    where.add_argument("--gpus-per-run", type=float, default=0.0, metavar="G", help="GPUs per Ray task, e.g. 0.25 packs four runs on a GPU (default: %(default)s)")
    return parser  # fmt: skip


def clip_settings(options) -> list[dict]:
    """{clip_value, clip_norm} for each clip setting asked for, in the order given: the two
    clip flags and --no-clip are one swept choice, since Keras takes at most one clip."""
    settings = [{"clip_value": value, "clip_norm": None} for value in options.clip_value]
    settings += [{"clip_value": None, "clip_norm": norm} for norm in options.clip_norm]
    if options.no_clip:
        settings.append({"clip_value": None, "clip_norm": None})
    return settings or [{"clip_value": config.DEFAULTS["clip_value"], "clip_norm": None}]


def configs_from_arguments(options) -> list[config.ExperimentConfig]:
    """One checked config per combination of the swept settings; any bad value is refused
    before anything trains."""
    fixed = {name: getattr(options, name) for name, declared in config.SETTINGS.items()
             if declared.flag is not None and not declared.sweep}  # fmt: skip
    fixed["activations"] = tuple(name for item in options.activations for name in item.split(",") if name)
    swept = [
        [{name: value} for value in getattr(options, name)]
        for name, declared in config.SETTINGS.items()
        if declared.sweep and not name.startswith("clip_")
    ]
    configs = [
        config.ExperimentConfig(**fixed, **{key: value for part in combination for key, value in part.items()})
        for combination in itertools.product(*swept, clip_settings(options))
    ]
    return list({experiment_config.run_name(): experiment_config for experiment_config in configs}.values())


def plan_of(options, configs: list[config.ExperimentConfig]) -> str:
    """--plan's text. Only --data is loaded, to count its training images; the named
    datasets' sizes are known, so the plan neither reads nor downloads them."""
    if options.ray is not None:
        execution.check_ray_address(options.ray)
    if options.data is None:
        train_images = datasets.get(options.dataset).train_images
    else:
        train_images = len(datasets.load_dataset(options.dataset, options.data).x_train)
    threads = execution.threads_per_run(options.threads, options.workers, options.ray is not None)
    at_once = plan.runs_at_once(options.workers, options.ray, threads, hardware.cores())
    return plan.plan_text(configs, Path(options.results_dir), train_images, at_once, options.force, threads,
                          hardware.cores(), ray=options.ray is not None)


def given_flags(argv: list[str]) -> dict[str, str]:
    """Destination -> flag of every flag `argv` gives, whatever its value (abbreviated too):
    parsed once more with every default a marker that no given value can be."""
    parser = build_parser()
    marker = object()
    parser.set_defaults(**{action.dest: marker for action in parser._actions})
    options = parser.parse_args(argv)
    flag = {action.dest: action.option_strings[0] for action in parser._actions if action.option_strings}
    return {dest: flag[dest] for dest, value in vars(options).items() if value is not marker}


def activation_names(options) -> tuple[str, ...]:
    """--activations as names, a set's name (`wide`) and commas expanded."""
    return config.ExperimentConfig(activations=tuple(
        name for item in options.activations for name in item.split(",") if name)).activations


def run_tasks(options, argv: list[str]) -> int:
    """--tasks: the matrix's plan, or its runs and cross-task summary."""
    matrix.refuse_definition_flags(given_flags(argv))
    execution.check_options(options.threads, options.workers, options.ray, options.gpus_per_run)
    if options.tensorboard:
        tensorboard_log.check_installed()
    names = activation_names(options)
    threads = execution.threads_per_run(options.threads, options.workers, options.ray is not None)
    if options.plan:
        print(matrix.plan_text(options.tasks, names, Path(options.results_dir), threads or hardware.cores(),
                               hardware.cores(), options.force), end="")  # fmt: skip
        return 0
    extra = {"diagnostics": options.diagnostics, "probe_size": options.probe_size, "tensorboard": options.tensorboard,
             "loss_without_dropout": options.loss_without_dropout}  # fmt: skip
    folder = matrix.run_matrix(
        options.tasks, names, Path(options.results_dir),
        lambda dataset: execution.make_runner(dataset, options.workers, threads, options.ray, options.gpus_per_run),
        threads, options.force, shlex.join(["python", "compare_activations.py", *argv]), extra)  # fmt: skip
    print(f"Cross-task results: {folder}")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Progress lines should appear as they happen also when the output goes to a file.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        options = build_parser().parse_args(argv)
        if options.tasks:
            return run_tasks(options, argv)
        configs = configs_from_arguments(options)
        execution.check_options(options.threads, options.workers, options.ray, options.gpus_per_run)
        if options.tensorboard:
            tensorboard_log.check_installed()
        if options.plan:
            print(plan_of(options, configs), end="")
            return 0
        dataset = datasets.load_dataset(options.dataset, options.data)
        for experiment_config in configs:
            data.Split.of(dataset, experiment_config)  # Refuse a bad split before anything trains.
        if options.precision == "mixed_bfloat16" and not hardware.has_bf16():
            print("note: this CPU has no native bfloat16 (AVX-512 BF16 or AMX), so "
                  "mixed_bfloat16 is emulated and will be slower than float32", flush=True)  # fmt: skip
        threads = execution.threads_per_run(options.threads, options.workers, options.ray is not None)
        runner = execution.make_runner(dataset, options.workers, threads, options.ray, options.gpus_per_run)
        command = shlex.join(["python", "compare_activations.py", *argv])
        known = {}  # Each folder's result, computed once by this command.
        try:
            for experiment_config in configs:
                result = experiment.run_experiment(
                    experiment_config, dataset, Path(options.results_dir), force=options.force,
                    command=command, runner=runner, threads=threads, known=known,
                )  # fmt: skip
                print(f"Results: {result.path}")
        finally:
            runner.close()
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\nInterrupted: finished runs and completed epochs are saved; "
            "run the same command again to resume.",
            file=sys.stderr,
        )
        return 130
    except experiment.RunFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(
            f"error: could not write results ({error.strerror or error}: {error.filename}); "
            "free some space or choose another --results-dir, then run the same command to resume",
            file=sys.stderr,
        )
        return 1
    return 0


def cli() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    cli()

"""Which activation function trains the classic Keras MNIST CNN best, and why.

`python compare_activations.py --epochs 12` trains the same CNN once per activation and
seed, scores each run once on the untouched test set, and writes histories, a summary and
figures to `results/<run-name>/`. This file is the command line only: flags become one
`ExperimentConfig` per setting of a sweep, `activation_comparison.experiment` runs them,
and errors become one line and an exit status.
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

from activation_comparison import quiet_start  # noqa: E402

quiet_start.import_backend()

from activation_comparison import data, execution, experiment, hardware, losses  # noqa: E402
from activation_comparison.config import PRECISIONS, ExperimentConfig, UsageError  # noqa: E402


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as a UsageError (one line) instead of exiting."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def build_parser() -> ArgumentParser:
    defaults = ExperimentConfig()
    parser = ArgumentParser(
        prog="compare_activations.py",
        description="Train the classic Keras MNIST CNN once per activation function and "
        "seed, and write histories, a summary and figures to RESULTS_DIR/<run-name>/. "
        "Several --learning-rate, --clip-value and --clip-norm values (and --no-clip beside "
        "them) make a sweep: every combination gets its own run folder.",
    )
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="training epochs per run (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="training batch size (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, nargs="+", default=[defaults.learning_rate], metavar="LR", help="Adam learning rate; several values sweep (default: %(default)s)")
    parser.add_argument("--clip-value", type=float, nargs="+", default=[], metavar="V", help=f"clip each gradient element to ±V; several values sweep (default: {defaults.clip_value}, as in the article, when no clip flag is given)")
    parser.add_argument("--clip-norm", type=float, nargs="+", default=[], metavar="V", help="rescale each variable's gradient to L2 norm at most V (Keras' clipnorm); several values sweep")
    parser.add_argument("--no-clip", action="store_true", help="no gradient clipping; beside --clip-value or --clip-norm it adds an unclipped setting to the sweep")
    parser.add_argument("--loss", choices=list(losses.LOSSES), default=defaults.loss, help="training loss; binary_crossentropy reproduces the article's setting (accuracy stays top-1 classification accuracy, the article's binary accuracy is recorded separately)")
    parser.add_argument("--activations", nargs="+", default=list(defaults.activations), metavar="NAME", help=f"activations to compare (default: {' '.join(defaults.activations)}); any Keras built-in such as swish, mish or tanh also works")
    parser.add_argument("--seeds", type=int, default=defaults.seeds, help="run seeds 0..K-1 for every activation (default: %(default)s)")
    parser.add_argument("--validation-split", type=float, default=defaults.validation_split, help="fraction of the training images held out for validation, the last ones as in Keras (default: %(default)s)")
    parser.add_argument("--train-limit", type=int, metavar="N", help="use only the first N training images (quick looks and tests)")
    parser.add_argument("--dataset", choices=("mnist", "fashion_mnist"), default=defaults.dataset, help="which dataset (default: %(default)s, the copy shipped with this project)")
    parser.add_argument("--data", metavar="PATH", help="other local data: a Keras-layout .npz or a folder of the four IDX files")
    parser.add_argument("--results-dir", default="results", help="where run folders are written (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="retrain runs that are already finished")
    parser.add_argument("--no-diagnostics", action="store_true", help="skip the per-epoch gradient, clipping and dead-unit measurements")
    parser.add_argument("--probe-size", type=int, default=defaults.probe_size, help="validation images used for the diagnostics (default: %(default)s)")
    parser.add_argument("--precision", choices=PRECISIONS, default=defaults.precision, help="Keras mixed-precision policy; it changes the numbers, so it is part of the folder name (default: %(default)s)")
    parser.add_argument("--threads", type=int, metavar="T", help="intra-op threads per run; the same seed gives the same numbers only with the same T (default: the backend's, or cores / workers with --workers, or 1 with --ray)")
    parser.add_argument("--workers", type=int, metavar="N", help="train up to N runs at once, each in its own process")
    parser.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS", help="run every pending run as a Ray task: a local Ray instance, or an existing cluster at ADDRESS (auto, or HOST:PORT from `ray start --head`); needs pip install -e \".[ray]\"")
    parser.add_argument("--gpus-per-run", type=float, default=0.0, metavar="G", help="GPUs per Ray task, e.g. 0.25 packs four runs on a GPU (default: %(default)s)")
    return parser  # fmt: skip


def check_execution_flags(options) -> None:
    checks = [
        (options.threads is None or options.threads >= 1, f"--threads must be at least 1, got {options.threads}"),
        (options.workers is None or options.workers >= 1, f"--workers must be at least 1, got {options.workers}"),
        (options.gpus_per_run >= 0, f"--gpus-per-run must be 0 or more, got {options.gpus_per_run}"),
        (options.ray is None or options.workers is None, "--workers and --ray both decide where runs execute: give one"),
        (options.gpus_per_run == 0 or options.ray is not None, "--gpus-per-run applies to Ray tasks: add --ray"),
    ]  # fmt: skip
    for passed, message in checks:
        if not passed:
            raise UsageError(message)


def clip_settings(options) -> list[tuple[float | None, float | None]]:
    """(clip_value, clip_norm) for each clip setting asked for, in the order given."""
    settings = [(value, None) for value in options.clip_value]
    settings += [(None, norm) for norm in options.clip_norm]
    if options.no_clip:
        settings.append((None, None))
    return settings or [(ExperimentConfig.clip_value, None)]


def configs_from_arguments(options) -> list[ExperimentConfig]:
    """One checked config per combination of the swept settings; any bad value is refused
    before anything trains."""
    names = [name for item in options.activations for name in item.split(",") if name]
    configs = [
        ExperimentConfig(
            activations=tuple(names),
            seeds=options.seeds,
            epochs=options.epochs,
            batch_size=options.batch_size,
            learning_rate=learning_rate,
            clip_value=clip_value,
            clip_norm=clip_norm,
            loss=options.loss,
            validation_split=options.validation_split,
            train_limit=options.train_limit,
            dataset=options.dataset,
            diagnostics=not options.no_diagnostics,
            probe_size=options.probe_size,
            precision=options.precision,
        )
        for learning_rate, (clip_value, clip_norm) in itertools.product(
            options.learning_rate, clip_settings(options)
        )
    ]
    return list({config.run_name(): config for config in configs}.values())


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Progress lines should appear as they happen also when the output goes to a file.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        options = build_parser().parse_args(argv)
        configs = configs_from_arguments(options)
        check_execution_flags(options)
        dataset = data.load_dataset(options.dataset, options.data)
        for config in configs:
            data.Split.of(dataset, config)  # Refuse a bad split before anything trains.
        if options.precision == "mixed_bfloat16" and not hardware.has_bf16():
            print("note: this CPU has no native bfloat16 (AVX-512 BF16 or AMX), so "
                  "mixed_bfloat16 is emulated and will be slower than float32", flush=True)  # fmt: skip
        threads = execution.threads_per_run(options.threads, options.workers, options.ray is not None)
        runner = execution.make_runner(dataset, options.workers, threads, options.ray, options.gpus_per_run)
        command = shlex.join(["python", "compare_activations.py", *argv])
        try:
            for config in configs:
                run_dir = experiment.run_experiment(
                    config, dataset, Path(options.results_dir), force=options.force,
                    command=command, runner=runner, threads=threads,
                )  # fmt: skip
                print(f"Results: {run_dir}")
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

"""Do per-process settings, the input pipeline or the evaluation batch size change the speed?

    python benchmarks/bench_settings.py [--rounds 5] [--steps 10]

Thread pools, oneDNN and op determinism are fixed when TensorFlow starts, so each setting
runs in its own worker process, started once and kept warm; the parent asks the workers in
turn for one block of ReLU training steps, round after round, so machine noise hits every
setting alike. The default worker also times, in the same rounds, model.fit on a
prefetching tf.data pipeline against model.fit on NumPy arrays, and model.evaluate with
several batch sizes. Every figure is the median over rounds, with min-max.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

SETTINGS = {
    "project (deterministic, TF default threads)": {},
    "intra=2 inter=1": {"intra": 2, "inter": 1},
    "intra=2 inter=2": {"intra": 2, "inter": 2},
    "intra=1 inter=2": {"intra": 1, "inter": 2},
    "not deterministic": {"deterministic": False},
    "oneDNN off": {"onednn": False},
}
EVALUATION_BATCH_SIZES = (128, 1000, 6000)
BATCH_SIZE = 128


def worker(setting: dict, steps: int, data_path: str, connection) -> None:
    """Build the project's ReLU model under `setting`, then time whatever the parent asks."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if setting.get("onednn") is False:
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import tensorflow as tf

    if "intra" in setting:
        tf.config.threading.set_intra_op_parallelism_threads(setting["intra"])
    if "inter" in setting:
        tf.config.threading.set_inter_op_parallelism_threads(setting["inter"])
    import bench_training
    from activation_comparison.training import training
    from activations import get
    from keras.utils import set_random_seed as keras_seed

    if setting.get("deterministic", True):
        training.make_deterministic()
    keras_seed(0)
    x, y = bench_training.load_images(Path(data_path), max(steps * BATCH_SIZE, max(EVALUATION_BATCH_SIZES)))
    x_train, y_train = x[: steps * BATCH_SIZE], y[: steps * BATCH_SIZE]
    model = bench_training.build_project_model(get("relu"))
    model.fit(x_train[:BATCH_SIZE], y_train[:BATCH_SIZE], batch_size=BATCH_SIZE, verbose=0)

    def fit_wall(data, **options):
        started = time.perf_counter()
        model.fit(data, epochs=1, shuffle=False, verbose=0, **options)
        return (time.perf_counter() - started) / steps

    def tf_data():
        dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(BATCH_SIZE)
        return dataset.prefetch(tf.data.AUTOTUNE)

    connection.send("ready")
    while True:
        command = connection.recv()
        if command == "stop":
            return
        if command == "train":
            result = bench_training.time_steps(model, x_train, y_train)
        elif command == "fit_numpy":
            started = time.perf_counter()
            model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
            result = (time.perf_counter() - started) / steps
        elif command == "fit_tf_data":
            result = fit_wall(tf_data())
        else:  # ("evaluate", batch_size): seconds per 1000 images.
            batch_size = command[1]
            count = max(EVALUATION_BATCH_SIZES)
            model.evaluate(x[:count], y[:count], batch_size=batch_size, verbose=0)  # Trace once.
            started = time.perf_counter()
            model.evaluate(x[:count], y[:count], batch_size=batch_size, verbose=0)
            result = (time.perf_counter() - started) / count * 1000
        connection.send(result)


def summary(values) -> str:
    return f"{statistics.median(values) * 1e3:.1f} ({min(values) * 1e3:.0f}-{max(values) * 1e3:.0f})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10, help="training steps per timed block")
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / "activation_comparison" / "mnist.npz"))
    options = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    workers = {}
    for name, setting in SETTINGS.items():
        parent_end, child_end = context.Pipe()
        process = context.Process(target=worker, args=(setting, options.steps, options.data, child_end))
        process.start()
        # One at a time, so that start-up work does not overlap with anyone's timing.
        if not parent_end.poll(300) or parent_end.recv() != "ready":
            raise RuntimeError(f"worker for {name!r} did not start")
        workers[name] = (process, parent_end)

    def ask(name, command):
        connection = workers[name][1]
        connection.send(command)
        if not connection.poll(600):
            raise RuntimeError(f"worker for {name!r} did not answer {command!r} within 10 minutes")
        return connection.recv()

    default = next(iter(SETTINGS))
    extra_commands = ["fit_numpy", "fit_tf_data"] + [("evaluate", size) for size in EVALUATION_BATCH_SIZES]
    train = {name: [] for name in SETTINGS}
    extra = {str(command): [] for command in extra_commands}
    for round_index in range(options.rounds):
        names = list(SETTINGS)[:: -1 if round_index % 2 else 1]
        for name in names:
            train[name].append(ask(name, "train"))
        for command in extra_commands[:: -1 if round_index % 2 else 1]:
            extra[str(command)].append(ask(default, command))
        print(f"round {round_index + 1}/{options.rounds} done", file=sys.stderr, flush=True)
    for process, connection in workers.values():
        connection.send("stop")
        process.join()

    print(f"ReLU training step, project model, median (min-max) ms over {options.rounds} rounds:")
    print("| setting | ms/step | vs project | same-round ratio to project (median, min-max) |")
    print("|---|---|---|---|")
    for name, values in train.items():
        pairs = [value / base for value, base in zip(values, train[default])]
        print(
            f"| {name} | {summary(values)} | {statistics.median(values) / statistics.median(train[default]):.2f} "
            f"| {statistics.median(pairs):.2f} ({min(pairs):.2f}-{max(pairs):.2f}) |"
        )
    print()
    print("Input pipeline (project setting, whole fit() call / steps, ms per step):")
    print(f"  model.fit(NumPy arrays, batch_size=128): {summary(extra['fit_numpy'])}")
    print(f"  model.fit(tf.data ... .batch(128).prefetch(AUTOTUNE)): {summary(extra['fit_tf_data'])}")
    print("Evaluation, ms per 1000 images:")
    for size in EVALUATION_BATCH_SIZES:
        print(f"  batch_size={size}: {summary(extra[str(('evaluate', size))])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

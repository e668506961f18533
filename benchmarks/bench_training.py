"""Milliseconds per training step: this project's CNN and training path against the article's.

    python benchmarks/bench_training.py            # about 4 minutes on 2 cores
    python benchmarks/bench_training.py --quick    # under 2 minutes

For each activation it times steady-state training steps (batch 128, Adam with clipvalue
0.5, model.fit on NumPy arrays) of (a) `keras_model.build_model` +
`compile_model`, with the registry's activation functions (GELU fused), and (b) the
article's formulation: the same CNN with Keras' default activations and the GELU written as
separate tanh/pow/mul ops. Both run in this process, interleaved block by block and round
by round, so machine noise hits them alike; the table gives the median over rounds and the
spread (min-max); each ratio is the median over rounds of that round's ratio. The floor is
the model's training FLOPs divided by the speed of a 4096x4096 float32 NumPy matmul measured
at the start of each round.

The last line is `ratio_vs_article=X worst_vs_relu=Y relu_vs_floor=Z`: X is the article's
six-activation total over ours, Y our slowest activation over our ReLU (both medians of
same-round ratios), Z our fastest ReLU round over the floor at the fastest matmul round.
Timings on a shared machine are noisy (+-30%); compare the ratios.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

import activations  # noqa: E402
from activation_comparison.setup import data  # noqa: E402
from activation_comparison.training import keras_model, training  # noqa: E402
from activation_comparison.setup.config import ExperimentConfig  # noqa: E402

# The MNIST copy the project ships, as the tests use it.
DEFAULT_DATA = data.SHIPPED_MNIST
BATCH_SIZE = 128
MATMUL_SIZE = 4096

# The article's activations: Keras' own functions, the GELU composed of separate ops.
ARTICLE_FUNCTIONS = {
    "sigmoid": keras.activations.sigmoid,
    "relu": keras.activations.relu,
    "elu": keras.activations.elu,
    "leaky_relu": activations.leaky_relu_02,
    "selu": keras.activations.selu,
    "gelu": activations.gelu_tanh,
}


def build_article_model(spec: activations.ActivationSpec) -> keras.Model:
    """The article's CNN and compile settings, with its own (unfused) activation function."""
    function = ARTICLE_FUNCTIONS.get(spec.name, spec.function)
    initializer = {"kernel_initializer": spec.kernel_initializer or "glorot_uniform"}
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation=function, **initializer),
            layers.Conv2D(64, 3, activation=function, **initializer),
            layers.MaxPooling2D(2),
            spec.dropout_layer(0.25),
            layers.Flatten(),
            layers.Dense(128, activation=function, **initializer),
            spec.dropout_layer(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(clipvalue=0.5), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def build_project_model(spec: activations.ActivationSpec) -> keras.Model:
    model = keras_model.build_model(spec)
    return keras_model.compile_model(model, ExperimentConfig())


def training_flops_per_image(model: keras.Model) -> float:
    """Multiply-adds x 2 of one training step per image: forward, input and weight gradients.

    Every Conv2D and Dense layer costs its forward FLOPs three times (forward, gradient with
    respect to the input, gradient with respect to the weights), except that the first layer
    needs no input gradient. Element-wise ops, pooling and the optimiser are not counted:
    they are memory-bound and part of what the floor leaves out.
    """
    forward = []
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            kernel_height, kernel_width, channels_in, channels_out = layer.kernel.shape
            _, height, width, _ = layer.output.shape
            forward.append(2.0 * height * width * channels_out * kernel_height * kernel_width * channels_in)
        elif isinstance(layer, layers.Dense):
            units_in, units_out = layer.kernel.shape
            forward.append(2.0 * units_in * units_out)
    return 3.0 * sum(forward) - forward[0]


def matmul_flops_per_second(size: int = MATMUL_SIZE, repeats: int = 2) -> float:
    """The best of `repeats` float32 NumPy matmuls: this machine's dense arithmetic speed now."""
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.matmul(a, b)
        best = min(best, time.perf_counter() - started)
    return 2.0 * size**3 / best


class StepTimer(keras.callbacks.Callback):
    """Wall time of every training step, including fetching its batch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_train_batch_begin(self, batch, logs=None):
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)


def time_steps(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Median seconds per step over one pass through (x, y), as the project's fit() runs it."""
    timer = StepTimer()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    return statistics.median(timer.seconds)


def load_images(path: Path, count: int):
    """`count` MNIST training images and one-hot labels; random ones if the file is missing."""
    if path.exists():
        with np.load(path, allow_pickle=False) as archive:
            images, labels = archive["x_train"][:count], archive["y_train"][:count]
    else:
        print(f"{path} not found: timing on random images instead", file=sys.stderr)
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count)
    return data.prepare_images(images), data.one_hot(labels)


def spread(values: list[float]) -> str:
    return f"{min(values) * 1e3:.0f}-{max(values) * 1e3:.0f}"


def run(names, rounds: int, steps: int, data_path: Path) -> dict:
    """Time every (activation, formulation) pair `rounds` times, interleaved; return the times."""
    x, y = load_images(data_path, steps * BATCH_SIZE)
    keras.utils.set_random_seed(0)
    models = {}
    for name in names:
        spec = activations.get(name)
        models[name, "ours"] = build_project_model(spec)
        models[name, "article"] = build_article_model(spec)
    flops_per_step = training_flops_per_image(models[names[0], "ours"]) * BATCH_SIZE

    # Warm-up: trace and compile every train step, and let the thread pools spin up.
    for model in models.values():
        model.fit(x[:BATCH_SIZE], y[:BATCH_SIZE], batch_size=BATCH_SIZE, verbose=0)

    times = {key: [] for key in models}
    matmul = []
    for round_index in range(rounds):
        matmul.append(matmul_flops_per_second(repeats=1 if rounds <= 3 else 2))
        order = list(models)
        if round_index % 2:
            order.reverse()  # So that neither formulation always runs right after the other.
        for key in order:
            times[key].append(time_steps(models[key], x, y))
        print(f"round {round_index + 1}/{rounds} done", file=sys.stderr, flush=True)
    return {"times": times, "matmul": matmul, "flops_per_step": flops_per_step}


def paired(values_a: list[float], values_b: list[float]) -> list[float]:
    """a / b within each round: both saw the same load on the machine, so the ratio is steadier."""
    return [a / b for a, b in zip(values_a, values_b)]


def ratio_cell(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def report(names, measured: dict) -> str:
    """The table and the final line. Every ratio is the median over rounds of that round's ratio."""
    times = measured["times"]
    rounds = len(measured["matmul"])
    floors = [measured["flops_per_step"] / speed for speed in measured["matmul"]]
    median = {key: statistics.median(values) for key, values in times.items()}
    lines = [
        f"matmul {MATMUL_SIZE}^3 float32: {statistics.median(measured['matmul']) / 1e9:.0f} GFLOP/s (median of rounds); "
        f"model: {measured['flops_per_step'] / BATCH_SIZE / 1e6:.1f} MFLOP per image per training step; "
        f"floor: {statistics.median(floors) * 1e3:.1f} ms per step of {BATCH_SIZE} (best round {min(floors) * 1e3:.1f})",
        "ms/step: median over rounds (min-max); ratios: median over rounds of the same-round ratio (min-max)",
        "",
        "| activation | ours ms/step | article ms/step | article/ours | ours/relu | ours/floor |",
        "|---|---|---|---|---|---|",
    ]
    relu = times.get(("relu", "ours"))
    for name in names:
        ours, article = times[name, "ours"], times[name, "article"]
        lines.append(
            f"| {name} | {median[name, 'ours'] * 1e3:.1f} ({spread(ours)}) "
            f"| {median[name, 'article'] * 1e3:.1f} ({spread(article)}) | {ratio_cell(paired(article, ours))} "
            f"| {ratio_cell(paired(ours, relu)) if relu else '-'} | {ratio_cell(paired(ours, floors))} |"
        )
    total_ours = [sum(times[name, "ours"][index] for name in names) for index in range(rounds)]
    total_article = [sum(times[name, "article"][index] for name in names) for index in range(rounds)]
    ratio_vs_article = statistics.median(paired(total_article, total_ours))
    lines.append("")
    if relu:
        worst = max(statistics.median(paired(times[name, "ours"], relu)) for name in names)
        # Other processes only ever slow a measurement down, and the floor is what the
        # machine can do at best, so this compares best with best: the fastest ReLU round
        # against the floor from the fastest matmul.
        relu_vs_floor = min(relu) / min(floors)
        lines.append(
            f"ratio_vs_article={ratio_vs_article:.2f} worst_vs_relu={worst:.2f} relu_vs_floor={relu_vs_floor:.2f}"
        )
    else:
        lines.append(f"ratio_vs_article={ratio_vs_article:.2f} worst_vs_relu=nan relu_vs_floor=nan")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 6 steps: under 2 minutes")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of interleaved timing (default 9)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per timed block (default 10)")
    parser.add_argument("--activations", default=",".join(activations.DEFAULT_ACTIVATIONS))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MNIST .npz (default: %(default)s)")
    options = parser.parse_args(argv)
    rounds = options.rounds or (3 if options.quick else 9)
    steps = options.steps or (6 if options.quick else 10)
    names = [name.strip() for name in options.activations.split(",") if name.strip()]
    try:
        for name in names:
            activations.get(name)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    # The project trains with deterministic kernels; the setting is per process, so the
    # article's models below get it too (bench_settings.py measures what it costs).
    training.make_deterministic()
    started = time.perf_counter()
    measured = run(names, rounds, steps, options.data)
    print(
        f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs; "
        f"{rounds} rounds x {steps} steps per activation and formulation; {time.perf_counter() - started:.0f} s"
    )
    print(report(names, measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where the time of one training step goes: TensorFlow ops ranked by their total time.

    python benchmarks/profile_step.py [--activation relu] [--steps 10]

Traces a few steady-state training steps of the project's model with TensorFlow's profiler
and sums the host time of each op type over them (ops run on two threads, so the sum can
exceed the wall time). The trace is written to a temporary folder and deleted.
"""

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tensorflow as tf  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

import activations  # noqa: E402
import bench_training  # noqa: E402


def op_times(logdir: str) -> collections.Counter:
    """Total milliseconds per op type in the host plane of the trace under `logdir`."""
    totals = collections.Counter()
    for path in Path(logdir).rglob("*.xplane.pb"):
        space = xplane_pb2.XSpace()
        space.ParseFromString(path.read_bytes())
        for plane in space.planes:
            if not plane.name.startswith("/host:CPU"):
                continue
            for line in plane.lines:
                if line.name == "python":
                    continue
                for event in line.events:
                    name = plane.event_metadata[event.metadata_id].name
                    # Kernels are recorded as "layer/op_name:OpType"; skip the executor's own events.
                    if ":" in name and "::" not in name:
                        totals[name.rsplit(":", 1)[-1]] += event.duration_ps / 1e9
    return totals


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--article", action="store_true", help="profile the article's formulation instead")
    options = parser.parse_args(argv)

    spec = activations.get(options.activation)
    build = bench_training.build_article_model if options.article else bench_training.build_project_model
    model = build(spec)
    x, y = bench_training.load_images(bench_training.DEFAULT_DATA, options.steps * bench_training.BATCH_SIZE)
    bench_training.time_steps(model, x, y)  # Trace and warm up.
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        started = time.perf_counter()
        model.fit(x, y, batch_size=bench_training.BATCH_SIZE, shuffle=False, verbose=0)
        wall = time.perf_counter() - started
        tf.profiler.experimental.stop()
        totals = op_times(logdir)
    print(f"{options.activation}: {wall / options.steps * 1e3:.1f} ms per step (wall, while profiling)")
    print("| op | ms per step (summed over threads) | share |")
    print("|---|---|---|")
    total = sum(totals.values())
    for name, milliseconds in totals.most_common(15):
        print(f"| {name} | {milliseconds / options.steps:.1f} | {milliseconds / total:.0%} |")
    print(f"| all ops | {total / options.steps:.1f} | 100% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

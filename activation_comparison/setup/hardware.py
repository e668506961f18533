"""The machine a run computes on: CPU, threads and GPUs, which decide its exact numbers.

The same seed gives bit-identical results only on the same CPU type (vector extensions
pick oneDNN's kernels) with the same intra-op thread count (1 and 2 threads give different
weights after 30 ReLU steps), so both are recorded with every run.
"""

import contextlib
import os
import platform
from pathlib import Path

import keras
import matplotlib
import numpy as np


def cores() -> int:
    """Cores this process may run on (its affinity), not the machine's total."""
    return len(os.sched_getaffinity(0))


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_features() -> list[str]:
    """The vector extensions that decide which kernels oneDNN runs, and so the numbers."""
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "asimd", "sve")
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                present = set(line.split(":", 1)[1].split())
                return [flag for flag in wanted if flag in present]
    return []


def intra_op_threads() -> int:
    """Threads one op may use: part of what makes a run bit-identical (1 and 2 threads give
    different weights after 30 steps)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        # 0 means TensorFlow's default, one thread per schedulable core.
        return tf.config.threading.get_intra_op_parallelism_threads() or cores()
    if backend == "torch":
        import torch

        return torch.get_num_threads()
    return cores()


def gpus() -> list[str]:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [device.name for device in tf.config.list_physical_devices("GPU")]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if backend == "jax":
        import jax

        return [str(device) for device in jax.devices() if device.platform == "gpu"]
    return []


def describe(threads: int | None = None) -> dict:
    """This machine, with `threads` as the runs' intra-op thread count where they run in
    other processes (else this process's count)."""
    return {
        "cpu_model": cpu_model(),
        "cpu_features": cpu_features(),
        "cores": cores(),
        "intra_op_threads": threads or intra_op_threads(),
        "gpus": gpus(),
        "host": platform.node(),
    }


def has_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AVX-512 BF16 or AMX); without it
    mixed_bfloat16 is emulated and slower than float32."""
    return bool({"avx512_bf16", "amx_bf16"} & set(cpu_features())) or bool(gpus())


def use_threads(threads: int | None) -> int:
    """Give each op of this process `threads` intra-op threads (None: the backend's
    default), and return the count in use. Call before the backend runs its first op."""
    if threads is not None:
        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            if tf.config.threading.get_intra_op_parallelism_threads() != threads:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
        elif backend == "torch":
            import torch

            torch.set_num_threads(threads)
    return intra_op_threads()


def library_versions() -> dict:
    versions = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
    }
    backend = keras.backend.backend()
    with contextlib.suppress(ImportError):
        versions[backend] = __import__(backend).__version__
    return versions


def machine_and_versions(threads: int | None = None) -> dict:
    """What decides a run's exact numbers besides its settings: the CPU type, the thread
    count and the library versions."""
    machine = describe(threads)
    return {
        "cpu_model": machine["cpu_model"],
        "cpu_features": machine["cpu_features"],
        "intra_op_threads": machine["intra_op_threads"],
        "versions": library_versions(),
    }

"""Where runs execute: in this process, in worker processes on this machine, or as Ray
tasks on a cluster.

Each backend only decides where `run_task` executes and hands its record back as a
`concurrent.futures.Future`; the experiment loop writes every final file. A run computes
the same numbers wherever it executes, given the same CPU type and thread count.
"""

import concurrent.futures
import concurrent.futures.process
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import activations
from activation_comparison.setup import hardware
from activation_comparison.results import history_files, run_folder
from activation_comparison.training import tensorboard_log, training
from activation_comparison.setup.config import ExperimentConfig, UsageError
from activation_comparison.setup.data import Dataset, Split


@dataclass(frozen=True)
class RunTask:
    """One (configuration, activation, seed) run, in plain values that travel to a worker."""

    config: ExperimentConfig
    activation: str
    seed: int
    run_dir: Path
    threads: int | None = None

    @property
    def label(self) -> str:
        return f"[{self.activation} seed {self.seed}]"


def run_task(task: RunTask, dataset: Dataset, verbose=2, line_per_epoch=False) -> dict:
    """Train one run where this is called; return its record.

    The checkpoint and the partial history go to the run folder when this machine sees it
    (a shared folder lets a retried run resume); elsewhere the run keeps them in a local
    temporary folder and a retry starts again from epoch 1, with the same final numbers.
    """
    hardware.use_threads(task.threads)
    training.make_deterministic()  # In every process that trains, not only the parent.
    run_dir = Path(task.run_dir)
    if not (run_dir / "checkpoints").is_dir():
        run_dir = Path(tempfile.gettempdir()) / "activation_comparison" / run_dir.name
        for folder in ("checkpoints", "histories"):
            (run_dir / folder).mkdir(parents=True, exist_ok=True)
    paths = run_folder.RunPaths.of(run_dir, task.activation, task.seed)
    callbacks = (training.EpochLine(task.label, task.config.epochs),) if line_per_epoch else ()
    if task.config.tensorboard:
        callbacks += tuple(tensorboard_log.callbacks(task.config, task.activation, task.seed, run_dir))
    return training.train_run(
        task.config, activations.get(task.activation), task.seed, Split.of(dataset, task.config),
        paths.checkpoint, lambda partial: history_files.write_history(paths, task.config, partial),
        verbose=0 if line_per_epoch else verbose, callbacks=callbacks,
    )  # fmt: skip


class InProcess:
    """Runs one after another in this process, with Keras' own progress output."""

    workers = 1

    def __init__(self, dataset: Dataset, verbose="auto"):
        self.dataset = dataset
        # A progress bar on a terminal; one line per epoch in a file or pipe.
        self.verbose = (1 if sys.stdout.isatty() else 2) if verbose == "auto" else verbose

    def submit(self, task: RunTask) -> concurrent.futures.Future:
        future = concurrent.futures.Future()
        future.set_result(run_task(task, self.dataset, self.verbose))
        return future

    def close(self, cancel=False) -> None:
        pass


# A worker process holds the dataset it was started with, so that each task carries only
# a few plain values instead of the images.
_worker_dataset: Dataset | None = None

DATASET_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def _start_worker(data_folder: str, threads: int | None) -> None:
    # Ctrl-C is for the parent, which stops its workers; a worker interrupted on its own
    # would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_dataset
    try:
        # Memory-mapped: every worker shares the one copy in the page cache.
        arrays = {name: np.load(Path(data_folder) / f"{name}.npy", mmap_mode="r") for name in DATASET_ARRAYS}
    except FileNotFoundError:
        os._exit(1)  # The parent stopped (Ctrl-C) while this worker was starting.
    _worker_dataset = Dataset(**arrays, source="worker copy")
    hardware.use_threads(threads)
    parent = os.getppid()

    def exit_when_orphaned():
        # A parent killed with SIGKILL cannot stop its workers; they stop themselves, so no
        # run goes on training with nobody to record it (its checkpoint stays for a resume).
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=exit_when_orphaned, daemon=True).start()


def _run_in_worker(task: RunTask) -> dict:
    return run_task(task, _worker_dataset, line_per_epoch=True)


class WorkerProcesses:
    """Up to `workers` runs at once, each in its own process with `threads` threads."""

    def __init__(self, dataset: Dataset, workers: int, threads: int | None):
        self.workers = workers
        # The images go to the workers through files, not through the pipe that starts
        # each worker: 200 MB written into a pipe would hold up the start (and Ctrl-C).
        self.data_folder = tempfile.TemporaryDirectory(prefix="activation-comparison-data-")
        for name in DATASET_ARRAYS:
            np.save(Path(self.data_folder.name) / f"{name}.npy", getattr(dataset, name))
        # "spawn": a forked copy of a process whose TensorFlow runtime is started would
        # inherit its thread pools in an undefined state.
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.data_folder.name, threads),
        )

    def submit(self, task: RunTask) -> concurrent.futures.Future:
        return self.pool.submit(_run_in_worker, task)

    def close(self, cancel=False) -> None:
        if not cancel:
            self.pool.shutdown()
        else:
            # shutdown() cancels only runs not yet started; a running one would go on
            # training with nobody to record it, so its process is stopped too (Python 3.14
            # adds terminate_workers()). Its checkpoint stays for a resume. The pool's own
            # list of its processes is the one record of them: a started Process object
            # forgets its target, and shutdown() drops the list.
            processes = list((self.pool._processes or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.kill()
                process.join(timeout=10)
        self.data_folder.cleanup()


def check_ray_address(address: str | None) -> None:
    """Refuse an address nothing listens on now, in seconds rather than after Ray's
    minute of retries."""
    if address in (None, "auto", "local") or address.startswith("ray://"):
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--ray {address}: expected HOST:PORT (as `ray start --head` prints) or auto")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise UsageError(
            f"--ray {address}: cannot reach a Ray head there ({error.strerror or error}); "
            "start one with `ray start --head` or check the address"
        ) from None


class RayTasks:
    """Every run a Ray task with `threads` CPUs and `gpus_per_run` GPUs; Ray schedules them
    over the cluster and retries a task whose worker dies."""

    def __init__(self, dataset: Dataset, address: str | None, threads: int, gpus_per_run: float):
        try:
            import ray
        except ImportError:
            raise UsageError(
                '--ray needs Ray: install the extra with `pip install -e ".[ray]"`'
            ) from None
        check_ray_address(address)
        # Ray's workers load TensorFlow as quietly as this process did.
        runtime_env = {
            "worker_process_setup_hook": "activation_comparison.execution.quiet_start.import_backend",
            "env_vars": {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")},
        }
        try:
            ray.init(
                address=None if address == "local" else address,
                include_dashboard=False,
                configure_logging=False,
                runtime_env=runtime_env,
            )
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise UsageError(
                f"--ray {address or ''}: could not start or join Ray ({str(error).splitlines()[0][:160]})"
            ) from None
        self.ray = ray
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1) // threads))
        self.dataset = ray.put(dataset)
        # One task per worker process: a process's thread count is fixed once its backend
        # starts, and a fresh process per run keeps each run's threads exactly as asked.
        self.remote = ray.remote(num_cpus=threads, num_gpus=gpus_per_run, max_calls=1)(
            run_task
        ).options(name="run_task")

    def submit(self, task: RunTask) -> concurrent.futures.Future:
        return self.remote.remote(task, self.dataset, line_per_epoch=True).future()

    def close(self, cancel=False) -> None:
        self.ray.shutdown()


def check_options(threads: int | None, workers: int | None, ray_address: str | None, gpus_per_run: float) -> None:
    """Refuse, in one line, where-to-run options that cannot work together."""
    checks = [
        (threads is None or threads >= 1, f"--threads must be at least 1, got {threads}"),
        (workers is None or workers >= 1, f"--workers must be at least 1, got {workers}"),
        (gpus_per_run >= 0, f"--gpus-per-run must be 0 or more, got {gpus_per_run}"),
        (ray_address is None or workers is None, "--workers and --ray both decide where runs execute: give one"),
        (gpus_per_run == 0 or ray_address is not None, "--gpus-per-run applies to Ray tasks: add --ray"),
    ]  # fmt: skip
    for passed, message in checks:
        if not passed:
            raise UsageError(message)


def threads_per_run(threads: int | None, workers: int | None, ray: bool) -> int | None:
    """The intra-op threads each run gets: as asked, else the cores shared among the
    workers, else 1 per Ray task, else the backend's default (None)."""
    if threads is not None:
        return threads
    if workers is not None:
        return max(1, hardware.cores() // workers)
    return 1 if ray else None


def make_runner(dataset: Dataset, workers, threads, ray_address, gpus_per_run, verbose="auto"):
    """The runner the flags ask for; `ray_address` is None without --ray, "local" for a
    local Ray instance. Fails with a UsageError before anything is written."""
    if ray_address is not None:
        return RayTasks(dataset, ray_address, threads or 1, gpus_per_run)
    if workers is not None and workers > 1:
        return WorkerProcesses(dataset, workers, threads)
    hardware.use_threads(threads)
    return InProcess(dataset, verbose)

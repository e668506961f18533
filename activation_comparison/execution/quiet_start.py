"""Load the Keras backend without TensorFlow's start-up notices.

TensorFlow prints lines while it loads, whatever its log level, that say nothing about a
run: the logging set-up notice, oneDNN being on, and no CUDA on a CPU machine. They are
captured and dropped; anything else written meanwhile is passed on.
"""

import contextlib
import importlib.util
import os
import sys
import tempfile

STARTUP_NOISE = (
    "All log messages before absl::InitializeLog()",
    "oneDNN custom operations are on",
    "Could not find cuda drivers",
    "failed call to cuInit",
)


@contextlib.contextmanager
def startup_noise_filtered():
    """Capture what is written to stderr (file descriptor 2); pass on all but the noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not any(noise in line for noise in STARTUP_NOISE):
                    sys.stderr.write(line)


def import_backend() -> None:
    """Import Keras and its backend, and let TensorFlow probe for CUDA, quietly.

    TensorFlow is loaded whenever it is installed, whatever the backend:
    `keras.utils.set_random_seed` imports it to seed it too, and would print its notices
    in the middle of a torch or JAX run.
    """
    with startup_noise_filtered():
        import keras  # noqa: F401

        if importlib.util.find_spec("tensorflow") is not None:
            import tensorflow as tf

            tf.config.list_physical_devices()  # Probes for CUDA now, inside the filter.

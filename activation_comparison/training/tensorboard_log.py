"""Each run's per-epoch scalars for TensorBoard, with its settings as hyperparameters.

`--tensorboard` writes, under every run folder, `tensorboard/<activation>_seed<k>/`:
Keras' own TensorBoard callback for the epoch's scores (train and validation) and the
history's other columns (diagnostics, times), and one hyperparameter record (the settings
that define the folder, the activation and the seed), so that `tensorboard --logdir
results` sets every run of every folder side by side and can filter them by setting.

TensorFlow 2.21 no longer installs TensorBoard, so it is an extra:
`pip install -e ".[tensorboard]"` (the test extra includes it).
"""

import importlib.util
from pathlib import Path

import keras

from activation_comparison.setup.config import ExperimentConfig
from activation_comparison.setup.errors import UsageError


def check_installed() -> None:
    """Refuse --tensorboard with one line, before anything trains, when TensorBoard is missing."""
    if importlib.util.find_spec("tensorboard") is None:
        raise UsageError('--tensorboard needs TensorBoard: install the extra with `pip install -e ".[tensorboard]"`')


def log_folder(run_dir: Path, activation: str, seed: int) -> Path:
    return Path(run_dir) / "tensorboard" / f"{activation}_seed{seed}"


def hyperparameters(config: ExperimentConfig, activation: str, seed: int) -> dict:
    """The settings as TensorBoard takes them (numbers, strings, booleans; None as "none")."""
    settings = ExperimentConfig.identity(config.__dict__) | {"activation": activation, "seed": seed}
    return {name: "none" if value is None else value for name, value in settings.items()}


class HyperParameters(keras.callbacks.Callback):
    """Writes the run's hyperparameters once, when training starts."""

    def __init__(self, folder: Path, values: dict):
        super().__init__()
        self.folder = folder
        self.values = values

    def on_train_begin(self, logs=None):
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hparams

        writer = tf.summary.create_file_writer(str(self.folder))
        with writer.as_default():
            hparams.hparams(self.values, trial_id=self.folder.name)
        writer.close()


def callbacks(config: ExperimentConfig, activation: str, seed: int, run_dir: Path) -> list[keras.callbacks.Callback]:
    """What a run adds to its fit() for --tensorboard: Keras' TensorBoard writing every
    column of each epoch's logs (the run's EpochRecorder adds the history's columns to them),
    and the hyperparameters."""
    folder = log_folder(run_dir, activation, seed)
    return [
        keras.callbacks.TensorBoard(str(folder), write_graph=False, update_freq="epoch", profile_batch=0),
        HyperParameters(folder, hyperparameters(config, activation, seed)),
    ]

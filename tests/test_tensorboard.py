"""--tensorboard: every run's per-epoch scalars and its settings, where TensorBoard reads them."""

import json

import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

import compare_activations as ca

# Both tests train through the command line.
pytestmark = pytest.mark.slow

FLAGS = ["--activations", "relu", "--epochs", "2", "--train-limit", "300", "--probe-size", "64"]


def scalars(folder):
    """Tag -> [(step, value)] of the TensorBoard events in `folder`."""
    events = event_accumulator.EventAccumulator(str(folder), size_guidance={"tensors": 0})
    events.Reload()
    return {
        tag: [(event.step, tensor_util.make_ndarray(event.tensor_proto).item()) for event in events.Tensors(tag)]
        for tag in events.Tags()["tensors"]
    }


def test_each_run_writes_its_epochs_scores_and_diagnostics_and_its_settings(tmp_path, mnist_path):
    assert ca.main([*FLAGS, "--tensorboard", "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 0
    (folder,) = [path for path in tmp_path.iterdir() if path.is_dir()]
    history = json.loads((folder / "histories" / "relu_seed0.json").read_text())
    logs = folder / "tensorboard" / "relu_seed0"
    train, validation = scalars(logs / "train"), scalars(logs / "validation")
    for epoch in (1, 2):
        row = history["epochs"][epoch]  # Row 0 is before training.
        assert train["epoch_loss"][epoch - 1] == (epoch - 1, pytest.approx(row["loss"], rel=1e-6))
        assert validation["epoch_loss"][epoch - 1] == (epoch - 1, pytest.approx(row["val_loss"], rel=1e-6))
        assert train["epoch_grad_norm_conv1"][epoch - 1][1] == pytest.approx(row["grad_norm_conv1"], rel=1e-6)
        assert train["epoch_dead_fraction_act_dense1"][epoch - 1][1] == pytest.approx(
            row["dead_fraction_act_dense1"], abs=1e-7)
    # The hyperparameters: the settings that define the folder, the activation and the seed.
    hparams = event_accumulator.EventAccumulator(str(logs))
    hparams.Reload()
    plugin = hparams.PluginTagToContent("hparams")
    content = b"".join(plugin.values())
    for text in (b"learning_rate", b"clip_value", b"model", b"cnn", b"activation", b"relu", b"seed"):
        assert text in content


def test_without_the_flag_nothing_is_written_for_tensorboard(tmp_path, mnist_path):
    assert ca.main([*FLAGS, "--no-diagnostics", "--data", str(mnist_path), "--results-dir", str(tmp_path)]) == 0
    assert not list(tmp_path.rglob("tensorboard"))

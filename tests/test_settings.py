"""Settings are declared once: the config's checks, the folder name, the identity of a
folder, the command line and the index's sweeps all read `config.SETTINGS`."""

import dataclasses

import pytest

import compare_activations as ca
from activation_comparison.setup import config
from activation_comparison.analysis import sweeps
from activation_comparison.setup.config import ExperimentConfig


def another_value(default):
    """A valid value other than `default`, by its type."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default + 1
    if isinstance(default, float):
        return default * 2
    if isinstance(default, tuple):
        return default[:1]
    raise AssertionError(f"no other value for {default!r}")


def test_every_declared_flag_is_on_the_command_line_with_its_help(capsys):
    with pytest.raises(SystemExit):
        ca.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for declared in config.SETTINGS.values():
        if declared.flag is not None:
            assert declared.flag in text
            assert " ".join(declared.help.split())[:40] in text


@pytest.mark.parametrize("name", [name for name, declared in config.SETTINGS.items() if not declared.identity])
def test_a_setting_that_does_not_define_a_folder_changes_neither_its_name_nor_its_identity(name):
    changed = ExperimentConfig(**{name: another_value(config.DEFAULTS[name])})
    assert changed.run_name() == ExperimentConfig().run_name()
    identity = ExperimentConfig.identity(dataclasses.asdict(changed))
    assert name not in identity and identity == ExperimentConfig.identity(dataclasses.asdict(ExperimentConfig()))


def test_settings_left_out_at_their_default_keep_the_folder_names_of_older_versions():
    omitted = [name for name, declared in config.SETTINGS.items() if declared.omit_at_default]
    assert "train_limit" in omitted and "precision" in omitted
    assert ExperimentConfig().run_name() == "mnist-e12-b128-lr0.001-clipvalue0.5-cce-val0.1"


def test_an_older_config_json_without_a_newer_setting_reads_as_its_default():
    older = {name: value for name, value in dataclasses.asdict(ExperimentConfig()).items()}
    for name in [name for name, declared in config.SETTINGS.items() if declared.omit_at_default]:
        del older[name]  # Settings added later are left out of the name at their default.
    assert ExperimentConfig.identity(older) == ExperimentConfig.identity(dataclasses.asdict(ExperimentConfig()))


def test_the_index_sweeps_over_every_numeric_setting_that_defines_a_folder():
    # Written out, not derived: a setting declared without its type or identity would drop out.
    assert set(sweeps.NUMERIC_SETTINGS) == {
        "epochs", "batch_size", "learning_rate", "clip_value", "clip_norm", "validation_split", "train_limit", "dropout",
    }
    # Words are not an axis, and a setting that does not define a folder never differs between folders.
    assert not {"model", "loss", "precision", "dataset", "threads", "margin"} & set(sweeps.NUMERIC_SETTINGS)


def test_every_combination_of_swept_values_is_its_own_checked_config():
    options = ca.build_parser().parse_args(["--learning-rate", "0.001", "0.01", "--clip-value", "0.5", "--no-clip"])
    configs = ca.configs_from_arguments(options)
    assert [(c.learning_rate, c.clip_value) for c in configs] == [(0.001, 0.5), (0.001, None), (0.01, 0.5), (0.01, None)]
    assert len({c.run_name() for c in configs}) == 4

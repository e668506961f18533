"""The tuned verdict across learning rates, from hand-made records: no training.

The worked example (two folders, learning rates 0.001 and 0.003, seeds 0-3):

ReLU's best-epoch validation losses

    seed          0     1     2     3     median (all seeds)
    lr 0.001    0.30  0.20  0.22  0.25    0.235
    lr 0.003    0.05  0.19  0.23  0.24    0.21   -> chosen on all seeds: 0.003

Seed 0 is lucky at 0.003. Leaving each seed out, the medians of the other three are

    left out      0     1     2     3
    lr 0.001    0.22  0.25  0.25  0.22
    lr 0.003    0.23  0.23  0.19  0.19
    chosen     0.001 0.003 0.003 0.003   -> agrees with all seeds on 3 of 4

ELU diverged on seed 3 at 0.001 (+inf):

    seed          0     1     2     3     median   mean
    lr 0.001    0.10  0.11  0.12   inf    0.115    inf
    lr 0.003    0.15  0.16  0.17  0.18    0.165    0.165

The median chooses 0.001 on all seeds and on every leave-one-out set (each median of three
is at most 0.12); a mean would choose 0.003 for seeds 0-2 and on all seeds.
"""

import csv
import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

import plotting
from activation_comparison.setup import config
from activation_comparison.results import storage
from activation_comparison.reporting import results_index
from activation_comparison.analysis import sweeps, tuning
from activation_comparison.results.folder_result import FolderResult
from activation_comparison.verdict import verdict
from activation_comparison.setup.config import ExperimentConfig

A, B = 0.001, 0.003
MARGIN = 0.002
# Every run's start depends on (activation, seed) alone: its epoch-0 diagnostics.
GRAD_NORM = {"relu": 0.5, "elu": 0.7, "gelu": 0.9}


def run(activation, seed, val_loss, test_accuracy, val_accuracy=0.98, initial=True, seconds=0.4,
        grad_norm=None, predictions=None):  # fmt: skip
    """A history as read from JSON; val_loss inf means the run diverged in epoch 2."""
    epochs = []
    if initial:
        epochs.append({
            "epoch": 0,
            "grad_norm_conv": GRAD_NORM[activation] + 0.01 * seed if grad_norm is None else grad_norm,
            "act_mean_activation": 0.1 * seed, "act_std_activation": 0.3,
            "dead_fraction_activation": 0.0, "clipped_fraction": 0.0, "diagnostics_seconds": seconds,
        })  # fmt: skip
    diverged = math.isinf(val_loss)
    epochs.append({"epoch": 1, "val_loss": 0.5 if diverged else val_loss + 0.05,
                   "val_accuracy": val_accuracy - 0.01, "seconds": 2.0})  # fmt: skip
    epochs.append({"epoch": 2, "val_loss": None if diverged else val_loss,
                   "val_accuracy": None if diverged else val_accuracy, "seconds": 2.0})  # fmt: skip
    record = {
        "activation": activation, "seed": seed, "status": "diverged" if diverged else "finished",
        "diverged_epoch": 2 if diverged else None, "best_epoch": 1 if diverged else 2,
        "test_accuracy": None if diverged else test_accuracy,
        "test_loss": None if diverged else 1 - test_accuracy, "epochs": epochs,
    }  # fmt: skip
    if predictions is not None:
        record["test_predictions"] = predictions
    return record


def folder(rate, histories, clip_value=0.5, margin=MARGIN):
    settings = ExperimentConfig(learning_rate=rate, clip_value=clip_value, epochs=2)
    return FolderResult.of_records(histories, margin, name=settings.run_name(),
                                   saved={"config": dataclasses.asdict(settings)})  # fmt: skip


RELU_LOSS = {A: [0.30, 0.20, 0.22, 0.25], B: [0.05, 0.19, 0.23, 0.24]}
RELU_TEST = {A: [0.990, 0.991, 0.989, 0.992], B: [0.995, 0.992, 0.990, 0.993]}
ELU_LOSS = {A: [0.10, 0.11, 0.12, math.inf], B: [0.15, 0.16, 0.17, 0.18]}
ELU_TEST = {A: [0.985, 0.986, 0.984, None], B: [0.980, 0.981, 0.982, 0.983]}
# By validation accuracy ReLU prefers 0.001, unlike its validation loss.
RELU_VAL_ACCURACY = {A: 0.990, B: 0.985}


def example_folders(changes=None):
    """The worked example; `changes` maps (rate, activation, seed) to keyword overrides."""
    changes = changes or {}
    folders = []
    for rate in (A, B):
        histories = []
        for seed in range(4):
            histories.append(run("relu", seed, RELU_LOSS[rate][seed], RELU_TEST[rate][seed],
                                 val_accuracy=RELU_VAL_ACCURACY[rate], **changes.get((rate, "relu", seed), {})))
            histories.append(run("elu", seed, ELU_LOSS[rate][seed], ELU_TEST[rate][seed],
                                 **changes.get((rate, "elu", seed), {})))  # fmt: skip
        folders.append(folder(rate, histories))
    return folders


def test_each_seed_gets_the_rate_chosen_on_the_other_seeds():
    choice = tuning.tune(example_folders()).choices["relu"]
    assert choice.learning_rate == B and choice.val_loss_median == pytest.approx(0.21)
    assert choice.by_seed == {0: A, 1: B, 2: B, 3: B}
    assert (choice.loo_agreement, choice.loo_seeds) == (3, 4)


def test_the_tuned_records_are_the_real_records_at_each_seeds_rate():
    folders = example_folders()
    records = tuning.tune(folders).records
    relu = {r["seed"]: r for r in records if r["activation"] == "relu"}
    assert [relu[seed]["test_accuracy"] for seed in range(4)] == [0.990, 0.992, 0.990, 0.993]
    assert [relu[seed]["learning_rate"] for seed in range(4)] == [A, B, B, B]
    assert relu[1]["epochs"] is next(r for r in folders[1].histories if r["activation"] == "relu"
                                     and r["seed"] == 1)["epochs"]  # fmt: skip


def test_the_median_is_not_broken_by_a_diverged_run_that_breaks_a_mean():
    choice = tuning.tune(example_folders()).choices["elu"]
    assert tuning.best_val_loss(run("elu", 3, math.inf, None)) == math.inf
    assert np.mean(ELU_LOSS[A]) == math.inf
    assert choice.learning_rate == A and choice.val_loss_median == pytest.approx(0.115)
    assert choice.by_seed == {0: A, 1: A, 2: A, 3: A}


def test_the_tuned_verdict_is_the_summarys_verdict_of_the_tuned_records_with_a_diverged_run_at_chance():
    tuned = tuning.tune(example_folders())
    expected = [run("relu", s, 0.2, a) for s, a in enumerate([0.990, 0.992, 0.990, 0.993])]
    expected += [run("elu", s, 0.1, a) for s, a in enumerate([0.985, 0.986, 0.984])]
    expected.append(run("elu", 3, math.inf, None))
    assert tuned.result.rows == FolderResult.of_records(expected, MARGIN).rows
    assert tuned.comparison.scores["elu"][3] == verdict.chance(10)
    assert tuned.comparison.rows["elu"]["seeds_diverged"] == 1
    assert tuned.comparison.top == "relu"


def test_predictions_travel_with_the_tuned_records():
    predictions = {"label": [1, 2], "predicted": [1, 2], "p_true": [0.9, 0.8]}
    tuned = tuning.tune(example_folders({(B, "relu", 2): {"predictions": predictions}}))
    (record,) = [r for r in tuned.records if r["activation"] == "relu" and r["seed"] == 2]
    assert record["test_predictions"] is predictions


def test_validation_accuracy_is_reported_as_a_check_beside_the_choice():
    choice = tuning.tune(example_folders()).choices["relu"]
    assert choice.by_val_accuracy == A and choice.val_accuracy_median == pytest.approx(0.990)
    # A diverged run's validation accuracy counts at chance.
    assert tuning.best_val_accuracy(run("elu", 3, math.inf, None)) == 0.1


def test_a_tie_goes_to_the_smaller_rate_whatever_the_order():
    assert tuning.choose({0.003: [0.2, 0.3], 0.001: [0.3, 0.2]}) == (0.001, pytest.approx(0.25))
    assert tuning.choose({0.001: [0.3, 0.2], 0.003: [0.2, 0.3]}) == (0.001, pytest.approx(0.25))
    assert tuning.choose({0.01: [math.inf] * 3, 0.003: [0.1, math.inf, math.inf]}) == (0.003, math.inf)
    assert tuning.choose({0.003: [0.9], 0.001: [0.9]}, higher_is_better=True)[0] == 0.001
    assert tuning.choose({0.001: [], 0.003: [0.4]}) == (0.003, 0.4)
    assert tuning.choose({}) == (None, None)


def test_only_seeds_with_a_run_at_every_rate_are_tuned():
    # Seed 2 has a run at A only: it would be "tuned" to A whatever the others say, and A's
    # median would be over three seeds against B's two.
    losses = {A: {0: 0.3, 1: 0.3, 2: 0.01}, B: {0: 0.1, 1: 0.1}}
    choice = tuning.choose_rates("relu", losses, {A: {0: 0.9, 1: 0.9, 2: 0.99}, B: {0: 0.95, 1: 0.95}})
    assert choice.by_seed == {0: B, 1: B}
    assert (choice.learning_rate, choice.val_loss_median) == (B, 0.1)
    assert choice.by_val_accuracy == B
    folders = example_folders()
    folders[0] = folder(A, folders[0].histories + [run("relu", 4, 0.01, 0.999), run("elu", 4, 0.01, 0.999)])
    tuned = tuning.tune(folders)
    assert {r["seed"] for r in tuned.records} == {0, 1, 2, 3}


def test_the_gap_change_is_the_mean_change_of_paired_gaps_with_its_t_interval():
    tuned = tuning.tune(example_folders())
    # Tuned: ReLU at 0.001 on seed 0 and 0.003 on 1-3, ELU at 0.001; fixed: both at 0.001.
    relu_tuned = np.array([0.990, 0.992, 0.990, 0.993])
    elu = np.array([0.985, 0.986, 0.984, 0.1])
    relu_fixed = np.array(RELU_TEST[A])
    deltas = (elu - relu_tuned) - (elu - relu_fixed)
    low, high = stats.t.interval(0.95, len(deltas) - 1, loc=deltas.mean(), scale=stats.sem(deltas))
    change = tuned.gap_changes["elu"]
    assert tuned.fixed_rate == A and change["gap_reference"] == "relu"
    assert change["gap_change"] == pytest.approx(deltas.mean()) == pytest.approx(-0.00075)
    assert (change["gap_change_ci95_low"], change["gap_change_ci95_high"]) == pytest.approx((low, high))
    assert change["gap_change_seeds"] == 4 and change["gap_change_seeds_rate_changed"] == 3
    assert change["gap_fixed_mean"] == pytest.approx(np.mean(elu - relu_fixed))
    assert tuned.gap_changes["relu"]["gap_change"] is None and tuned.gap_changes["relu"]["gap_reference"] == "relu"


def test_a_gap_change_without_spread_has_no_interval_and_one_by_construction_says_so():
    tuned = {"relu": {0: 0.99, 1: 0.98, 2: 0.97}, "elu": {0: 0.98, 1: 0.97, 2: 0.96}}
    rates = {"relu": {0: A, 1: A, 2: A}, "elu": {0: A, 1: A, 2: A}}
    change = tuning.gap_changes(tuned, tuned, "relu", rates, A)["elu"]
    assert change["gap_change"] == 0 and change["gap_change_ci95_low"] is None
    assert change["gap_change_seeds_rate_changed"] == 0


def test_the_fixed_comparison_is_the_default_rate_or_the_nearest_on_a_log_scale():
    assert config.DEFAULTS["learning_rate"] == 0.001
    assert tuning.fixed_rate([0.0003, 0.001, 0.01]) == 0.001
    assert tuning.fixed_rate([0.0001, 0.003]) == 0.003
    assert tuning.fixed_rate([0.0005, 0.002]) == 0.0005  # Equally far: the smaller.


def test_the_epoch_0_check_holds_when_every_seed_starts_the_same_at_every_rate():
    # Timing and the clipped fraction may differ between folders; the start may not.
    pairing = tuning.tune(example_folders({(B, "relu", 0): {"seconds": 9.9}})).pairing
    assert pairing.status == "held" and len(pairing.checked) == 8
    assert pairing.differ == pairing.rounding == pairing.unchecked == []


def test_the_epoch_0_check_catches_a_run_that_started_differently():
    folders = example_folders({(B, "elu", 2): {"grad_norm": 0.75}})
    tuned = tuning.tune(folders)
    assert tuned.pairing.status == "differs"
    assert tuned.pairing.differ == [("elu", 2, [folders[0].name, folders[1].name])]
    row = {r["activation"]: r for r in tuning.csv_rows(tuned)}["elu"]
    assert row["initial_state"] == "differs (seeds 2)"


def test_the_epoch_0_check_tells_rounding_from_a_different_start():
    pairing = tuning.tune(example_folders({(B, "relu", 1): {"grad_norm": 0.51 * (1 + 1e-6)}})).pairing
    assert pairing.status == "held" and pairing.differ == []
    assert pairing.rounding == [("relu", 1, pytest.approx(1e-6, rel=1e-3))]


def test_runs_without_epoch_0_diagnostics_are_named_as_not_checked():
    changes = {(B, name, seed): {"initial": False} for name in ("relu", "elu") for seed in range(4)}
    pairing = tuning.tune(example_folders(changes)).pairing
    assert pairing.status == "not checked" and pairing.checked == []
    assert pairing.unchecked[0] == ("relu", 0, [example_folders()[1].name])
    partly = tuning.tune(example_folders({(B, "relu", 3): {"initial": False}})).pairing
    assert partly.status == "partly checked" and partly.unchecked == [("relu", 3, [example_folders()[1].name])]


def test_the_csv_rows_hold_the_choices_the_gap_change_and_the_summarys_verdict():
    tuned = tuning.tune(example_folders())
    rows = {row["activation"]: row for row in tuning.csv_rows(tuned)}
    relu, elu = rows["relu"], rows["elu"]
    assert list(relu) == tuning.CSV_COLUMNS
    for column in ("activation", "learning_rate", "learning_rate_by_seed", "val_loss_median", "loo_agreement",
                   "learning_rate_by_val_accuracy", "gap_change", "gap_change_ci95_low", "verdict",
                   "best_set_low", "test_accuracy_mean"):  # fmt: skip
        assert column in tuning.CSV_COLUMNS
    assert relu["learning_rate"] == B and relu["learning_rate_by_seed"] == "0.001 0.003 0.003 0.003"
    assert relu["seeds"] == "0 1 2 3" and (relu["loo_agreement"], relu["loo_seeds"]) == (3, 4)
    assert relu["learning_rate_by_val_accuracy"] == A and relu["fixed_learning_rate"] == A
    assert relu["initial_state"] == "same"
    summary = {row.activation: row for row in tuned.result.rows}
    assert elu["verdict"] == summary["elu"]["verdict"] and elu["seeds_diverged"] == 1
    assert elu["gap_change"] == tuned.gap_changes["elu"]["gap_change"]


def test_a_group_is_named_by_the_folder_name_without_its_learning_rate():
    assert tuning.group_name(example_folders()) == "mnist-e2-b128-clipvalue0.5-cce-val0.1"


def test_a_gap_change_can_exceed_one_and_its_interval_is_not_cut_there():
    # ELU diverged (chance) where ReLU learned when tuned, and the other way round at the fixed rate.
    tuned = {"relu": {0: 0.99, 1: 0.98, 2: 0.99}, "elu": {0: 0.1, 1: 0.1, 2: 0.1}}
    fixed = {"relu": {0: 0.1, 1: 0.1, 2: 0.1}, "elu": {0: 0.99, 1: 0.97, 2: 0.98}}
    rates = {"relu": {0: B, 1: B, 2: B}, "elu": {0: B, 1: B, 2: B}}
    change = tuning.gap_changes(tuned, fixed, "relu", rates, A)["elu"]
    deltas = np.array([-1.78, -1.75, -1.77])
    low, high = stats.t.interval(0.95, 2, loc=deltas.mean(), scale=stats.sem(deltas))
    assert change["gap_change"] == pytest.approx(deltas.mean())
    assert (change["gap_change_ci95_low"], change["gap_change_ci95_high"]) == pytest.approx((low, high))


def test_the_index_adds_a_tuned_section_per_learning_rate_group():
    folders = example_folders()
    text = results_index.index_markdown(folders, sweeps.sweeps(folders))
    section = text.split("## Tuned learning rate: mnist-e2-b128-clipvalue0.5-cce-val0.1\n")[1]
    assert "Tuned: ReLU and ELU cannot be separated with 4 seeds" in section
    assert "| activation | rate chosen | leave-one-out agrees | by val. accuracy | tuned test accuracy | verdict " \
           "| gap change vs ReLU (pp) [95% CI] |" in section  # fmt: skip
    assert "| ReLU | 0.003 | 3 of 4 | 0.001 | 0.9912 ± 0.0015 | in the best set | reference |" in section
    assert "| ELU | 0.001 | 4 of 4 | 0.001 | 0.9850 ± 0.0010 | in the best set | -0.07 [-0.15, +0.00] |" in section
    assert "the default learning rate 0.001" in section
    assert "Pairs across folders are valid: 8 runs in two or more folders" in section
    assert "[tuned_learning_rate.csv](tuned_learning_rate.csv)" in section


def test_the_index_says_when_the_pairing_failed_or_could_not_be_checked():
    folders = example_folders({(B, "elu", 2): {"grad_norm": 0.75}, (B, "relu", 3): {"initial": False}})
    text = results_index.index_markdown(folders, sweeps.sweeps(folders))
    assert f"**not valid** for ELU seed 2 ({folders[0].name}, {folders[1].name})" in text
    assert f"The pairing of 1 run could not be checked: {folders[1].name} (1 run) recorded no epoch-0" in text


def test_several_learning_rate_groups_get_csv_files_named_by_the_group():
    clipped = example_folders()
    unclipped = [folder(rate, f.histories, clip_value=None) for rate, f in zip((A, B), clipped)]
    found = sweeps.sweeps(clipped + unclipped)
    files = [csv_file for csv_file, _ in results_index.tuned_learning_rates(found)]
    assert files == ["tuned_learning_rate_mnist-e2-b128-clipvalue0.5-cce-val0.1.csv",
                     "tuned_learning_rate_mnist-e2-b128-noclip-cce-val0.1.csv"]  # fmt: skip
    text = results_index.index_markdown(clipped + unclipped, found)
    assert text.count("## Tuned learning rate: ") == 2 and f"]({files[1]})" in text


@pytest.mark.slow  # Draws and saves the index's figures.
def test_write_index_writes_the_tuned_csv_beside_the_sweep_figure(tmp_path):
    from activation_comparison import experiment

    for group in example_folders():
        histories = tmp_path / group.name / "histories"
        histories.mkdir(parents=True)
        settings = ExperimentConfig(learning_rate=group.settings["learning_rate"], epochs=2).__dict__
        storage.write_json(tmp_path / group.name / "config.json", {"config": settings})
        for record in group.histories:
            storage.write_json(histories / f"{record['activation']}_seed{record['seed']}.json", record)
    experiment.write_index(tmp_path)
    with open(tmp_path / "tuned_learning_rate.csv", newline="") as handle:
        rows = {row["activation"]: row for row in csv.DictReader(handle)}
    assert list(rows["relu"]) == tuning.CSV_COLUMNS
    assert rows["relu"]["learning_rate"] == "0.003"
    assert rows["relu"]["learning_rate_by_seed"] == "0.001 0.003 0.003 0.003"
    assert rows["elu"]["verdict"] == "in the best set" and rows["elu"]["seeds_diverged"] == "1"
    assert (tmp_path / "sweep_learning_rate.png").exists()
    index = (tmp_path / "index.md").read_text()
    assert "[tuned_learning_rate.csv](tuned_learning_rate.csv)" in index
    # The index's figures come from the same registry as a folder's.
    assert (tmp_path / "tuned_median_loss.png").stat().st_size > 0
    assert "![tuned_median_loss.png](tuned_median_loss.png)" in index
    assert plotting.FIGURES[results_index.TUNED_FIGURE].caption in index
    assert plotting.FIGURES[results_index.SWEEP_FIGURE].caption in index
    # Files of a group that no longer exists go; the user's own files stay.
    for name in ("sweep_learning_rate_2.png", "tuned_learning_rate_old-group.csv", "tuned_median_loss_old-group.png",
                 "notes.md"):  # fmt: skip
        (tmp_path / name).write_text("stale")
    experiment.write_index(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == [
        "index.md", "notes.md", "sweep_learning_rate.png", "tuned_learning_rate.csv", "tuned_median_loss.png",
    ]


def test_the_tuned_curves_take_each_activation_at_the_rate_chosen_on_all_its_seeds():
    tuned = tuning.tune(example_folders())
    chosen = results_index.at_chosen_rates(tuned)
    assert sorted((r["activation"], r["seed"]) for r in chosen) == sorted(
        (name, seed) for name in ("relu", "elu") for seed in range(4))  # fmt: skip
    relu = {r["seed"]: r for r in chosen if r["activation"] == "relu"}
    # ReLU's rate on all seeds is 0.003, so all four curves come from that folder, seed 0 too.
    assert [relu[seed]["epochs"][-1]["val_loss"] for seed in range(4)] == RELU_LOSS[B]

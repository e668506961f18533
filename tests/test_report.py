"""Summary, verdict and index tables from hand-made records: no training."""

import numpy as np
import pytest
from scipy import stats

from activation_comparison import report, results_index
from activation_comparison.config import ExperimentConfig


def record(activation, seed, accuracy, best_epoch=3, status="finished", clipped=None):
    rows = [{"epoch": epoch, "seconds": 2.0 + seed} for epoch in (1, 2, 3)]
    if clipped is not None:
        rows = [row | {"clipped_fraction": clipped} for row in rows]
    return {"activation": activation, "seed": seed, "status": status, "best_epoch": best_epoch,
            "test_accuracy": accuracy if status == "finished" else None,
            "test_loss": None if status != "finished" else 1 - accuracy,
            "diverged_epoch": 2 if status == "diverged" else None, "epochs": rows}  # fmt: skip


RELU = [0.9912, 0.9905, 0.9921, 0.9899]
SIGMOID = [0.9840, 0.9822, 0.9851, 0.9833]
HISTORIES = [record("relu", s, a, best_epoch=2 + s % 2) for s, a in enumerate(RELU)] + [
    record("sigmoid", s, a) for s, a in enumerate(SIGMOID)
]


def test_summary_means_and_sample_std_match_numpy_over_the_seeds():
    rows = {row["activation"]: row for row in report.summarize(HISTORIES)}
    assert rows["relu"]["test_accuracy_mean"] == pytest.approx(np.mean(RELU))
    assert rows["relu"]["test_accuracy_std"] == pytest.approx(np.std(RELU, ddof=1))
    assert rows["sigmoid"]["test_loss_mean"] == pytest.approx(np.mean([1 - a for a in SIGMOID]))
    assert rows["relu"]["best_epoch_mean"] == pytest.approx(2.5)
    low, high = stats.t.interval(0.95, 3, loc=np.mean(RELU), scale=stats.sem(RELU))
    assert (rows["relu"]["test_accuracy_ci95_low"], rows["relu"]["test_accuracy_ci95_high"]) == pytest.approx((low, high))


def test_summary_compares_with_the_best_paired_by_seed():
    rows = {row["activation"]: row for row in report.summarize(HISTORIES)}
    differences = np.array(SIGMOID) - np.array(RELU)
    assert rows["relu"]["verdict"] == "best"
    assert rows["sigmoid"]["diff_vs_best"] == pytest.approx(differences.mean())
    assert rows["sigmoid"]["p_value"] == pytest.approx(stats.ttest_rel(SIGMOID, RELU).pvalue)
    assert rows["sigmoid"]["verdict"] == "worse"
    assert set(report.SUMMARY_COLUMNS) <= set(rows["sigmoid"])


def test_best_epoch_is_a_whole_number_for_one_seed_and_a_mean_for_several():
    one = report.summarize([record("relu", 0, 0.99, best_epoch=10)])[0]
    assert report.format_best_epoch(one) == "10"
    several = report.summarize([record("relu", s, 0.99, best_epoch=9 + s) for s in range(2)])[0]
    assert report.format_best_epoch(several) == "9.5"


def test_summary_markdown_opens_with_the_verdict_sentence_and_lists_figures_with_captions():
    rows = report.summarize(HISTORIES)
    text = report.summary_markdown(ExperimentConfig(), rows, ["pairwise.png"], HISTORIES)
    first_paragraph = text.split("\n\n")[1]
    assert first_paragraph.startswith("ReLU is best (0.9909, 4 seeds); Sigmoid is worse by 0.73 pp")
    assert "| ReLU | 0.9909 ± 0.0009 |" in text and "| worse |" in text
    assert "## pairwise.png" in text and "Holm" in text.split("## pairwise.png")[1]


def test_summary_markdown_says_how_many_seeds_a_verdict_needs():
    histories = [record("relu", 0, 0.99), record("elu", 0, 0.98)]
    text = report.summary_markdown(ExperimentConfig(), report.summarize(histories), [], histories)
    assert "at least 3 seeds" in text.split("\n\n")[1]


def test_a_diverged_seed_is_named_and_left_out_of_its_pairs():
    histories = HISTORIES + [record("selu", s, 0.985 + 0.001 * s) for s in range(3)]
    histories.append(record("selu", 3, None, status="diverged"))
    rows = {row["activation"]: row for row in report.summarize(histories)}
    assert rows["selu"]["seeds_diverged"] == 1 and rows["selu"]["paired_seeds"] == 3
    text = report.summary_markdown(ExperimentConfig(), list(rows.values()), [], histories)
    assert "SELU" in text.split("\n\n")[2] and "seed 3" in text.split("\n\n")[2]


def folder(name, clip_value, accuracies, clipped, learning_rate=0.001):
    settings = ExperimentConfig.identity(
        ExperimentConfig(clip_value=clip_value, learning_rate=learning_rate).__dict__
    )
    histories = [record("relu", s, a, clipped=clipped) for s, a in enumerate(accuracies)]
    return results_index.Folder(name, settings, histories)


def test_folders_that_differ_in_one_setting_form_a_sweep_with_its_points():
    folders = [
        folder("a", 0.5, [0.990, 0.991, 0.992], 0.0),
        folder("b", 0.001, [0.980, 0.982, 0.981], 0.4),
        folder("c", None, [0.989, 0.990, 0.991], 0.0),
        folder("d", 0.5, [0.95, 0.96, 0.97], 0.0, learning_rate=0.01),  # Differs in two.
    ]
    found = results_index.sweeps(folders)
    figures = {figure: (setting, [f.name for f in group]) for figure, setting, group in found}
    assert figures["sweep_clip_value.png"] == ("clip_value", ["a", "b", "c"])
    assert figures["sweep_learning_rate.png"] == ("learning_rate", ["a", "d"])
    assert len(figures) == 2
    points = results_index.sweep_points("clip_value", folders[:3])
    by_value = {point["setting_value"]: point for point in points}
    assert by_value[0.001]["test_accuracy_mean"] == pytest.approx(0.981)
    assert by_value[0.001]["clipped_fraction_mean"] == pytest.approx(0.4)
    assert by_value[None]["clipped_fraction_mean"] == 0.0
    text = results_index.index_markdown(folders, found)
    assert "| run | learning_rate | clip_value | ReLU |" in text
    assert "- **b**: ReLU is best (0.9810, 3 seeds)." in text
    assert "![sweep_clip_value.png](sweep_clip_value.png)" in text

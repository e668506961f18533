"""Summary, verdict and index tables from hand-made records: no training."""

import dataclasses

import numpy as np
import pytest
from scipy import stats

from activation_comparison.analysis import sweeps
from activation_comparison.reporting import report, results_index, verdict_text
from activation_comparison.results.folder_result import FolderResult
from activation_comparison.setup.config import ExperimentConfig

MARGIN = 0.002


def result_of(histories, margin=MARGIN, name="", **settings):
    """The folder result of hand-made records, as if a folder with `settings` held them."""
    saved = {"config": dataclasses.asdict(ExperimentConfig(**settings))}
    return FolderResult.of_records(histories, margin, name=name, saved=saved)


def rows_of(histories, margin=MARGIN) -> dict:
    return {row.activation: row for row in result_of(histories, margin).rows}


def markdown(histories, figures=()):
    return report.summary_markdown(result_of(histories), list(figures))


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
    rows = rows_of(HISTORIES)
    assert rows["relu"]["test_accuracy_mean"] == pytest.approx(np.mean(RELU))
    assert rows["relu"]["test_accuracy_std"] == pytest.approx(np.std(RELU, ddof=1))
    assert rows["sigmoid"]["test_loss_mean"] == pytest.approx(np.mean([1 - a for a in SIGMOID]))
    assert rows["relu"]["best_epoch_mean"] == pytest.approx(2.5)
    low, high = stats.t.interval(0.95, 3, loc=np.mean(RELU), scale=stats.sem(RELU))
    assert (rows["relu"]["test_accuracy_ci95_low"], rows["relu"]["test_accuracy_ci95_high"]) == pytest.approx((low, high))


def log_error_gap(worse, better, level=0.025):
    """Two activations: a paired t-test on log test error (the verdict's scale), one-sided at
    `level`; returns the upper and lower bounds of the worse one's log-error gain."""
    gains = np.log(1 - np.array(better)) - np.log(1 - np.array(worse))
    c = stats.t.ppf(1 - level, len(gains) - 1)
    return gains.mean() + c * stats.sem(gains), gains.mean() - c * stats.sem(gains)


def test_summary_compares_with_the_best_paired_by_seed():
    rows = rows_of(HISTORIES)
    differences = np.array(SIGMOID) - np.array(RELU)
    # K = 2: a paired t-test on log error, one-sided at 0.05 / 2, shown in accuracy at ReLU's
    # geometric-mean error.
    upper, lower = log_error_gap(SIGMOID, RELU)
    top_error = np.exp(np.log(1 - np.array(RELU)).mean())
    assert rows["relu"]["verdict"] == "best"
    assert rows["sigmoid"]["diff_vs_top"] == pytest.approx(differences.mean())
    assert rows["sigmoid"]["best_set_low"] == pytest.approx(top_error * (1 - np.exp(-lower)))
    assert rows["sigmoid"]["below_best_by_at_least"] == pytest.approx(top_error * (np.exp(-upper) - 1))
    assert rows["sigmoid"]["verdict"] == "worse" and rows["sigmoid"]["seeds_lost_vs_top"] == 4
    assert set(report.SUMMARY_COLUMNS) <= set(rows["sigmoid"])


def test_summary_columns_name_the_best_set_margin_counts_and_power():
    for column in ("best_set_low", "best_set_high", "in_best_set", "within_margin", "seeds_stuck", "seeds_failed",
                   "failed_ci95_low", "failures_p_vs_top", "typical_accuracy", "left_at_look",
                   "stuck_ci95_low", "diverged_ci95_high", "image_share", "seeds_lost_vs_top",
                   "detectable_difference", "seeds_for_margin", "mcnemar_p_holm", "estimand"):  # fmt: skip
        assert column in report.SUMMARY_COLUMNS
    for gone in ("p_wilcoxon", "cohens_dz", "diff_vs_best", "p_value"):
        assert gone not in report.SUMMARY_COLUMNS


def test_the_margin_decides_within_margin():
    _, lower = log_error_gap(SIGMOID, RELU)
    low = np.exp(np.log(1 - np.array(RELU)).mean()) * (1 - np.exp(-lower))  # About -0.9 pp.
    wide = rows_of(HISTORIES, margin=0.01)
    wide_result = result_of(HISTORIES, margin=0.01)
    narrow = rows_of(HISTORIES, margin=0.002)
    assert -0.01 < low < -0.002
    assert wide["sigmoid"]["within_margin"] and not narrow["sigmoid"]["within_margin"]
    assert "Sigmoid is worse but within 1 pp of the best" in verdict_text.headline(wide_result.comparison, wide_result.labels)


def test_best_epoch_is_a_whole_number_for_one_seed_and_a_mean_for_several():
    one = result_of([record("relu", 0, 0.99, best_epoch=10)]).rows[0]
    assert report.format_best_epoch(one) == "10"
    several = result_of([record("relu", s, 0.99, best_epoch=9 + s) for s in range(2)]).rows[0]
    assert report.format_best_epoch(several) == "9.5"


def test_summary_markdown_opens_with_the_answer_in_plain_sentences_and_a_short_table():
    text = markdown(HISTORIES, ["pairwise.png"])
    upper, _ = log_error_gap(SIGMOID, RELU)
    least = np.exp(np.log(1 - np.array(RELU)).mean()) * (np.exp(-upper) - 1)
    first_paragraph = text.split("\n\n")[1]
    assert first_paragraph == f"ReLU is best (0.9909, 4 seeds). Sigmoid is worse (by at least {100 * least:.2f} pp)."
    table = text.split("\n\n")[2].splitlines()
    assert table[0] == ("| activation | test accuracy (95% CI) | verdict | vs top (pp) | bound (pp) | within 0.2 pp "
                        "| lost on | failed | seeds |")  # fmt: skip
    assert table[3].startswith("| ReLU | 0.9909 [") and "| best |" in table[3]
    assert "## pairwise.png" in text and "Holm" in text.split("## pairwise.png")[1]


def test_a_column_empty_in_every_row_is_left_out():
    histories = [record("relu", 0, 0.99), record("elu", 0, 0.98)]
    text = markdown(histories)
    header = text.split("\n\n")[2].splitlines()[0]
    # One seed: no verdict bounds, no pairs, no lost seeds.
    assert "bound (pp)" not in header and "lost on" not in header and "vs top" not in header
    assert header.startswith("| activation | test accuracy (95% CI) | verdict |")


def test_summary_markdown_states_the_estimand_for_records_without_predictions():
    text = markdown(HISTORIES)
    estimand = next(p for p in text.split("\n\n") if p.startswith("The verdict is about"))
    assert "geometric-mean test error over training seeds, a failed run counted at chance error" in estimand
    assert "(conditional on this test set)" in estimand


def test_summary_markdown_gives_each_part_of_the_method_one_sentence_and_never_says_tied():
    text = markdown(HISTORIES)
    assert "docs/statistics.md" in text
    assert "fix the number of seeds before running" in text
    assert "which pairs differ?" in text and "(1 pair on accuracy" in text
    assert "tied" not in text and "Wilcoxon" not in text and "all 0 pairs" not in text


def test_summary_markdown_says_how_many_seeds_a_verdict_needs():
    histories = [record("relu", 0, 0.99), record("elu", 0, 0.98)]
    text = markdown(histories)
    assert "at least 3 seeds" in text.split("\n\n")[1]
    assert "Power needs at least 3 seeds" in text and "pairwise.png answers" not in text


def test_a_diverged_seed_is_a_failure_and_enters_its_pairs_at_chance():
    histories = HISTORIES + [record("selu", s, 0.985 + 0.001 * s) for s in range(3)]
    histories.append(record("selu", 3, None, status="diverged"))
    rows = rows_of(histories)
    assert rows["selu"]["seeds_diverged"] == 1 and rows["selu"]["paired_seeds_vs_top"] == 4
    assert rows["selu"]["seeds_failed"] == 1
    assert rows["selu"]["ranked_accuracy_mean"] == pytest.approx((0.985 + 0.986 + 0.987 + 0.1) / 4)
    text = markdown(histories)
    note = next(p for p in text.split("\n\n") if p.startswith("Training failures"))
    assert "SELU failed on 1 of 4 runs" in note and "1 diverged" in note and "chance error" in note
    assert "| 3 (+1 diverged) |" in text and "| 1 of 4 (" in text


def folder(name, clip_value, accuracies, clipped, learning_rate=0.001):
    histories = [record("relu", s, a, clipped=clipped) for s, a in enumerate(accuracies)]
    return result_of(histories, name=name, clip_value=clip_value, learning_rate=learning_rate)


def test_folders_that_differ_in_one_setting_form_a_sweep_with_its_points():
    folders = [
        folder("a", 0.5, [0.990, 0.991, 0.992], 0.0),
        folder("b", 0.001, [0.980, 0.982, 0.981], 0.4),
        folder("c", None, [0.989, 0.990, 0.991], 0.0),
        folder("d", 0.5, [0.95, 0.96, 0.97], 0.0, learning_rate=0.01),  # Differs in two.
    ]
    found = sweeps.sweeps(folders)
    figures = {figure: (setting, [f.name for f in group]) for figure, setting, group in found}
    assert figures["sweep_clip_value.png"] == ("clip_value", ["a", "b", "c"])
    assert figures["sweep_learning_rate.png"] == ("learning_rate", ["a", "d"])
    assert len(figures) == 2
    points = sweeps.sweep_points("clip_value", folders[:3])
    by_value = {point["setting_value"]: point for point in points}
    assert by_value[0.001]["test_accuracy_mean"] == pytest.approx(0.981)
    assert by_value[0.001]["clipped_fraction_mean"] == pytest.approx(0.4)
    assert by_value[None]["clipped_fraction_mean"] == 0.0
    text = results_index.index_markdown(folders, found)
    assert "| run | learning_rate | clip_value | ReLU |" in text
    assert (
        "- **b**: ReLU is the only activation that can be ranked (0.9810, 3 seeds; conditional "
        "on this test set), so there is nothing to rank it against." in text
    )
    assert "![sweep_clip_value.png](sweep_clip_value.png)" in text


def timed(activation, seed, parts, wall):
    """A history whose one epoch took `wall` seconds, its parts `parts` (train, validation,
    diagnostics, saving)."""
    row = dict(zip(("train_seconds", "validation_seconds", "diagnostics_seconds", "checkpoint_seconds"), parts))
    return record(activation, seed, 0.99) | {"epochs": [{"epoch": 1, "seconds": wall, **row}]}


def test_the_summary_names_epochs_whose_wall_time_exceeds_their_parts_by_more_than_ten_percent():
    histories = [timed("relu", 0, (20.0, 1.0, 0.5, 0.2), 43.0), timed("relu", 1, (20.0, 1.0, 0.5, 0.2), 23.5),
                 timed("sigmoid", 0, (20.0, 1.0, 0.5, 0.2), 21.8)]  # fmt: skip
    text = markdown(histories)
    # 43.0 > 1.1 x 21.7, while 23.5 (8% above) and 21.8 are within the tolerance.
    assert "1 of 3 epochs took more than 10% longer than their timed parts" in text
    assert "ReLU seed 0 epoch 1 (43.0 s against 21.7 s)" in text and "seed 1 epoch 1" not in text


def test_the_summary_says_when_every_epoch_is_its_parts_and_is_silent_for_older_histories():
    histories = [timed("relu", seed, (20.0, 1.0, 0.5, 0.2), 21.9) for seed in range(2)]
    text = markdown(histories)
    assert "every one of the 2 epochs took at most 10% longer than its timed parts" in text
    text = markdown(HISTORIES)
    assert "timed parts" not in text  # Histories from before the parts were recorded.


def with_predictions(history, correct):
    """The history with per-image predictions: `correct` images right of 100."""
    labels = np.zeros(100, dtype=int)
    predicted = np.where(np.arange(100) < correct, 0, 1)
    return history | {"test_accuracy": correct / 100, "test_predictions": {"label": labels, "predicted": predicted,
                                                                          "p_true": np.ones(100)}}  # fmt: skip


def test_the_answer_comes_first_in_plain_sentences_then_the_table_the_figures_and_the_method():
    # One seed each, with predictions: the headline's McNemar test has p-values; the answer does not.
    histories = [with_predictions(record(name, 0, 0.9), correct) for name, correct in
                 (("relu", 95), ("elu", 60), ("sigmoid", 10))]  # fmt: skip
    histories[2]["test_accuracy"] = 0.1  # Stuck at chance.
    result = result_of(histories)
    text = report.summary_markdown(result, ["test_accuracy.png"])
    title, answer, table = text.split("\n\n")[:3]
    sentences = [part for part in answer.split(". ") if part]
    assert len(sentences) <= 3 and "p_holm" not in answer and "McNemar" not in answer
    assert answer.startswith("ReLU has the highest test accuracy (0.9500), but 1 seed per activation cannot rank")
    assert "Sigmoid's run failed to train" in answer and "--seeds 3" in answer
    assert table.startswith("| activation |") and "McNemar p_holm" in table  # The p-values stay in the table.
    figures = text.index("## test_accuracy.png")
    assert text.index(table) < figures < text.index("## pairwise.png") < text.index("## How these numbers were made")
    pairwise = text.split("## pairwise.png\n\n")[1].split("\n")[0]
    assert pairwise.startswith("Not drawn: a pair needs at least 3 seeds of two activations")
    method = text.split("## How these numbers were made")[1]
    assert "exact binomial test" in method and "docs/statistics.md" in method


def test_a_gap_below_a_hundredth_of_a_point_reads_as_the_headline_writes_it():
    row = {"verdict": "worse", "below_best_by_at_least": 0.00004, "best_set_low": -0.01}
    assert report.format_gap_bound(row) == "≥ 0.004 below"
    assert report.format_gap_bound(row | {"below_best_by_at_least": 0.0109}) == "≥ 1.09 below"


def test_the_summary_names_the_machine_mix_in_one_sentence():
    xeon = {"cpu_model": "Intel(R) Xeon(R) Platinum 8488C", "cpu_features": ["avx2", "avx512f", "amx_bf16"],
            "intra_op_threads": 1, "versions": {"keras": "3.15.1", "tensorflow": "2.21.0", "numpy": "2.1"}}  # fmt: skip
    epyc = xeon | {"cpu_model": "AMD EPYC 9R14 96-Core Processor", "cpu_features": ["avx2", "avx512f", "avx512_bf16"]}
    histories = [record("relu", s, a) | {"machine": xeon if s < 3 else epyc} for s, a in enumerate(RELU)]
    histories += [record("sigmoid", s, a) | {"machine": xeon} for s, a in enumerate(SIGMOID)]
    text = markdown(histories)
    (sentence,) = [line for line in text.splitlines() if line.startswith("Runs ran on")]
    assert sentence == ("Runs ran on 2 CPU types: 7 on Intel Xeon Platinum 8488C (AMX) and 1 on AMD EPYC 9R14 "
                        "(AVX-512 BF16); keras 3.15.1 and tensorflow 2.21.0 throughout.")  # fmt: skip
    newer = [h | {"machine": h["machine"] | {"versions": h["machine"]["versions"] | {"tensorflow": "2.22.0"}}}
             if h["seed"] == 0 else h for h in histories]  # fmt: skip
    assert "library versions differ: 6 with tensorflow 2.21.0 and 2 with tensorflow 2.22.0" in markdown(newer)
    alike = [h | {"machine": xeon} for h in histories]
    assert "Runs ran on" not in markdown(alike) and "Runs ran on" not in markdown(HISTORIES)

"""The verdict in words: the headline and the notes, built from hand-made records."""

import math

import numpy as np
import pytest
from scipy import optimize, stats

from activation_comparison.reporting import verdict_notes, verdict_text
from activation_comparison.verdict import verdict
from verdict_records import (HAND, LABELS, MARGIN, ORDER, compare, decision_reference, record, records_of, sentence,
                             synthetic_accuracies)

# The sentences.


def test_headline_names_the_one_best_and_the_worse_with_their_least_gap():
    accuracies = {name: list(values) for name, values in HAND.items()}
    records = [record(name, seed, value) for name, values in accuracies.items() for seed, value in enumerate(values)]
    rows = compare(records).rows
    words = sentence(records)
    mean = np.mean(HAND["relu"])
    assert words.startswith(f"ReLU is best ({mean:.4f}, 4 seeds; conditional on this test set)")
    # The largest least-gap first.
    gaps = sorted((rows[name]["below_best_by_at_least"], LABELS[name]) for name in ("elu", "sigmoid"))[::-1]
    listed = f"{gaps[0][1]} and {gaps[1][1]} are worse (by at least {100 * gaps[0][0]:.2f} and {100 * gaps[1][0]:.2f} pp)"
    assert listed in words
    assert words.endswith(".") and "\n" not in words


def test_headline_names_a_best_set_of_several_by_mean():
    accuracies = synthetic_accuracies()
    result = compare(records_of(accuracies))
    assert len(result.best_set) > 1
    members = sorted(result.best_set, key=lambda name: -accuracies[name].mean())
    words = verdict_text.headline(result, LABELS)
    names = verdict_text.join_words([LABELS[name] for name in members])
    assert words.startswith(f"{names} cannot be separated with 7 seeds (the best set; conditional on this test set)")


def test_the_word_tied_never_appears():
    accuracies = synthetic_accuracies()
    cases = [records_of(accuracies), records_of({n: accuracies[n][:1] for n in ORDER})]
    for records in cases:
        result = compare(records)
        texts = [verdict_text.headline(result, LABELS), verdict_notes.best_set_sentence(result),
                 verdict_notes.families_note(result, LABELS) or "", verdict_notes.power_sentence(result)]  # fmt: skip
        assert not any("tied" in text for text in texts)
        assert set(row["verdict"] for row in result.rows.values()) <= set(verdict.VERDICTS)


def test_power_sentence_gives_the_detectable_difference_and_seeds_for_the_margin():
    accuracies = {name: list(values) for name, values in HAND.items() if name != "sigmoid"}
    records = [record(name, seed, value) for name, values in accuracies.items() for seed, value in enumerate(values)]
    result = compare(records)
    _, pairs, _, typical = decision_reference(accuracies)
    _, se, df = pairs["relu", "elu"]
    level, top_error = 0.025, 1 - typical["relu"]  # K = 2: 0.05 / (2 x 1).
    critical = stats.t.ppf(1 - level, df)
    detectable_log = optimize.brentq(lambda d: stats.nct.sf(critical, df, d / se) - 0.8, 1e-9, 10)
    detectable = top_error * (math.exp(detectable_log) - 1)
    margin_log = math.log((top_error + MARGIN) / top_error)
    seeds = next(n for n in range(3, 1000)
                 if stats.nct.sf(stats.t.ppf(1 - level, df * (n - 1) / 3), df * (n - 1) / 3,
                                 margin_log / (se * math.sqrt(4 / n))) >= 0.8)  # fmt: skip
    assert result.rows["elu"]["detectable_difference"] == pytest.approx(detectable, rel=1e-6)
    assert result.rows["elu"]["seeds_for_margin"] == seeds
    words = verdict_notes.power_sentence(result)
    assert f"from {100 * detectable:.2f} pp on" in words
    assert f"0.2 pp needs {seeds} seeds for 80% power" in words
    assert "fix the number of seeds before running" in words


def test_the_pairwise_note_counts_the_pairs_there_are():
    accuracies = synthetic_accuracies()
    note = verdict_notes.families_note(compare(records_of(accuracies)), LABELS)
    assert "(6 pairs on accuracy, two-sided, Holm)" in note
    one_seed = records_of({name: values[:1] for name, values in accuracies.items()})
    assert verdict_notes.families_note(compare(one_seed), LABELS) is None


def test_the_looks_note_counts_the_runs_against_the_plans_most_and_the_next_looks_need():
    from activation_comparison.verdict import sequential, verdict

    rng = np.random.default_rng(3)
    means = {"relu": 0.989, "gelu": 0.9888, "sigmoid": 0.90}
    records = [record(name, seed, round(mean + rng.normal(0, 0.0008), 4))
               for name, mean in means.items() for seed in range(3)]  # fmt: skip
    records += [record("relu", 3, 0.989)]  # The next look (5 seeds) has begun.
    plan = sequential.design(list(means), 20, MARGIN)
    result = verdict.compare(records, list(means), MARGIN, design=plan)
    note = verdict_notes.looks_note(result, {"relu": "ReLU", "gelu": "GELU", "sigmoid": "Sigmoid"})
    assert "at 3 seeds Sigmoid left" in note
    assert "the look at 5 seeds needs 3 more runs" in note  # ReLU's seed 4, GELU's 3 and 4.
    assert "Runs spent: 9 of the 60 the plan could spend" in note
    assert "a fixed design that reached the same last look would have made 9" in note


def test_a_stop_within_the_margin_says_at_which_level_and_why_the_tables_bounds_are_wider():
    from activation_comparison.verdict import sequential, verdict

    # Two close activations and three far below: the two are within a 2 pp margin of each
    # other at the first look's level, a looser level than the table's over five activations.
    means = {"relu": 0.9890, "gelu": 0.9889, "elu": 0.90, "selu": 0.90, "tanh": 0.90}
    rng = np.random.default_rng(0)
    records = [record(name, seed, round(mean + rng.normal(0, 0.0003), 4))
               for name, mean in means.items() for seed in range(3)]  # fmt: skip
    plan = sequential.design(list(means), 20, 0.02)
    result = verdict.compare(records, list(means), 0.02, design=plan)
    assert result.progress.looks[-1].stop == "within the margin"
    note = verdict_notes.looks_note(result, {name: name for name in means})
    share = result.progress.looks[-1].alpha
    assert f"it stopped (the 2 still in were within 2 pp of each other at that look's share of alpha, {share:.2g}; " \
           f"the bounds below are simultaneous over all 5 activations, at {result.level:.3g} a comparison" in note

"""`--tasks`: the task registry, its one-line refusals before anything trains, the matrix's
plan within its budget, and the small tasks end to end on tiny budgets."""

import csv
import dataclasses
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

import activations
import compare_activations as ca
from activation_comparison.reporting import cross_task_text
from activation_comparison.results import extract
from activation_comparison.setup import datasets, tasks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import published_comparisons  # noqa: E402
import published_facts  # noqa: E402
import published_numbers  # noqa: E402

FULL_MATRIX_HOURS = 4.0


@pytest.fixture
def earlier_matrix(tmp_path):
    """A results folder holding a matrix's earlier results."""
    results = tmp_path / "results"
    folder = results / "tasks-wide" / "cross-task"
    folder.mkdir(parents=True)
    (folder / "summary.md").write_text("# Across tasks\n")
    return results


def snapshot(folder):
    return {path: path.read_bytes() if path.is_file() else None for path in sorted(folder.rglob("*"))}


def refused(capsys, results, *flags) -> str:
    before = snapshot(results)
    status = ca.main(["--tasks", *flags, "--results-dir", str(results)])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    assert snapshot(results) == before
    return lines[0]


def test_every_task_names_a_registered_dataset_and_network_and_relu_is_its_control():
    from activation_comparison.setup import networks

    assert list(tasks.TASKS) == ["mnist", "mnist_mlp", "fashion_mnist", "mnist1d", "digits"]
    for task in tasks.TASKS.values():
        assert task.dataset in datasets.DATASETS and task.settings["model"] in networks.NETWORKS
        assert task.budget_reason and task.margin > 0
    assert tasks.CONTROL == "relu"
    # One test image of digits is worth more than the MNIST margin, so digits has its own.
    assert 100 / datasets.get("digits").test_images > tasks.TASKS["mnist"].margin
    assert tasks.TASKS["digits"].margin > 100 / datasets.get("digits").test_images


def test_an_unknown_task_is_refused(capsys, earlier_matrix):
    line = refused(capsys, earlier_matrix, "cifar10")
    assert line == "error: --tasks: unknown task 'cifar10', choose from mnist, mnist_mlp, fashion_mnist, mnist1d, digits (or all)"


@pytest.mark.parametrize("flags", [["--epochs", "3"], ["--learning-rate", "0.01"], ["--model", "mlp"],
                                   ["--dataset", "mnist"], ["--train-limit", "500"], ["--seeds", "5"],
                                   ["--margin", "1"], ["--no-clip"], ["--data", "x.npz"], ["--epo", "3"]])  # fmt: skip
def test_a_flag_that_changes_a_tasks_definition_is_refused(flags, capsys, earlier_matrix):
    line = refused(capsys, earlier_matrix, "digits", *flags)
    flag = "--epochs" if flags[0] == "--epo" else flags[0]
    assert line.startswith(f"error: {flag} would change the tasks' definitions, which --tasks fixes")


def test_a_task_whose_package_is_missing_names_what_to_install(monkeypatch, capsys, earlier_matrix):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    line = refused(capsys, earlier_matrix, "mnist1d", "digits", "--activations", "relu", "gelu")
    assert line == ('error: task digits: dataset digits needs the scikit-learn package: '
                    'install the extra with `pip install -e ".[tasks]"`')


def test_a_task_whose_data_is_missing_names_the_debian_package(monkeypatch, capsys, earlier_matrix, tmp_path):
    from activation_comparison.setup import data

    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN", tmp_path / "absent")
    line = refused(capsys, earlier_matrix, "all", "--plan")
    assert line.startswith("error: task fashion_mnist: dataset fashion_mnist needs the Debian package dataset-fashion-mnist")


def test_tasks_need_relu_among_the_activations(capsys, earlier_matrix):
    line = refused(capsys, earlier_matrix, "digits", "--activations", "gelu", "tanh")
    assert "add relu to --activations" in line


def test_the_wide_matrix_plans_within_its_budget_and_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(ca.hardware, "cores", lambda: 2)
    assert ca.main(["--tasks", "all", "--activations", "wide", "--plan", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    (most,) = [line for line in out.splitlines() if line.strip().endswith("total, at most")]
    to_train, _, _, time = re.split(r"\s{2,}", most.strip())[:4]
    assert int(to_train) == sum(10 * task.max_seeds for task in tasks.TASKS.values())
    value, unit = time.split()
    assert float(value) / {"h": 1, "min": 60}[unit] <= FULL_MATRIX_HOURS
    assert "tasks-wide" in out


@pytest.mark.slow
def test_the_small_tasks_run_end_to_end_and_give_a_cross_task_summary(tmp_path, monkeypatch, capsys):
    for name in ("digits", "mnist1d"):
        task = tasks.TASKS[name]
        monkeypatch.setitem(tasks.TASKS, name, dataclasses.replace(task, settings=task.settings | {"epochs": 1},
                                                                    max_seeds=4))  # fmt: skip
    status = ca.main(["--tasks", "digits", "mnist1d", "--activations", "relu", "gelu", "tanh", "--no-diagnostics",
                      "--results-dir", str(tmp_path)])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    folder = tmp_path / f"tasks-{activations.set_name(['relu', 'gelu', 'tanh'])}"
    assert sorted(path.name for path in folder.iterdir()) == ["cross-task", "digits", "mnist1d"]
    for name in ("digits", "mnist1d"):
        (run_dir,) = [path for path in (folder / name).iterdir() if path.is_dir()]
        saved = json.loads((run_dir / "config.json").read_text())
        assert saved["design"]["control"] == "relu" and saved["config"]["dataset"] == name
        seeds = {}
        for history in (run_dir / "histories").glob("*_seed*.json"):
            record = json.loads(history.read_text())
            seeds[record["activation"]] = max(seeds.get(record["activation"], 0), record["seed"] + 1)
        assert seeds["relu"] == max(seeds.values())  # The control arm stays to the last look.
    rows = list(csv.DictReader((folder / "cross-task" / "summary.csv").open()))
    assert {(row["activation"], row["task"]) for row in rows} == {
        (name, task) for name in ("gelu", "tanh") for task in ("mnist1d", "digits", "mean over tasks")}
    text = (folder / "cross-task" / "summary.md").read_text()
    assert text.startswith("# Across tasks: each activation against ReLU") and "performance_profile.png" in text
    assert (folder / "cross-task" / "performance_profile.png").stat().st_size > 10_000
    # Published from its task folders' extracts, the matrix recomputes the same cross-task verdict.
    published = tmp_path / "published"
    for run_dir in folder.glob("*/auto-*"):
        extract.write(run_dir, published / f"{run_dir.relative_to(tmp_path)}.jsonl")
    comparison = published_numbers.Comparison(
        "small tasks", "python compare_activations.py --tasks digits mnist1d --activations relu gelu tanh",
        derive=published_comparisons.cross_task_numbers)  # fmt: skip
    source = published_facts.load(comparison, published)
    assert not source.missing, source.missing
    facts = source.facts()
    assert cross_task_text.summary_markdown(facts["cross_task"], [cross_task_text.PROFILE_FIGURE]) == text
    assert published_comparisons.cross_task_block(facts) in text

"""The calibration scripts: reproducible, and ending with the rates the documents quote."""

import importlib.util
from pathlib import Path

import numpy as np

from activation_comparison.verdict import accuracy_scale, verdict
from verdict_records import record

# The calibration script.


def load_script(name: str):
    """A script of benchmarks/ as a module, so its functions can be called on small inputs."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def calibration_module():
    return load_script("new_images_calibration")


def small_extract(calibration):
    """Three activations that learn, one stuck on a seed, per-image predictions."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 400)
    records = []
    for name in ("relu", "elu", "gelu", "sigmoid"):
        for seed in range(4):
            if name == "sigmoid" and seed == 3:
                predicted = np.full(400, 1)
            else:
                wrong = rng.random(400) < np.where(np.arange(400) < 40, 0.3, 0.0)
                predicted = np.where(wrong, (labels + 1) % 10, labels)
            accuracy = float(np.mean(predicted == labels))
            records.append(record(name, seed, accuracy, {"label": labels, "predicted": predicted,
                                                         "p_true": (predicted == labels) * 1.0}))  # fmt: skip
    return records, calibration.extract_from_records(records, 10, "test")


def test_calibration_extract_keeps_accuracies_images_some_run_got_wrong_and_stuck_classes():
    calibration = calibration_module()
    records, extract = small_extract(calibration)
    assert extract["accuracy"]["relu"] == [r["test_accuracy"] for r in records if r["activation"] == "relu"]
    images = extract["images"]
    assert images["count"] == 400 and images["stuck_classes"] == [1]
    assert set(images["runs"]) == {"relu", "elu", "gelu"}  # Sigmoid has a stuck run: not in the pool.
    wrong_somewhere = set()
    for r in records:
        if r["activation"] != "sigmoid":
            wrong_somewhere |= set(np.flatnonzero(r["test_predictions"]["predicted"] != r["test_predictions"]["label"]))
    assert len(images["hard_labels"]) == len(wrong_somewhere)
    assert sum(images["errors"]["relu"]) == sum(round((1 - r["test_accuracy"]) * 400) for r in records
                                                if r["activation"] == "relu")  # fmt: skip


def test_calibration_is_reproducible_and_ends_with_the_three_rates(tmp_path, capsys):
    calibration = calibration_module()
    _, extract = small_extract(calibration)
    path = tmp_path / "extract.json"
    path.write_text(__import__("json").dumps(extract))
    outputs = []
    for _ in range(2):
        assert calibration.main(["--data", str(path), "--experiments", "30", "--image-experiments", "10"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    last = outputs[0].strip().splitlines()[-1]
    names = [part.split("=")[0] for part in last.split()]
    assert names == ["false_worse_rate", "best_set_coverage", "power"]
    assert all(0.0 <= float(part.split("=")[1]) <= 1.0 for part in last.split())


def test_calibration_without_an_extract_fails_with_one_line(tmp_path, capsys):
    calibration = calibration_module()
    assert calibration.main(["--data", str(tmp_path / "missing.json")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no extract at" in error


def test_counting_the_test_images_never_narrows_a_best_set_bound():
    """The second (new-images) set's bounds use the seeds' degrees of freedom: a larger
    variance and the same critical value, so they contain the same MCB's seeds-only bounds."""
    rng = np.random.default_rng(7)
    images = 400
    truth = rng.random(images) < 0.9  # Which images are easy for everyone.
    records = []
    for name, skill in (("relu", 0.04), ("elu", 0.05), ("gelu", 0.045)):
        for seed in range(5):
            wrong = (~truth & (rng.random(images) < 0.8)) | (rng.random(images) < skill)
            predicted = np.where(wrong, 1, 0)
            records.append({"activation": name, "seed": seed, "status": "finished", "best_epoch": 1, "epochs": [],
                            "test_accuracy": float(np.mean(predicted == 0)), "test_loss": 0.1,
                            "test_predictions": {"label": np.zeros(images, int), "predicted": predicted,
                                                 "p_true": np.ones(images)}})  # fmt: skip
    result = verdict.compare(records, ["relu", "elu", "gelu"], 0.002)
    seeds_only = accuracy_scale.best_set_of(verdict.matrix(result.scores, result.ranked))
    for k, name in enumerate(result.ranked):
        assert result.rows[name]["new_images_low"] <= min(0.0, seeds_only["low"][k]) + 1e-12


# The verdict's own calibration (benchmarks/verdict_calibration.py).


def verdict_calibration():
    return load_script("verdict_calibration")


def test_verdict_calibration_is_reproducible_and_ends_with_every_target(capsys):
    calibration = verdict_calibration()
    assert calibration.main(["--experiments", "200"]) == 0
    first = capsys.readouterr().out
    assert calibration.main(["--experiments", "200"]) == 0
    assert capsys.readouterr().out == first
    last = first.strip().splitlines()[-1]
    keys = [part.split("=")[0] for part in last.split()]
    assert keys == ["false_worse_rate", "best_set_coverage", "power_5", "power_10", "failing_excluded_5",
                    "failing_excluded_10", "auto_runs_share"]  # fmt: skip
    values = {part.split("=")[0]: float(part.split("=")[1]) for part in last.split()}
    # Even 200 experiments a row show the method far from its old power (0.005 at 5 seeds).
    assert values["power_10"] > 0.8 and values["failing_excluded_10"] > 0.9 and values["auto_runs_share"] < 0.6


def test_the_simulated_failures_are_marked_as_the_summary_marks_them():
    calibration = verdict_calibration()
    rng = np.random.default_rng(0)
    accuracy, failed = calibration.simulate("failing", rng, 400, 10, calibration.recorded_model())
    assert failed[:, :5].sum() == 0
    assert abs(failed[:, 5].mean() - 0.4) < 0.03
    assert np.all(verdict.is_stuck(accuracy[failed], 10) if failed.any() else True)
    assert np.all(accuracy[~failed] > 0.8)


def test_verdict_calibration_refuses_too_few_experiments(capsys):
    assert verdict_calibration().main(["--experiments", "5"]) == 2
    assert capsys.readouterr().err.count("\n") == 1

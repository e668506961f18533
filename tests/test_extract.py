"""A run folder's extract: a folder rebuilt from it holds the same config.json and
histories, gives the same summary.md and summary.csv, has nothing left to train, and a
partly run --seeds auto folder resumes from it on another machine with the same decisions.
Bad input is one line and exit status 2, with existing results untouched."""

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import compare_activations as ca
from activation_comparison.setup import data
from activation_comparison.results import extract, history_files, run_folder
from activation_comparison.setup.config import ExperimentConfig
from activation_comparison.results.run_folder import RunPaths
from activation_comparison.verdict import sequential, verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import published  # noqa: E402

LABELS = np.array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4])
MACHINE = {"cpu_model": "Some CPU", "cpu_features": ["avx2"], "intra_op_threads": 2,
           "versions": {"python": "3.11.7", "keras": "3.15.1"}}  # fmt: skip


def record(activation, seed, status="finished", predicted=None):
    """A history as training writes it: epoch 0 holds diagnostics only, later epochs the
    scores and times too, so the rows have two shapes."""
    rows = [{"epoch": 0, "grad_norm_conv1": 0.07532937228395142, "diagnostics_seconds": 0.594}]
    for epoch in (1, 2):
        rows.append({"epoch": epoch, "accuracy": 0.9 + epoch / 100 + seed / 1000, "loss": 1 / (3 + epoch),
                     "val_accuracy": 0.95, "val_loss": None if status == "diverged" and epoch == 2 else 0.1 / epoch,
                     "train_seconds": 24.1, "grad_norm_conv1": 0.1 / 3, "seconds": 25.000000000000004})  # fmt: skip
    history = {"activation": activation, "seed": seed, "status": status,
               "diverged_epoch": 2 if status == "diverged" else None, "best_epoch": 1,
               "test_loss": None, "test_accuracy": None, "intra_op_threads": 2, "machine": MACHINE, "epochs": rows}  # fmt: skip
    if status == "finished":
        predicted = LABELS if predicted is None else np.asarray(predicted)
        history |= {"test_loss": 0.028131756931543350, "test_accuracy": float(np.mean(predicted == LABELS)),
                    "test_predictions": {"label": LABELS.tolist(), "predicted": predicted.tolist(),
                                         "p_true": np.linspace(0.5, 1, len(LABELS)).tolist()},
                    "test_seconds": 1.937}  # fmt: skip
    return history


def hand_made_folder(results: Path) -> Path:
    """A folder with a run that erred on two images, one stuck at one class, one diverged
    and one still training, written by the code that writes real folders."""
    arrays = {"x_train": np.zeros((100, 28, 28), np.uint8), "y_train": np.arange(100) % 10,
              "x_test": np.zeros((20, 28, 28), np.uint8), "y_test": LABELS}  # fmt: skip
    config = ExperimentConfig(activations=("relu", "sigmoid", "gelu"), seeds=2, epochs=2, train_limit=100)
    run_dir = run_folder.open_run_folder(results, config, data.prepare_dataset(arrays, "tiny"), "python compare_activations.py")
    wrong = LABELS.copy()
    wrong[[3, 17]] = [8, 1]
    for history in (record("relu", 0, predicted=wrong), record("relu", 1), record("sigmoid", 0, predicted=np.ones(20, int)),
                    record("gelu", 0, status="diverged")):  # fmt: skip
        history_files.write_history(RunPaths.of(run_dir, history["activation"], history["seed"]), config, history)
    running = dict(record("gelu", 1), status="running")
    running.pop("test_predictions")
    history_files.write_history(RunPaths.of(run_dir, "gelu", 1), config, running)
    return run_dir


def files(folder: Path) -> dict:
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_rebuilt_folder_has_the_same_config_and_histories_byte_for_byte(tmp_path):
    original = hand_made_folder(tmp_path / "results")
    path = tmp_path / "published" / f"{original.name}.jsonl"
    assert extract.write(original, path) == (4, 1)  # The run still training is left out.
    rebuilt, written = extract.rebuild(extract.read(path), tmp_path / "elsewhere")
    assert written
    before, after = files(original), files(rebuilt)
    kept = [name for name in before if "predictions" not in name.name and "gelu_seed1" not in name.name]
    assert len(kept) == 9  # config.json, and four runs' history as JSON and CSV.
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}
    assert "gelu_seed1.json" not in {name.name for name in after}
    for name in ("relu_seed0", "sigmoid_seed0"):
        table = np.loadtxt(rebuilt / "histories" / f"{name}_predictions.csv", delimiter=",", skiprows=1)
        source = np.loadtxt(original / "histories" / f"{name}_predictions.csv", delimiter=",", skiprows=1)
        assert np.array_equal(table[:, :3], source[:, :3]) and np.isnan(table[:, 3]).all()


def test_predictions_are_kept_as_the_shorter_of_misclassified_pairs_and_every_digit(tmp_path):
    original = hand_made_folder(tmp_path / "results")
    path = tmp_path / "x.jsonl"
    extract.write(original, path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    runs = {(line["activation"], line["seed"]): line for line in lines[1:]}
    assert lines[0]["test_labels"] == "".join(map(str, LABELS))
    assert runs[("relu", 0)]["misclassified"] == "3:8 17:1"
    assert runs[("relu", 1)]["misclassified"] == ""
    assert runs[("sigmoid", 0)]["predicted"] == "1" * 20
    assert "misclassified" not in runs[("gelu", 0)] and "predicted" not in runs[("gelu", 0)]
    assert [block["columns"][:2] for block in runs[("relu", 0)]["epochs"]] == [["epoch", "grad_norm_conv1"],
                                                                              ["epoch", "accuracy"]]  # fmt: skip


def run_cli(args, capsys):
    status = published.main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err.strip()


def bad_extracts(tmp_path: Path, good: Path) -> dict:
    lines = good.read_text().splitlines()
    cases = {"missing": tmp_path / "nowhere.jsonl"}
    cases["not JSON"] = tmp_path / "cut.jsonl"
    cases["not JSON"].write_text("\n".join(lines[:2] + [lines[2][: len(lines[2]) // 2]]) + "\n")
    cases["a run short"] = tmp_path / "short.jsonl"
    cases["a run short"].write_text("\n".join(lines[:-1]) + "\n")
    cases["not an extract"] = tmp_path / "other.jsonl"
    cases["not an extract"].write_text('{"hello": 1}\n')
    cases["bad pairs"] = tmp_path / "pairs.jsonl"
    cases["bad pairs"].write_text(good.read_text().replace('"misclassified":"3:8 17:1"', '"misclassified":"3-8"'))
    return cases


@pytest.mark.parametrize("case", ["missing", "not JSON", "a run short", "not an extract", "bad pairs"])
def test_a_bad_extract_is_one_line_and_exit_2_and_writes_nothing(case, tmp_path, capsys):
    original = hand_made_folder(tmp_path / "results")
    good = tmp_path / "good.jsonl"
    extract.write(original, good)
    results = tmp_path / "rebuilt"
    status, _, error = run_cli(["rebuild", str(bad_extracts(tmp_path, good)[case]), "--results-dir", str(results)], capsys)
    assert status == 2 and error.count("\n") == 0 and error.startswith("error: ")
    assert not results.exists()


def test_an_existing_folder_that_differs_is_refused_and_left_untouched(tmp_path, capsys):
    original = hand_made_folder(tmp_path / "results")
    good = tmp_path / "good.jsonl"
    extract.write(original, good)
    # Its relu seed 1 was trained again since, with other numbers.
    config = ExperimentConfig(**json.loads((original / "config.json").read_text())["config"])
    history_files.write_history(RunPaths.of(original, "relu", 1), config, record("relu", 1) | {"test_loss": 0.5})
    before = files(original)
    status, _, error = run_cli(["rebuild", str(good), "--results-dir", str(tmp_path / "results")], capsys)
    assert status == 2 and error.count("\n") == 0 and "exists and differs from the extract" in error
    assert files(original) == before


def test_rebuilding_a_folder_that_is_already_there_writes_nothing(tmp_path, capsys):
    original = hand_made_folder(tmp_path / "results")
    (original / "histories" / "gelu_seed1.json").unlink()  # Only ended runs: what the extract holds.
    good = tmp_path / "good.jsonl"
    extract.write(original, good)
    before = files(original)
    status, out, _ = run_cli(["rebuild", str(good), "--results-dir", str(tmp_path / "results")], capsys)
    assert status == 0 and "nothing written" in out
    assert files(original) == before
    # A folder rebuilt (and summarised) from the extract is its folder too.
    assert run_cli(["rebuild", str(good), "--results-dir", str(tmp_path / "elsewhere")], capsys)[0] == 0
    status, out, _ = run_cli(["rebuild", str(good), "--results-dir", str(tmp_path / "elsewhere")], capsys)
    assert status == 0 and "nothing written" in out


def test_writing_the_extract_of_something_that_is_not_a_folder_is_one_line_and_exit_2(tmp_path, capsys):
    status, _, error = run_cli(["write", str(tmp_path / "nothing"), "--to", str(tmp_path / "out")], capsys)
    assert status == 2 and error.count("\n") == 0 and "not a results folder" in error
    assert not (tmp_path / "out").exists()


# Real runs: a fixed design with a run that learns and one stuck at one class, and a small
# --seeds auto folder, both on a few hundred MNIST images.
FIXED = ["--epochs", "1", "--train-limit", "300", "--probe-size", "64", "--activations", "relu", "sigmoid",
         "--seeds", "2"]  # fmt: skip
AUTO = ["--epochs", "1", "--train-limit", "300", "--probe-size", "64", "--no-diagnostics",
        "--activations", "relu", "sigmoid", "gelu", "--seeds", "auto", "--max-seeds", "4"]  # fmt: skip


def only_folder(results: Path) -> Path:
    (folder,) = [path for path in results.iterdir() if path.is_dir()]
    return folder


def decisions(folder: Path):
    design = json.loads((folder / "config.json").read_text())["design"]
    scores, failed = verdict.failures_and_scores(history_files.read_histories(folder), design["activations"])
    return sequential.replay(scores, failed, design)


@pytest.mark.slow
def test_a_rebuilt_folder_has_the_same_summary_and_nothing_left_to_train(tmp_path, capsys):
    results = tmp_path / "results"
    assert ca.main(FIXED + ["--results-dir", str(results)]) == 0
    original = only_folder(results)
    summaries = {name: (original / name).read_bytes() for name in ("summary.md", "summary.csv")}
    path = tmp_path / "published" / f"{original.name}.jsonl"
    assert published.main(["write", str(original), "--to", str(path.parent)]) == 0
    assert path.stat().st_size < 60_000
    shutil.rmtree(results)  # The folder is gone; its extract is what is left.
    elsewhere = tmp_path / "elsewhere"
    assert published.main(["rebuild", str(path), "--results-dir", str(elsewhere)]) == 0
    rebuilt = elsewhere / original.name
    assert {name: (rebuilt / name).read_bytes() for name in summaries} == summaries
    capsys.readouterr()
    assert ca.main(FIXED + ["--results-dir", str(elsewhere), "--plan"]) == 0
    plan = capsys.readouterr().out
    (row,) = [line for line in plan.splitlines() if line.rstrip().endswith(str(rebuilt))]
    assert row.split()[:2] == ["0", "4"]  # Nothing to train, four runs finished.


@pytest.mark.slow
def test_a_partly_run_auto_folder_resumes_from_its_extract_on_another_machine_with_the_same_decisions(tmp_path, capsys):
    results = tmp_path / "results"
    assert ca.main(AUTO + ["--results-dir", str(results)]) == 0
    folder = only_folder(results)
    finished = decisions(folder)
    # As the folder stood before its second look's runs: its extract is what was published then.
    cut = tmp_path / "cut"
    shutil.copytree(folder, cut / folder.name)
    for history in (cut / folder.name / "histories").glob("*_seed3*"):
        history.unlink()
    path = tmp_path / f"{folder.name}.jsonl"
    extract.write(cut / folder.name, path)
    assert not decisions(cut / folder.name).finished
    # Another machine: the last command ran on another CPU.
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    header["config.json"]["commands"][-1]["hardware"]["cpu_model"] = "Another CPU"
    path.write_text("\n".join([json.dumps(header)] + lines[1:]) + "\n")
    elsewhere = tmp_path / "elsewhere"
    assert published.main(["rebuild", str(path), "--results-dir", str(elsewhere)]) == 0
    capsys.readouterr()
    assert ca.main(AUTO + ["--results-dir", str(elsewhere)]) == 0
    assert "resumed on another machine or software (CPU Another CPU ->" in capsys.readouterr().out
    resumed = decisions(elsewhere / folder.name)
    assert resumed.looks == finished.looks and resumed.still_in == finished.still_in
    assert resumed.runs_spent == finished.runs_spent
    seed3 = {h["activation"]: h["test_accuracy"] for h in history_files.read_histories(folder) if h["seed"] == 3}
    assert {h["activation"]: h["test_accuracy"] for h in history_files.read_histories(elsewhere / folder.name)
            if h["seed"] == 3} == seed3  # fmt: skip


def test_load_of_an_extract_gives_the_result_of_its_folder(tmp_path):
    import activation_comparison

    original = hand_made_folder(tmp_path / "results")
    (original / "histories" / "gelu_seed1.json").unlink()
    path = tmp_path / "x.jsonl"
    extract.write(original, path)
    from_folder, from_extract = activation_comparison.load(original), activation_comparison.load(path)
    assert from_extract.name == original.name and from_extract.verdict == from_folder.verdict
    assert [dict(row) for row in from_extract.rows] == [dict(row) for row in from_folder.rows]

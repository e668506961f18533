"""--seeds auto through the command line: looks fixed in config.json, each look's runs one
batch, a resumed folder makes the same decisions, and its plan cannot be changed."""

import json

import pytest

import compare_activations as ca
from activation_comparison.results import history_files
from activation_comparison.verdict import sequential, verdict

pytestmark = pytest.mark.slow

# No --threads: the suite's other tests have started TensorFlow in this process already.
ARGS = ["--epochs", "1", "--train-limit", "600", "--probe-size", "64", "--no-diagnostics",
        "--activations", "relu", "sigmoid", "gelu", "--seeds", "auto", "--max-seeds", "4"]  # fmt: skip


def folder_of(results):
    (folder,) = [path for path in results.iterdir() if path.is_dir()]
    return folder


def decisions(folder):
    design = json.loads((folder / "config.json").read_text())["design"]
    scores, failed = verdict.failures_and_scores(history_files.read_histories(folder), design["activations"])
    return sequential.replay(scores, failed, design)


def snapshot(folder):
    return {path.relative_to(folder): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def auto_folder(tmp_path_factory):
    results = tmp_path_factory.mktemp("auto")
    assert ca.main(ARGS + ["--results-dir", str(results)]) == 0
    return results, folder_of(results)


def test_the_looks_are_fixed_in_config_json_and_the_folder_is_its_own(auto_folder):
    _, folder = auto_folder
    design = json.loads((folder / "config.json").read_text())["design"]
    assert design["looks"] == [3, 4] and design["max_seeds"] == 4
    assert sum(design["alpha"]) == pytest.approx(0.05)
    assert folder.name.startswith("auto-")


def test_only_activations_still_in_get_the_next_looks_seeds(auto_folder):
    _, folder = auto_folder
    progress = decisions(folder)
    assert progress.finished
    runs = {(h["activation"], h["seed"]) for h in history_files.read_histories(folder)}
    for name in ("relu", "sigmoid", "gelu"):
        assert {seed for activation, seed in runs if activation == name} == set(range(progress.seeds_of[name]))
    assert len(runs) == progress.runs_spent


def test_the_summary_says_who_left_at_which_look_and_the_runs_spent(auto_folder):
    _, folder = auto_folder
    progress = decisions(folder)
    text = (folder / "summary.md").read_text()
    assert "Seeds were spent where the answer was open" in text
    assert f"Runs spent: {progress.runs_spent} of the 12 the plan could spend" in text


def test_a_folder_cut_back_to_its_first_look_resumes_with_the_same_decisions(auto_folder, tmp_path):
    results, folder = auto_folder
    before = decisions(folder)
    copy = tmp_path / "results"
    copy.mkdir()
    import shutil

    shutil.copytree(folder, copy / folder.name)
    # As if killed before the second look's runs were written.
    for history in (copy / folder.name / "histories").glob("*_seed3*"):
        history.unlink()
    assert not decisions(copy / folder.name).finished
    assert ca.main(ARGS + ["--results-dir", str(copy)]) == 0
    after = decisions(copy / folder.name)
    assert after.looks == before.looks and after.still_in == before.still_in
    retrained = {h["activation"]: h["test_accuracy"] for h in history_files.read_histories(copy / folder.name)
                 if h["seed"] == 3}  # fmt: skip
    original = {h["activation"]: h["test_accuracy"] for h in history_files.read_histories(folder) if h["seed"] == 3}
    assert retrained == original


def test_another_plan_for_the_same_folder_is_refused_and_changes_nothing(auto_folder, capsys):
    results, folder = auto_folder
    before = snapshot(folder)
    changed = [arg if arg != "4" else "5" for arg in ARGS]
    assert ca.main(changed + ["--results-dir", str(results)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "its plan is fixed" in error
    assert snapshot(folder) == before

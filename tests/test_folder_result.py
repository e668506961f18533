"""A folder's result: computed once from the folder alone, typed rows, its own margin, and
the index judging every folder at its own. Hand-made folders on disk: no training."""

import csv
import dataclasses

import pytest

import activation_comparison
from activation_comparison import experiment
from activation_comparison.results import folder_result, history_files
from activation_comparison.results.folder_result import FolderResult, Row
from activation_comparison.results import storage
from activation_comparison.setup.config import ExperimentConfig, UsageError, margin_fraction
from activation_comparison.verdict import log_error, verdict

# Three seeds: ReLU best, ELU about 0.3 pp lower, GELU between.
ACCURACIES = {"relu": [0.9900, 0.9910, 0.9905], "elu": [0.9870, 0.9880, 0.9872], "gelu": [0.9895, 0.9899, 0.9890]}
# ReLU and GELU cannot be separated: the headline says whether they are within the margin.
CLOSE = {"relu": [0.9900, 0.9910, 0.9905], "gelu": [0.9903, 0.9906, 0.9908]}


def record(activation, seed, accuracy):
    return {"activation": activation, "seed": seed, "status": "finished", "best_epoch": 2, "test_accuracy": accuracy,
            "test_loss": 1 - accuracy, "epochs": [{"epoch": 1, "seconds": 2.0}, {"epoch": 2, "seconds": 3.0}]}  # fmt: skip


def make_folder(results, accuracies=ACCURACIES, summarised_at=None, **settings) -> "Path":  # noqa: F821
    """A run folder as the command writes it: config.json and one history per run."""
    config = ExperimentConfig(epochs=2, **settings)
    folder = results / config.run_name()
    (folder / "histories").mkdir(parents=True)
    saved = {"config": dataclasses.asdict(config)}
    if summarised_at is not None:
        saved["summary"] = {"margin_pp": summarised_at}
    storage.write_json(folder / "config.json", saved)
    for name, values in accuracies.items():
        for seed, value in enumerate(values):
            storage.write_json(folder / "histories" / f"{name}_seed{seed}.json", record(name, seed, value))
    return folder


def test_a_row_is_typed_a_misspelt_column_fails_loudly_and_it_reads_like_a_dict(tmp_path):
    result = FolderResult.of(make_folder(tmp_path))
    relu = result.rows[0]
    assert relu.activation == relu["activation"] == "relu" and relu.verdict == relu["verdict"] == "in the best set"
    assert dict(relu)["test_accuracy_mean"] == pytest.approx(0.9905)
    with pytest.raises(AttributeError):
        relu.verdcit  # noqa: B018
    with pytest.raises(KeyError):
        relu["verdcit"]
    with pytest.raises(TypeError):
        Row(activation="relu", verdcit="best")
    with pytest.raises(dataclasses.FrozenInstanceError):
        relu.verdict = "worse"
    assert set(Row.column_names()) == {item.name for item in dataclasses.fields(Row)}


def test_summary_csv_keeps_its_columns(tmp_path):
    folder = make_folder(tmp_path)
    experiment.write_summary(folder, ExperimentConfig(epochs=2))
    with open(folder / "summary.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == folder_result.SUMMARY_COLUMNS
    assert header[:4] == ["activation", "label", "seeds_finished", "seeds_diverged"]
    assert header[10:] == list(verdict.COLUMNS) and header[-1] == "verdict"


def test_one_command_computes_a_folders_verdict_once(tmp_path, monkeypatch):
    folder = make_folder(tmp_path)
    calls = []
    original = verdict.compare
    monkeypatch.setattr(verdict, "compare", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    known = {}
    experiment.write_summary(folder, ExperimentConfig(epochs=2), known=known)
    experiment.write_index(tmp_path, known)
    experiment.write_index(tmp_path, known)  # A sweep's second folder writes the index again.
    assert len(calls) == 1
    # New runs change the histories: the next index computes the verdict again, once.
    storage.write_json(folder / "histories" / "relu_seed3.json", record("relu", 3, 0.9902))
    experiment.write_index(tmp_path, known)
    experiment.write_index(tmp_path, known)
    assert len(calls) == 2


def test_the_index_judges_every_folder_at_its_own_margin(tmp_path):
    # A folder summarised at 0.2 pp, then a later --margin 5 run of another folder.
    first = make_folder(tmp_path, CLOSE, clip_value=0.5)
    experiment.write_summary(first, ExperimentConfig(epochs=2, clip_value=0.5, margin=0.2))
    second = make_folder(tmp_path, CLOSE, clip_value=1.0)
    experiment.write_summary(second, ExperimentConfig(epochs=2, clip_value=1.0, margin=5))
    experiment.write_index(tmp_path)
    verdicts = {line.split("**")[1]: line for line in (tmp_path / "index.md").read_text().splitlines()
                if line.startswith("- **")}  # fmt: skip
    assert "0.2 pp" in verdicts[first.name] and "5 pp" not in verdicts[first.name]
    assert "5 pp" in verdicts[second.name] and "0.2 pp" not in verdicts[second.name]
    assert storage.read_json(first / "config.json")["summary"] == {"margin_pp": 0.2}
    assert activation_comparison.load(first).margin == margin_fraction(0.2)
    assert activation_comparison.load(second).margin == margin_fraction(5)


def test_a_folders_margin_is_its_design_then_its_summary_then_its_last_command():
    assert folder_result.recorded_margin({"design": {"margin": 0.01}, "summary": {"margin_pp": 0.2}}) == 0.01
    assert folder_result.recorded_margin({"summary": {"margin_pp": 0.5}, "config": {"margin": 3}}) == 0.005
    assert folder_result.recorded_margin({"config": {"margin": 3}}) == 0.03
    assert folder_result.recorded_margin({}) == margin_fraction(ExperimentConfig().margin)


def test_the_margin_is_not_part_of_a_folders_identity():
    assert "margin" not in ExperimentConfig.identity(dataclasses.asdict(ExperimentConfig(margin=5)))
    assert ExperimentConfig(margin=5).run_name() == ExperimentConfig().run_name()


def test_load_gives_the_verdict_the_rows_the_table_and_a_figure(tmp_path):
    result = activation_comparison.load(make_folder(tmp_path))
    assert result.verdict.startswith("ReLU")
    assert [row["activation"] for row in result.rows] == ["relu", "elu", "gelu"]
    table = result.table()
    assert list(table.columns) == folder_result.SUMMARY_COLUMNS
    assert table["test_accuracy_mean"].tolist() == pytest.approx([sum(v) / 3 for v in ACCURACIES.values()])
    fig = result.figure("test_accuracy.png")
    assert type(fig).__name__ == "Figure"


def test_table_without_pandas_says_which_extra_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)  # "import pandas" now fails.
    with pytest.raises(UsageError, match=r'needs pandas, the notebook extra: pip install -e "\.\[notebook\]"'):
        activation_comparison.load(make_folder(tmp_path)).table()


def test_load_refuses_what_is_not_a_results_folder(tmp_path):
    with pytest.raises(UsageError, match="is not a results folder"):
        activation_comparison.load(tmp_path / "nowhere")
    (tmp_path / "extract.json").write_text("{}")
    with pytest.raises(UsageError, match="is a file"):
        activation_comparison.load(tmp_path / "extract.json")


def test_decide_runs_once_per_folder_and_summarising_writes_nothing_new_into_the_histories(tmp_path, monkeypatch):
    folder = make_folder(tmp_path)
    before = history_files.histories_fingerprint(folder)
    calls = []
    original = log_error.decide
    monkeypatch.setattr(log_error, "decide", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    experiment.write_summary(folder, ExperimentConfig(epochs=2))
    assert len(calls) == 1
    assert history_files.histories_fingerprint(folder) == before


def test_each_look_is_decided_once_and_a_look_whose_runs_changed_is_retaken(monkeypatch):
    from activation_comparison.verdict import sequential

    design = sequential.design(["relu", "elu", "gelu"], 5, 0.0001)  # Looks at 3 and 5 seeds.
    noise = [0.0003, -0.0002, 0.0001, -0.0004, 0.0002]
    scores = {name: {seed: 0.990 + shift + noise[(seed + k) % 5] for seed in range(5)}
              for k, (name, shift) in enumerate((("relu", 0.0), ("elu", 0.0001), ("gelu", -0.0001)))}  # fmt: skip
    failed = {name: {seed: False for seed in range(5)} for name in scores}
    calls = []
    original = log_error.decide
    monkeypatch.setattr(log_error, "decide", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    first = sequential.replay(scores, failed, design)
    assert [look.seeds for look in first.looks] == [3, 5] and len(calls) == 2
    again = sequential.replay(scores, failed, design, previous=first)
    assert again.looks == first.looks and len(calls) == 2  # Nothing decided twice.
    scores["relu"][4] = 0.985  # A retrained run: the look at 5 seeds saw other runs.
    changed = sequential.replay(scores, failed, design, previous=first)
    assert changed.looks[0] is first.looks[0] and changed.looks[1] != first.looks[1] and len(calls) == 3

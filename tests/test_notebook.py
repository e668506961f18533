"""The Python API a notebook uses: `run` refuses bad arguments with the command line's
one-line message before anything is written, and docs/notebook.md's example runs as shown."""

import re
from pathlib import Path

import pytest

import activation_comparison
import compare_activations as ca

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebook.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", NOTEBOOK.read_text(), re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize(
    "settings, flags",
    [
        ({"activations": ["relu", "rleu"]}, ["--activations", "relu", "rleu"]),
        ({"epochs": 0}, ["--epochs", "0"]),
        ({"clip_value": -1.0}, ["--clip-value", "-1"]),
        ({"margin": 0.0}, ["--margin", "0"]),
        ({"workers": 0}, ["--workers", "0"]),
        ({"seeds": "many"}, ["--seeds", "many"]),
    ],
)  # fmt: skip
def test_run_refuses_bad_arguments_with_the_command_lines_message(tmp_path, capsys, settings, flags):
    results = tmp_path / "results"
    with pytest.raises(activation_comparison.UsageError) as caught:
        activation_comparison.run(results_dir=str(results), **settings)
    assert ca.main([*flags, "--results-dir", str(results)]) == 2
    assert capsys.readouterr().err == f"error: {caught.value}\n"
    assert not results.exists()


def test_run_names_a_misspelt_setting_and_refuses_a_sweep_and_a_wrong_type(tmp_path):
    results = str(tmp_path / "results")
    with pytest.raises(activation_comparison.UsageError, match=r"unknown setting 'epoch' \(did you mean epochs\?\)"):
        activation_comparison.run(epoch=1, results_dir=results)
    with pytest.raises(activation_comparison.UsageError, match=r"did you mean results_dir\?"):
        activation_comparison.run(result_dir=results)
    with pytest.raises(activation_comparison.UsageError, match="run\\(\\) makes one run folder, so give one value"):
        activation_comparison.run(learning_rate=[0.001, 0.003], results_dir=results)
    with pytest.raises(activation_comparison.UsageError, match="--epochs must be a whole number, got '1'"):
        activation_comparison.run(epochs="1", results_dir=results)
    assert not (tmp_path / "results").exists()


def test_the_notebook_documents_the_message_run_raises():
    *_, refused = blocks("text")
    with pytest.raises(activation_comparison.UsageError) as caught:
        activation_comparison.run(activations=["relu", "rleu"], results_dir="results")
    assert refused.strip() == str(caught.value)


@pytest.mark.slow  # Trains six runs of one epoch on 300 images.
def test_the_notebook_example_runs_as_documented(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for code in blocks("python"):
        exec(compile(code, str(NOTEBOOK), "exec"), namespace)
    printed = capsys.readouterr().out
    shown, loaded, refused = blocks("text")
    folder, _, header, *table = shown.splitlines()  # The verdict and accuracies depend on the machine.
    assert folder in printed and namespace["result"].verdict in printed
    assert any(line.split() == header.split() for line in printed.splitlines())
    assert [line.split()[1] for line in table] == [row.activation for row in namespace["result"].rows]
    assert loaded.strip() in printed and refused.strip() in printed
    assert (tmp_path / "test_accuracy_relu_gelu.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "results" / folder / "summary.md").exists()

"""The verdict of the recorded five-seed run, through the summary's own functions.

    python benchmarks/recorded_verdict.py

The run's folder is not shipped with the project; its extract is
(`benchmarks/data/recorded_runs.json`: every run's test accuracy, seeds 0-4, six
activations, 3 epochs on the full training set). A verdict needs nothing else, so this
prints what that folder's `summary.md` says today: the headline and the table.
"""

import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from activation_comparison.reporting import report, verdict_text  # noqa: E402
from activation_comparison.results.folder_result import FolderResult  # noqa: E402
from activation_comparison.setup.config import ExperimentConfig, margin_fraction  # noqa: E402

RECORDED = Path(__file__).resolve().parent / "data" / "recorded_runs.json"


def records_of(extract: dict) -> list[dict]:
    """Run records as the summary reads them: a None accuracy is a diverged run."""
    records = []
    for name, accuracies in extract["accuracy"].items():
        for seed, accuracy in zip(extract["seeds"], accuracies):
            records.append({"activation": name, "seed": seed, "status": "diverged" if accuracy is None else "finished",
                            "test_accuracy": accuracy, "test_loss": None, "best_epoch": 3, "epochs": []})  # fmt: skip
    return records


def main(argv=None) -> int:
    extract = json.loads(RECORDED.read_text())
    records = records_of(extract)
    config = ExperimentConfig(epochs=3, seeds=len(extract["seeds"]))
    result = FolderResult.of_records(records, margin_fraction(config.margin), saved={"config": dataclasses.asdict(config)})
    # The headline (as the index quotes it) and summary.md's table, its paragraph after the answer.
    print(verdict_text.headline(result.comparison, result.labels) + "\n\n" + report.summary_markdown(result, []).split("\n\n")[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A run folder as one small text file, and the folder rebuilt from it.

An extract keeps what every table, sentence and figure of a folder is computed from, so a
published folder can live in the repository (a few hundred KB) instead of its results folder
(tens of MB), be recomputed anywhere, and be resumed on another machine. It is JSON lines:

- line 1, the header: `format`, `version`, the `folder` name, the number of `runs`, the
  folder's `config.json` exactly as it was (settings, data identity, a `--seeds auto`
  folder's design and looks, every command with its machine and library versions), and
  `test_labels`, the test images' labels as one string of digits;
- then one line per ended run (finished or diverged), in the order of its history file's
  name: the history record exactly as saved (activation, seed, status, test scores, best
  and diverged epoch, threads, machine, seconds), except that its per-epoch rows are kept as
  `epochs`: blocks of consecutive rows with the same columns, `{"columns": [...], "rows":
  [[...], ...]}`, and that its test predictions are `misclassified`, `"image:predicted"`
  pairs for the images it got wrong, or `predicted`, one digit per image, where that is
  shorter (a run stuck at one class).

Every number is written with all its digits (JSON floats round-trip exactly), so a folder
rebuilt from its extract has the same config.json and history files, and the same
summary.md and summary.csv. The one thing not kept is each image's `p_true` (the predicted
probability of its label), which no table or figure reads; rebuilt predictions files hold
`nan` there. Runs still training are left out (their checkpoints are not portable): a resumed
folder trains them again, with the same numbers on the same CPU type and threads.
"""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from activation_comparison.results import history_files, run_folder, storage
from activation_comparison.setup.config import ExperimentConfig
from activation_comparison.setup.errors import UsageError
from activation_comparison.results.run_folder import RunPaths

FORMAT = "activation-comparison run folder extract"
VERSION = 1
ENCODED = ("misclassified", "predicted")


@dataclass(frozen=True)
class Extract:
    """A folder as its extract holds it: its name, its config.json and its ended runs
    (history records as `history_files.read_histories` returns them, predictions included)."""

    folder: str
    config_json: dict
    runs: list[dict]

    @property
    def config(self) -> ExperimentConfig:
        """The settings of the folder's last command, which wrote its summary."""
        return ExperimentConfig(**self.config_json["config"])


def blocks_of(rows: list[dict]) -> list[dict]:
    """Consecutive rows with the same columns in the same order, as one block each: the
    column names once, not once per epoch."""
    blocks = []
    for row in rows:
        if blocks and blocks[-1]["columns"] == list(row):
            blocks[-1]["rows"].append(list(row.values()))
        else:
            blocks.append({"columns": list(row), "rows": [list(row.values())]})
    return blocks


def rows_of(blocks: list[dict]) -> list[dict]:
    return [dict(zip(block["columns"], values)) for block in blocks for values in block["rows"]]


def digits(labels) -> str:
    labels = np.asarray(labels)
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError("an extract keeps labels 0-9 only")
    return "".join(map(str, labels.tolist()))


def encode_predictions(predicted, labels: np.ndarray) -> dict:
    """The shorter of the misclassified images as "image:predicted" pairs and every
    image's predicted digit."""
    predicted = np.asarray(predicted)
    wrong = np.flatnonzero(predicted != labels)
    pairs = " ".join(f"{image}:{predicted[image]}" for image in wrong)
    return {"misclassified": pairs} if len(pairs) < len(labels) else {"predicted": digits(predicted)}


def decode_predictions(line: dict, labels: np.ndarray) -> dict:
    if "predicted" in line:
        predicted = np.array([int(digit) for digit in line["predicted"]], dtype=np.int64)
        if len(predicted) != len(labels):
            raise ValueError(f"{len(predicted)} predictions for {len(labels)} test images")
    else:
        predicted = labels.copy()
        for pair in line["misclassified"].split():
            image, label = pair.split(":")
            predicted[int(image)] = int(label)
    return {"label": labels.copy(), "predicted": predicted, "p_true": np.full(len(labels), np.nan)}


def encode_run(record: dict, labels: np.ndarray | None) -> dict:
    """One run's line: the history record in its own key order, rows as blocks, predictions
    encoded against the folder's labels."""
    line = {key: blocks_of(value) if key == "epochs" else value
            for key, value in record.items() if key != "test_predictions"}  # fmt: skip
    predictions = record.get("test_predictions")
    if predictions is not None:
        if labels is None or not np.array_equal(predictions["label"], labels):
            raise ValueError(f"{record['activation']} seed {record['seed']} has other test labels than the folder's")
        line |= encode_predictions(predictions["predicted"], labels)
    return line


def decode_run(line: dict, labels: np.ndarray | None) -> dict:
    record = {key: rows_of(value) if key == "epochs" else value for key, value in line.items() if key not in ENCODED}
    if any(key in line for key in ENCODED):
        record["test_predictions"] = decode_predictions(line, labels)
    return record


def same_runs(first: list[dict], second: list[dict]) -> bool:
    """Whether two lists of records hold the same runs, predictions compared by label and
    predicted class (the extract keeps no p_true)."""
    def comparable(record):
        kept = {key: value for key, value in record.items() if key != "test_predictions"}
        predictions = record.get("test_predictions")
        if predictions is not None:
            kept["test_predictions"] = (digits(predictions["label"]), digits(predictions["predicted"]))
        return kept

    return [comparable(record) for record in first] == [comparable(record) for record in second]


def extract_lines(run_dir: Path) -> tuple[list[str], int]:
    """The extract of a folder as lines of text, and how many of its runs were left out
    because they have not ended."""
    run_dir = Path(run_dir)
    config_json = run_folder.read_json_or_refuse(run_dir / "config.json")
    if not config_json or "config" not in config_json:
        raise UsageError(f"{run_dir} is not a results folder (no config.json); give a folder under results/")
    try:
        named = ExperimentConfig(**config_json["config"]).run_name()
    except (TypeError, UsageError) as error:
        raise UsageError(f"{run_dir}/config.json holds settings this code does not know ({error})") from None
    if named != run_dir.name:
        raise UsageError(f"{run_dir} is named for other settings than its config.json's ({named}); give it its name back")
    runs = history_files.read_histories(run_dir)
    started = len(list((run_dir / "histories").glob("*.json")))
    labels = next((np.asarray(run["test_predictions"]["label"]) for run in runs if "test_predictions" in run), None)
    header = {"format": FORMAT, "version": VERSION, "folder": run_dir.name, "runs": len(runs),
              "config.json": config_json} | ({"test_labels": digits(labels)} if labels is not None else {})  # fmt: skip
    lines = [header] + [encode_run(run, labels) for run in runs]
    text = [json.dumps(line, separators=(",", ":"), allow_nan=False) for line in lines]
    # What is published must read back as the folder it came from.
    if not same_runs(parse(text, run_dir.name).runs, runs):
        raise ValueError(f"the extract of {run_dir} does not read back as its runs")
    return text, started - len(runs)


def write(run_dir: Path, path: Path) -> tuple[int, int]:
    """Write the extract of `run_dir` to `path`; (runs kept, runs left out as unfinished)."""
    lines, left_out = extract_lines(run_dir)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    storage.write_text(Path(path), "\n".join(lines) + "\n")
    return len(lines) - 1, left_out


def parse(lines: list[str], name: str) -> Extract:
    """An extract from its lines; `name` says which file in errors. A damaged or foreign
    file is a one-line `UsageError`."""
    restore = f"restore it (git checkout -- {name}) or write it again from its folder"
    parsed = []
    for number, line in enumerate(lines, start=1):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise UsageError(f"{name} is damaged (line {number} is not JSON); {restore}") from None
    header = parsed[0] if parsed else {}
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UsageError(f"{name} is not a run folder extract (its first line has no format {FORMAT!r})")
    if header.get("version") != VERSION:
        raise UsageError(f"{name} is an extract of version {header.get('version')}; this code reads version {VERSION}")
    if header.get("runs") != len(parsed) - 1:
        raise UsageError(f"{name} is damaged (it says {header.get('runs')} runs and holds {len(parsed) - 1}); {restore}")
    try:
        labels = np.array([int(digit) for digit in header["test_labels"]], dtype=np.int64) if "test_labels" in header else None
        runs = [decode_run(line, labels) for line in parsed[1:]]
        extract = Extract(header["folder"], header["config.json"], runs)
        if extract.config.run_name() != extract.folder:
            raise ValueError("its settings name another folder")
    except (KeyError, ValueError, TypeError, AttributeError, UsageError) as error:
        raise UsageError(f"{name} is damaged ({error}); {restore}") from None
    return extract


def is_extract(path: Path) -> bool:
    """Whether `path` is a file whose first line says it is an extract (damaged or not)."""
    try:
        with open(path) as handle:
            return json.loads(handle.readline()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return False


def read(path: Path) -> Extract:
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UsageError(f"no extract at {path}; write one with `python benchmarks/published.py write FOLDER`") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path} cannot be read as an extract ({error})") from None
    return parse(text.splitlines(), str(path))


# What summarising a folder adds to its config.json (the margin it was summarised at): a
# rebuilt folder is summarised at once, so its config.json may hold it where the extract does not.
SUMMARY_KEY = "summary"


def matches(run_dir: Path, extract: Extract) -> bool:
    """Whether an existing folder holds exactly what the extract would rebuild."""
    saved = run_folder.read_json_or_refuse(run_dir / "config.json") or {}
    ours = {key: value for key, value in extract.config_json.items() if key != SUMMARY_KEY}
    theirs = {key: value for key, value in saved.items() if key != SUMMARY_KEY}
    return ours == theirs and same_runs(history_files.read_histories(run_dir), extract.runs)


def already_there(extract: Extract, results_dir: Path) -> bool:
    """Whether the extract's folder exists under `results_dir` exactly as the extract holds
    it; a folder that exists and differs is refused (a one-line `UsageError`)."""
    run_dir = Path(results_dir) / extract.folder
    if not run_dir.exists():
        return False
    if (run_dir / "config.json").exists() and matches(run_dir, extract):
        return True
    raise UsageError(f"{run_dir} exists and differs from the extract; move it away, "
                     "or rebuild into another results folder")  # fmt: skip


def rebuild(extract: Extract, results_dir: Path) -> tuple[Path, bool]:
    """The folder of `extract` under `results_dir`, and whether it was written (False: it
    was there already, identical). A folder that exists and differs is refused untouched.

    The folder is assembled under a temporary name and renamed into place, so no half-built
    folder is ever taken for a real one; config.json is written last."""
    run_dir = Path(results_dir) / extract.folder
    if already_there(extract, results_dir):
        return run_dir, False
    config = extract.config
    building = storage.temporary_path(run_dir)
    try:
        (building / "histories").mkdir(parents=True)
        (building / "checkpoints").mkdir()
        for record in extract.runs:
            history_files.write_history(RunPaths.of(building, record["activation"], record["seed"]), config, record)
        storage.write_json(building / "config.json", extract.config_json)
        building.rename(run_dir)
    except OSError as error:
        raise UsageError(f"cannot write {run_dir} ({error.strerror or error}); choose another results folder") from None
    finally:
        if building.exists():
            shutil.rmtree(building)
    return run_dir, True

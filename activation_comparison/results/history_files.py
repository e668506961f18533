"""A run folder's histories: each run's history (JSON and CSV) and per-image predictions,
written and read back, and a fingerprint of the ended runs' files."""

import hashlib
import json
from pathlib import Path

import numpy as np

from activation_comparison.results import storage
from activation_comparison.results.run_folder import FINAL_STATUSES, RunPaths, read_json_or_refuse
from activation_comparison.setup import losses
from activation_comparison.setup.config import ExperimentConfig, UsageError


def history_columns(config: ExperimentConfig, rows: list[dict]) -> list[str]:
    # The loss's extra metrics (the article's binary accuracy) follow each accuracy.
    extra_metrics = list(losses.get(config.loss).extra_metrics)
    columns = ["epoch", "loss", "accuracy", *extra_metrics, "val_loss", "val_accuracy"]
    columns += [f"val_{name}" for name in extra_metrics] + ["seconds"]
    extra = []
    for row in rows:
        extra += [key for key in row if key not in columns and key not in extra]
    return columns + extra


PREDICTION_COLUMNS = ("image", "label", "predicted", "p_true")


def write_history(paths: RunPaths, config: ExperimentConfig, record: dict) -> None:
    """The history as CSV and JSON; a finished run's per-image test predictions go to their
    own CSV beside them (10,000 rows would bury the JSON)."""
    record = dict(record)
    predictions = record.pop("test_predictions", None)
    if predictions is not None:
        rows = [
            {"image": image, "label": label, "predicted": predicted, "p_true": f"{p_true:.9g}"}
            for image, (label, predicted, p_true) in enumerate(
                zip(predictions["label"], predictions["predicted"], predictions["p_true"])
            )
        ]
        storage.write_csv(paths.predictions_csv, rows, list(PREDICTION_COLUMNS))
    elif record.get("status") in FINAL_STATUSES:
        paths.predictions_csv.unlink(missing_ok=True)  # A retrained run that diverged.
    rows = record["epochs"]
    storage.write_csv(paths.history_csv, rows, history_columns(config, rows))
    storage.write_json(paths.history_json, record)


def read_predictions(path: Path) -> dict | None:
    """A run's per-image test predictions as arrays (label, predicted, p_true), or None
    for runs trained before they were saved."""
    if not path.exists():
        return None
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        if table.shape[1] != len(PREDICTION_COLUMNS):
            raise ValueError(f"{table.shape[1]} columns")
    except ValueError:
        raise UsageError(
            f"{path} is damaged (not the {len(PREDICTION_COLUMNS)}-column predictions table); "
            "move it away or delete it, and retrain that run with --force"
        ) from None
    return {
        "label": table[:, 1].astype(np.int64),
        "predicted": table[:, 2].astype(np.int64),
        "p_true": table[:, 3],
    }


def read_histories(run_dir: Path) -> list[dict]:
    """Every run in the folder that has ended, from this process or any other, with its
    test predictions where they were saved."""
    histories = []
    for path in sorted((run_dir / "histories").glob("*.json")):
        history = read_json_or_refuse(path)
        if history and history.get("status") in FINAL_STATUSES:
            if history["status"] == "finished":
                stem = path.name.removesuffix(".json")
                predictions = read_predictions(path.with_name(f"{stem}_predictions.csv"))
                if predictions is not None:
                    history["test_predictions"] = predictions
            histories.append(history)
    return histories


def histories_fingerprint(run_dir: Path) -> str:
    """A hash of the ended runs' files (each history and its predictions), without parsing
    the predictions: equal fingerprints mean the same runs, so a result computed from them
    still holds."""
    digest = hashlib.sha256()
    for path in sorted((run_dir / "histories").glob("*.json")):
        content = path.read_bytes()
        try:
            ended = json.loads(content).get("status") in FINAL_STATUSES
        except (ValueError, AttributeError):
            ended = True  # A damaged file is refused where it is read; here it only changes the hash.
        if not ended:
            continue
        digest.update(path.name.encode() + b"\0" + content + b"\0")
        predictions = path.with_name(f"{path.name.removesuffix('.json')}_predictions.csv")
        if predictions.exists():
            digest.update(predictions.read_bytes())
    return digest.hexdigest()

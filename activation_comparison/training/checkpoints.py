"""Checkpoints that let an interrupted run continue with exactly the numbers of an
uninterrupted one."""

import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

from activation_comparison.results import storage


def save_checkpoint(path: Path, model, best_weights, state: dict) -> None:
    """Everything needed to continue bit-for-bit: weights, seed-generator states, Adam's
    moments and step count, the best epoch's weights and the history so far."""
    arrays = {f"model_{i}": np.asarray(v) for i, v in enumerate(model.variables)}
    arrays |= {f"optimizer_{i}": np.asarray(v) for i, v in enumerate(model.optimizer.variables)}
    arrays |= {f"best_{i}": w for i, w in enumerate(best_weights or [])}
    arrays["state"] = np.array(json.dumps(state))
    storage.write_atomically(path, lambda handle: np.savez(handle, **arrays))


def load_checkpoint(path: Path, model):
    """Restore a checkpoint into `model` and return (best_weights, state).

    Raises `ValueError` saying why when the file is unreadable or belongs to another model;
    the model is then left untouched.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        state = json.loads(str(arrays["state"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ValueError(f"unreadable ({type(error).__name__}: {error})") from None
    model_values = [arrays.get(f"model_{i}") for i in range(len(model.variables))]
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    optimizer_values = [arrays.get(f"optimizer_{i}") for i in range(len(optimizer.variables))]
    targets = list(model.variables) + list(optimizer.variables)
    values = model_values + optimizer_values
    if any(v is None or tuple(v.shape) != tuple(t.shape) for t, v in zip(targets, values)):
        raise ValueError("its arrays do not match this model's variables")
    for variable, value in zip(targets, values):
        variable.assign(value)
    count = len(model.weights)
    best = [arrays[f"best_{i}"] for i in range(count)] if "best_0" in arrays else None
    return best, state

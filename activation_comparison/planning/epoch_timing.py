"""What an epoch costs: its wall time against the parts each history row times.

Every trained epoch's row holds `seconds` (its whole wall time) and the time of its parts:
`train_seconds` (the training steps), `validation_seconds`, `diagnostics_seconds` and
`checkpoint_seconds` (saving the checkpoint and the partial history). A wall time well
above the sum of the parts is time spent in none of them, a wait such as tf.data's
autotuning teardown that once added 20 s to some epochs. Histories written before the parts
were recorded have `seconds` only.
"""

PARTS = ("train_seconds", "validation_seconds", "diagnostics_seconds", "checkpoint_seconds")
# Wall time more than this far above the parts is reported as unexplained.
TOLERANCE = 0.10


def parts_seconds(row: dict) -> float | None:
    """The sum of an epoch's timed parts, or None for a row without them."""
    if row.get("train_seconds") is None:
        return None
    return sum(row.get(part) or 0.0 for part in PARTS)


def trained_rows(histories: list[dict]):
    """(history, row) for every trained epoch (row 0 is diagnostics before training)."""
    for history in histories:
        for row in history["epochs"]:
            if row.get("epoch", 0) >= 1 and row.get("seconds") is not None:
                yield history, row


def epoch_cost(row: dict) -> float:
    """What the epoch's work took: its parts where recorded, else its wall time."""
    parts = parts_seconds(row)
    return row["seconds"] if parts is None else parts


def slow_epochs(histories: list[dict], tolerance: float = TOLERANCE) -> list[dict]:
    """Epochs whose wall time exceeds the sum of their parts by more than `tolerance`:
    activation, seed, epoch, wall and parts seconds, in the histories' order."""
    found = []
    for history, row in trained_rows(histories):
        parts = parts_seconds(row)
        if parts is not None and row["seconds"] > (1 + tolerance) * parts:
            found.append({"activation": history["activation"], "seed": history["seed"], "epoch": row["epoch"],
                          "wall": row["seconds"], "parts": parts})  # fmt: skip
    return found


def timed_epochs(histories: list[dict]) -> int:
    """How many trained epochs have their parts recorded."""
    return sum(parts_seconds(row) is not None for _, row in trained_rows(histories))

"""summary.md's sentence on what an epoch cost: its wall time against its timed parts
(`planning.epoch_timing`)."""

from activation_comparison.planning.epoch_timing import TOLERANCE, slow_epochs, timed_epochs


def timing_sentence(histories: list[dict], labels: dict[str, str], tolerance: float = TOLERANCE) -> str | None:
    """summary.md's sentence on whether each epoch's wall time is its parts; None when no
    history has the parts (trained before they were recorded)."""
    count = timed_epochs(histories)
    if not count:
        return None
    slow = slow_epochs(histories, tolerance)
    parts = "training steps, validation, diagnostics and saving"
    if not slow:
        return (f"Time: every one of the {count} epochs took at most {tolerance:.0%} longer than its "
                f"timed parts ({parts}), so the seconds per epoch are the work itself.")  # fmt: skip
    listed = ", ".join(
        f"{labels.get(item['activation'], item['activation'])} seed {item['seed']} epoch {item['epoch']} "
        f"({item['wall']:.1f} s against {item['parts']:.1f} s)"
        for item in slow[:5]
    )
    more = f" and {len(slow) - 5} more" if len(slow) > 5 else ""
    return (f"Time: {len(slow)} of {count} epochs took more than {tolerance:.0%} longer than their timed "
            f"parts ({parts}): {listed}{more}. That time went to none of the parts (a wait, or other work "
            "on the machine); the seconds per epoch include it.")  # fmt: skip

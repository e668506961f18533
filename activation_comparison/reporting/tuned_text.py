"""The tuned verdict across learning rates (`tuning.Tuned`) in words, for results/index.md:
how each rate is chosen, the headline, how to read the table, and whether the seeds'
pairing across folders held.
"""

from activation_comparison.analysis.tuning import DEFAULT_RATE
from activation_comparison.reporting.verdict_text import headline, join_words, plural


def rate_list(rates) -> str:
    return join_words([f"{rate:g}" for rate in rates])


def tuned_method_sentence(tuned) -> str:
    """How each activation's learning rate is chosen and what is then compared."""
    return (
        f"Each activation at its own learning rate among {rate_list(tuned.rates)}: each seed is compared "
        "at the rate with the lowest median best-epoch validation loss over the activation's *other* seeds "
        "(leave one seed out, so that no seed's luck chooses its own rate; a diverged run counts as +∞, "
        "a tie goes to the smaller rate), and the test accuracies at those rates are compared paired by "
        "seed, as in each summary. Only seeds with a run at every rate take part."
    )


def tuned_headline(tuned, labels: dict[str, str]) -> str:
    if not tuned.records:
        return (
            "No seed has a rate chosen on its other seeds: that needs at least two seeds of an "
            "activation with a best-epoch validation loss at the same rates."
        )
    return "Tuned: " + headline(tuned.comparison, labels)


def fixed_rate_text(tuned) -> str:
    """'the default learning rate 0.001', or the rate used instead and why."""
    default = DEFAULT_RATE
    if tuned.fixed_rate == default:
        return f"the default learning rate {default:g}"
    return f"{tuned.fixed_rate:g} (no folder has the default {default:g}; the nearest rate on a log scale)"


def tuned_columns_sentence(tuned, labels: dict[str, str]) -> str:
    """How to read the tuned table: the checks on the choice and the gap change."""
    sentence = (
        "*Leave-one-out agrees*: on how many seeds the rate chosen on the other seeds is the rate "
        "chosen on all seeds; *by val. accuracy*: the rate with the highest median validation "
        "accuracy at the best epoch, a check on the choice by validation loss."
    )
    top = tuned.comparison.top
    if top is None:
        return sentence + " With no top of the tuned best set, no gap change is measured."
    reference = labels.get(top, top)
    return sentence + (
        f" *Gap change*: per seed, how much tuning moved the activation's gap to {reference} (the top "
        f"of the tuned best set), (tuned − tuned {reference}) − (fixed − fixed {reference}), the fixed "
        f"runs at {fixed_rate_text(tuned)}; its mean in pp and 95% t interval over the seeds with all "
        "four runs (a diverged run at chance). Read the interval, not the two verdict words: a gap "
        "that is significant at one rate and not at the other has not thereby changed. *same runs*: "
        "no seed's rate moved for either activation, so the change is 0 by construction; "
        "*no spread*: every seed moved by the same amount, which gives no interval."
    )


def runs_text(runs, labels: dict[str, str], most: int = 8) -> str:
    """'ReLU seed 2 (a, b) and ELU seed 0 (a, c)', the first `most` of them."""
    words = [f"{labels.get(name, name)} seed {seed} ({', '.join(folders)})" for name, seed, folders in runs[:most]]
    if len(runs) > most:
        words.append(f"{len(runs) - most} more")
    return join_words(words)


def pairing_sentence(pairing, labels: dict[str, str]) -> str:
    """Whether the same seed started from the same weights in every folder (the epoch-0 check)."""
    what = "epoch-0 diagnostics (gradient norms, activation statistics and dead units before training)"
    sentences = []
    if pairing.differ:
        sentences.append(
            f"Pairs across these folders are **not valid** for {runs_text(pairing.differ, labels)}: "
            f"their {what} differ between the folders named, so the same seed did not start from the "
            "same weights (other data, code or seeding), and their gap changes compare different starts."
        )
    same = len(pairing.checked) - len(pairing.differ)
    if same:
        subject = "The other " + plural(same, "run") if pairing.differ else plural(same, "run")
        held = (
            f"{subject} in two or more folders {'has' if same == 1 else 'have'} the same {what} in each, "
            f"so {'it' if same == 1 else 'each'} started from the same weights at every rate"
        )
        if pairing.rounding:
            largest = max(difference for _, _, difference in pairing.rounding)
            held += (
                f" ({plural(len(pairing.rounding), 'run')} up to float rounding, at most {largest:.1g} relative: "
                "another thread count changes the last digits of a sum, another start the first)"
            )
        sentences.append(("" if pairing.differ else "Pairs across folders are valid: ") + held + ".")
    if pairing.unchecked:
        folders: dict[str, int] = {}
        for _, _, names in pairing.unchecked:
            for name in names:
                folders[name] = folders.get(name, 0) + 1
        missing = join_words([f"{name} ({plural(count, 'run')})" for name, count in folders.items()])
        sentences.append(
            f"The pairing of {plural(len(pairing.unchecked), 'run')} could not be checked: {missing} "
            "recorded no epoch-0 diagnostics (--no-diagnostics)."
        )
    if not sentences:
        return "No run is in two of these folders, so there is no pairing across them to check."
    return " ".join(sentences)

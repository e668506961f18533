"""Every number README.md and docs/results.md publish, tied to the extract it comes from.

- `COMPARISONS`: each published comparison, by the command that made it; its folders are
  the folders that command writes, and their extracts are `published/<folder>.jsonl`.
- `BLOCKS`: tables a document shows between `<!-- published: NAME -->` and
  `<!-- /published -->`, each rendered from its comparison's facts (`published_facts`);
  `python benchmarks/published.py --write` regenerates them.
- `QUOTES`: numbers in prose, as the sentence that holds them with each number a
  placeholder (Python's format syntax) into the facts. The words find the sentence; each
  number found there must equal its recomputation.
- `FIGURES`: figures a document shows, drawn again from the extracts.

To publish a new number: put it in the document, then its quote or block here, and run
`python benchmarks/published.py`. To change a sentence that holds a number, change its
quote here too: a quote whose words are not found counts as a mismatch.
"""

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import compare_activations  # noqa: E402
from activation_comparison.reporting import results_index  # noqa: E402
from activation_comparison.verdict import verdict  # noqa: E402

EXTRACTS = ROOT / "published"
CONSTRAINTS = EXTRACTS / "constraints.txt"
DOCUMENTS = ("README.md", "docs/results.md")


def pinned_versions() -> dict[str, str]:
    """name -> version from the constraints file the published results ran under."""
    lines = CONSTRAINTS.read_text().splitlines() if CONSTRAINTS.exists() else []
    pairs = [line.split("#")[0].strip().split("==") for line in lines]
    return {pair[0].lower(): pair[1] for pair in pairs if len(pair) == 2}


@dataclass(frozen=True)
class Comparison:
    """One published comparison: its command, and where its folders' runs are kept."""

    name: str
    command: str
    recorded: str | None = None  # test accuracies only, for a folder whose runs were not kept
    derive: Callable[[dict], dict] | None = None  # numbers of its own beyond the summary's

    def configs(self):
        arguments = shlex.split(self.command.removeprefix("python compare_activations.py"))
        return compare_activations.configs_from_arguments(compare_activations.build_parser().parse_args(arguments))

    def folders(self) -> list[str]:
        return [config.run_name() for config in self.configs()]


@dataclass(frozen=True)
class Quote:
    document: str
    comparison: str
    template: str


@dataclass(frozen=True)
class Block:
    document: str
    name: str
    comparison: str
    render: Callable[[dict], str]


@dataclass(frozen=True)
class Figure:
    document: str  # the published file
    comparison: str
    figure: str  # its name in the folder (plotting.FIGURES) or in the index
    folder: str | None = None  # None: an index figure


def low_high(values) -> dict:
    values = list(values)
    return {"low": min(values), "high": max(values)}


def five_seed_numbers(facts: dict) -> dict:
    """The five-seed run's numbers beyond its summary's: Sigmoid's seeds that learned, and
    the spread of each activation's accuracy and of its paired difference with ReLU."""
    scores, rows = facts["result"].scores, facts["rows"]
    relu = scores["relu"]
    learned = {seed: value for seed, value in scores["sigmoid"].items() if not verdict.is_stuck(value, 10)}
    learners = [name for name, row in rows.items() if not row["seeds_failed"]]
    return {
        "sigmoid_learned": low_high(learned.values()),
        "sigmoid_learned_seeds": low_high(learned),
        "sigmoid_failed_seeds": sorted(set(scores["sigmoid"]) - set(learned)),
        "sigmoid_below_relu": low_high(100 * (relu[seed] - value) for seed, value in learned.items()),
        "seed_sd_pp": low_high(100 * rows[name]["test_accuracy_std"] for name in learners),
        "paired_sd_pp": {name: 100 * float(np.std([scores[name][seed] - relu[seed] for seed in relu], ddof=1))
                         for name in learners},  # fmt: skip
    }


COMPARISONS = [
    Comparison("five-seed", "python compare_activations.py --epochs 3 --seeds 5",
               recorded="benchmarks/data/recorded_runs.json", derive=five_seed_numbers),
]  # fmt: skip


BLOCKS = [
    Block("docs/results.md", "five-seed verdict", "five-seed", lambda facts: facts["verdict_block"]),
]

QUOTES = [
    # README.md, "Run": how much one activation moves from seed to seed.
    Quote("README.md", "five-seed", "moves by {seed_sd_pp[low]:.2f} to {seed_sd_pp[high]:.2f} percentage points "
                                    "from seed to seed"),
    # README.md, "Findings": the five-seed verdict.
    Quote("README.md", "five-seed", "ReLU scores {rows[relu][test_accuracy_mean]:.4f} and GELU "
                                    "{rows[gelu][test_accuracy_mean]:.4f}; Leaky ReLU "
                                    "({rows[leaky_relu][test_accuracy_mean]:.4f})"),
    Quote("README.md", "five-seed", "it failed to train on {rows[sigmoid][seeds_failed]} of {rows[sigmoid][runs]} "
                                    "seeds and is {sigmoid_below_relu[low]:.0f} to {sigmoid_below_relu[high]:.0f} pp "
                                    "lower on the rest"),
    # docs/results.md, "Five seeds on the full training set".
    Quote("docs/results.md", "five-seed", "by {neg100[gelu][diff_vs_top]:.2f} pp on average, and so did Leaky ReLU"),
    Quote("docs/results.md", "five-seed", "by a hair (at least {x100[leaky_relu][below_best_by_at_least]:.3f} pp)"),
    Quote("docs/results.md", "five-seed", "GELU's lower bound (−{neg100[gelu][best_set_low]:.2f} pp)"),
    Quote("docs/results.md", "five-seed", "by at least {x100[selu][below_best_by_at_least]:.2f} and "
                                          "{x100[elu][below_best_by_at_least]:.2f} pp"),
    Quote("docs/results.md", "five-seed", "stuck at chance on {rows[sigmoid][seeds_stuck]} of {rows[sigmoid][runs]} "
                                          "seeds (95% CI {x100[sigmoid][failed_ci95_low]:.0f}–"
                                          "{x100[sigmoid][failed_ci95_high]:.0f}%), {sigmoid_below_relu[low]:.0f} to "
                                          "{sigmoid_below_relu[high]:.0f} pp lower on the other three"),
    Quote("docs/results.md", "five-seed", "by {neg100[gelu][diff_vs_top]:.2f} pp on average; their paired differences "
                                          "with ReLU spread by {paired_sd_pp[gelu]:.2f} and "
                                          "{paired_sd_pp[leaky_relu]:.2f} pp"),
    Quote("docs/results.md", "five-seed", "SELU and ELU scored below ReLU on every seed too, by "
                                          "{neg100[selu][diff_vs_top]:.2f} and {neg100[elu][diff_vs_top]:.2f} pp"),
    Quote("docs/results.md", "five-seed", "Sigmoid learned on seeds {sigmoid_learned_seeds[low]}–"
                                          "{sigmoid_learned_seeds[high]} and failed on seeds {sigmoid_failed_seeds[0]} "
                                          "and {sigmoid_failed_seeds[1]}."),
    Quote("docs/results.md", "five-seed", "It reached {sigmoid_learned[low]:.2f}–{sigmoid_learned[high]:.2f} on the "
                                          "first three"),
]  # fmt: skip

FIGURES = [
    Figure("docs/pairwise.png", "five-seed", "pairwise.png", folder="mnist-e3-b128-lr0.001-clipvalue0.5-cce-val0.1"),
]


def quotes_of(comparison: Comparison) -> list[Quote]:
    return [quote for quote in QUOTES if quote.comparison == comparison.name]


def blocks_of(comparison: Comparison) -> list[Block]:
    return [block for block in BLOCKS if block.comparison == comparison.name]


def figures_of(comparison: Comparison) -> list[Figure]:
    return [figure for figure in FIGURES if figure.comparison == comparison.name]

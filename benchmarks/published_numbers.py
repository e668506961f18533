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

A comparison's numbers beyond its summary's (its `derive`) and its own tables are functions
in `published_comparisons.py`.

To publish a new number: put it in the document, then its quote or block here, and run
`python benchmarks/published.py`. To change a sentence that holds a number, change its
quote here too: a quote whose words are not found counts as a mismatch.
"""

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import compare_activations  # noqa: E402
from activation_comparison import matrix  # noqa: E402
from activation_comparison.setup import tasks  # noqa: E402
from activation_comparison.setup.config import ExperimentConfig  # noqa: E402
from published_comparisons import (  # noqa: E402
    clip_numbers, clip_table, clip_verdicts, cross_task_block, cross_task_numbers, cross_task_profile,
    five_seed_numbers, gelu_paper_numbers, gelu_paper_table, seed_zero_table, task_budget_table, twelve_epoch_numbers,
)

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

    def options(self):
        arguments = shlex.split(self.command.removeprefix("python compare_activations.py"))
        return compare_activations.build_parser().parse_args(arguments)

    def task_folders(self) -> list[tuple[ExperimentConfig, str]]:
        """A `--tasks` matrix's task folders as its run writes them, `tasks-<set>/<task>/<run
        folder>`, each with its config; none for another command."""
        options = self.options()
        if not options.tasks:
            return []
        names = compare_activations.activation_names(options)
        folder = matrix.matrix_folder(Path(), names)
        configs = [(task, ExperimentConfig(**tasks.settings(task, names))) for task in tasks.named(options.tasks)]
        return [(config, str(matrix.task_run_dir(folder, task, config))) for task, config in configs]

    def configs(self):
        matrix_folders = self.task_folders()
        if matrix_folders:
            return [config for config, _ in matrix_folders]
        return compare_activations.configs_from_arguments(self.options())

    def folders(self) -> list[str]:
        matrix_folders = self.task_folders()
        if matrix_folders:
            return [folder for _, folder in matrix_folders]
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
    folder: str | None = None  # None: an index figure, or one `draw` makes
    draw: Callable[[dict], object] | None = None  # the comparison's own figure, drawn from its facts


COMPARISONS = [
    Comparison("five-seed", "python compare_activations.py --epochs 3 --seeds 5",
               recorded="benchmarks/data/recorded_runs.json", derive=five_seed_numbers),
    # The 12-epoch --seeds auto run; its seed 0 gives the numbers `--epochs 12` gives (same seed, CPU type and threads).
    Comparison("twelve-epochs", "python compare_activations.py --epochs 12 --seeds auto --max-seeds 10",
               derive=twelve_epoch_numbers),
    Comparison("clip-sweep", "python compare_activations.py --epochs 2 --seeds 3 --train-limit 12000 "
               "--clip-value 0.5 0.001 --no-clip", derive=clip_numbers),
    Comparison("gelu-paper", "python compare_activations.py --model mlp --activations gelu relu elu --dropout 0 0.5 "
               "--learning-rate 0.001 0.0001 0.00001 --seeds 5 --epochs 20 --validation-split 0.0833333 --no-clip "
               "--loss-without-dropout --workers 2", derive=gelu_paper_numbers),
    # Ten activations on five tasks, each task in its own folder under tasks-wide/.
    Comparison("tasks", "python compare_activations.py --tasks all --activations wide", derive=cross_task_numbers),
]  # fmt: skip


BLOCKS = [
    Block("docs/results.md", "five-seed verdict", "five-seed", lambda facts: facts["verdict_block"]),
    Block("docs/results.md", "twelve-epoch verdict", "twelve-epochs", lambda facts: facts["verdict_block"]),
    Block("docs/results.md", "twelve epochs, seed 0", "twelve-epochs", seed_zero_table),
    Block("docs/results.md", "clip sweep", "clip-sweep", clip_table),
    Block("docs/results.md", "clip sweep verdicts", "clip-sweep", clip_verdicts),
    Block("docs/results.md", "gelu paper", "gelu-paper", gelu_paper_table),
    Block("docs/results.md", "gelu paper verdict without dropout", "gelu-paper",
          lambda facts: facts["tuned_verdicts"]["0.0"]),
    Block("docs/results.md", "gelu paper verdict with dropout 0.5", "gelu-paper",
          lambda facts: facts["tuned_verdicts"]["0.5"]),
    Block("docs/results.md", "task budgets", "tasks", task_budget_table),
    Block("docs/results.md", "cross-task verdict", "tasks", cross_task_block),
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
    # docs/results.md, "One seed, 12 epochs".
    Quote("docs/results.md", "twelve-epochs", "ReLU's {seed0_pct[relu]:.2f}% matches"),
    Quote("docs/results.md", "twelve-epochs",
          "Its first-layer gradient norm before training is {at_start[sigmoid][grad_norm_conv1]:.4f}, "
          "{conv1_below_relu:.0f} times smaller than ReLU's ({at_start[relu][grad_norm_conv1]:.3f}) and "
          "{conv1_below_dense:.0f} times smaller than its own dense layer's ({at_start[sigmoid][grad_norm_dense1]:.1f})"),
    Quote("docs/results.md", "twelve-epochs", "Its validation accuracy is {after_one[sigmoid][val_accuracy]:.2f} "
                                                     "after one epoch, where every other activation is at "
                                                     "{others_after_one:.2f}"),
    Quote("docs/results.md", "twelve-epochs", "Its dense layer has {dense_dead_pct[start][relu]:.1f}% dead units "
                                                     "at initialisation, {dense_dead_pct[one][relu]:.0f}% after the first "
                                                     "epoch and {dense_dead_pct[end][relu]:.1f}% at the end"),
    Quote("docs/results.md", "twelve-epochs", "Sigmoid saturates {dense_dead_pct[one][sigmoid]:.0f}% of its "
                                                     "dense units after the first epoch"),
    Quote("docs/results.md", "twelve-epochs",
          "Its output standard deviation by layer is {at_start[selu][act_std_act_conv1]:.2f} / "
          "{at_start[selu][act_std_act_conv2]:.2f} / {at_start[selu][act_std_act_dense1]:.2f} before training and "
          "{at_end[selu][act_std_act_conv1]:.2f} / {at_end[selu][act_std_act_conv2]:.2f} / "
          "{at_end[selu][act_std_act_dense1]:.1f} after 12 epochs"),
    # docs/results.md, "The verdict at 12 epochs": who left, and why, over every seed.
    Quote("docs/results.md", "twelve-epochs",
          "Its first-layer gradient norm before training is {all_conv1_below_relu[low]:.0f} to "
          "{all_conv1_below_relu[high]:.0f} times smaller than ReLU's on the same seed"),
    Quote("docs/results.md", "twelve-epochs",
          "its final training loss is "
          "{final_train_loss[sigmoid][low]:.3f}–{final_train_loss[sigmoid][high]:.3f} against ReLU's "
          "{final_train_loss[relu][low]:.3f}–{final_train_loss[relu][high]:.3f}"),
    Quote("docs/results.md", "twelve-epochs",
          "its dense layer's output standard deviation ends at "
          "{dense_std_end[selu][low]:.1f}–{dense_std_end[selu][high]:.1f} (ReLU's "
          "{dense_std_end[relu][low]:.1f}–{dense_std_end[relu][high]:.1f})"),
    Quote("docs/results.md", "twelve-epochs",
          "its lowest validation loss is {lowest_val_loss[selu][low]:.3f}–{lowest_val_loss[selu][high]:.3f} "
          "against ReLU's {lowest_val_loss[relu][low]:.3f}–{lowest_val_loss[relu][high]:.3f}"),
    Quote("docs/results.md", "twelve-epochs",
          "final training loss {final_train_loss[elu][low]:.3f}–{final_train_loss[elu][high]:.3f} and "
          "lowest validation loss {lowest_val_loss[elu][low]:.3f}–{lowest_val_loss[elu][high]:.3f}"),
    Quote("docs/results.md", "twelve-epochs",
          "its final training loss is {final_train_loss[gelu][low]:.3f}–{final_train_loss[gelu][high]:.3f}, "
          "yet its validation loss is lowest at epochs {best_epochs[gelu][low]}–{best_epochs[gelu][high]}, "
          "against ReLU's {best_epochs[relu][low]}–{best_epochs[relu][high]}"),
    Quote("docs/results.md", "twelve-epochs",
          "best epochs {best_epochs[leaky_relu][low]}–{best_epochs[leaky_relu][high]}, lowest validation "
          "loss {lowest_val_loss[leaky_relu][low]:.3f}–{lowest_val_loss[leaky_relu][high]:.3f}"),
    Quote("docs/results.md", "twelve-epochs",
          "where ReLU ends with {dense_dead_pct_end[relu][low]:.1f}–{dense_dead_pct_end[relu][high]:.1f}% "
          "of its dense units dead"),
    # README.md, "Findings": the 12-epoch verdict.
    Quote("README.md", "twelve-epochs",
          "({rows[relu][test_accuracy_mean]:.4f} over {rows[relu][runs]} seeds): Sigmoid, ELU, SELU, GELU and Leaky "
          "ReLU are worse on these test images, by at least {x100[sigmoid][below_best_by_at_least]:.2f}, "
          "{x100[elu][below_best_by_at_least]:.2f}, {x100[selu][below_best_by_at_least]:.2f}, "
          "{x100[gelu][below_best_by_at_least]:.2f} and {x100[leaky_relu][below_best_by_at_least]:.2f} pp"),
    Quote("README.md", "twelve-epochs", "Sigmoid's first-layer gradients start {all_conv1_below_relu[low]:.0f} to "
                                        "{all_conv1_below_relu[high]:.0f} times smaller than ReLU's"),
    # README.md, "Findings": the cross-task verdict.
    Quote("README.md", "tasks", "GELU ({average[gelu][gain]:.2f} log error) and Leaky ReLU "
                                "({average[leaky_relu][gain]:.2f}) come closest"),
    # docs/results.md, "Across five tasks": the cross-task verdict in words.
    Quote("docs/results.md", "tasks", "GELU ({average[gelu][gain]:.2f}, 95% interval {average[gelu][low]:.2f} to "
                                      "{average[gelu][high]:.2f}) and Leaky ReLU ({average[leaky_relu][gain]:.2f}, "
                                      "{average[leaky_relu][low]:.2f} to {average[leaky_relu][high]:.2f}); averaged over "
                                      "tasks, each has the lower error on a share of only "
                                      "{average[gelu][p_improvement]:.2f} and {average[leaky_relu][p_improvement]:.2f}"),
    Quote("docs/results.md", "tasks", "GELU's largest gain is on the GELU paper's MLP ({gain[gelu][mnist_mlp]:.2f})"),
    Quote("docs/results.md", "tasks",
          "Before training its dense layer's gradient norm is {softplus_cnn[grad_start][low]:.0f}–"
          "{softplus_cnn[grad_start][high]:.0f}, {softplus_cnn[grad_vs_relu][low]:.0f} to "
          "{softplus_cnn[grad_vs_relu][high]:.0f} times ReLU's on the same seed, and its outputs average "
          "{softplus_cnn[mean_start][low]:.2f}–{softplus_cnn[mean_start][high]:.2f}; after the first epoch they "
          "average {softplus_cnn[mean_one][low]:.4f}–{softplus_cnn[mean_one][high]:.4f}"),
    Quote("docs/results.md", "tasks", "ReLU's error is the lowest on {profile[lowest_on][relu]} of the 5 tasks"),
    Quote("docs/results.md", "tasks", "within a factor {profile[within_all][relu]:.2f} of the lowest on every task; "
                                      "GELU's is within {profile[within_all][gelu]:.2f} and Leaky ReLU's within "
                                      "{profile[within_all][leaky_relu]:.2f}"),
    Quote("docs/results.md", "tasks", "Its random-effects mean over tasks ({average[softplus][gain]:.2f}) has an interval"),
    Quote("docs/results.md", "tasks", "Sigmoid failed on {failed[mnist][sigmoid]} of {task[mnist][rows][sigmoid][runs]} "
                                      "mnist seeds and {failed[fashion_mnist][sigmoid]} of "
                                      "{task[fashion_mnist][rows][sigmoid][runs]} fashion_mnist seeds"),
    # README.md and docs/results.md, the clip sweep.
    Quote("README.md", "clip-sweep", "At `clipvalue=0.5` the clip changed {clipped_pct_05_max:.0f}% of the gradient "
                                     "elements for every activation"),
    Quote("README.md", "clip-sweep", "a clip of 0.001, which does clip ({clipped_pct_0001[selu]:.0f}% of SELU's "
                                     "elements), still moved no activation by more than {largest_move_pp:.2f} pp"),
    Quote("docs/results.md", "clip-sweep", "It changes {clipped_pct_0001[selu]:.0f}% of SELU's gradient elements, "
                                           "{clipped_pct_0001[sigmoid]:.0f}% of sigmoid's and "
                                           "{clipped_pct_0001[relu]:.0f}% of ReLU's, and moves no activation's accuracy "
                                           "by more than {largest_move_pp:.2f} pp"),
    # README.md and docs/results.md, the GELU paper's MLP.
    Quote("README.md", "gelu-paper", "{tuned[0.0][gelu][train_loss]:.4f} against ReLU's {tuned[0.0][relu][train_loss]:.4f} "
                                     "and ELU's {tuned[0.0][elu][train_loss]:.4f} without dropout, "
                                     "{tuned[0.5][gelu][train_loss]:.4f} against ELU's {tuned[0.5][elu][train_loss]:.4f} "
                                     "and ReLU's {tuned[0.5][relu][train_loss]:.4f} with dropout 0.5"),
    Quote("docs/results.md", "gelu-paper", "GELU's median is the lowest from epoch {lowest_from[0.0]} to epoch 20"),
    Quote("docs/results.md", "gelu-paper", "**Lowest median training log loss with dropout 0.5: agrees**, from epoch "
                                           "{lowest_from[0.5]} on, and on each seed at epoch 20, by a factor of "
                                           "{loss_ratio[0.5][elu]:.0f} against ELU and {loss_ratio[0.5][relu]:.0f} "
                                           "against ReLU"),
    Quote("docs/results.md", "gelu-paper", "all three overfit after epochs {best_val_epochs[0.0][low]}–"
                                           "{best_val_epochs[0.0][high]}"),
    Quote("docs/results.md", "gelu-paper", "At 1e-4 without dropout ReLU ends lowest ({final[0.0001/0][relu]:.4f} "
                                           "against GELU's {final[0.0001/0][gelu]:.4f})"),
    Quote("docs/results.md", "gelu-paper", "without dropout the three means lie between {tuned_accuracy[0.0][low]:.4f} "
                                           "and {tuned_accuracy[0.0][high]:.4f}"),
    Quote("docs/results.md", "gelu-paper", "with dropout GELU's {tuned[0.5][gelu][row][test_accuracy_mean]:.4f} is far "
                                           "above ELU's {tuned[0.5][elu][row][test_accuracy_mean]:.4f} and ReLU's "
                                           "{tuned[0.5][relu][row][test_accuracy_mean]:.4f}"),
    Quote("docs/results.md", "gelu-paper", "its first hidden layer ends with {tuned[0.5][relu][dead_pct][low]:.0f}–"
                                           "{tuned[0.5][relu][dead_pct][high]:.0f}% dead units (derivative 0 on every "
                                           "probe image; {tuned[0.5][relu][dead_pct_start][low]:.0f}–"
                                           "{tuned[0.5][relu][dead_pct_start][high]:.0f}% at initialisation), and its "
                                           "test accuracy spreads from {tuned[0.5][relu][accuracies][low]:.2f} to "
                                           "{tuned[0.5][relu][accuracies][high]:.2f} over the seeds"),
    Quote("docs/results.md", "gelu-paper", "(training loss {final[0.0001/0.5][relu]:.2f} at 1e-4 and "
                                           "{final[1e-05/0.5][relu]:.2f} at 1e-5 after 20 epochs)"),
]  # fmt: skip

FIGURES = [
    Figure("docs/gradient_norms_12_epochs.png", "twelve-epochs", "gradient_norms.png",
           folder="auto-mnist-e12-b128-lr0.001-clipvalue0.5-cce-val0.1"),
    Figure("docs/pairwise.png", "five-seed", "pairwise.png", folder="mnist-e3-b128-lr0.001-clipvalue0.5-cce-val0.1"),
    Figure("docs/sweep_clip_value.png", "clip-sweep", "sweep_clip_value.png"),
    Figure("docs/mlp_median_loss_no_dropout.png", "gelu-paper",
           "tuned_median_loss_mnist-mlp-e20-b128-noclip-cce-val0.0833333.png"),
    Figure("docs/mlp_median_loss_dropout0.5.png", "gelu-paper",
           "tuned_median_loss_mnist-mlp-e20-b128-noclip-cce-val0.0833333-dropout0.5.png"),
    Figure("docs/performance_profile_tasks.png", "tasks", "performance_profile.png", draw=cross_task_profile),
]


def quotes_of(comparison: Comparison) -> list[Quote]:
    return [quote for quote in QUOTES if quote.comparison == comparison.name]


def blocks_of(comparison: Comparison) -> list[Block]:
    return [block for block in BLOCKS if block.comparison == comparison.name]


def figures_of(comparison: Comparison) -> list[Figure]:
    return [figure for figure in FIGURES if figure.comparison == comparison.name]

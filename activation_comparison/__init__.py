"""The library behind compare_activations.py, laid out along the data's way.

    setup/      settings, data, networks, losses, the machine, run folders and atomic files
    training/   one (activation, seed) run: input pipeline, training loop, diagnostics,
                checkpoints, TensorBoard
    execution/  where runs execute: in this process, in worker processes, or on Ray
    verdict/    numbers from records: statistics, the best set, failures, per-image noise
    reporting/  a folder's result, computed once; words and tables: summary, index, tuned verdict
    figures/    matplotlib drawings of saved histories and verdicts

`experiment.py` ties them together for one run folder, and `plan.py` says what a command
would train and how long it would take (--plan) without training. Imports run one way, down this
list: setup imports nothing of the others; training imports setup; execution imports
training and setup; verdict imports setup only; reporting imports verdict and setup;
figures import setup only. Reporting and figures read records (plain dicts), never live
Keras objects.

From Python: `load(path)` gives a results folder's result, `run(**settings)` trains one
folder as the command line does and gives its result (docs/notebook.md).
"""

from activation_comparison.setup.errors import UsageError  # noqa: F401 (the one error a user can fix)


def load(path):
    """A results folder's result (`notebook.Result`: a `results.folder_result.FolderResult`),
    computed once from the folder: `.verdict` (the headline), `.rows` (one row per activation, read like a dict),
    `.table()` (a pandas DataFrame) and `.figure(name)` (a matplotlib Figure). The folder is
    judged at its own margin, the one it was summarised at. `path` may also be a folder's
    extract (`published/<folder>.jsonl`), which gives the folder's result."""
    # Imported here, so that importing the package (for its command line, say) loads nothing.
    from activation_comparison.execution import quiet_start

    quiet_start.import_backend()
    from activation_comparison import notebook
    from activation_comparison.results import folder_result

    return notebook.Result.of_result(folder_result.load(path))


def run(**settings):
    """Train and summarise one run folder as the command line does, and return its result
    (as `load` does). `settings` are the command line's settings and flags with underscores:
    run(epochs=1, train_limit=300, activations=["relu", "gelu"], results_dir="results").
    A bad argument raises `UsageError` with the command line's one-line message."""
    from activation_comparison.execution import quiet_start

    quiet_start.import_backend()
    from activation_comparison import experiment, notebook

    return notebook.Result.of_result(experiment.run(**settings))

"""The library behind compare_activations.py, laid out along the data's way.

    setup/      settings, data and the dataset, task, network and loss registries, the machine
    verdict/    numbers from records, one module per scale: log error, accuracy (no Keras)
    results/    a run folder on disk: atomic files, config.json, histories, extracts, and
                a folder's result, computed once
    training/   one (activation, seed) run: the model, input pipeline, training loop,
                diagnostics, checkpoints, TensorBoard
    execution/  where runs execute: in this process, in worker processes, or on Ray
    analysis/   across folders: sweeps, the tuned verdict, the pairing check
    planning/   --plan: the runs a command would make and what they would cost
    reporting/  words and tables: summary, index, tuned verdict, cross-task summary
    figures/    matplotlib drawings of saved histories and verdicts

`experiment.py` ties them together for one run folder, `matrix.py` for --tasks, and
`notebook.py` gives a folder's result its headline and figures. Imports run one way:
setup imports nothing of the others; verdict imports setup; results imports verdict and
setup; training imports results and setup; execution imports training, results and
setup; analysis and planning import results, verdict and setup; reporting imports
analysis, planning, results, verdict and setup; figures import results and setup.
Reporting and figures read records (plain dicts), never live Keras objects.

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

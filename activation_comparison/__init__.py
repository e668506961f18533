"""The library behind compare_activations.py, laid out along the data's way.

    setup/      settings, data, networks, losses, the machine, run folders and atomic files
    training/   one (activation, seed) run: input pipeline, training loop, diagnostics,
                checkpoints, TensorBoard
    execution/  where runs execute: in this process, in worker processes, or on Ray
    verdict/    numbers from records: statistics, the best set, failures, per-image noise
    reporting/  records and verdicts into words and tables: summary, index, tuned verdict
    figures/    matplotlib drawings of saved histories and verdicts

`experiment.py` ties them together for one run folder, and `plan.py` says what a command
would train and how long it would take (--plan) without training. Imports run one way, down this
list: setup imports nothing of the others; training imports setup; execution imports
training and setup; verdict imports setup only; reporting imports verdict and setup;
figures import setup only. Reporting and figures read records (plain dicts), never live
Keras objects.
"""

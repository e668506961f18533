"""Training: one (activation, seed) run from plain settings to a history record. The
input pipeline, the training loop, the per-epoch diagnostics, checkpoints for resuming and
TensorBoard logs. Imports `setup` only."""

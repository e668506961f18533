"""Training: one (activation, seed) run from plain settings to a history record. The
model (`keras_model`), the input pipeline, the training loop, the per-epoch diagnostics,
checkpoints for resuming and TensorBoard logs. Imports `results` (atomic files) and
`setup`."""

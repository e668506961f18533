"""Verdict: numbers from run records, no words. One module per scale of the verdict: the
best set that decides, on log error (`log_error`, with its moderated `variances`), and the
new-images best set on accuracy (`accuracy_scale`, with the test images' noise in
`image_statistics` and `image_tables`); the shared statistics and the one `ALPHA` and
`MIN_SEEDS` (`statistics`), `--seeds auto`'s looks (`sequential`) and one row per activation
(`verdict`, `row_columns`). Imports `setup` only (the Keras-free `image_format`): nothing
here loads Keras."""

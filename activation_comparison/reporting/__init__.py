"""Reporting: a folder's result (`folder_result.FolderResult`: its verdict and typed rows,
computed once) and records and verdicts into sentences and tables: `summary.md`/`summary.csv`,
`results/index.md`, the tuned-learning-rate verdict and the epoch-timing check. Reads
records only; imports `verdict` and `setup`."""

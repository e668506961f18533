"""Reporting: results into words and tables, computing nothing of their own:
`summary.md`/`summary.csv` (`report`, with the headline in `verdict_text` and the notes in
`verdict_notes`, `machine_mix` and `timing_text`), `results/index.md` (`results_index`), the
tuned verdict in words (`tuned_text`) and the cross-task summary (`cross_task_text`). Reads
a folder's result (`results.folder_result`) and the analysis; imports `analysis`,
`planning`, `results`, `verdict` and `setup`."""

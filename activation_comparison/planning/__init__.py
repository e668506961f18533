"""Planning: what a command would cost before it runs. `--plan` (`plan`: the runs a command
would make and their estimated time, without training), the cost model it reads
(`run_costs`: start-up, each run's parts, each folder's summary) and what an epoch cost
(`epoch_timing`: its wall time against its timed parts, for the ETA and summary.md's time
sentence). Imports `results`, `verdict` and `setup`."""

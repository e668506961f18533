"""Execution: where runs execute (this process, worker processes, Ray tasks) and quiet
start-up of the backend. Decides only *where* a run happens and hands its record back;
files are written by `experiment`. Imports `training`, `results` and `setup`."""

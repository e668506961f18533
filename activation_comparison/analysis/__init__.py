"""Analysis: what is computed across run folders, from their results. The sweeps of a
results directory and their points (`sweeps`), the tuned verdict across learning rates
(`tuning`: each activation's rate, chosen leaving one seed out) and whether it changes the
gaps (`gap_change`), and whether a seed started the same way in every folder
(`pairing_check`). Numbers only, no words; imports `results`, `verdict` and `setup`."""

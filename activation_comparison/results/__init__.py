"""Results: a run folder on disk and what is read from it. Atomic files and locks
(`storage`), a configuration's folder, its config.json and histories (`run_folder`), a
folder as one committed text file (`extract`), and a folder's result (`folder_result`:
its verdict and typed rows, computed once and read by everything above). Imports `setup`
and `verdict`: training writes run folders through it, and the folder result reads the
verdict."""

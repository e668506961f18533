"""Set-up: what is compared and on what. Settings (`config`, their checks in `checks`),
data, the networks and losses registries, the machine (`hardware`), run folders and atomic
file writing (`storage`), and the one user-error type (`errors`). Imports nothing else of
the package."""

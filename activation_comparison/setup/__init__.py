"""Set-up: what is compared and on what. The settings (`config`; how each is declared in
`declarations`, their checks in `checks`), the data (`data`, the Keras-free `image_format`,
the `datasets` and `tasks` registries), the `networks` and `losses` registries, the machine
(`hardware`) and the one user-error type (`errors`). Imports nothing else of the package."""

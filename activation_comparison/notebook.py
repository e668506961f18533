"""The Python API's result: a folder's result (`results.folder_result.FolderResult`) with the
two things a notebook asks for that are not numbers: its headline (`.verdict`, the words of
`reporting.verdict_text`) and its figures (`.figure(name)`, drawn by `plotting`). It sits at
the package's root because it reads the rooms above the folder result's own."""

import dataclasses
from dataclasses import dataclass

from activation_comparison.reporting import verdict_text
from activation_comparison.results.folder_result import FolderResult


@dataclass(frozen=True)
class Result(FolderResult):
    """A folder's result as `activation_comparison.load` and `run` give it."""

    @classmethod
    def of_result(cls, result: FolderResult) -> "Result":
        return cls(**{item.name: getattr(result, item.name) for item in dataclasses.fields(result)})

    @property
    def verdict(self) -> str:
        """The headline: the one sentence a reader can quote."""
        return verdict_text.headline(self.comparison, self.labels)

    def figure(self, name: str):
        """One of the folder's figures (plotting.FIGURES, e.g. "test_accuracy.png") as a
        matplotlib Figure. A figure with nothing to show raises UsageError saying why."""
        import plotting

        return plotting.folder_figure(self, name if name.endswith(".png") else f"{name}.png")

"""What a document may quote about one published comparison, recomputed from its committed
extracts by the summary's and the index's own code.

A comparison's `Source` reads its folders' extracts (`published/<folder>.jsonl`), or, for the
five-seed run, whose folder was not kept, its recorded test accuracies
(`benchmarks/data/recorded_runs.json`). `Source.facts()` is a dict that quotes format from:
per folder (and at the top level where the comparison has one folder) `rows` (summary.csv's
row of each activation), `x100` and `neg100` (its numeric columns times 100 and -100: pp and
percent), `headline`, `verdict_block` (summary.md's verdict sentence, quoted, and its table),
`runs` (activation -> seed -> history record), `histories`, `config`, `settings`, `design`,
`result` (its `FolderResult`) and `comparison` (the verdict); then whatever the
comparison's own `derive` adds.
"""

import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotting  # noqa: E402
import recorded_verdict  # noqa: E402
from activation_comparison import experiment  # noqa: E402
from activation_comparison.figures import drawing  # noqa: E402
from activation_comparison.reporting import report, verdict_text  # noqa: E402
from activation_comparison.results.folder_result import FolderResult, recorded_margin  # noqa: E402
from activation_comparison.results import extract  # noqa: E402
from activation_comparison.setup.config import ExperimentConfig  # noqa: E402


@dataclass(frozen=True)
class Folder:
    """One folder's records as its summary reads them, with its config.json."""

    name: str
    histories: list[dict]
    saved: dict  # config.json, or its settings alone for a record

    @property
    def config(self) -> ExperimentConfig:
        return ExperimentConfig(**self.saved["config"])

    def result(self) -> FolderResult:
        """The folder's result, as its summary and the index compute it."""
        return FolderResult.of_records(self.histories, recorded_margin(self.saved), name=self.name, saved=self.saved)


def scaled(rows: dict[str, dict], factor: float) -> dict[str, dict]:
    return {name: {key: factor * value for key, value in row.items()
                   if isinstance(value, (int, float)) and not isinstance(value, bool)}
            for name, row in rows.items()}  # fmt: skip


def folder_facts(folder: Folder) -> dict:
    """The quotable facts of one folder, computed as its summary.md and summary.csv are."""
    result = folder.result()
    headline = verdict_text.headline(result.comparison, result.labels)
    rows = {row.activation: dict(row) for row in result.rows}
    # summary.md opens with the answer; the table is its next paragraph.
    table = report.summary_markdown(result, []).split("\n\n")[2]
    runs = {}
    for history in folder.histories:
        runs.setdefault(history["activation"], {})[int(history["seed"])] = history
    return {
        "rows": rows, "x100": scaled(rows, 100.0), "neg100": scaled(rows, -100.0), "headline": headline,
        "verdict_block": f"> {headline}\n\n{table}\n", "runs": runs, "histories": folder.histories,
        "config": folder.config, "settings": result.settings, "design": result.design, "result": result,
        "comparison": result.comparison,
    }  # fmt: skip


@dataclass
class Source:
    """A comparison's folders as its extracts (or record) hold them; `missing` names the
    extracts not committed yet, and then nothing can be recomputed."""

    comparison: object
    folders: list[str]
    origin: str = ""
    missing: list[str] = field(default_factory=list)
    loaded: dict[str, Folder] = field(default_factory=dict)
    saved: list = field(default_factory=list)  # the extracts as read (extract.Extract)
    index_dir: Path | None = None

    def facts(self) -> dict:
        facts = {"folders": {name: folder_facts(folder) for name, folder in self.loaded.items()}}
        if len(self.loaded) == 1:
            facts |= next(iter(facts["folders"].values()))
        if self.comparison.derive is not None:
            facts |= self.comparison.derive(facts)
        return facts

    def versions_note(self, pinned: dict[str, str]) -> str:
        """'' when every command and run of the extracts ran under the pinned versions, else
        which versions they ran under (a rerun under the pinned ones may differ)."""
        seen = set()
        for saved in self.saved:
            recorded = [command.get("versions", {}) for command in saved.config_json.get("commands", [])]
            recorded += [run.get("machine", {}).get("versions", {}) for run in saved.runs]
            seen |= {(name, version) for versions in recorded for name, version in versions.items()
                     if name in pinned and version != pinned[name]}  # fmt: skip
        return "" if not seen else "; ran under " + ", ".join(f"{name} {version}" for name, version in sorted(seen))

    def draw(self, figure, scratch: Path, facts: dict) -> Path:
        """The figure drawn from the extracts into `scratch`: the comparison's own figure from
        its `facts`, a folder's figure as its summary draws it, an index figure by rebuilding
        the folders and writing their index."""
        target = scratch / self.comparison.name / Path(figure.document).name
        target.parent.mkdir(parents=True, exist_ok=True)
        if figure.draw is not None:
            drawing.save_figure(figure.draw(facts), target)
            return target
        if figure.folder is not None:
            folder = self.loaded[figure.folder]
            # As summary.md draws it: the settings that tell folders apart in its title.
            drawn = plotting.draw_folder_figure(folder.result(), figure.figure, folder.config.describe())
            drawing.save_figure(drawn, target)
            return target
        if self.index_dir is None:
            self.index_dir = scratch / self.comparison.name / "results"
            for saved in self.saved:
                extract.rebuild(saved, self.index_dir)
            experiment.write_index(self.index_dir)
        target.write_bytes((self.index_dir / figure.figure).read_bytes())
        return target


def load(comparison, extracts_dir: Path) -> Source:
    """The comparison's folders from `extracts_dir`, or from its record where it has one
    and its extract is not there."""
    folders = comparison.folders()
    paths = [Path(extracts_dir) / f"{name}.jsonl" for name in folders]
    missing = [path for path in paths if not path.exists()]
    source = Source(comparison, folders)
    if comparison.recorded is not None and missing:
        record = json.loads((ROOT / comparison.recorded).read_text())
        (name,) = folders
        settings = {"config": dataclasses.asdict(comparison.configs()[0])}
        source.loaded[name] = Folder(name, recorded_verdict.records_of(record), settings)
        source.origin = f"{comparison.recorded}, test accuracies only"
        return source
    if missing:
        source.missing = [display(path) for path in missing]
        return source
    for name, path in zip(folders, paths):
        saved = extract.read(path)
        source.saved.append(saved)
        source.loaded[name] = Folder(name, saved.runs, saved.config_json)
    source.origin = ", ".join(display(path) for path in paths)
    return source


def display(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

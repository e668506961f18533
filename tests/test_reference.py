"""docs/reference.md lists every flag as `--help` does, in its groups, and every figure a
run writes; `--help` has its groups in the order a reader looks for them."""

import re
from pathlib import Path

import plotting
import compare_activations as ca

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"
GROUPS = ["what to compare", "training", "clipping", "measurements and output", "the verdict", "where runs execute"]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def help_entries(monkeypatch) -> list[tuple[str, str]]:
    """(group heading, flag as --help writes it with its arguments) for every flag but
    --help, in --help's order."""
    monkeypatch.setenv("COLUMNS", "200")  # One line per flag, whatever the terminal.
    entries, heading = [], None
    for line in ca.build_parser().format_help().splitlines():
        if re.fullmatch(r"[a-z][^:]*:", line):
            heading = line[:-1]
        elif line.startswith("  --"):
            entries.append((heading, re.split(r"\s{2,}", line.strip())[0]))
    return entries


def reference_entries() -> list[tuple[str, str]]:
    """(section heading, first cell) for every table row of docs/reference.md whose first
    column names a flag, in the file's order."""
    entries, heading = [], None
    for line in REFERENCE.read_text().splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith("|"):
            first = re.split(r"(?<!\\)\|", line)[1].strip().strip("`").replace("\\|", "|")
            if FLAG.match(first):
                entries.append((heading, first))
    return entries


def flags(entries) -> set[str]:
    return {flag for _, cell in entries for flag in FLAG.findall(cell)}


def test_help_lists_its_groups_in_order(monkeypatch):
    headings = list(dict.fromkeys(heading for heading, _ in help_entries(monkeypatch)))
    assert headings == GROUPS


def test_every_flag_in_help_is_in_the_reference(monkeypatch):
    missing = flags(help_entries(monkeypatch)) - flags(reference_entries())
    assert not missing, f"docs/reference.md lacks {sorted(missing)}"


def test_every_flag_in_the_reference_still_exists(monkeypatch):
    gone = flags(reference_entries()) - flags(help_entries(monkeypatch))
    assert not gone, f"docs/reference.md lists flags --help no longer has: {sorted(gone)}"


def test_the_reference_writes_each_flag_as_help_does_in_the_same_group_and_order(monkeypatch):
    assert reference_entries() == help_entries(monkeypatch)


def test_the_reference_describes_every_figure():
    text = REFERENCE.read_text()
    assert [name for name in plotting.FIGURES if f"`{name}`" not in text] == []

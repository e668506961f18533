"""The documents keep their word: every link leads to a file, every command they give is one
the command line accepts, and the README stays a front page.

The commands are checked with `--plan`, which says what a command would train without
training it, so this file runs in seconds.
"""

import re
import shlex
from pathlib import Path

import pytest

import compare_activations

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "CHANGELOG.md",
    ROOT / "benchmarks" / "README.md",
    ROOT / "published" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
README_MOST_LINES = 150

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]+`")
# [text](target) and ![alt](target), with an optional "title" after the target.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
COMMAND = "python compare_activations.py"
# Words a reader replaces before running a command: PATH, HEAD_IP:6379, [flags], <dir>, an
# ellipsis.
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*(:\d+)?$|^\[.*\]$|^<.*>$|…|\.\.\.")

plan_available = "--plan" in compare_activations.build_parser().format_help()


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def links(text: str) -> list[str]:
    """Link targets outside code: code shows syntax, it does not link."""
    prose = INLINE_CODE.sub("", FENCE.sub("", text))
    return LINK.findall(prose)


def local_target(document: Path, target: str) -> Path | None:
    """The file a link points to, or None for web addresses and links within the page."""
    if re.match(r"https?://|mailto:", target) or target.startswith("#"):
        return None
    return (document.parent / target.split("#", 1)[0]).resolve()


def commands(text: str) -> list[tuple[int, list[str]]]:
    """(line number, arguments) of every `python compare_activations.py ...` in code blocks
    and inline code, with line continuations joined and shell comments dropped."""
    found = []
    for fence in FENCE.finditer(text):
        line_number = text.count("\n", 0, fence.start()) + 1
        # Each line of the fence, with the lines it continues with a backslash.
        for line in re.split(r"(?<!\\)\n", fence.group()):
            if COMMAND in line:
                found.append((line_number, line.replace("\\\n", " ")))
            line_number += line.count("\n") + 1
    for span in INLINE_CODE.finditer(FENCE.sub(lambda fence: "\n" * fence.group().count("\n"), text)):
        if COMMAND in span.group():
            found.append((text.count("\n", 0, span.start()) + 1, span.group().strip("`")))
    result = []
    for line_number, line in found:
        arguments = shlex.split(line.split(COMMAND, 1)[1], comments=True)
        if not any(PLACEHOLDER.search(argument) for argument in arguments):
            result.append((line_number, arguments))
    return result


def documented_commands():
    cases = []
    for document in DOCUMENTS:
        for line_number, arguments in commands(document.read_text(encoding="utf-8")):
            cases.append(pytest.param(arguments, id=f"{relative(document)}:{line_number}"))
    return cases


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_every_relative_link_leads_to_a_file_that_exists(document):
    text = document.read_text(encoding="utf-8")
    broken = [
        target
        for target in links(text)
        if (path := local_target(document, target)) is not None and not path.exists()
    ]
    assert broken == [], f"{relative(document)} links to missing files: {broken}"


def test_the_link_finder_sees_links_and_images_but_not_code():
    text = "[a](docs/a.md#part) ![b](b.png) [c](https://x.org) [d](#here) `[e](e.md)`\n```\n[f](f.md)\n```\n"
    assert links(text) == ["docs/a.md#part", "b.png", "https://x.org", "#here"]


def test_the_readme_commands_are_found():
    found = [arguments for _, arguments in commands((ROOT / "README.md").read_text(encoding="utf-8"))]
    assert ["--epochs", "1", "--train-limit", "3000"] in found
    assert ["--epochs", "12"] in found
    assert ["--epochs", "12", "--seeds", "auto", "--max-seeds", "10"] in found


def test_a_command_split_over_lines_is_joined_and_placeholders_are_left_out():
    text = (
        "```bash\npython compare_activations.py --epochs 2 \\\n    --seeds 3   # three seeds\n```\n"
        "`python compare_activations.py --data PATH` and `KERAS_BACKEND=torch python compare_activations.py …`\n"
        "`python compare_activations.py [flags]`\n"
    )
    assert commands(text) == [(2, ["--epochs", "2", "--seeds", "3"])]


@pytest.mark.skipif(not plan_available, reason="--plan is not on the command line yet")
@pytest.mark.parametrize("arguments", documented_commands())
def test_every_documented_command_is_accepted(arguments, tmp_path, capsys):
    try:
        status = compare_activations.main([*arguments, "--plan", "--results-dir", str(tmp_path)])
    except SystemExit as exit:  # --help exits from argparse.
        status = exit.code
    assert status == 0, capsys.readouterr().err
    assert not any(tmp_path.iterdir()), "--plan must not write results"


def test_readme_is_a_front_page_of_at_most_150_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MOST_LINES, f"README.md has {len(lines)} lines"

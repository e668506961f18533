"""CONTRIBUTING's recipes against the code: every file a recipe names exists, and every
name it puts in backticks (a registry, a class, a function, a field) is still defined or
used in the project's Python. A renamed test file or registry fails here, not in the hands
of the next contributor."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
SOURCES = [path for pattern in ("*.py", "activation_comparison/**/*.py", "tests/*.py", "benchmarks/*.py")
           for path in ROOT.glob(pattern)]  # fmt: skip
PATH = re.compile(r"^[\w./-]+\.(py|md|toml|json|jsonl)$")
NAME = re.compile(r"^[A-Za-z_][\w.]*$")


def recipe_steps() -> list[tuple[str, str]]:
    """(recipe title, its text) for every `### ` recipe under `## Recipes`."""
    text = CONTRIBUTING.read_text()
    recipes = text.split("\n## Recipes\n", 1)[1].split("\n## ", 1)[0]
    return [(part.split("\n", 1)[0], part) for part in recipes.split("\n### ")[1:]]


def backticked(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def named_symbol(token: str) -> str | None:
    """The symbol a backticked token names ("setting" for "setting(default, ...)",
    "prepare_features" for "data.prepare_features"), or None for a flag, command or value."""
    token = token.split("(", 1)[0].removesuffix("=").split("=", 1)[0]
    if token.startswith("-") or not NAME.match(token) or PATH.match(token):
        return None
    return token.rsplit(".", 1)[-1]


SOURCE_TEXT = "\n".join(path.read_text() for path in SOURCES)
FILES = [path.relative_to(ROOT).as_posix() for path in ROOT.rglob("*") if path.is_file() and ".git" not in path.parts]
# The files a results folder holds, as docs/reference.md lists them (summary.md, ...).
OUTPUT_FILES = set(backticked((ROOT / "docs" / "reference.md").read_text()))


def file_is_missing(token: str) -> bool:
    """A path is given from the root or from its package ("setup/checks.py"); a results
    folder's file by its name; a placeholder in capitals ("FOLDER") stands for any name."""
    if not PATH.match(token) or token in OUTPUT_FILES or re.search(r"\b[A-Z]{3,}\b", token):
        return False
    return not any(file == token or file.endswith("/" + token) for file in FILES)


@pytest.mark.parametrize("title,text", recipe_steps(), ids=[title for title, _ in recipe_steps()])
def test_every_file_and_name_a_recipe_gives_is_in_the_code(title, text):
    tokens = backticked(text)
    missing_files = [token for token in tokens if file_is_missing(token)]
    symbols = {symbol for token in tokens if (symbol := named_symbol(token))}
    missing_names = sorted(symbol for symbol in symbols if not re.search(rf"\b{re.escape(symbol)}\b", SOURCE_TEXT))
    assert not missing_files and not missing_names, (title, missing_files, missing_names)


def test_the_recipes_cover_every_registry():
    titles = [title for title, _ in recipe_steps()]
    for kind in ("an activation", "a network", "a dataset", "a task", "a setting", "a statistic", "a figure"):
        assert f"Add {kind}" in titles


def test_a_renamed_file_or_name_is_caught():
    tokens = backticked("1. `tests/test_gone.py`: add it to `NO_SUCH_REGISTRY`.")
    assert [token for token in tokens if file_is_missing(token)] == ["tests/test_gone.py"]
    assert not file_is_missing("setup/checks.py") and file_is_missing("setup/gone.py")
    assert named_symbol(tokens[1]) == "NO_SUCH_REGISTRY"
    assert not re.search(r"\bNO_SUCH_REGISTRY\b", SOURCE_TEXT.replace("NO_SUCH_REGISTRY", ""))

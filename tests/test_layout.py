"""The package's layout: imports run one way, down the data's path, and no module grows
past about 300 lines. Read from the source, no imports executed."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "activation_comparison"
# What each sub-package may import of the package (besides itself), as its __init__ says.
ALLOWED = {
    "setup": set(),
    "verdict": {"setup"},
    "results": {"setup", "verdict"},
    "training": {"setup", "results"},
    "execution": {"setup", "results", "training"},
    "analysis": {"setup", "verdict", "results"},
    "planning": {"setup", "verdict", "results"},
    "reporting": {"setup", "verdict", "results", "analysis", "planning"},
    "figures": {"setup", "results"},
}
# The package's root modules tie the sub-packages together and may import any of them.
ROOT_MODULES = {"experiment", "matrix", "notebook", "__init__"}


def imported_parts(path: Path) -> set[str]:
    """The sub-packages of activation_comparison a module imports."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("activation_comparison"):
            names = node.module.split(".")
            if len(names) > 1:
                parts.add(names[1])
            else:
                parts |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            parts |= {alias.name.split(".")[1] for alias in node.names
                      if alias.name.startswith("activation_comparison.")}  # fmt: skip
    return parts


def test_imports_run_one_way():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) == 1:
            assert relative.stem in ROOT_MODULES, f"{relative}: a new root module belongs in a sub-package"
            continue
        room = relative.parts[0]
        for part in imported_parts(path) - {room}:
            if part not in ALLOWED[room]:
                wrong.append(f"{relative} imports {part}")
    assert not wrong, "; ".join(wrong)


def test_every_sub_package_says_what_lives_there():
    for room in ALLOWED:
        docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert docstring and "import" in docstring.lower(), room


def test_no_module_grows_much_past_300_lines():
    long = {str(path.relative_to(PACKAGE)): len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}
    assert {name: lines for name, lines in long.items() if lines > 340} == {}

"""The package's layout: imports run one way, down the data's path, no module grows past
about 300 lines, and the verdict loads without Keras. Read from the source; only the last
test imports anything, in a process of its own."""

import ast
import subprocess
import sys
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


def test_the_verdict_imports_no_keras():
    """Every verdict module imports, and nothing it imports loads Keras or TensorFlow: the
    numbers can be recomputed, tested and calibrated without the training stack."""
    modules = sorted(f"activation_comparison.verdict.{path.stem}" for path in (PACKAGE / "verdict").glob("*.py"))
    program = ("import importlib, sys\n"
               f"for name in {modules!r}:\n"
               "    importlib.import_module(name)\n"
               "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", program], cwd=PACKAGE.parent, capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(PACKAGE.parent), "PATH": ""})  # fmt: skip
    assert done.stdout.strip() == "[]"

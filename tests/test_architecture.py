"""The structure stays as drawn in docs/architecture.md: arrows only go down, no cycles, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 300
MAX_LOOSE = 12  # modules at the root of etl/ (with __init__ and __main__); the rest live in named packages
MAX_BRANCHES = 15


def test_import_contracts_hold() -> None:
    """The layers and acyclic-siblings contracts of pyproject.toml ([tool.importlinter])."""
    result = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                             "lint_imports_command()", "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_is_too_long() -> None:
    """No module of the package over 300 lines: a long module is two modules."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "etl").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"


def test_few_loose_modules_and_none_named_like_the_standard_library() -> None:
    """A newcomer finds a module in a package named for what it holds, and `inspect` is never etl's own."""
    loose = sorted(p.name for p in (ROOT / "etl").glob("*.py"))
    assert len(loose) <= MAX_LOOSE, f"group these into packages: {loose}"
    shadowing = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "etl").rglob("*")
                       if (p.suffix == ".py" or (p / "__init__.py").is_file()) and p.stem in sys.stdlib_module_names)
    assert not shadowing, f"rename these: {shadowing}"


def branch_points(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The decisions in `function`'s own body (a nested function counts on its own).

    Each if and elif, loop, except, match case and conditional expression, each `and`/`or` beyond a
    condition's first operand, each comprehension condition. Ruff's PLR0912 counts only the statements.
    """
    count = 0
    for node in _own_nodes(function):
        if isinstance(node, ast.If | ast.For | ast.AsyncFor | ast.While | ast.ExceptHandler | ast.match_case
                      | ast.IfExp):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += len(node.ifs)
    return count


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node
            stack.extend(ast.iter_child_nodes(node))


def test_branch_points_are_counted() -> None:
    """Every kind of decision counts once; a nested function's do not count for its host."""
    source = (
        "def f(a, b, xs):\n"
        "    if a and b or not a:\n"  # if 1, or 1, and 1
        "        return [x for x in xs if x if not x]\n"  # 2 conditions
        "    elif b:\n"  # 1
        "        return 1 if a else 2\n"  # 1
        "    for x in xs:\n"  # 1
        "        while x:\n"  # 1
        "            x -= 1\n"
        "    try:\n"
        "        pass\n"
        "    except ValueError:\n"  # 1
        "        pass\n"
        "    def g():\n"
        "        if a: return 0\n"  # g's
        "    return g\n"
    )
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert branch_points(function) == 10


def test_no_function_has_too_many_branches() -> None:
    """No function of the package over 15 decisions: a long chain of them is named helpers."""
    over = {}
    for path in sorted((ROOT / "etl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and branch_points(node) > MAX_BRANCHES:
                over[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = branch_points(node)
    assert not over, f"split these functions: {over}"


def test_a_run_does_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow's first value check would import pandas (0.3 s of every run); the etl never needs it."""
    script = (
        "import sys, shutil\nfrom pathlib import Path\n"
        "from etl.workspace import create_workspace\n"
        "from etl.config import load_config\n"
        "from etl.pipeline import run_flow\n"
        f"config = load_config(create_workspace(Path({str(tmp_path / 'work')!r})))\n"
        f"shutil.copy({str(ROOT / 'tests/data/orders/flat_cp1252.csv')!r}, config.folder('inbox'))\n"
        "report = run_flow(config, 'orders', 'csv')\n"
        "assert report.written, report\n"
        "print('pandas' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

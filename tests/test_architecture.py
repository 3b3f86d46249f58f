"""The structure stays as drawn in docs/architecture.md: arrows only go down, no cycles, small modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 300
MAX_LOOSE = 12  # modules at the root of etl/ (with __init__ and __main__); the rest live in named packages


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

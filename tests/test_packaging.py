"""Nothing installed by hand: every third-party import of the package is a declared dependency."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports() -> set[str]:
    names = set()
    for path in (ROOT / "etl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"etl"}


def test_every_import_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~\[ ]", dep)[0].lower().replace("_", "-") for dep in project["dependencies"]}
    owners = packages_distributions()
    for module in _imports():
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        assert dists & declared, f"etl imports {module} ({dists or 'not installed'}) but pyproject does not declare it"


def test_bundled_folders_ship_with_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert set(shipped) == {"mappings", "templates", "schemas", "samples", "docs/rejects.md"}  # the page's guide

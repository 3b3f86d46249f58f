"""`etl layout build`: the XSD and JSON Schema of every target layout, written beside the others.

The schemas follow from the layouts; the shipped ones in schemas/ are this function's output, and a
working folder's edited layout gets its own by running it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from etl.bundled import load_yaml
from etl.load.json_schema import json_schema_text
from etl.load.xsd import xsd_text
from etl.os_compat import write_atomic
from etl.transform.layout import TargetLayout, load_layout


@dataclass(frozen=True)
class Built:
    """One schema file: where it goes and its text."""

    path: Path
    text: str


def target_layouts(folder: Path) -> dict[Path, TargetLayout]:
    """Every target layout under a mappings folder, by its path relative to the folder."""
    found = {}
    for path in sorted(folder.rglob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "records" in data:
            found[path.relative_to(folder)] = load_layout(path, TargetLayout)
    return found


def schemas_for(mappings: Path, schemas: Path) -> list[Built]:
    """The schema files the target layouts under `mappings` give, placed under `schemas`."""
    out = []
    for relative, layout in target_layouts(mappings).items():
        if layout.xml.schema_file:  # a standard's own schema (BMEcat): nothing to generate
            continue
        stem = schemas / relative.with_suffix("")
        out.append(Built(stem.with_suffix(".xsd"), xsd_text(layout)))
        out.append(Built(stem.with_suffix(".schema.json"), json_schema_text(layout)))
    return out


def build_schemas(mappings: Path, schemas: Path) -> list[Path]:
    """Write the schemas of every target layout under `mappings` into `schemas`; the files changed."""
    changed = []
    for built in schemas_for(mappings, schemas):
        if built.path.is_file() and built.path.read_text(encoding="utf-8") == built.text:
            continue
        built.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(built.path, built.text)
        changed.append(built.path)
    return changed

"""The writer contract, and `writer_for`, which imports the writer of a format named in `registry.py`."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from etl.load.registry import WRITERS
from etl.shared.errors import UsageError
from etl.shared.records import Mapped
from etl.shared.rejects import Reject
from etl.transform.layout import TargetLayout


@dataclass(frozen=True)
class Resources:
    """Folders where templates and schemas are looked up, first match wins."""

    templates: tuple[Path, ...]
    schemas: tuple[Path, ...]

    def find(self, kind: str, name: str) -> Path:
        """The first existing `name` under the template or schema folders."""
        for folder in getattr(self, kind):
            if (folder / name).is_file():
                return folder / name
        searched = ", ".join(str(f) for f in getattr(self, kind))
        raise UsageError(f"{kind[:-1]} '{name}' not found (looked in {searched})")


class Writer(ABC):
    """Streams the records of one run into temporary files: open, write chunks, close."""

    format: ClassVar[str]
    extension: ClassVar[str]
    # Whether a record must carry all of its article's data: a delta run then sends whole articles.
    complete_records: ClassVar[bool] = False

    def __init__(self, layout: TargetLayout, folder: Path, stem: str, resources: Resources) -> None:
        self.layout = layout
        self.folder = folder
        self.stem = stem
        self.resources = resources
        self.notes: list[str] = []  # what the run report should say about the output, once closed

    @abstractmethod
    def write(self, mapped: Mapped) -> list[Reject]:
        """Write one chunk; records this format cannot hold are refused and not written."""

    @abstractmethod
    def close(self) -> list[Path]:
        """Finish the files and return them (still under temporary names)."""

    def path(self, record: str | None = None) -> Path:
        """Temporary path of the file for `record` (or the single document)."""
        if record:
            suffix = f"_{record}"
        else:  # a second layout written by the same run (an extra target) must not take the main name
            suffix = "" if self.stem.startswith(f"{self.layout.flow}_") else f"_{self.layout.flow}"
        return self.folder / f".{self.stem}{suffix}.{self.extension}.part"


def writer_for(fmt: str) -> type[Writer]:
    """The writer class for `fmt`, its module imported now, or a usage error naming the known formats."""
    spec = WRITERS.get(fmt)
    if spec is None:
        raise UsageError(f"unknown format '{fmt}'; choose one of {', '.join(sorted(WRITERS))}")
    module, _, name = spec.path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Writer) and cls.format == fmt):
        raise TypeError(f"{spec.path} is registered for '{fmt}' but is not a Writer of that format")
    return cls

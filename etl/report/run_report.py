"""The run report: counts, files, outputs and rejects, for people (summary) and programs (JSON)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Literal

from etl.i18n import N_, language, text_in
from etl.os_compat import replace_atomic, temp_name
from etl.shared.reject_codes import encode
from etl.shared.rejects import FIELDS, Reject, RejectLog

FileStatus = Literal["archived", "error", "skipped", "ignored", "would-import", "waiting"]
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
FIRST_REJECTS = 100  # the rejects the JSON report lists with code and parameters (all are in the reject file)


@dataclass
class FileResult:
    """What happened to one input file."""

    name: str
    status: FileStatus
    tables: list[str] = field(default_factory=list)
    moved_to: str | None = None
    reason: str | None = None
    unknown: bool = False  # no flow reads it (or it is no export): refused, but the run itself did not fail
    code: str | None = None  # refused (error): the reject code (docs/rejects.md)


@dataclass
class InputRead:
    """How one input file was read: its form, encoding (and how sure) and dialect, as detected."""

    file: str
    form: str
    encoding: str | None = None
    confidence: float | None = None
    dialect: dict[str, str | list[str]] | None = None
    ignored: dict[str, list[str]] = field(default_factory=dict)  # table -> columns the layout does not read


@dataclass
class RunReport:
    """Everything a run did. `records_in == written + rejected + skipped` always holds.

    `skipped` counts records an earlier run (or an earlier file of this run) already imported.
    """

    run_id: str
    flow: str
    format: str
    started: str
    finished: str = ""
    dry_run: bool = False
    records_in: int = 0
    written: int = 0
    rejected: int = 0
    skipped: int = 0
    unit: str = "records"
    files: list[FileResult] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    report_file: str | None = None
    rejects: RejectLog = field(default_factory=RejectLog)  # in order; most of a long list on disk
    notes: list[str] = field(default_factory=list)
    inputs: list[InputRead] = field(default_factory=list)  # every input's detected encoding and dialect
    stores: dict[str, int] = field(default_factory=dict)  # records written per store, when stores route
    error: str | None = None  # why the run failed as a whole: nothing of it was committed or moved

    @property
    def failed_files(self) -> list[FileResult]:
        """Inputs refused as a whole."""
        return [f for f in self.files if f.status == "error"]

    @property
    def exit_code(self) -> int:
        """0 all written, 1 written with rejects or refused files, 3 nothing could be done."""
        if self.error:
            return EXIT_FAILED
        if (self.failed_files and not self.written and not self.rejected
                and not all(f.unknown for f in self.failed_files)):
            return EXIT_FAILED
        waiting = any(f.status == "waiting" for f in self.files)  # an input held by another program
        if self.rejected or self.failed_files or self.rejects or waiting:  # a refused price or file counts too
            return EXIT_PARTIAL
        return EXIT_OK

    @property
    def status(self) -> str:
        """ok, partial or failed (the exit code in words)."""
        return {EXIT_OK: "ok", EXIT_PARTIAL: "partial", EXIT_FAILED: "failed"}[self.exit_code]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (rejects listed in the reject file, counted here)."""
        # Not `asdict`: it deep-copies every value, ~1 ms per file of a batch of thousands of one-order files.
        data: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["files"] = [dict(vars(item), tables=list(item.tables)) for item in self.files]
        data["inputs"] = [dict(vars(item), dialect=dict(item.dialect) if item.dialect else item.dialect,
                               ignored=dict(item.ignored)) for item in self.inputs]
        for name in ("outputs", "notes"):
            data[name] = list(getattr(self, name))
        data["stores"] = dict(self.stores)
        data["rejects"] = len(self.rejects)
        data["reject_codes"] = dict(sorted(self.rejects.codes.items()))  # how many of each code
        data["first_rejects"] = [r.as_dict() for r in self.rejects[:FIRST_REJECTS]]  # each with its code
        data["status"] = self.status
        data["exit_code"] = self.exit_code
        data["counts"] = {"in": self.records_in, "written": self.written, "rejected": self.rejected,
                          "skipped": self.skipped}
        return data

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


# The reject file's column titles, in the merchant's language (the columns are always in FIELDS order).
TITLES = {"file": N_("file"), "line": N_("line"), "record": N_("record"), "field": N_("field"),
          "value": N_("value"), "reason": N_("reason"), "code": N_("code"),
          "params": N_("parameters")}


def write_rejects(rejects: Iterable[Reject], path: Path, lang: str | None = None) -> None:
    """Write the reject file: UTF-8 with BOM and `;`, so that Excel opens it with umlauts intact.

    Titles and reasons are in `lang` (default: the current language), rendered from each reject's code,
    which is the last column (docs/rejects.md).
    """
    temp, lang = temp_name(path), lang or language()
    try:
        with temp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            writer.writerow([text_in(TITLES[name], lang) for name in FIELDS])
            values = attrgetter(*FIELDS[:5])  # not `as_dict`: it copies every value, a second per 100,000 rejects
            for reject in rejects:
                writer.writerow([*values(reject), reject.reason_in(lang), reject.code, encode(reject.params)])
        replace_atomic(temp, path)
    finally:
        temp.unlink(missing_ok=True)  # gone after the rename; left only by a failed write


def read_rejects(path: Path) -> list[dict[str, str]]:
    """Rows of a reject file in any language, by the English field names (for tests and tools)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle, delimiter=";")
        next(rows, None)
        return [dict(zip(FIELDS, row, strict=False)) for row in rows]

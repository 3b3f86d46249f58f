"""Gather a run's inputs: the files of the inbox (or given) that the flow recognises, each imported once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from etl.config import Config
from etl.extract import RawTable
from etl.flows import Flow
from etl.ledger import Ledger, file_hash
from etl.lifecycle import inbox_files, move_aside, refuse
from etl.pipeline.recognize import recognize_file
from etl.platform import why_unreadable
from etl.report import FileResult, RunReport
from etl.transform.layout import SourceLayout


@dataclass
class Input:
    """One input file of the run, the tables recognised in it, and why it failed (if it did)."""

    path: Path
    sha256: str
    tables: list[tuple[str, RawTable]] = field(default_factory=list)
    failed: str | None = None


def gather(config: Config, flow: Flow, layout: SourceLayout, report: RunReport, ledger: Ledger,
           files: list[Path] | None, force: bool, dry_run: bool) -> list[Input]:
    """The inputs to import; unreadable files are refused, files imported before skipped (both reported)."""
    inputs: list[Input] = []
    for path in files if files is not None else inbox_files(config.folder("inbox")):
        held = why_unreadable(path)
        if held:  # Excel holds it, or no permission: left in place for the next run, the rest goes on
            report.files.append(FileResult(path.name, "waiting", reason=held))
            continue
        found, problem = recognize_file(path, {flow.name: layout})
        if not found:
            if problem:
                result = FileResult(path.name, "error", reason=problem)
                if not dry_run:
                    result.moved_to = str(refuse(path, config.folder("error"), problem))
                report.files.append(result)
            continue  # another flow's file: left where it is
        tables = list(found[0].tables)
        sha = file_hash(path)
        # A delta flow compares records, not files: an unchanged re-export simply sends nothing.
        # A flow that imports each record once takes a file again whose records were rejected last
        # time (fixed meanwhile): what was written then is skipped by the record ledger.
        earlier = None if force or flow.delta else ledger.seen(sha, flow.name, complete_only=flow.once_per_record)
        # The same content twice in one run is imported once, like content imported by an earlier run.
        twin = None if force else next((i.path.name for i in inputs if i.sha256 == sha), None)
        if earlier or twin:
            reason = (f"already imported in run {earlier[0]} at {earlier[1]}; skipped " if earlier else
                      f"same content as {twin} in this run; skipped ") + "(use --force to import it again)"
            result = FileResult(path.name, "skipped", [t for t, _ in tables], reason=reason)
            if not dry_run:
                result.moved_to = str(move_aside(path, config.folder("archive")))
            report.files.append(result)
            continue
        inputs.append(Input(path, sha, tables))
    return inputs

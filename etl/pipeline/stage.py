"""Extract the run's inputs into the staging area: the flow's chunks of neutral records, as Parquet."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from etl.errors import InputFileError
from etl.extract import RawTable
from etl.flows import Flow
from etl.pipeline.columns import name_source_columns
from etl.pipeline.gather import Input
from etl.records import Chunk
from etl.report import RunReport
from etl.staging import StagingWriter
from etl.transform.layout import SourceLayout


def stage(flow: Flow, layout: SourceLayout, inputs: list[Input], staging: Path, report: RunReport,
          history: Path | None = None, state: Path | None = None) -> list[Path]:
    """Extract every input into `staging`; return the staged groups (a failed input is marked, not staged).

    `history` holds earlier runs' staging (default: beside `staging`), for flows that read it. A flow
    driven by state (`Flow.recall`) stages what it remembers from `state` when no input was staged.
    """
    groups: list[Path] = []
    tables: dict[str, list[RawTable]] = {}
    first = len(report.rejects)
    if flow.extract_staged:  # a flow that reads what other flows staged, not the inbox
        folder = staging / "computed"
        if _stage_chunks(flow.extract_staged(history or staging.parent, layout, report.run_id), folder, [], report):
            groups.append(folder)
    for item in inputs:
        for name, raw in item.tables:
            if name != "flat":
                tables.setdefault(name, []).append(raw)
            else:
                folder = staging / f"flat-{len(groups)}"
                if _stage_chunks(flow.extract_flat(layout, raw, report.run_id), folder, [item], report):
                    groups.append(folder)
    if tables:
        set_items = [i for i in inputs if any(n != "flat" for n, _ in i.tables)]
        folder = staging / "tables"
        if _stage_chunks(flow.extract_tables(layout, tables, report.run_id), folder, set_items, report):
            groups.append(folder)
    if flow.recall is not None and state is not None and not any(not i.failed for i in inputs):
        folder = staging / "remembered"
        if _stage_chunks(flow.recall(state, layout, report.run_id), folder, [], report):
            groups.append(folder)
    report.rejects[first:] = name_source_columns(report.rejects[first:], inputs, layout)
    return groups


def _stage_chunks(chunks: Iterable[Chunk], folder: Path, items: list[Input], report: RunReport) -> bool:
    """Stage `chunks`; on an error that refuses the whole input, undo its counts and mark its files."""
    writer = StagingWriter(folder)
    counted = (report.records_in, report.rejected, len(report.rejects))
    try:
        for chunk in chunks:
            writer.append(chunk.neutral)
            report.records_in += chunk.records_in
            report.rejected += chunk.rejected
            report.written += chunk.merged  # folded into a record that is written with them
            report.rejects += chunk.rejects
    except InputFileError as exc:
        writer.discard()
        report.records_in, report.rejected = counted[0], counted[1]
        del report.rejects[counted[2]:]
        for item in items:
            item.failed = str(exc)
        return False
    except BaseException:
        writer.behind.cancel()  # the run fails; nothing more is staged behind it
        raise
    writer.close()
    return True

"""Gather a run's inputs: the files of the inbox (or given) that the flow recognises, each imported once.

Links, pipes and devices are refused without being opened. A multi-file export is taken whole or not
at all: while a table `set_tables` declares is missing, or a file cannot be read now (open in Excel: it
may be one of the set's tables), every file of the set waits in the inbox, untouched and named.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from etl.config import Config
from etl.extract import RawTable
from etl.flows import FLOWS, Flow
from etl.i18n import N_
from etl.os_compat import why_unreadable
from etl.pipeline.context import RunContext
from etl.pipeline.layouts import load_layouts
from etl.pipeline.recognize import is_no_export, recognize_file, unknown_reason
from etl.report.run_report import FileResult, InputRead, RunReport
from etl.shared.errors import ConfigError
from etl.state.ledger import file_hash
from etl.state.lifecycle import inbox_entries, move_aside, not_plain, refuse
from etl.transform.layout import SourceLayout
from etl.transform.source import ignored_columns


@dataclass
class Input:
    """One input file of the run, the tables recognised in it, and why it failed (if it did)."""

    path: Path
    sha256: str
    tables: list[tuple[str, RawTable]] = field(default_factory=list)
    failed: str | None = None


def gather(ctx: RunContext) -> list[Input]:
    """The inputs to import; unreadable files are refused, files imported before skipped (both reported)."""
    inputs: list[Input] = []
    others: dict[str, SourceLayout] = {}
    unreadable: list[str] = []
    report = ctx.report
    for path in ctx.files if ctx.files is not None else inbox_entries(ctx.config.folder("inbox")):
        if foreign := not_plain(path):  # a link (to /etc/passwd?), a pipe (an open would block): never opened
            # not an export: the run goes on
            report.files.append(_refused(ctx, path, foreign, unknown=True, code="not-a-plain-file"))
            continue
        held = why_unreadable(path)
        if held:  # Excel holds it, or no permission: left in place for the next run, the rest goes on
            report.files.append(FileResult(path.name, "waiting", reason=held))
            unreadable.append(path.name)
            continue
        tables = _recognized(ctx, path, others)
        if tables is None:
            continue
        report.inputs.append(read_info(path, tables, ctx.layouts.source))
        sha = file_hash(path)
        asked = ctx.ledger.reimport_asked(sha)  # `etl serve`'s re-import: --force for this content, recorded
        skipped = _imported_before(ctx, sha, asked, inputs)
        if skipped:
            result = FileResult(path.name, "skipped", [t for t, _ in tables], reason=skipped)
            if not ctx.dry_run:
                result.moved_to = str(move_aside(path, ctx.config.folder("archive")))
            report.files.append(result)
            continue
        if asked:
            report.notes.append(f"{path.name}: imported again as asked ({asked[1]}, {asked[0]}), as with --force")
        elif not (ctx.force or ctx.flow.delta) and ctx.ledger.seen(sha, ctx.flow.name):
            ctx.again[path.name] = sha  # records of it were rejected last time: the rest was written then
        inputs.append(Input(path, sha, tables))
    return _whole_sets(ctx.config, ctx.flow, report, inputs, unreadable)


def _refused(ctx: RunContext, path: Path, reason: str, *, unknown: bool, code: str) -> FileResult:
    """`path` refused as a whole: moved to the error folder (left in place by a dry run)."""
    result = FileResult(path.name, "error", reason=reason, unknown=unknown, code=code)
    if not ctx.dry_run:
        result.moved_to = str(refuse(path, ctx.config.folder("error"), reason, code))
    return result


def _not_for_this_flow(ctx: RunContext, path: Path, other: str) -> FileResult:
    """`path` left in the inbox: an export of the flow `other`."""
    return FileResult(path.name, "ignored", reason=(
        f"an export for the flow '{other}', not {ctx.flow.name}: left in the inbox for `etl run {other}`"))


def _recognized(ctx: RunContext, path: Path, others: dict[str, SourceLayout]) -> list[tuple[str, RawTable]] | None:
    """The tables of `path` the flow reads; None when the file is another flow's or refused (reported)."""
    flow, layout = ctx.flow, ctx.layouts.source
    found, problem = recognize_file(path, {flow.name: layout})
    if not found:
        # No export at all (binary, one endless line) or one no flow reads: refused, the run goes on;
        # an export that cannot be read (broken XML) fails the run as before.
        unknown = is_no_export(problem)
        other, problem = _not_ours(ctx.config, flow, path, problem, others)
        ctx.report.files.append(_not_for_this_flow(ctx, path, other) if other else
                                _refused(ctx, path, problem, unknown=unknown,
                                         code="no-flow-reads-it" if unknown else "unreadable-export"))
        return None
    if better := _fits_better(ctx.config, flow, path, found[0].fit, others):  # orders.csv for `etl run customers`
        ctx.report.files.append(_not_for_this_flow(ctx, path, better))
        return None
    return list(found[0].tables)


def _imported_before(ctx: RunContext, sha: str, asked: tuple[str, str] | None, inputs: list[Input]) -> str | None:
    """Why the content `sha` is skipped (imported by an earlier run, or already in this one); None to import it."""
    flow = ctx.flow
    # A delta flow compares records, not files: an unchanged re-export simply sends nothing.
    # A file whose records were rejected last time (fixed meanwhile) is taken again: what was written
    # then is skipped record by record (steps/once.py), nothing is lost and nothing written twice.
    earlier = None if ctx.force or asked or flow.delta else ctx.ledger.seen(sha, flow.name, complete_only=True)
    # The same content twice in one run is imported once, like content imported by an earlier run.
    twin = None if ctx.force else next((i.path.name for i in inputs if i.sha256 == sha), None)
    if not (earlier or twin):
        return None
    return (f"already imported in run {earlier[0]} at {earlier[1]}; skipped " if earlier else
            f"same content as {twin} in this run; skipped ") + "(use --force to import it again)"


def _whole_sets(config: Config, flow: Flow, report: RunReport, inputs: list[Input],
                unreadable: list[str]) -> list[Input]:
    """The inputs without the flow's table set if it cannot be taken whole now; its files named as waiting."""
    members = [i for i in inputs if any(name != "flat" for name, _ in i.tables)]
    present = {name for i in members for name, _ in i.tables}
    lacking = [t for t in config.watch.set_tables.get(flow.name, []) if t not in present]
    if not members or not (unreadable or lacking):
        return inputs
    if unreadable:
        reason = N_("the {flow} export waits while {names} cannot be read (it may be one of its tables): nothing "
                    "of it is taken before every file can be read").format(flow=flow.name, names=", ".join(unreadable))
    else:
        reason = N_("the {flow} export waits for its tables {tables}: left in the inbox until they arrive").format(
            flow=flow.name, tables=", ".join(lacking))
    names = {i.path.name for i in members}
    report.files += [FileResult(i.path.name, "waiting", [t for t, _ in i.tables], reason=reason) for i in members]
    report.inputs[:] = [read for read in report.inputs if read.file not in names]
    return [i for i in inputs if i.path.name not in names]


def read_info(path: Path, tables: list[tuple[str, RawTable]], layout: SourceLayout | None = None) -> InputRead:
    """How `path` was read (the first table's encoding and dialect: a file has one), and the columns
    of each recognised table that `layout` does not read (listed in the report as ignored)."""
    raw = tables[0][1] if tables else None
    form = "delimited text" if raw is not None and raw.dialect is not None else (
        "tables" if raw is None or raw.name is None else "structured (xml, json, xlsx)")
    ignored = {name: extra for name, found in tables
               if layout is not None and (extra := ignored_columns(layout, name, found))}
    if raw is None or raw.encoding is None:
        return InputRead(path.name, form, ignored=ignored)
    return InputRead(path.name, form, raw.encoding.encoding, raw.encoding.confidence,
                     raw.dialect.describe() if raw.dialect else None, ignored)


def _other_layouts(config: Config, flow: Flow, others: dict[str, SourceLayout],
                   only: Collection[str] | None = None) -> dict[str, SourceLayout]:
    """The source layouts of the other built flows (or of those in `only`), each loaded once per run into `others`."""
    for name, candidate in FLOWS.items():
        if candidate.built and name != flow.name and name not in others and (only is None or name in only):
            try:
                others[name] = load_layouts(config, candidate).source
            except ConfigError:
                continue  # a flow whose layouts are broken reads nothing; its own run says why
    return {name: layout for name, layout in others.items() if only is None or name in only}


def _fits_better(config: Config, flow: Flow, path: Path, fit: int, others: dict[str, SourceLayout]) -> str | None:
    """The flow of a declared table set (`set_tables`) that reads more of `path`'s columns than `flow` does.

    Such a file is a table of that set (orders.csv is read by the customers flow too), never another
    flow's. Tables other flows share by design (a catalog's variants, read by `stock` as well) stay shared.
    """
    # Only the declared sets' layouts: loading every flow's would parse ~20 YAML files in every run.
    sets = _other_layouts(config, flow, others, only=config.watch.set_tables)
    theirs, _ = recognize_file(path, sets) if sets else ([], None)
    return next((r.flow for r in theirs if r.fit > fit and any(n != "flat" for n in r.names)), None)


def _not_ours(config: Config, flow: Flow, path: Path, problem: str | None,
              others: dict[str, SourceLayout]) -> tuple[str | None, str]:
    """The built flow that reads `path` instead, or why no flow does (what the file looks like, flows tried)."""
    _other_layouts(config, flow, others)
    if problem is None:
        theirs, _ = recognize_file(path, others)
        if theirs:
            return theirs[0].flow, ""
    return None, unknown_reason(path, problem, [flow.name, *others])

"""Run one flow over the inbox: recognise, extract to staging, map, write, publish, archive, report."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.delta import DeltaState
from etl.errors import InputFileError, UsageError
from etl.extract.rawtable import RawTable, read_file
from etl.flows import FLOWS, Flow, Media
from etl.ledger import Ledger, file_hash
from etl.lifecycle import free_name, fsync_file, inbox_files, move_aside, publish_planned, refuse
from etl.links import CustomerLinks
from etl.load.base import Resources, writer_for
from etl.lock import FileLock
from etl.mail.kinds import mailer_for
from etl.mail.tracking import send_queued
from etl.media import copy_media, private_namer, safe_name
from etl.records import KEY, Mapped, Prepared
from etl.report import FileResult, RunReport, write_rejects
from etl.staging import StagingWriter, prune, read_chunks
from etl.targets import close_extras, notes, open_extras, write_extras
from etl.transform.apply import map_chunk
from etl.transform.layout import SourceLayout, TargetLayout, load_layout
from etl.transform.source import recognize

Progress = Callable[[str, int], None]
RUN_LOCK_WAIT = 600.0  # seconds a run waits for another run (a watcher's file, a manual run) to finish


@dataclass
class Layouts:
    """The validated layouts of a flow."""

    source: SourceLayout
    target: TargetLayout
    extra: list[TargetLayout] = field(default_factory=list)  # more files the run writes (etl/targets.py)


@dataclass
class _Input:
    path: Path
    sha256: str
    tables: list[tuple[str, RawTable]] = field(default_factory=list)
    failed: str | None = None


def load_layouts(config: Config, flow: Flow) -> Layouts:
    """Both layouts of `flow`, validated (a ConfigError lists every problem of both)."""
    from etl.errors import ConfigError

    own = config.flows.get(flow.name)
    extra = own.extra_targets if own and own.extra_targets is not None else list(flow.extra_targets)
    problems: list[str] = []
    loaded = []
    for name, kind in (((own and own.source) or flow.source, SourceLayout),
                       ((own and own.target) or flow.target, TargetLayout),
                       *((name, TargetLayout) for name in extra)):
        try:
            loaded.append(load_layout(config.find_mapping(name), kind))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return Layouts(loaded[0], loaded[1], loaded[2:])


def get_flow(name: str) -> Flow:
    """The flow called `name`, if it is built."""
    flow = FLOWS.get(name)
    if flow is None:
        raise UsageError(f"unknown flow '{name}'; known flows: {', '.join(FLOWS)}")
    if not flow.built:
        raise UsageError(f"the flow '{name}' ({flow.module}) is not built yet")
    return flow


def run_flow(config: Config, flow_name: str, fmt: str, *, dry_run: bool = False, force: bool = False,
             files: list[Path] | None = None, progress: Progress | None = None, full: bool = False) -> RunReport:
    """Process the inbox (or `files`) for one flow and return the report.

    Flows that send deltas send only records changed since the last successful run, unless `full`.
    """
    flow = get_flow(flow_name)
    writer_cls = writer_for(fmt)
    layouts = load_layouts(config, flow)
    started = datetime.now()
    run_id = f"{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    report = RunReport(run_id=run_id, flow=flow.name, format=fmt, started=started.isoformat(timespec="seconds"),
                       dry_run=dry_run, unit=flow.unit)
    for name in ("inbox", "outbox", "archive", "error", "rejects", "reports", "staging", "state"):
        config.folder(name).mkdir(parents=True, exist_ok=True)
    # One run at a time per working folder (watcher or manual): two runs could otherwise both find
    # the same input not yet in the ledger, and recovery below must not touch a live run's files.
    with FileLock(config.folder("state") / "run.lock", timeout=RUN_LOCK_WAIT, what="another run"):
        ledger = Ledger(config.folder("state"))
        delta = DeltaState(config.folder("state"), flow.name, full) if flow.delta else None
        try:
            if not dry_run:
                recover(config, ledger)
            inputs = _gather(config, flow, layouts.source, report, ledger, files, force, dry_run)
            temps: list[Path] = []
            written: list[str] = []
            if inputs or flow.extract_staged:
                temps, written = _process(config, flow, layouts, writer_cls, inputs, report, ledger,
                                          dry_run, force, progress, delta)
            _finish(config, report, ledger, inputs, temps, dry_run, written)
            if delta and not dry_run:  # after the outputs are committed: a failed run is sent again
                delta.commit()
            if flow.mails and not dry_run:  # every run also retries what could not be sent before
                report.notes += send_queued(config)
        finally:
            ledger.close()
            if delta:
                delta.close()
    return report


def recover(config: Config, ledger: Ledger) -> list[str]:
    """Finish what a crashed run committed to, and drop what it had not; call under the run lock.

    Planned outputs recorded in the ledger are published (idempotently), so a crash between the
    ledger commit and the last publish is rolled forward. Hidden `.part` temps of no planned output
    belong to a run that died before its commit: nobody will publish them, so they are removed.
    Returns the run ids that were finished.
    """
    pending = ledger.pending_outputs()
    for run_id, outputs in pending.items():
        for temp, final in outputs:
            publish_planned(temp, final)
        _write_missing_report(ledger, run_id)
        ledger.outputs_published(run_id)
    outbox = config.folder("outbox")
    if outbox.is_dir():
        for temp in outbox.glob("**/.*.part"):
            temp.unlink(missing_ok=True)
    return list(pending)


def _write_missing_report(ledger: Ledger, run_id: str) -> None:
    text = ledger.run_report(run_id)
    target = json.loads(text).get("report_file") if text else None
    if target and not Path(target).exists():
        Path(target).write_text(text or "", encoding="utf-8")


def _gather(config: Config, flow: Flow, layout: SourceLayout, report: RunReport, ledger: Ledger,
            files: list[Path] | None, force: bool, dry_run: bool) -> list[_Input]:
    inputs = []
    for path in files if files is not None else inbox_files(config.folder("inbox")):
        try:
            raws = read_file(path, layout.encoding, layout.delimiter)
        except InputFileError as exc:
            result = FileResult(path.name, "error", reason=str(exc))
            if not dry_run:
                result.moved_to = str(refuse(path, config.folder("error"), str(exc)))
            report.files.append(result)
            continue
        tables = [(name, raw) for raw in raws if (name := recognize(layout, raw))]
        if not tables:
            continue  # another flow's file: left where it is
        sha = file_hash(path)
        # A delta flow compares records, not files: an unchanged re-export simply sends nothing.
        earlier = None if force or flow.delta else ledger.seen(sha, flow.name)
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
        inputs.append(_Input(path, sha, tables))
    return inputs


def _process(config: Config, flow: Flow, layouts: Layouts, writer_cls: type, inputs: list[_Input],
             report: RunReport, ledger: Ledger, dry_run: bool, force: bool, progress: Progress | None,
             delta: DeltaState | None = None) -> tuple[list[Path], list[str]]:
    """Write the outputs as hidden temps in the outbox; return them (published in `_finish`) and the keys written."""
    staging = config.folder("staging") / report.run_id
    groups = _stage(flow, layouts.source, inputs, staging, report)
    outbox = config.folder("outbox") / flow.outbox
    outbox.mkdir(parents=True, exist_ok=True)
    resources = Resources(config.search("templates"), config.search("schemas"))
    stem = f"{flow.name}_{report.run_id}"
    writer = writer_cls(layouts.target, outbox, stem, resources)
    links = CustomerLinks(config.folder("state"), config.customer_numbers) if flow.links else None
    extras = open_extras(config, layouts.extra, writer_cls.format, stem, resources)
    mails = mailer_for(flow.mails)(config, stem) if flow.mails else None
    written: list[str] = []
    try:
        for group in groups:
            for chunk in read_chunks(group):
                if links and flow.links in chunk:
                    chunk[flow.links] = links.assign(chunk[flow.links])
                if flow.prepare:
                    prepared = Prepared(*flow.prepare(config, layouts.source, ledger, chunk))
                    chunk = prepared.neutral
                    report.rejects += prepared.rejects
                    report.rejected += len({r.record for r in prepared.rejects if r.record})
                    report.skipped += prepared.skipped
                    report.notes += prepared.notes
                for entity, given in flow.media.items():
                    if entity in chunk:
                        media = Media(*given)
                        namer = private_namer(config.folder("state")) if media.private else safe_name
                        chunk[entity], refusals = copy_media(chunk[entity], media.column, config.folder("media"),
                                                             outbox / media.folder, dry_run, media.drop, namer)
                        report.rejects += refusals
                if delta:
                    chunk, unchanged = delta.changed(chunk, flow.delta or "")
                    report.skipped += unchanged
                mapped = map_chunk(layouts.target, chunk)
                if flow.once_per_record:
                    _skip_imported(mapped, layouts.target.root, flow, ledger, report, written, force)
                before = mapped.records[layouts.target.root].num_rows
                problems = mapped.rejects + writer.write(mapped)
                refused = {r.record for r in problems if r.record}
                root_keys = set(pc.unique(chunk_keys(mapped, layouts.target.root)).to_pylist())
                report.rejects += problems
                report.rejected += len(refused)
                report.written += before - len(refused & root_keys)
                written += sorted(root_keys - refused)
                if delta:
                    delta.forget(refused)
                report.rejects += write_extras(config, extras, chunk)
                if mails:
                    mails.take(chunk, root_keys - refused)
                if progress:
                    progress("written", report.written)
        temps = writer.close() + close_extras(extras)
    except BaseException:
        if links:
            links.rollback()
        writer.close()
        for folder in {outbox, *(e.writer.folder for e in extras)}:
            for temp in folder.glob(f".{stem}*.part"):
                temp.unlink(missing_ok=True)
        if mails:
            mails.discard()
        raise
    if links:  # committed before publishing: a crash may waste a number, never give a customer two
        new = links.new_customers
        links.rollback() if dry_run else links.commit()
        exported = any(x.layout.flow == "customers" for x in extras)
        if new and flow.name != "customers" and not exported:
            report.notes.append(
                f"{new} customer(s) not yet in the ERP got a new customer number; export them with "
                "`etl run customers`, or let the orders flow write them (flows.orders.extra_targets: "
                "[sage/customers.yaml] in etl.yaml)")
    report.notes += notes(extras)
    if mails:  # queued before publishing: a crash cannot lose a mail, a rerun cannot queue it twice
        mails.discard() if dry_run else mails.commit()
        temps += [] if dry_run else mails.temps
        report.notes.append(f"{flow.mails} mails: {len(mails.pending)} new")
    prune(config.folder("staging"), config.keep_staging_runs)
    if dry_run:
        for temp in temps:
            temp.unlink()
        return [], written
    return list(temps), written


def _skip_imported(mapped: Mapped, root: str, flow: Flow, ledger: Ledger, report: RunReport,
                   written: list[str], force: bool) -> None:
    """Leave out records an earlier run, or an earlier file of this run, already wrote."""
    keys = set(chunk_keys(mapped, root).to_pylist())
    done = {} if force else ledger.records_seen(flow.name, sorted(keys))
    again = (keys & set(written)) | set(done)
    if not again:
        return
    mapped.drop(again)
    report.skipped += len(again)
    report.notes.append(f"{len(again)} {report.unit} skipped: already imported "
                        f"({', '.join(sorted(again)[:5])}{', …' if len(again) > 5 else ''})")


def chunk_keys(mapped: Mapped, root: str) -> pa.ChunkedArray:
    """Keys of the root records of a mapped chunk (before writer refusals)."""
    return mapped.records[root].column(KEY)


def _stage(flow: Flow, layout: SourceLayout, inputs: list[_Input], staging: Path,
           report: RunReport) -> list[Path]:
    """Extract every input into the staging area; return the staged groups."""
    groups: list[Path] = []
    tables: dict[str, list[RawTable]] = {}
    if flow.extract_staged:  # a flow that reads what other flows staged, not the inbox
        folder = staging / "computed"
        if _stage_chunks(flow.extract_staged(staging.parent, layout, report.run_id), folder, [], report):
            groups.append(folder)
    for item in inputs:
        for name, raw in item.tables:
            if name == "flat":
                folder = staging / f"flat-{len(groups)}"
                if _stage_chunks(flow.extract_flat(layout, raw, report.run_id), folder, item, report):
                    groups.append(folder)
            else:
                tables.setdefault(name, []).append(raw)
    if tables:
        set_items = [i for i in inputs if any(n != "flat" for n, _ in i.tables)]
        folder = staging / "tables"
        chunks = flow.extract_tables(layout, tables, report.run_id)
        if _stage_chunks(chunks, folder, set_items, report):
            groups.append(folder)
    return groups


def _stage_chunks(chunks, folder: Path, items, report: RunReport) -> bool:  # type: ignore[no-untyped-def]
    items = items if isinstance(items, list) else [items]
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
    writer.close()
    return True


def _finish(config: Config, report: RunReport, ledger: Ledger, inputs: list[_Input], temps: list[Path],
            dry_run: bool, written: list[str]) -> None:
    stamp = f"{report.flow}_{report.run_id}"
    results: list[tuple[_Input, FileResult]] = []
    for item in inputs:
        tables = [name for name, _ in item.tables]
        if item.failed:
            result = FileResult(item.path.name, "error", tables, reason=item.failed)
            if not dry_run:
                result.moved_to = str(refuse(item.path, config.folder("error"), item.failed))
        else:
            result = FileResult(item.path.name, "would-import" if dry_run else "archived", tables)
        results.append((item, result))
    report.files += [result for _, result in results]
    report.finished = datetime.now().isoformat(timespec="seconds")
    if dry_run:
        return
    if report.rejects:
        path = config.folder("rejects") / f"{stamp}_rejects.csv"
        write_rejects(report.rejects, path)
        report.rejects_file = str(path)
    report.report_file = str(config.folder("reports") / f"{stamp}.json")
    done = [(i.sha256, i.path.name) for i in inputs if not i.failed]
    # Exactly once: the outputs are complete, durable, hidden temps; their final names are fixed now
    # and committed to the ledger in the same transaction as the inputs. Before that commit a crash
    # leaves nothing visible and nothing recorded (the run is redone, its temps dropped by `recover`);
    # after it the inputs count as imported and `recover` publishes whatever temp is left. Inputs
    # are archived last: a crash before that leaves them in place, known to the ledger, skipped.
    planned = []
    for temp in temps:
        fsync_file(temp)
        planned.append((temp, free_name(temp.parent, temp.name.removeprefix(".").removesuffix(".part"))))
    report.outputs = [str(final) for _, final in planned]
    ledger.commit_run(report.run_id, report.flow, report.started, report.status, report.to_json(), done,
                      planned, written)
    for temp, final in planned:
        publish_planned(temp, final)
    ledger.outputs_published(report.run_id)
    for item, result in results:
        if not item.failed:
            result.moved_to = str(move_aside(item.path, config.folder("archive")))
    Path(report.report_file).write_text(report.to_json(), encoding="utf-8")

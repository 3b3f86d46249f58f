"""Finish a run exactly once: outputs fixed in the ledger with the inputs, published, inputs archived.

`recover` finishes what a crashed run committed to and drops what it had not.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from etl.config import Config
from etl.i18n import N_, language
from etl.os_compat import fsync_file, write_atomic, writing_to
from etl.pipeline.context import RunContext
from etl.pipeline.gather import Input
from etl.pipeline.steps.once import per_input
from etl.report.run_report import FileResult, RunReport, write_rejects
from etl.state.ledger import Ledger
from etl.state.lifecycle import free_name, move_aside, publish_planned, refuse


def commit_run(ctx: RunContext, inputs: list[Input], temps: list[Path]) -> None:
    """Report the files, commit the run to the ledger, publish its outputs, archive or refuse its inputs.

    The report is written by `write_report`, once the steps' `committed` hooks have added to it.
    """
    config, report, ledger, dry_run, written = ctx.config, ctx.report, ctx.ledger, ctx.dry_run, ctx.written
    stamp = f"{report.flow}_{report.run_id}"
    results: list[tuple[Input, FileResult]] = []
    for item in inputs:
        tables = [name for name, _ in item.tables]
        if item.failed:
            result = FileResult(item.path.name, "error", tables, reason=item.failed, code="unreadable-export")
            if not dry_run:
                result.moved_to = str(refuse(item.path, config.folder("error"), item.failed, result.code))
        else:
            result = FileResult(item.path.name, "would-import" if dry_run else "archived", tables)
        results.append((item, result))
    report.files += [result for _, result in results]
    report.finished = datetime.now().isoformat(timespec="seconds")
    if dry_run:
        return
    if report.rejects:
        path = config.folder("rejects") / f"{stamp}_rejects.csv"
        with writing_to(path.parent, N_("the rejects file")):
            write_rejects(report.rejects, path, language(config.language))
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
                      planned, written, incomplete=not_fully_written(inputs, report), per_input=per_input(ctx))
    ctx.committed = True
    with writing_to(ctx.outbox, N_("the import files")):
        for temp, final in planned:
            publish_planned(temp, final)
    with writing_to(config.folder("archive"), N_("the processed inputs (moved to the archive)")):
        for item, result in results:
            if not item.failed:
                result.moved_to = str(move_aside(item.path, config.folder("archive")))


def fail(config: Config, report: RunReport, reason: str) -> None:
    """Write the report of a run that failed as a whole, saying why; nothing else of the run is kept."""
    report.error = reason
    report.outputs = []
    report.finished = datetime.now().isoformat(timespec="seconds")
    if report.dry_run:
        return
    report.report_file = str(config.folder("reports") / f"{report.flow}_{report.run_id}.json")
    write_atomic(Path(report.report_file), report.to_json())


def write_report(report: RunReport, ledger: Ledger) -> None:
    """Write a committed run's report, after the steps' `committed` hooks (mails sent or not): the ledger's
    copy first, then the file, the same text; only then is the run done for `recover`."""
    if report.report_file and not report.dry_run:
        text = report.to_json()
        ledger.keep_report(report.run_id, text)
        with writing_to(Path(report.report_file).parent, N_("the run report")):
            write_atomic(Path(report.report_file), text)
        # Until here a crash leaves the run's planned outputs in the ledger: `recover` publishes what is
        # left and writes the report from the ledger's copy.
        ledger.outputs_published(report.run_id)


def not_fully_written(inputs: list[Input], report: RunReport) -> set[str]:
    """Hashes of the inputs a record of which was rejected; the members of an export set count as one."""
    names = {Path(file).name for file in report.rejects.files}
    if not names and not report.rejected:
        return set()
    known = {i.path.name for i in inputs}
    if (report.rejected and not names) or names - known:  # a reject not traced to a file: none is complete
        return {i.sha256 for i in inputs}
    hit = {i.sha256 for i in inputs if i.path.name in names}
    if any(i.path.name in names and any(t != "flat" for t, _ in i.tables) for i in inputs):
        hit |= {i.sha256 for i in inputs if any(t != "flat" for t, _ in i.tables)}
    return hit


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
    if text and target and not Path(target).exists():
        write_atomic(Path(target), text)

"""Run one flow over the inbox: recognise, extract to staging, map, write, publish, archive, report."""

from __future__ import annotations

import copy
import shutil
import uuid
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from etl.config import Config
from etl.load.base import Writer, writer_for
from etl.pipeline.chunks import IMPORT_FILES, NothingPublished, Progress, process
from etl.pipeline.commit import commit_run, fail, recover, write_report
from etl.pipeline.context import RunContext, RunOptions
from etl.pipeline.disk import stops_plainly
from etl.pipeline.gather import Input, gather
from etl.pipeline.layouts import check_format, for_delta, get_flow, load_layouts
from etl.pipeline.stage import Restage, staged
from etl.pipeline.steps import Step, steps_for
from etl.report.run_report import RunReport
from etl.state.files import LEDGER, RUN_LOCK
from etl.state.ledger import Ledger
from etl.state.locks import FileLock

RUN_LOCK_WAIT = 600.0  # seconds a run waits for another run (a watcher's file, a manual run) to finish
FOLDERS = ("inbox", "outbox", "archive", "error", "rejects", "reports", "staging", "state")


def run_flow(config: Config, flow_name: str, fmt: str, options: RunOptions | None = None, *,
             files: list[Path] | None = None, progress: Progress | None = None) -> RunReport:
    """Process the inbox (or `files`) for one flow and return the report.

    Flows that send deltas send only records changed since the last successful run, unless `options.full`.
    """
    options = options or RunOptions()
    flow = get_flow(flow_name)
    writer_cls = writer_for(fmt)
    layouts = load_layouts(config, flow, fmt)
    check_format(flow, layouts.target, fmt)  # before the lock: nothing is read, moved or recorded
    started = datetime.now()
    run_id = f"{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    report = RunReport(run_id=run_id, flow=flow.name, format=fmt, started=started.isoformat(timespec="seconds"),
                       dry_run=options.dry_run, unit=flow.unit)
    history = config.folder("staging")  # earlier runs' neutral tables (the cross-selling flow reads them)
    with ExitStack() as cleanup:
        if options.dry_run:  # nothing written anywhere: staging and outputs go to a scratch folder removed at the end
            config = _scratch(config, Path(cleanup.enter_context(TemporaryDirectory(prefix="etl-dry-run-"))))
        else:
            for name in FOLDERS:
                config.folder(name).mkdir(parents=True, exist_ok=True)
        # One run at a time per working folder (watcher or manual): two runs could otherwise both find
        # the same input not yet in the ledger, and recovery below must not touch a live run's files.
        cleanup.enter_context(FileLock(config.folder("state") / RUN_LOCK, timeout=RUN_LOCK_WAIT,
                                       what="another run"))
        layouts = for_delta(config, flow, layouts, options.full)  # under the lock: it reads the delta state
        ledger = Ledger(config.folder("state"))
        ctx = RunContext(config, flow, layouts, report, ledger, options.dry_run, options.force, options.full,
                         written=ledger.written_keys(), files=files, history=history)
        _run(ctx, writer_cls, progress)
    return report


def _chunk_phase(ctx: RunContext, writer_cls: type[Writer], inputs: list[Input], steps: list[Step],
                 progress: Progress | None) -> list[Path]:
    """Stage the inputs and map and write each chunk as it is staged; return the temporary outputs.

    An input refused as a whole after some of its records were written (a byte no encoding reads, deep
    in the file) sends the phase back to its start without it: counts, steps and outputs begin anew.
    """
    before = copy.deepcopy(ctx.report)
    folder = ctx.config.folder("staging") / ctx.report.run_id
    while True:
        chunks = staged(ctx, inputs, folder)
        try:
            return process(ctx, writer_cls, chunks, steps, progress)
        except Restage:
            vars(ctx.report).update(vars(copy.deepcopy(before)))
            ctx.written.close()
            ctx.written = ctx.ledger.written_keys()
            for step in steps:
                step.close()
            steps[:] = steps_for(ctx)
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            chunks.close()


def _scratch(config: Config, scratch: Path) -> Config:
    """A copy of `config` whose outbox and staging (and state, if the working folder has none) are in `scratch`."""
    copy = config.model_copy(deep=True)
    copy.folders.outbox, copy.folders.staging = scratch / "outbox", scratch / "staging"
    if not (config.folder("state") / LEDGER).is_file():  # a new working folder: no state to read
        copy.folders.state = scratch / "state"
    for name in ("outbox", "staging", "state"):
        copy.folder(name).mkdir(parents=True, exist_ok=True)
    return copy


def _run(ctx: RunContext, writer_cls: type[Writer], progress: Progress | None) -> None:
    """The run itself, under the run lock."""
    steps = steps_for(ctx)
    try:
        if not ctx.dry_run:
            ctx.committed = True  # what fails here belongs to an earlier run the ledger has
            with stops_plainly(ctx, []):
                recover(ctx.config, ctx.ledger)
            ctx.committed = False
        inputs = gather(ctx)
        temps: list[Path] = []
        if inputs or ctx.flow.extract_staged or ctx.flow.recall:
            try:
                with stops_plainly(ctx, temps, untagged=IMPORT_FILES):
                    temps = _chunk_phase(ctx, writer_cls, inputs, steps, progress)
            except NothingPublished as exc:  # no ledger entry, the inputs stay where they are
                fail(ctx.config, ctx.report, str(exc))
                raise
        # the rejects file and the ledger commit; after it publishing, archiving, the steps' committed work
        with stops_plainly(ctx, temps):
            commit_run(ctx, inputs, temps)
            if not ctx.dry_run:
                try:
                    for step in steps:
                        step.committed()
                finally:  # the report, once, with what the committed hooks added
                    write_report(ctx.report, ctx.ledger)
    finally:
        for step in steps:
            step.close()
        ctx.written.close()
        ctx.ledger.close()

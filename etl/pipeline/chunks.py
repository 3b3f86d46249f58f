"""The chunk phase of a run: every staged chunk through the steps, mapped, written to the main target."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

import pyarrow.compute as pc

from etl.i18n import N_
from etl.load.base import Writer
from etl.os_compat import writing_to
from etl.pipeline.context import RunContext
from etl.pipeline.steps import Step
from etl.pipeline.storefront_routes import Route, Routes
from etl.report.run_report import RunReport
from etl.shared.errors import EtlError, StorageError
from etl.shared.records import KEY, Neutral
from etl.shared.rejects import Reject
from etl.state.staging import prune
from etl.transform.apply import map_chunk
from etl.transform.layout import TargetLayout

Progress = Callable[[str, int], None]
IMPORT_FILES = N_("the import files")


class NothingPublished(EtlError):
    """A run counted records as written that no file of its main target holds: it must not be committed."""


def refused_root_keys(target: TargetLayout, problems: list[Reject]) -> set[str]:
    """Keys of the root records (the report's unit) that `problems` refuse, with their family or as a whole."""
    return {r.record for r in problems if r.record is not None
            and (r.kind not in target.records or target.family(r.kind) == target.root)}


def process(ctx: RunContext, writer_cls: type[Writer], chunks: Iterable[Neutral], steps: list[Step],
            progress: Progress | None = None) -> list[Path]:
    """Write the outputs of the staged `chunks` as hidden temps in the outbox and return them.

    They are published when the run commits.
    """
    report = ctx.report
    ctx.outbox.mkdir(parents=True, exist_ok=True)
    routes = Routes(ctx, writer_cls)  # one writer, or one per store with overrides (stores.py)
    written_before = report.written  # records folded into others while staging count as written too
    try:
        for step in steps:
            step.start()
        for whole in chunks:
            for step in steps:
                whole = step.before_map(whole)
            for route, chunk in routes.split(whole):
                _write_part(ctx, routes, route, chunk, steps)
            if progress:
                progress("written", report.written)
        with writing_to(ctx.outbox, IMPORT_FILES):
            temps = _close_routes(report, routes, written_before)
        for step in steps:
            temps += step.before_commit()
    except BaseException as exc:
        with suppress(OSError):  # a full disk fails the close too: the temps go all the same
            routes.close()
        spent = 0
        for temp in ctx.outbox.glob(f"**/.{ctx.stem}*.part"):
            with suppress(OSError):
                spent += temp.stat().st_size
            temp.unlink(missing_ok=True)
        if isinstance(exc, StorageError):  # what the run had written, told with the error
            exc.spent += spent
        for step in steps:
            step.rollback()
        raise
    if ctx.dry_run:
        for temp in temps:
            temp.unlink()
        return []
    prune(ctx.config.folder("staging"), ctx.config.keep_staging_runs)
    return temps


def _write_part(ctx: RunContext, routes: Routes, route: Route, chunk: Neutral, steps: list[Step]) -> None:
    """Map `route`'s part of a chunk, write it with the route's writer and count it in the report."""
    report, target = ctx.report, route.layout
    mapped = map_chunk(target, chunk)
    for step in steps:
        step.after_map(mapped)
    before = mapped.records[target.root].num_rows
    with writing_to(ctx.outbox, IMPORT_FILES):
        problems = mapped.rejects + route.writer.write(mapped)
    refused = {r.record for r in problems if r.record}
    root_keys = set(pc.unique(mapped.records[target.root].column(KEY)).to_pylist())
    report.rejects += problems
    # The report counts root records (the unit): a refused price row or category is a reject
    # of its own, not a second count of an article written without it.
    refused_roots = refused_root_keys(target, problems)
    report.rejected += len(refused_roots)
    written = before - len(refused_roots & root_keys)
    report.written += written
    if routes.routing:
        report.stores[route.name or "other"] = report.stores.get(route.name or "other", 0) + written
    ctx.written += root_keys - refused
    for step in steps:
        step.after_write(chunk, root_keys - refused, refused)


def _close_routes(report: RunReport, routes: Routes, written_before: int) -> list[Path]:
    """Close every route's writer and return their temps; refuse a run whose written records no file holds."""
    temps = routes.close()
    report.notes += dict.fromkeys(n for route in routes.routes.values() for n in route.writer.notes)
    if report.written > written_before and not any(t.is_file() and t.stat().st_size for t in temps):
        raise NothingPublished(N_("{count} {unit} counted as written, but the {format} writer made no file "
                                  "that holds them: the run is not recorded and its inputs stay in the inbox"
                                  ).format(count=report.written - written_before, unit=report.unit,
                                           format=report.format))
    if report.stores:
        report.notes.append("written per store: " + ", ".join(f"{k} {v}" for k, v in report.stores.items()))
    return temps

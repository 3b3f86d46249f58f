"""The chunk phase of a run: every staged chunk through the steps, mapped, written to the main target."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow.compute as pc

from etl.load.base import Writer
from etl.pipeline.context import Neutral, RunContext
from etl.pipeline.steps import Step
from etl.pipeline.stores import Routes
from etl.records import KEY
from etl.staging import prune
from etl.transform.apply import map_chunk

Progress = Callable[[str, int], None]


def process(ctx: RunContext, writer_cls: type[Writer], chunks: Iterable[Neutral], steps: list[Step],
            progress: Progress | None = None) -> list[Path]:
    """Write the outputs of the staged `chunks` as hidden temps in the outbox and return them.

    They are published when the run commits.
    """
    report = ctx.report
    ctx.outbox.mkdir(parents=True, exist_ok=True)
    routes = Routes(ctx, writer_cls)  # one writer, or one per store with overrides (stores.py)
    try:
        for step in steps:
            step.start()
        for whole in chunks:
            for step in steps:
                whole = step.before_map(whole)
            for route, chunk in routes.split(whole):
                target = route.layout
                mapped = map_chunk(target, chunk)
                for step in steps:
                    step.after_map(mapped)
                before = mapped.records[target.root].num_rows
                problems = mapped.rejects + route.writer.write(mapped)
                refused = {r.record for r in problems if r.record}
                root_keys = set(pc.unique(mapped.records[target.root].column(KEY)).to_pylist())
                report.rejects += problems
                report.rejected += len(refused)
                written = before - len(refused & root_keys)
                report.written += written
                if routes.routing:
                    report.stores[route.name or "other"] = report.stores.get(route.name or "other", 0) + written
                ctx.written += sorted(root_keys - refused)
                for step in steps:
                    step.after_write(chunk, root_keys - refused, refused)
            if progress:
                progress("written", report.written)
        temps = routes.close()
        report.notes += dict.fromkeys(n for route in routes.routes.values() for n in route.writer.notes)
        if report.stores:
            report.notes.append("written per store: " + ", ".join(f"{k} {v}" for k, v in report.stores.items()))
        for step in steps:
            temps += step.finish()
    except BaseException:
        routes.close()
        for temp in ctx.outbox.glob(f"**/.{ctx.stem}*.part"):
            temp.unlink(missing_ok=True)
        for step in steps:
            step.rollback()
        raise
    if ctx.dry_run:
        for temp in temps:
            temp.unlink()
        return []
    prune(ctx.config.folder("staging"), ctx.config.keep_staging_runs)
    return temps

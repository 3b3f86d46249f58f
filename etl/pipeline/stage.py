"""Extract the run's inputs into the staging area and hand each staged chunk on as it is staged.

Extraction (reading, parsing, joining) runs in a worker thread ahead of the chunk phase, which maps and
writes the chunk before; the Parquet copy in the staging area is written behind (background.py). The
accounting of what was read stays in the caller's thread, in input order.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from pathlib import Path

from etl.extract import RawTable
from etl.fast.background import ahead
from etl.i18n import N_
from etl.os_compat import writing_to
from etl.pipeline.columns import name_source_columns
from etl.pipeline.context import RunContext
from etl.pipeline.gather import Input
from etl.pipeline.pool import Flat, extract_pool, pools
from etl.shared.errors import InputFileError
from etl.shared.records import Chunk, Neutral
from etl.state.staging import StagingWriter

STAGED = N_("the staged tables")


class Restage(Exception):
    """An input was refused as a whole after some of its records had gone on: the chunk phase starts over."""


def staged(ctx: RunContext, inputs: list[Input], staging: Path) -> Generator[Neutral, None, None]:
    """Extract every input not refused yet into `staging`, yielding each chunk's neutral tables once staged.

    An input refused as a whole is marked (`Input.failed`), its counts undone and its staging removed;
    if chunks of it were yielded already, `Restage` is raised. `ctx.history` holds earlier runs' staging
    (default: beside `staging`), for flows that read it. A flow driven by state (`Flow.recall`) stages
    what it remembers from the state folder when no input was staged.
    """
    report, layout = ctx.report, ctx.layouts.source
    tallies: dict[str, list[str]] = {}
    for folder, chunks, items in _groups(ctx, [i for i in inputs if not i.failed], staging):
        writer = StagingWriter(folder)
        counted = (report.records_in, report.rejected, report.written, len(report.rejects))
        counted_tallies = {note: len(ids) for note, ids in tallies.items()}
        handed = 0
        try:
            for chunk in ahead(chunks, depth=1, name="etl-extract"):  # a chunk in hand, one waiting
                with writing_to(staging, STAGED):
                    writer.append(chunk.neutral)
                report.records_in += chunk.records_in
                report.rejected += chunk.rejected
                report.written += chunk.merged  # folded into a record that is written with them
                report.rejects += name_source_columns(chunk.rejects, inputs, layout)
                for note, ids in chunk.tallies.items():
                    tallies.setdefault(note, []).extend(ids)
                handed += 1
                yield chunk.neutral
        except InputFileError as exc:
            writer.discard()
            report.records_in, report.rejected, report.written = counted[:3]
            report.rejects.truncate(counted[3])
            for note in list(tallies):
                del tallies[note][counted_tallies.get(note, 0):]
            for item in items:
                item.failed = str(exc)
            if handed:
                raise Restage(str(exc)) from exc
            continue
        except BaseException:
            writer.behind.cancel()  # the run fails; nothing more is staged behind it
            raise
        with writing_to(staging, STAGED):
            writer.close()
    report.notes += [tally(note, ids) for note, ids in tallies.items() if ids]


def tally(note: str, records: list[str], shown: int = 10) -> str:
    """A counting note filled in: how many records, and the first `shown` of them."""
    names = ", ".join(records[:shown]) + (", …" if len(records) > shown else "")
    return note.format(count=len(records), records=names)


def _groups(ctx: RunContext, inputs: list[Input],
            staging: Path) -> Iterator[tuple[Path, Iterable[Chunk], list[Input]]]:
    """The groups a run stages, in order: (folder, its chunks, the inputs they come from)."""
    flow, layout, run_id, history = ctx.flow, ctx.layouts.source, ctx.report.run_id, ctx.history
    if flow.extract_staged:  # a flow that reads what other flows staged, not the inbox
        yield staging / "computed", flow.extract_staged(history or staging.parent, layout, run_id), []
    tables: dict[str, list[RawTable]] = {}
    flats: list[Flat] = []
    for index, item in enumerate(inputs):
        for name, raw in item.tables:
            if name != "flat":
                tables.setdefault(name, []).append(raw)
            else:
                flats.append((index, item, raw))
    for pool in pools(flow, flats):
        index, item, raw = pool[0]
        if len(pool) == 1:
            yield staging / f"flat-{index}", flow.extract_flat(layout, raw, run_id), [item]
        else:  # small files extracted together; each refused alone, never `Restage` (pool.py)
            yield staging / f"flat-{index}", extract_pool(flow, layout, pool, run_id), []
    if tables:
        items = [i for i in inputs if any(n != "flat" for n, _ in i.tables)]
        yield staging / "tables", flow.extract_tables(layout, tables, run_id), items
    # evaluated after the inputs above were staged: only when none of them could be
    if flow.recall is not None and not any(not i.failed for i in inputs):
        yield staging / "remembered", flow.recall(ctx.config.folder("state"), layout, run_id), []

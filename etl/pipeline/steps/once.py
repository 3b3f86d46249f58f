"""Records written once, whatever file or form they come in: by root key, or by a key per record type.

Two ways, both kept in the ledger's `records` table in the run's own commit (the keys join
`ctx.written`, which `commit_run` commits with the inputs and outputs):
- `Flow.once_per_record`: a root record (by its key) imported before is left out with its children;
- `options.once` of a target layout: `{record type: template}` with `{target field}` placeholders. A row
  whose filled template was written before is left out alone (a shipped note's status row once, a new
  parcel number adds only its tracking row). Extra targets (labels) use `once_keys`/`record_once` below.
`--force` writes them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from etl.fast.arrays import template_rows
from etl.i18n import N_
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import KEY, Mapped, Neutral


def once_keys(prefix: str, table: pa.Table, template: str) -> list[str]:
    """The ledger key of every row of `table`: `prefix` + the template filled with the row's values."""
    rows = template_rows(table, [template])
    return [prefix + template.format_map({k: "" if v is None else v for k, v in row.items()}) for row in rows]


def seen_before(ctx: RunContext, keys: Iterable[str]) -> set[str]:
    """Of `keys`, those an earlier run or this run wrote (none with `--force`)."""
    wanted = sorted(set(keys))
    if ctx.force or not wanted:
        return set()
    return ctx.written.seen(wanted) | set(ctx.ledger.records_seen(ctx.flow.name, wanted))


def filter_seen(ctx: RunContext, table: pa.Table, keys: list[str]) -> tuple[pa.Table, list[str], int]:
    """`table` without the rows whose key was seen; the kept rows' keys; how many were left out."""
    seen = seen_before(ctx, keys)
    if not seen:
        return table, keys, 0
    keep = [k not in seen for k in keys]
    return table.filter(pa.array(keep)), [k for k, kept in zip(keys, keep, strict=True) if kept], keep.count(False)


_NAMED = 5  # keys a note names


class OncePerRecordStep(Step):
    """Leaves out records (or rows) an earlier run, or an earlier file of this run, already wrote."""

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.templates: dict[str, str] = dict(ctx.layouts.target.options.get("once") or {})
        self.pending: list[tuple[str, str]] = []  # (root key, row key) of rows kept in this chunk
        # Told once at the end, not per chunk: an export overlapping the last one by a million lines
        # gave a hundred lines of notes.
        self.again = 0  # root records imported before
        self.again_first: list[str] = []  # the first keys of them (in sorted order), for the note
        self.before = 0  # rows written before

    def after_map(self, mapped: Mapped) -> None:
        """Drop the root records imported before (with their children), then rows written before."""
        ctx, report = self.ctx, self.ctx.report
        root = ctx.layouts.target.root
        if ctx.flow.once_per_record:
            keys = set(mapped.records[root].column(KEY).to_pylist())
            again = seen_before(ctx, keys)
            if again:
                mapped.drop(again)
                report.skipped += len(again)
                self.again += len(again)
                self.again_first = sorted({*self.again_first, *sorted(again)[:_NAMED]})[:_NAMED]
        self.pending = []
        skipped = 0
        for name, template in self.templates.items():
            table = mapped.records.get(name)
            if table is None:
                continue
            kept, kept_keys, left_out = filter_seen(ctx, table, once_keys(f"{name}:", table, template))
            mapped.records[name] = kept
            self.pending += list(zip(kept.column(KEY).to_pylist(), kept_keys, strict=True))
            skipped += left_out if name == root else 0
        report.skipped += skipped
        self.before += skipped

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """Remember the row keys of what was written, for the ledger (committed with the run)."""
        self.ctx.written += [key for root, key in self.pending if root not in refused]
        self.pending = []

    def before_commit(self) -> list[Path]:
        """Tell what was left out, once for the run."""
        report = self.ctx.report
        if self.again:
            keys = ", ".join(self.again_first) + (", …" if self.again > _NAMED else "")
            report.notes.append(N_("{unit} skipped as already imported: {count} ({keys})").format(
                count=self.again, unit=report.unit, keys=keys))
        if self.before:
            report.notes.append(N_("{unit} skipped as written before: {count} (a new parcel number is still added)")
                                .format(count=self.before, unit=report.unit))
        return []


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow imports each record once or its target names once keys."""
    once = ctx.flow.once_per_record or bool(ctx.layouts.target.options.get("once"))
    return OncePerRecordStep(ctx) if once else None

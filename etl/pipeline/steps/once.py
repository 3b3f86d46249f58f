"""Records written once, whatever file or form they come in: by root key, or by a key per record type.

Two ways, both kept in the ledger's `records` table in the run's own commit (the keys join
`ctx.written`, which `commit_run` commits with the inputs and outputs):
- `Flow.once_per_record`: a root record (by its key) imported before is left out with its children;
- `options.once` of a target layout: `{record type: template}` with `{target field}` placeholders. A row
  whose filled template was written before is left out alone (a shipped note's status row once, a new
  parcel number adds only its tracking row). Extra targets (labels) use `once_keys`/`record_once` below.
Any other flow (master data: a customer or article changed is sent again in a later export) keeps the
records once per input: a file imported with records rejected is taken again (`ctx.again`), and its
root records that the runs taking it wrote are left out (the ledger's `written_from`).
`--force` writes them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import fill_template, template_rows
from etl.i18n import N_
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import KEY, LINEAGE, Mapped, Neutral


def once_keys(prefix: str, table: pa.Table, template: str) -> list[str]:
    """The ledger key of every row of `table`: `prefix` + the template filled with the row's values."""
    filled = fill_template(table, prefix.replace("{", "{{").replace("}", "}}") + template)
    if filled is not None:
        return filled.to_pylist()
    rows = template_rows(table, [template])
    return [prefix + template.format_map({k: "" if v is None else v for k, v in row.items()}) for row in rows]


def _key_column(prefix: str, table: pa.Table, template: str) -> pa.Array:
    """`once_keys` as a column."""
    filled = fill_template(table, prefix.replace("{", "{{").replace("}", "}}") + template)
    return filled if filled is not None else pa.array(once_keys(prefix, table, template), pa.string())


def per_input(ctx: RunContext) -> bool:
    """Whether the flow's records are kept once per input only (no record key or once template of its own)."""
    return not (ctx.flow.once_per_record or ctx.flow.delta or ctx.layouts.target.options.get("once"))


def written_from_again(ctx: RunContext, table: pa.Table, prefix: str = "") -> set[str]:
    """Keys of the rows of `table` from inputs taken again that the runs taking them wrote before.

    The rows of a record type other than the root are kept in the ledger as `prefix` + key.
    """
    if not ctx.again or ctx.force or not table.num_rows:
        return set()
    by_input: dict[str, list[str]] = {}
    for key, file in zip(table.column(KEY).to_pylist(), table.column(LINEAGE[0]).to_pylist(), strict=True):
        sha = ctx.again.get(Path(file).name) if file else None
        if sha and key is not None:
            by_input.setdefault(sha, []).append(prefix + key)
    return {key.removeprefix(prefix) for sha, keys in by_input.items()
            for key in ctx.ledger.written_from(sha, ctx.flow.name, keys)}


def seen_before(ctx: RunContext, keys: Iterable[str] | pa.Array) -> set[str]:
    """Of `keys`, those an earlier run or this run wrote (none with `--force`): asked once each, in key order."""
    if ctx.force:
        return set()
    wanted = pc.unique(keys if isinstance(keys, pa.Array) else pa.array(list(keys), pa.string()))
    if not len(wanted):
        return set()
    wanted = pc.array_take(wanted, pc.sort_indices(wanted)).to_pylist()
    return ctx.written.seen(wanted) | set(ctx.ledger.records_seen(ctx.flow.name, wanted))


def _seen_among(ctx: RunContext, keys: list[pa.Array]) -> pa.Array:
    """Of the key columns `keys` (a chunk's, asked together), those an earlier run or this run wrote."""
    return pa.array(list(seen_before(ctx, pa.chunked_array(keys, pa.string()).combine_chunks())), pa.string())


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
        # (root keys, row keys) of the rows kept in this chunk, per record type
        self.pending: list[tuple[pa.ChunkedArray | pa.Array, pa.Array]] = []
        # Told once at the end, not per chunk: an export overlapping the last one by a million lines
        # gave a hundred lines of notes.
        self.again = 0  # root records imported before
        self.again_first: list[str] = []  # the first keys of them (in sorted order), for the note
        self.before = 0  # rows written before
        self.chunk: Neutral = {}

    def before_map(self, chunk: Neutral) -> Neutral:
        """Keep the chunk: records folded into a root record left out are left out with it."""
        self.chunk = chunk
        return chunk

    def after_map(self, mapped: Mapped) -> None:
        """Drop the root records imported before (with their children), then rows written before."""
        ctx, report = self.ctx, self.ctx.report
        root = ctx.layouts.target.root
        self.pending = []
        if ctx.flow.once_per_record or per_input(ctx):
            self._skip_imported(mapped, root)
        keyed = {name: (table, _key_column(f"{name}:", table, template)) for name, template in self.templates.items()
                 if (table := mapped.records.get(name)) is not None}
        seen = _seen_among(ctx, [keys for _, keys in keyed.values()])
        skipped = 0
        for name, (table, keys) in keyed.items():
            keep = pc.invert(pc.is_in(keys, value_set=seen))
            kept = table.filter(keep)
            mapped.records[name] = kept
            self.pending.append((kept.column(KEY), keys.filter(keep)))
            skipped += table.num_rows - kept.num_rows if name == root else 0
        report.skipped += skipped
        self.before += skipped

    def _skip_imported(self, mapped: Mapped, root: str) -> None:
        """Drop the root records written before: by key, or (per input) those the input's earlier runs wrote."""
        ctx, report, target = self.ctx, self.ctx.report, self.ctx.layouts.target
        table = mapped.records[root]
        if ctx.flow.once_per_record:
            again = seen_before(ctx, set(table.column(KEY).to_pylist()))
            mapped.drop(again)
        else:
            again = written_from_again(ctx, table)
            mapped.drop(again, [root, *target.children(root)])
            for other in [r for r in target.roots if r != root]:  # types of their own (categories beside articles)
                left_out = written_from_again(ctx, mapped.records[other], f"{other}:")
                mapped.drop(left_out, [other, *target.children(other)])
                roots = mapped.records[other].column(KEY)
                self.pending.append((roots, pa.array([f"{other}:{key}" for key in roots.to_pylist()], pa.string())))
        if not again:
            return
        # A record folded into one of them (the same person twice) was counted as written when staged.
        entity = self.chunk.get(ctx.layouts.target.records[root].entity)
        folded = 0
        if entity is not None and "merged_into" in entity.column_names:
            folded = pc.sum(pc.is_in(entity.column("merged_into"), value_set=pa.array(sorted(again)))).as_py() or 0
        report.written -= folded
        report.skipped += len(again) + folded
        self.again += len(again) + folded
        self.again_first = sorted({*self.again_first, *sorted(again)[:_NAMED]})[:_NAMED]

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """Remember the row keys of what was written, for the ledger (committed with the run)."""
        out = pa.array(list(refused), pa.string())
        done = [keys.filter(pc.invert(pc.is_in(roots, value_set=out))) if refused else keys
                for roots, keys in self.pending]
        if done:
            self.ctx.written += pa.chunked_array(done, pa.string()).to_pylist()
        self.pending = []

    def before_commit(self) -> list[Path]:
        """Tell what was left out, once for the run."""
        report = self.ctx.report
        if self.again:
            keys = ", ".join(self.again_first) + (", …" if self.again > _NAMED else "")
            report.notes.append(N_("{unit} skipped as already imported: {count} ({keys})").format(
                count=self.again, unit=report.unit, keys=keys))
        if self.before and len(self.templates) > 1:  # rows of the other types still go out (a new parcel)
            report.notes.append(N_("{unit} skipped as written before: {count} (a new parcel number is still added)")
                                .format(count=self.before, unit=report.unit))
        elif self.before:
            report.notes.append(N_("{unit} skipped as written before: {count}").format(count=self.before,
                                                                                       unit=report.unit))
        return []


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow imports each record once or its target names once keys."""
    return None if ctx.flow.delta and not ctx.layouts.target.options.get("once") else OncePerRecordStep(ctx)

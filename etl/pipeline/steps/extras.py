"""Extra targets: further files one run writes from the same neutral records (e.g. carrier labels).

A flow has its main target layout (the other system's import) and may name extra target layouts
(`Flow.extra_targets`, or `flows.<name>.extra_targets` in etl.yaml). Each goes to
`outbox/<layout.system>/` in the run's format, or in the one format its layout allows
(`options.formats`, e.g. the DHL portal reads CSV only).

Each extra target is mapped before the main target writes. A record it refuses is a reject of that
file; when the extra target is made of the flow's own records (a delivery note's label), the record is
refused whole, so the shop gets no update, address or mail of a note whose label could not be made
(docs/carriers.md). Labels derived from another entity (shop orders) are refused alone: the ERP import
of the order stands. Each record gets one label: the ledger keeps `<layout flow>-label:<key>` with the
run (`--force` writes it again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from etl.config import Config
from etl.load.base import Writer, writer_for
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.pipeline.steps.once import filter_seen
from etl.shared.records import KEY, Mapped, Neutral
from etl.shared.rejects import Reject
from etl.transform.addresses import check_addresses
from etl.transform.apply import map_chunk
from etl.transform.layout import TargetLayout

Derive = Callable[[Config, Neutral], pa.Table]


@dataclass
class ExtraTarget:
    """One extra target of a run: its layout, its open writer and what it wrote."""

    layout: TargetLayout
    writer: Writer
    written: int = 0
    refused: int = 0
    skipped: int = 0
    own: bool = True  # made of the flow's own records (not derived from another entity)
    mapped: Mapped | None = None  # this chunk's records, mapped before the main target writes
    problems: list[Reject] = field(default_factory=list)

    @property
    def title(self) -> str:
        """How the merchant calls this file (`options.title`, else the layout's flow name)."""
        return str(self.layout.options.get("title", self.layout.flow))


def derived_entities() -> dict[str, Derive]:
    """Entities an extra target may read although the flow does not extract them (derived instead)."""
    from etl.flows import customers, shipments

    return {"shipments": shipments.from_orders, "customers": customers.from_orders}


def settings(config: Config) -> dict[str, Any]:
    """The etl.yaml values a layout may name with `compute: setting` (dotted keys)."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        else:
            flat[prefix] = value

    walk("", config.model_dump(include={"sender", "carriers"}, mode="json"))
    return flat


class ExtrasStep(Step):
    """A writer per extra target layout; every chunk is mapped and written to each of them too."""

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.extras: list[ExtraTarget] = []
        self.chunk: Neutral = {}
        self.refused_whole: set[str] = set()

    def start(self) -> None:
        """Open a writer for every extra target layout."""
        ctx = self.ctx
        fmt = ctx.report.format
        for layout in ctx.layouts.extra:
            formats = layout.options.get("formats") or [fmt]
            folder = ctx.config.folder("outbox") / layout.system
            folder.mkdir(parents=True, exist_ok=True)
            layout.value_maps["_settings"] = settings(ctx.config)
            writer = writer_for(fmt if fmt in formats else formats[0])(layout, folder, ctx.stem, ctx.resources)
            self.extras.append(ExtraTarget(layout, writer))

    def before_map(self, chunk: Neutral) -> Neutral:
        """Keep the chunk: the extra targets are mapped from it after the main target is mapped."""
        self.chunk = chunk
        return chunk

    def after_map(self, mapped: Mapped) -> None:
        """Map every extra target, check it, leave out labels made before; refuse notes whose label fails."""
        refuse_whole: set[str] = set()
        for extra in self.extras:
            source = dict(self.chunk)
            extra.own = True
            for spec in extra.layout.records.values():
                derive = derived_entities().get(spec.entity)
                if spec.entity not in source and derive is not None:
                    source[spec.entity] = derive(self.ctx.config, source)
                    extra.own = False
            extra.mapped = map_chunk(extra.layout, source)
            extra.problems = extra.mapped.rejects + check_addresses(extra.layout, extra.mapped)
            extra.mapped.drop({r.record for r in extra.problems if r.record})
            root = extra.layout.root
            table = extra.mapped.records[root]
            keys = [f"{self.label_kind(extra)}:{k}" for k in table.column(KEY).to_pylist()]
            kept, _, left_out = filter_seen(self.ctx, table, keys)
            extra.skipped += left_out
            extra.mapped.drop(set(table.column(KEY).to_pylist()) - set(kept.column(KEY).to_pylist()))
            if extra.own:
                refuse_whole |= {r.record for r in extra.problems if r.record}
        if refuse_whole:  # the main target refuses them too, with the label's reason
            mapped.rejects += [replace(r, params={**r.params, "label": extra.title, "whole": True})
                               for extra in self.extras for r in extra.problems if r.record in refuse_whole]
            mapped.drop(refuse_whole)
            self.refused_whole = refuse_whole

    def label_kind(self, extra: ExtraTarget) -> str:
        """The ledger key prefix of this extra target's records (e.g. `dhl-label`)."""
        return f"{extra.layout.flow}-label"

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """Write every extra target's records of the written keys; what they refused becomes rejects."""
        rejects: list[Reject] = []
        for extra in self.extras:
            assert extra.mapped is not None
            mapped, problems = extra.mapped, list(extra.problems)
            if extra.own:  # a label only for a record the main target wrote
                mapped.drop(set(mapped.records[extra.layout.root].column(KEY).to_pylist()) - written)
                problems = [p for p in problems if p.record not in self.refused_whole]
            problems += extra.writer.write(mapped)
            own_refused = {r.record for r in problems if r.record}
            done = set(mapped.records[extra.layout.root].column(KEY).to_pylist()) - own_refused
            extra.written += len(done)
            extra.refused += len(own_refused)
            self.ctx.written += sorted(f"{self.label_kind(extra)}:{k}" for k in done)
            rejects += [replace(r, params={**r.params, "label": extra.title}) for r in problems]
            extra.mapped, extra.problems = None, []
        self.refused_whole = set()
        self.ctx.report.rejects += rejects

    def before_commit(self) -> list[Path]:
        """Finish the files (a file without records is dropped unless its layout asks for it); note the counts."""
        temps: list[Path] = []
        for extra in self.extras:
            paths = extra.writer.close()
            if extra.written or extra.layout.options.get("write_empty", False):
                temps += paths
            else:
                for path in paths:
                    path.unlink(missing_ok=True)
            self.ctx.report.notes.append(
                f"{extra.title}: {extra.written} written"
                + (f", {extra.refused} refused (see rejects)" if extra.refused else "")
                + (f", {extra.skipped} made before (--force makes them again)" if extra.skipped else ""))
        return temps

    def rollback(self) -> None:
        """Close the writers and remove their temporary files."""
        for extra in self.extras:
            extra.writer.close()
            for temp in extra.writer.folder.glob(f".{self.ctx.stem}*.part"):
                temp.unlink(missing_ok=True)


def build(ctx: RunContext) -> Step | None:
    """The step, when the run writes extra targets."""
    return ExtrasStep(ctx) if ctx.layouts.extra else None

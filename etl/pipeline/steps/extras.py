"""Extra targets: further files one run writes from the same neutral records (e.g. carrier labels).

A flow has its main target layout (the other system's import) and may name extra target layouts
(`Flow.extra_targets`, or `flows.<name>.extra_targets` in etl.yaml). Each goes to
`outbox/<layout.system>/` in the run's format, or in the one format its layout allows
(`options.formats`, e.g. the DHL portal reads CSV only). A record an extra target refuses is listed
as a reject of that file; it does not undo what the main target wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from etl.config import Config
from etl.load.base import Writer, writer_for
from etl.pipeline.context import Neutral, RunContext
from etl.pipeline.steps.base import Step
from etl.records import KEY
from etl.rejects import Reject
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

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """Map the chunk onto every extra target and write it; what they refuse becomes rejects."""
        rejects: list[Reject] = []
        for extra in self.extras:
            source = dict(chunk)
            for spec in extra.layout.records.values():
                derive = derived_entities().get(spec.entity)
                if spec.entity not in source and derive is not None:
                    source[spec.entity] = derive(self.ctx.config, source)
            mapped = map_chunk(extra.layout, source)
            problems = mapped.rejects + check_addresses(extra.layout, mapped)
            mapped.drop({r.record for r in problems if r.record})
            problems += extra.writer.write(mapped)
            own_refused = {r.record for r in problems if r.record}
            root = mapped.records[extra.layout.root]
            extra.written += len(set(root.column(KEY).to_pylist()) - own_refused)
            extra.refused += len(own_refused)
            rejects += [replace(r, reason=f"{extra.title}: {r.reason}") for r in problems]
        self.ctx.report.rejects += rejects

    def finish(self) -> list[Path]:
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
                + (f", {extra.refused} refused (see rejects)" if extra.refused else ""))
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

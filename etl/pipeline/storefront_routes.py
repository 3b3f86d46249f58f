"""Stores that route: the main target written per store, each with its own layout and outbox folder.

A target layout's `stores:` section and etl.yaml's (keyed by the shop's store id, the root entity's
`store_id`; etl.yaml wins) give a store its field values, defaults, value-map entries, a layout variant or
an outbox subfolder. Records of a store without such overrides go to the main writer. Each chunk is split
by store before it is mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from etl.load.base import Writer
from etl.pipeline.context import RunContext
from etl.shared.records import Neutral
from etl.transform.layout import TargetLayout, load_layout
from etl.transform.storefront_layouts import effective_stores, for_store

STORE_FIELD = "store_id"


@dataclass
class Route:
    """Where the records of one store (None: every store without overrides) are mapped and written."""

    store: str | None
    name: str
    layout: TargetLayout
    writer: Writer


class Routes:
    """The main target's routes of one run."""

    def __init__(self, ctx: RunContext, writer_cls: type[Writer]) -> None:
        target = ctx.layouts.target
        self.entity, self.key = target.records[target.root].entity, target.records[target.root].key
        self.routes: dict[str | None, Route] = {
            None: Route(None, "", target, writer_cls(target, ctx.outbox, ctx.stem, ctx.resources))}
        for store, override in effective_stores(target, ctx.config.stores).items():
            if not override.routes_files:
                continue  # e.g. only its own customer number range: its records stay in the main files
            base = load_layout(ctx.config.find_mapping(override.layout), TargetLayout) if override.layout else target
            folder = ctx.outbox / override.outbox if override.outbox else ctx.outbox
            folder.mkdir(parents=True, exist_ok=True)
            # A store sharing a folder with another gets its id in the file names.
            stem = ctx.stem if override.outbox else f"{ctx.stem}_store{store}"
            layout = for_store(base, override)
            self.routes[store] = Route(store, override.name or store, layout,
                                       writer_cls(layout, folder, stem, ctx.resources))

    @property
    def routing(self) -> bool:
        """True when some store has overrides."""
        return len(self.routes) > 1

    def split(self, chunk: Neutral) -> Iterator[tuple[Route, Neutral]]:
        """The chunk's records per route (each root record with every table row of its key)."""
        roots = chunk.get(self.entity)
        if not self.routing or roots is None or STORE_FIELD not in roots.column_names:
            yield self.routes[None], chunk
            return
        stores = pc.cast(roots.column(STORE_FIELD), pa.string())
        special = pa.array([s for s in self.routes if s is not None], pa.string())
        for store, route in self.routes.items():
            if store is None:
                mask = pc.invert(pc.fill_null(pc.is_in(stores, value_set=special), False))
            else:
                mask = pc.fill_null(pc.equal(stores, store), False)
            keys = roots.filter(mask).column(self.key)
            if len(keys) or store is None:
                yield route, {name: _rows_of(table, self.key, keys) for name, table in chunk.items()}

    def close(self) -> list[Path]:
        """Close every writer; their temporary files."""
        return [path for route in self.routes.values() for path in route.writer.close()]


def _rows_of(table: pa.Table, key: str, keys: pa.ChunkedArray) -> pa.Table:
    if key not in table.column_names:
        return table
    return table.filter(pc.is_in(table.column(key), value_set=keys.combine_chunks()))

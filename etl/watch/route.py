"""Which flow reads a file: decided by its content (columns, root element), never by its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from etl.config import Config
from etl.flows import FLOWS
from etl.pipeline import load_layouts, recognize_file
from etl.pipeline.recognize import unknown_reason
from etl.shared.errors import EtlError
from etl.transform.layout import SourceLayout


@dataclass(frozen=True)
class Route:
    """The flow of one file and the tables found in it, or why it has none."""

    flow: str | None
    tables: tuple[str, ...] = ()
    reason: str | None = None  # set when the file goes to the error folder
    code: str = "no-flow-reads-it"  # with a reason: its reject code (docs/rejects.md)
    # Later flows that read the file too (a stock list: `catalog` beside its articles, `stock` alone).
    alternatives: tuple[Route, ...] = ()

    @property
    def is_set_member(self) -> bool:
        """A table file of a multi-file export (only useful together with its siblings)."""
        return any(name != "flat" for name in self.tables)


@dataclass
class Router:
    """The source layouts of every built flow, loaded once."""

    config: Config
    layouts: dict[str, SourceLayout] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for flow in FLOWS.values():
            if flow.built:
                self.layouts[flow.name] = load_layouts(self.config, flow).source

    def route(self, path: Path) -> Route:
        """The route of `path`; unreadable files and files no built flow reads get a reason instead."""
        try:
            found, problem = recognize_file(path, self.layouts)
        except (OSError, EtlError, ValueError) as exc:  # a poisonous file must not stop the watcher
            return Route(None, reason=f"{path.name}: cannot be read: {exc}", code="unreadable-export")
        routes = [Route(r.flow, r.names) for r in found]  # the best fit first
        if routes:
            return Route(routes[0].flow, routes[0].tables, alternatives=tuple(routes[1:]))
        # Flows that are not built yet read nothing: the reason names the built ones that were tried.
        return Route(None, reason=unknown_reason(path, problem, list(self.layouts)))

    def expected_sets(self) -> frozenset[str]:
        """Flows whose multi-file exports are declared (`set_tables`): their tables are never another flow's."""
        return frozenset(flow for flow in self.config.watch.set_tables if flow in self.layouts)

    def required_tables(self, flow: str) -> list[str]:
        """Tables a multi-file export of `flow` must have before it is taken."""
        own = self.config.watch.set_tables.get(flow)
        if own is not None:
            return own
        return list(self.layouts[flow].tables)[:1]

"""A flow by name, and its validated layouts (the main target and the extra ones etl.yaml or the flow names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from etl.config import Config
from etl.flows import FLOWS, Flow
from etl.i18n import N_
from etl.load.registry import WRITERS, formats_for
from etl.shared.errors import ConfigError, UsageError
from etl.state.delta import sent_before
from etl.transform.layout import SourceLayout, TargetLayout, load_layout


@dataclass
class Layouts:
    """The validated layouts of a flow."""

    source: SourceLayout
    target: TargetLayout
    extra: list[TargetLayout] = field(default_factory=list)  # more files the run writes (steps/extras.py)


def get_flow(name: str) -> Flow:
    """The flow called `name`, if it is built."""
    flow = FLOWS.get(name)
    if flow is None:
        raise UsageError(f"unknown flow '{name}'; known flows: {', '.join(FLOWS)}")
    if not flow.built:
        raise UsageError(f"the flow '{name}' ({flow.module}) is not built yet")
    return flow


def load_layouts(config: Config, flow: Flow, fmt: str | None = None) -> Layouts:
    """Both layouts of `flow`, validated (a ConfigError lists every problem of both).

    A format with target layouts of its own (`WriterSpec.layouts`, a standard's documents) writes with
    its layout for the flow instead of the flow's target layout.
    """
    own = config.flows.get(flow.name)
    extra = own.extra_targets if own and own.extra_targets is not None else list(flow.extra_targets)
    target = (own and own.target) or flow.target
    spec = WRITERS.get(fmt or "")
    if spec and spec.layouts and spec.serves(flow.name, flow.system):
        target = str(PurePosixPath(spec.layouts) / PurePosixPath(flow.target.replace("\\", "/")).name)
    problems: list[str] = []
    source: SourceLayout | None = None
    targets: list[TargetLayout] = []
    try:
        source = load_layout(config.find_mapping((own and own.source) or flow.source), SourceLayout)
    except ConfigError as exc:
        problems += exc.problems
    for name in (target, *extra):
        try:
            targets.append(load_layout(config.find_mapping(name), TargetLayout))
        except ConfigError as exc:
            problems += exc.problems
    if problems or source is None:
        raise ConfigError(problems)
    return Layouts(source, targets[0], targets[1:])


def check_format(flow: Flow, target: TargetLayout, fmt: str) -> None:
    """Refuse a format that does not serve `flow` (with `target`, its main target layout), before anything is read.

    A writer that cannot carry the flow's records would count them as written and write nothing.
    """
    allowed = formats_for(flow.name, target.system)
    if fmt not in allowed:
        raise UsageError(N_("the {flow} flow cannot be written as {format}; its formats: {formats}").format(
            flow=flow.name, format=fmt, formats=", ".join(allowed)))


def for_delta(config: Config, flow: Flow, layouts: Layouts, full: bool = False) -> Layouts:
    """`layouts` with the target's `delta_layout` instead of it when the flow sends only changes (a run of
    it was committed before, not `full`): a standard's update documents (BMEcat T_UPDATE_PRODUCTS)."""
    target = layouts.target
    if not (target.delta_layout and flow.delta and not full and sent_before(config.folder("state"), flow.name)):
        return layouts
    return Layouts(layouts.source, load_layout(config.find_mapping(target.delta_layout), TargetLayout), layouts.extra)


def check_formats(config: Config, formats: dict[str, str]) -> None:
    """`check_format` for each flow -> format of a setting (`watch.formats`), every flow's layouts loaded."""
    for name, fmt in formats.items():
        flow = get_flow(name)
        check_format(flow, load_layouts(config, flow, fmt).target, fmt)

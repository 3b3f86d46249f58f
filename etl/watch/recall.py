"""Flows driven by state (`Flow.recall`, e.g. payment reminders) run by the watcher without a new file.

A reminder falls due by the calendar: the watcher runs such a flow on its schedule entry
(`watch.schedule`), else every `RECALL_EVERY` seconds, and in `--once` mode once, but only while the
flow remembers something (no empty reports for a flow nobody uses).
"""

from __future__ import annotations

import logging
from pathlib import Path

from etl.config import Config
from etl.flows import FLOWS
from etl.i18n import N_
from etl.pipeline import run_flow
from etl.state.locks import LockBusy
from etl.transform.layout import SourceLayout

log = logging.getLogger("etl.watch")
RECALL_EVERY = 3600.0  # seconds between runs of a flow driven by state that has no schedule entry


def interval(config: Config, flow: str) -> float:
    """Seconds between the watcher's runs of `flow` without a new file."""
    entry = next((e for e in config.watch.schedule if e.flow == flow), None)
    return entry.every_seconds if entry else RECALL_EVERY


def remembers(config: Config, flow: str, layout: SourceLayout) -> bool:
    """Whether `flow` remembers records a run would look at."""
    recall = FLOWS[flow].recall
    return recall is not None and next(recall(config.folder("state"), layout, "check"), None) is not None


def run_remembered(config: Config, flow: str, layout: SourceLayout) -> str | None:
    """Run `flow` over what it remembers (no inbox files); the run id, or None when there was nothing."""
    if not remembers(config, flow, layout):
        return None
    fmt = config.watch.formats.get(flow, "csv")
    try:
        report = run_flow(config, flow, fmt, files=[])
    except LockBusy:  # a manual run holds the working folder: the next cycle tries again
        log.info(N_("%s: another run is busy; remembered records wait"), flow)
        return None
    outputs = ", ".join(Path(p).name for p in report.outputs)
    log.info(N_("%-8s %s  remembered records: %d written, %d skipped%s"), N_("run"), flow, report.written,
             report.skipped,
             f" -> {outputs}" if outputs else "")
    return report.run_id

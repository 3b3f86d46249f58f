"""Process one claimed job with `run_flow`; a bad file goes to the error folder, never stops the others."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from etl.config import Config
from etl.i18n import N_
from etl.pipeline import run_flow
from etl.shared.errors import ConfigError, StorageError
from etl.state.lifecycle import free_name, is_candidate, move_aside, not_plain, refuse
from etl.state.locks import LockBusy
from etl.watch.claim import Claimed, leftovers, release, unclaim, unpack
from etl.watch.route import Route, Router
from etl.watch.sets import missing_tables

log = logging.getLogger("etl.watch")


@dataclass
class Outcome:
    """What became of a job: one (file, status, detail) per input, and the runs made."""

    files: list[tuple[str, str, str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    put_back: bool = False


def process(config: Config, router: Router, claimed: Claimed) -> Outcome:
    """Run the job's flow(s) over its inputs, move what is left aside, and release the job folder."""
    outcome = Outcome()
    inbox = config.folder("inbox")
    try:
        if claimed.kind == "zip":
            try:
                unpack(claimed)
            except ValueError as exc:
                _refuse(config, claimed.folder / claimed.names[0], str(exc), outcome, "unreadable-export")
        groups = _groups(config, router, claimed, outcome)
        for flow, paths in groups.items():
            _run(config, flow, paths, outcome)
    except (LockBusy, ConfigError, StorageError) as exc:
        # Not the file's fault: give it back and try again later.
        log.error(N_("cannot process %s now (%s); put back into the inbox"), ", ".join(claimed.names), str(exc))
        unclaim(claimed, inbox)
        outcome.put_back = True
        return outcome
    if claimed.kind == "zip" and (claimed.folder / claimed.names[0]).exists():
        target = move_aside(claimed.folder / claimed.names[0], config.folder("archive"))
        outcome.files.append((claimed.names[0], N_("archived"), N_("unpacked; zip kept in {folder}").format(
            folder=target.parent)))
    for path in leftovers(claimed):
        if foreign := not_plain(path):
            _refuse(config, path, foreign, outcome, "not-a-plain-file")
        elif is_candidate(path):
            _refuse(config, path, N_("not processed: no complete export of a built flow contains this file"), outcome,
                    "no-flow-reads-it")
        else:  # readme, hidden or temporary files inside a dropped folder: not exports, kept beside them
            move_aside(path, config.folder("archive"))
    release(claimed)
    for name, status, detail in outcome.files:
        log.info("%-8s %s%s%s", status, name, "  " if detail else "", detail)  # each part translated
    return outcome


def _groups(config: Config, router: Router, claimed: Claimed, outcome: Outcome) -> dict[str, list[Path]]:
    """The inputs by flow; files of folders and zips are routed here, by content."""
    inputs = claimed.inputs()
    if claimed.kind in ("files", "set") and claimed.flow:
        return {claimed.flow: inputs} if inputs else {}
    groups: dict[str, list[Path]] = {}
    members: dict[str, list[tuple[Path, Route]]] = {}
    for path in inputs:
        route = Route(None, reason=foreign, code="not-a-plain-file") if (foreign := not_plain(path)) \
            else router.route(path)
        if route.reason or not route.flow:
            _refuse(config, path, route.reason or "no flow reads this file", outcome, route.code)
            continue
        groups.setdefault(route.flow, []).append(path)
        if route.is_set_member:
            members.setdefault(route.flow, []).append((path, route))
    for flow, found in members.items():
        lacking = missing_tables([r for _, r in found], router.required_tables(flow))
        if lacking:  # a dropped folder or zip is complete by definition: a missing table will not come
            reason = f"incomplete export: the {flow} tables {', '.join(lacking)} are missing from {claimed.names[0]}"
            for path, _ in found:
                _refuse(config, path, reason, outcome, "incomplete-set")
                groups[flow].remove(path)
    return {flow: paths for flow, paths in groups.items() if paths}


def _run(config: Config, flow: str, paths: list[Path], outcome: Outcome) -> None:
    fmt = config.watch.formats.get(flow, "csv")
    try:
        report = run_flow(config, flow, fmt, files=paths)
    except (LockBusy, ConfigError, StorageError):  # StorageError: a full disk, tried again later
        raise
    except Exception as exc:  # a poisonous input: find it by running the files one by one
        if len(paths) > 1:
            log.warning(N_("%s: run over %d files failed (%s: %s); retrying them one by one"),
                        flow, len(paths), type(exc).__name__, exc)
            for path in paths:
                if path.exists():
                    _run(config, flow, [path], outcome)
            return
        log.exception(N_("%s: processing %s failed"), flow, paths[0].name)
        if paths[0].exists():
            _refuse(config, paths[0], N_("processing failed: {error}").format(error=f"{type(exc).__name__}: {exc}"),
                    outcome, "processing-failed")
        return
    outcome.runs.append(report.run_id)
    for item in report.files:
        if item.status == "waiting":  # could not be read now: back into the inbox, tried again later
            held = next(p for p in paths if p.name == item.name)
            os.replace(held, free_name(config.folder("inbox"), held.name))
    outputs = ", ".join(Path(p).name for p in report.outputs)
    for item in report.files:
        detail = item.reason or N_("run {run} of {flow}{outputs}").format(run=report.run_id, flow=flow,
                                                                          outputs=f" -> {outputs}" if outputs else "")
        outcome.files.append((item.name, item.status, detail))


def _refuse(config: Config, path: Path, reason: str, outcome: Outcome, code: str) -> None:
    refuse(path, config.folder("error"), reason, code)
    outcome.files.append((path.name, N_("error"), reason))

"""Turn the complete drops in the inbox into jobs: batches of single files, table sets, folders, zips.

A multi-file export is taken only as a whole: when every loose file in the inbox is complete (a missing
member may still be on its way), none of them is held by another program (it may be a member), and the
set has the tables its flow needs. A set that lacks optional tables of its flow also waits until its
newest member has been unchanged for the quiet period: files complete by a close (etl/watch/closed.py)
prove nothing about the next table of the export. A set that stays incomplete longer than
`set_timeout_seconds` is refused with one reason naming the missing tables. A file another flow's open
set can read joins that set; a member of an expected set (`set_tables`) is never taken by another flow.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from etl.i18n import N_
from etl.watch.route import Route

Kind = str  # "files" (self-contained files of one flow), "set", "folder", "zip"


@dataclass
class Job:
    """Inbox entries to be claimed and processed together."""

    kind: Kind
    flow: str | None
    paths: list[Path]


@dataclass
class Plan:
    """What one look at the inbox decided."""

    jobs: list[Job] = field(default_factory=list)
    refusals: list[tuple[Path, str]] = field(default_factory=list)
    waiting: list[Path] = field(default_factory=list)  # not complete yet
    # Of `waiting`: members of a set that lacks tables while nothing else is arriving, with what they lack.
    incomplete: dict[Path, str] = field(default_factory=dict)


def missing_tables(routes: list[Route], required: list[str]) -> list[str]:
    """Required tables none of `routes` provides."""
    present = {t for r in routes for t in r.tables}
    return [t for t in required if t not in present]


def _complete_elsewhere(group: list[tuple[Path, Route]], required: dict[str, list[str]]) -> list[Job]:
    """Jobs for an incomplete set whose every file is complete for another flow (a stock list alone)."""
    jobs: dict[str, list[Path]] = {}
    for path, route in group:
        alternative = next((a for a in route.alternatives
                            if not missing_tables([a], required.get(a.flow or "", []))), None)
        if alternative is None:
            return []
        jobs.setdefault(alternative.flow or "", []).append(path)
    return [Job("set", flow, paths) for flow, paths in jobs.items()]


def join_open_sets(ready: dict[Path, Route | None]) -> dict[Path, Route | None]:
    """Routes with each file in the open set of the flow that reads it, where its best fit has none.

    A set is open when another file is a table of it. Orders copied before their lines are still the
    orders' table, even though the customers flow would read them too.
    """
    open_sets: dict[str, set[Path]] = {}
    for path, route in ready.items():
        if route is not None and route.flow and route.is_set_member:
            open_sets.setdefault(route.flow, set()).add(path)
    joined = dict(ready)
    for path, route in ready.items():
        if route is None or not route.flow or open_sets.get(route.flow, set()) - {path}:
            continue
        other = next((a for a in route.alternatives if a.is_set_member and open_sets.get(a.flow or "")), None)
        if other is not None:
            rest = tuple(a for a in (replace(route, alternatives=()), *route.alternatives) if a is not other)
            joined[path] = replace(other, alternatives=rest)
    return joined


def plan(ready: dict[Path, Route | None], unsettled: list[Path], *, required: dict[str, list[str]],
         quiet_for: dict[Path, float], set_timeout: float, batch_max: int, hold: float = 0.0,
         known: dict[str, list[str]] | None = None, quiet: float = 0.0, expected: Collection[str] = (),
         held: dict[Path, str] | None = None, age: dict[Path, float] | None = None) -> Plan:
    """Group ready drops (route None for folders and zips) into jobs; `unsettled` drops are not complete yet.

    `quiet_for` is how long each ready drop has been unchanged, `age` how long it has been in the inbox
    (a watcher started later knows it from the file); `known` every table of a flow's exports (a set
    with all of them is complete at once, one without waits `quiet` seconds); a batch of single files
    waits until its oldest file has been quiet for `hold` seconds while other files are still arriving.
    `expected` flows' sets are never taken apart for another flow; `held` files (complete, but another
    program holds them or they cannot be read) wait, and hold every set while they do.
    """
    held = held or {}
    result = Plan(waiting=[*unsettled, *held])
    result.incomplete.update(held)
    batches: dict[str, list[Path]] = {}
    members: dict[str, list[tuple[Path, Route]]] = {}
    for path, route in sorted(join_open_sets(ready).items()):
        if route is None:
            result.jobs.append(Job("zip" if path.suffix.lower() == ".zip" else "folder", None, [path]))
        elif route.reason:
            result.refusals.append((path, route.reason))
        elif route.is_set_member:
            members.setdefault(route.flow or "", []).append((path, route))
        else:
            batches.setdefault(route.flow or "", []).append(path)
    loose_unsettled = [p for p in unsettled if not p.is_dir() and p.suffix.lower() != ".zip"]
    for flow, paths in batches.items():
        for start in range(0, len(paths), batch_max):
            chunk = paths[start:start + batch_max]
            # While more files are arriving, wait up to `hold` more seconds to fill the batch: one run
            # over many files costs far less than many runs over few.
            if loose_unsettled and len(chunk) < batch_max and max(quiet_for.get(p, 0.0) for p in chunk) < hold:
                result.waiting += chunk
                continue
            result.jobs.append(Job("files", flow, chunk))
    for flow, group in members.items():
        paths = [p for p, _ in group]
        lacking = missing_tables([r for _, r in group], required.get(flow, []))
        whole = not missing_tables([r for _, r in group], (known or {}).get(flow, []))
        waited = min(max(quiet_for.get(p, 0.0), (age or {}).get(p, 0.0)) for p in paths)
        if held:  # a file nobody can read now may be a table of this set: nothing is taken, nothing refused
            result.waiting += paths
            result.incomplete.update((p, N_("the {flow} export waits while {names} cannot be read").format(
                flow=flow, names=", ".join(sorted(h.name for h in held)))) for p in paths)
        elif not lacking and not loose_unsettled and (whole or min(quiet_for.get(p, 0.0) for p in paths) >= quiet):
            result.jobs.append(Job("set", flow, paths))
        elif (lacking and not loose_unsettled and flow not in expected
              and (moved := _complete_elsewhere(group, required))):
            result.jobs += moved
        elif lacking and not loose_unsettled and waited >= set_timeout:
            reason = N_("incomplete export: the {flow} tables {tables} did not arrive within {seconds} s of the "
                        "others ({names})").format(flow=flow, tables=", ".join(lacking), seconds=f"{set_timeout:g}",
                                                   names=", ".join(p.name for p in paths))
            result.refusals += [(p, reason) for p in paths]
        else:
            result.waiting += paths
            if lacking and not loose_unsettled:
                result.incomplete.update((p, N_("the {flow} tables {tables} have not arrived").format(
                    flow=flow, tables=", ".join(lacking))) for p in paths)
    return result

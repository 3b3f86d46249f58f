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
from functools import cached_property
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
    refusals: list[tuple[Path, str, str]] = field(default_factory=list)  # path, reason, reject code
    waiting: list[Path] = field(default_factory=list)  # not complete yet
    # Of `waiting`: members of a set that lacks tables while nothing else is arriving, with what they lack.
    incomplete: dict[Path, str] = field(default_factory=dict)


@dataclass
class Drops:
    """What one look at the inbox saw."""

    ready: dict[Path, Route | None]  # complete drops, each with its route (None for folders and zips)
    unsettled: list[Path] = field(default_factory=list)  # drops not complete yet
    quiet_for: dict[Path, float] = field(default_factory=dict)  # how long each ready drop has been unchanged
    # How long each ready drop has been in the inbox (a watcher started later knows it from the file).
    age: dict[Path, float] = field(default_factory=dict)
    # Complete, but another program holds them or they cannot be read: they wait, and hold every set.
    held: dict[Path, str] = field(default_factory=dict)

    @cached_property
    def arriving(self) -> bool:
        """A loose file is still arriving: it may be a table of a set, or fill a batch."""
        return any(not p.is_dir() and p.suffix.lower() != ".zip" for p in self.unsettled)

    def quiet(self, path: Path) -> float:
        """How long `path` has been unchanged."""
        return self.quiet_for.get(path, 0.0)


@dataclass(frozen=True)
class SetTables:
    """The tables of each flow's exports."""

    required: dict[str, list[str]]  # tables a set of the flow cannot do without
    known: dict[str, list[str]] = field(default_factory=dict)  # every table: a set with all is complete at once
    expected: Collection[str] = ()  # flows whose sets are never taken apart for another flow


@dataclass(frozen=True)
class Patience:
    """How long drops wait, and how many single files one job takes."""

    set_timeout: float  # a set still lacking tables this long after its newest member is refused
    batch_max: int
    # A batch not full waits until its oldest file has been quiet this long while other files are arriving.
    hold: float = 0.0
    quiet: float = 0.0  # a set lacking only optional tables waits this long after its newest member


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


def plan(drops: Drops, sets: SetTables, patience: Patience) -> Plan:
    """Group the ready drops into jobs; unsettled and held drops wait, sets that cannot be whole are refused."""
    result = Plan(waiting=[*drops.unsettled, *drops.held])
    result.incomplete.update(drops.held)
    batches, members = _sort(drops.ready, result)
    for flow, paths in batches.items():
        _batch(result, flow, paths, drops, patience)
    for flow, group in members.items():
        _decide_set(result, flow, group, drops, sets, patience)
    return result


def _sort(ready: dict[Path, Route | None],
          result: Plan) -> tuple[dict[str, list[Path]], dict[str, list[tuple[Path, Route]]]]:
    """Folders and zips made jobs and refused drops refusals in `result`; the rest as (batches, set members)."""
    batches: dict[str, list[Path]] = {}
    members: dict[str, list[tuple[Path, Route]]] = {}
    for path, route in sorted(join_open_sets(ready).items()):
        if route is None:
            result.jobs.append(Job("zip" if path.suffix.lower() == ".zip" else "folder", None, [path]))
        elif route.reason:
            result.refusals.append((path, route.reason, route.code))
        elif route.is_set_member:
            members.setdefault(route.flow or "", []).append((path, route))
        else:
            batches.setdefault(route.flow or "", []).append(path)
    return batches, members


def _batch(result: Plan, flow: str, paths: list[Path], drops: Drops, patience: Patience) -> None:
    """Jobs of at most `batch_max` single files of `flow`; a batch not full may wait for more."""
    for start in range(0, len(paths), patience.batch_max):
        chunk = paths[start:start + patience.batch_max]
        # While more files are arriving, wait up to `hold` more seconds to fill the batch: one run
        # over many files costs far less than many runs over few.
        if drops.arriving and len(chunk) < patience.batch_max and max(map(drops.quiet, chunk)) < patience.hold:
            result.waiting += chunk
            continue
        result.jobs.append(Job("files", flow, chunk))


def _decide_set(result: Plan, flow: str, group: list[tuple[Path, Route]], drops: Drops, sets: SetTables,
                patience: Patience) -> None:
    """Take the set `group` of `flow`, hand its files to flows that read them alone, refuse it, or let it wait."""
    paths = [p for p, _ in group]
    lacking = missing_tables([r for _, r in group], sets.required.get(flow, []))
    if drops.held:  # a file nobody can read now may be a table of this set: nothing is taken, nothing refused
        result.waiting += paths
        result.incomplete.update((p, N_("the {flow} export waits while {names} cannot be read").format(
            flow=flow, names=", ".join(sorted(h.name for h in drops.held)))) for p in paths)
    elif drops.arriving:  # a file still arriving may be a table of this set
        result.waiting += paths
    elif not lacking:
        whole = not missing_tables([r for _, r in group], sets.known.get(flow, []))
        if whole or min(map(drops.quiet, paths)) >= patience.quiet:
            result.jobs.append(Job("set", flow, paths))
        else:  # optional tables may still come
            result.waiting += paths
    elif flow not in sets.expected and (moved := _complete_elsewhere(group, sets.required)):
        result.jobs += moved
    elif min(max(drops.quiet(p), drops.age.get(p, 0.0)) for p in paths) >= patience.set_timeout:
        reason = N_("incomplete export: the {flow} tables {tables} did not arrive within {seconds} s of the "
                    "others ({names})").format(flow=flow, tables=", ".join(lacking),
                                               seconds=f"{patience.set_timeout:g}",
                                               names=", ".join(p.name for p in paths))
        result.refusals += [(p, reason, "incomplete-set") for p in paths]
    else:
        result.waiting += paths
        result.incomplete.update((p, N_("the {flow} tables {tables} have not arrived").format(
            flow=flow, tables=", ".join(lacking))) for p in paths)

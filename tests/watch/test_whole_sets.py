"""Sets are whole under `etl watch`: every table of the order set first, last, minutes apart, or locked.

The tables come from the orders layout and the real export files are routed by content to find which
file is which table; time is a clock the test moves (no timed assertions): `plan()` directly for every
arrival order, the watch service's own cycle for the files on disk.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.config import Config
from etl.watch.route import Route, Router
from etl.watch.service import Watcher
from etl.watch.sets import Drops, Job, Patience, SetTables, plan
from etl.watch.stability import Stability
from tests.watch.conftest import ORDERS, SET, files, make_config
from tests.watch.test_watch import archived, order_ids

QUIET, TIMEOUT = 5.0, 600.0  # the watcher's defaults: 5 s quiet, 10 minutes for a missing table
CONFIG = make_config(Path("/nowhere"), quiet_seconds=QUIET)
ROUTER = Router(CONFIG)
ROUTES = {path.name: ROUTER.route(path) for path in sorted(SET.iterdir())}
FILE_OF = {route.tables[0]: name for name, route in ROUTES.items()}  # layout table -> the export file holding it
TABLES = list(ROUTER.layouts["orders"].tables)
REQUIRED = ROUTER.required_tables("orders")
OPTIONAL = [t for t in TABLES if t not in REQUIRED]


def test_the_fixture_holds_every_table_of_the_layout_and_orders_is_also_a_customers_table() -> None:
    assert sorted(FILE_OF) == sorted(TABLES) and len(FILE_OF) == len(ROUTES)
    assert CONFIG.watch.set_timeout_seconds == TIMEOUT  # the default grace period is 10 minutes
    orders = ROUTES[FILE_OF["orders"]]
    # The customers flow reads the order table too; the orders flow reads more of its columns.
    assert (orders.flow, [a.flow for a in orders.alternatives]) == ("orders", ["customers"])


def _plan(arrived: dict[str, float], now: float) -> tuple[list[Job], list[tuple[Path, str]], list[Path]]:
    ready: dict[Path, Route | None] = {Path("/inbox") / FILE_OF[t]: ROUTES[FILE_OF[t]] for t in arrived}
    quiet_for = {Path("/inbox") / FILE_OF[t]: now - at for t, at in arrived.items()}
    sets = SetTables(required={f: ROUTER.required_tables(f) for f in ROUTER.layouts},
                     known={f: list(layout.tables) for f, layout in ROUTER.layouts.items()},
                     expected=ROUTER.expected_sets())
    decided = plan(Drops(ready, [], quiet_for=quiet_for), sets,
                   Patience(set_timeout=TIMEOUT, batch_max=200, quiet=QUIET))
    return decided.jobs, decided.refusals, decided.waiting


def _table(path: Path) -> str:
    return ROUTES[path.name].tables[0]


@pytest.mark.parametrize("order", list(itertools.permutations(TABLES)), ids="-".join)
def test_tables_arriving_minutes_apart_in_any_order(order: tuple[str, ...]) -> None:
    gap = 180.0  # three minutes between two tables: longer than the quiet period, shorter than the grace period
    arrivals = {table: n * gap for n, table in enumerate(order)}
    arrived: dict[str, float] = {}
    taken: list[tuple[float, Job]] = []
    refused: list[tuple[float, str, str]] = []
    now = 0.0
    while now <= arrivals[order[-1]] + TIMEOUT + 2 * QUIET:
        handled = {_table(p) for _, job in taken for p in job.paths} | {table for _, table, _ in refused}
        arrived.update((t, at) for t, at in arrivals.items() if at <= now and t not in arrived and t not in handled)
        jobs, refusals, _ = _plan(arrived, now)
        for job in jobs:
            taken.append((now, job))
            for path in job.paths:
                del arrived[_table(path)]
        for path, reason, code in refusals:
            assert code == "incomplete-set"
            refused.append((now, _table(path), reason))
            del arrived[_table(path)]
        now += QUIET / 2
    assert all(job.flow == "orders" and job.kind == "set" for _, job in taken)  # never a customers table
    handled = [_table(p) for _, job in taken for p in job.paths] + [table for _, table, _ in refused]
    assert sorted(handled) == sorted(TABLES)  # each table once: taken or refused
    first_at, first = taken[0]
    assert set(REQUIRED) <= {_table(p) for p in first.paths}  # never a set without a table it needs
    assert first_at >= max(arrivals[t] for t in REQUIRED)
    # The set is taken once its required tables are there and quiet: what came by then is in it; an
    # optional table arriving minutes later comes too late and is refused after the grace period.
    assert {_table(p) for p in first.paths} == {t for t in TABLES if arrivals[t] <= first_at}
    for at, table, reason in refused:
        assert table in OPTIONAL and arrivals[table] > first_at and at >= arrivals[table] + TIMEOUT
        assert "did not arrive within 600 s" in reason and ", ".join(REQUIRED) in reason


@pytest.mark.parametrize("table", TABLES)
def test_a_table_alone_waits_the_grace_period_then_goes_to_error_naming_what_is_missing(table: str) -> None:
    for now in (0.0, QUIET, 60.0, TIMEOUT - 1):
        jobs, refusals, waiting = _plan({table: 0.0}, now)
        assert (jobs, refusals, waiting) == ([], [], [Path("/inbox") / FILE_OF[table]])
    jobs, refusals, _ = _plan({table: 0.0}, TIMEOUT)
    ((path, reason, code),) = refusals
    assert code == "incomplete-set"
    assert jobs == [] and path.name == FILE_OF[table]
    missing = [t for t in REQUIRED if t != table]
    assert f"the orders tables {', '.join(missing)} did not arrive within 600 s" in reason


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Clocked:
    """The watch service's own cycle on a real inbox, with the quiet period and the grace period on a test clock."""

    def __init__(self, base: Path) -> None:
        self.config: Config = make_config(base, quiet_seconds=QUIET, close_events=False)
        self.inbox = self.config.folder("inbox")
        self.inbox.mkdir(parents=True)
        self.clock = Clock()
        self.watcher = Watcher(self.config)
        self.watcher.stability = Stability(QUIET, clock=self.clock)
        self.watcher.router = Router(self.config)
        self.watcher._check_observer = lambda: None  # type: ignore[method-assign]  # scans only, no observer

    def drop(self, *tables: str, source: Path = SET) -> None:
        for table in tables:
            shutil.copy(source / FILE_OF.get(table, table), self.inbox / FILE_OF.get(table, table))
        self.watcher.cycle()  # seen now: quiet from this moment on the test clock

    def after(self, seconds: float) -> None:
        self.clock.now += seconds
        self.watcher.cycle()

    def left(self) -> list[str]:
        return sorted(p.name for p in self.inbox.iterdir() if not p.name.startswith("."))

    def errors(self) -> dict[str, str]:
        return {p.name.removesuffix(".reason.txt"): p.read_text(encoding="utf-8")
                for p in self.config.folder("error").rglob("*.reason.txt")}

    def reports(self) -> list[Path]:
        return files(self.config.folder("reports"), "*.json")

    def untouched(self) -> None:
        assert archived(self.config) == [] and self.errors() == {} and self.reports() == []


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[Clocked]:
    yield Clocked(tmp_path / "work")


def _taken_whole(w: Clocked, runs: int = 1) -> None:
    assert sorted(archived(w.config)) == sorted(FILE_OF.values()) and w.errors() == {} and w.left() == []
    assert len(w.reports()) == runs
    assert len(order_ids(w.config.folder("outbox"))) == 7  # every order of the export (EXPECTED.md)


@pytest.mark.parametrize("table", TABLES)
def test_each_table_first_then_the_rest_minutes_later(clocked: Clocked, table: str) -> None:
    clocked.drop(table)
    for minutes in (0.1, 1, 3, 5):
        clocked.after(60 * minutes)
        clocked.untouched()
        assert clocked.left() == [FILE_OF[table]]  # not taken for a customers table, not refused
    clocked.drop(*(t for t in TABLES if t != table))
    clocked.after(QUIET - 1)
    clocked.untouched()  # the rest is not complete yet (no close events here: the quiet period decides)
    clocked.after(1)
    _taken_whole(clocked)  # every table of the flow is there and complete: taken in one run


@pytest.mark.parametrize("table", REQUIRED)
def test_each_required_table_last_minutes_after_the_others(clocked: Clocked, table: str) -> None:
    clocked.drop(*(t for t in TABLES if t != table))
    for minutes in (0.1, 2, 7):  # 9 minutes in all: within the grace period
        clocked.after(60 * minutes)
        clocked.untouched()
    clocked.drop(table)
    clocked.after(QUIET)
    _taken_whole(clocked)


@pytest.mark.parametrize("table", OPTIONAL)
def test_an_optional_table_last_comes_in_time_within_the_quiet_period_only(clocked: Clocked, table: str) -> None:
    others = [t for t in TABLES if t != table]
    clocked.drop(*others)
    clocked.after(QUIET - 1)
    clocked.untouched()  # an optional table may still be on its way
    clocked.drop(table)
    clocked.after(QUIET)
    _taken_whole(clocked)


@pytest.mark.parametrize("table", OPTIONAL)
def test_an_optional_table_minutes_late_is_refused_after_the_grace_period(clocked: Clocked, table: str) -> None:
    clocked.drop(*(t for t in TABLES if t != table))
    clocked.after(QUIET)  # the required tables are there and quiet: the set is taken without it
    assert sorted(archived(clocked.config)) == sorted(FILE_OF[t] for t in TABLES if t != table)
    clocked.drop(table)
    clocked.after(TIMEOUT - 1)
    assert clocked.left() == [FILE_OF[table]] and clocked.errors() == {}
    clocked.after(1)
    reason = clocked.errors()[FILE_OF[table]]
    assert f"the orders tables {', '.join(REQUIRED)} did not arrive within 600 s" in reason


def test_the_order_table_alone_goes_to_error_after_ten_minutes_never_to_customers(clocked: Clocked) -> None:
    clocked.drop("orders")
    clocked.after(TIMEOUT - 1)
    clocked.untouched()
    clocked.after(1)
    (reason,) = clocked.errors().values()
    assert "the orders tables orders_products, orders_total did not arrive within 600 s" in reason
    assert "customers_gender" not in reason and clocked.reports() == [] and clocked.left() == []
    assert not list(clocked.config.folder("outbox").rglob("*"))


@pytest.mark.parametrize("table", TABLES)
def test_a_locked_member_holds_the_whole_set(clocked: Clocked, lock: set[Path], table: str) -> None:
    held = clocked.inbox / FILE_OF[table]
    lock.add(held)
    clocked.drop(*TABLES)
    for minutes in (0.1, 5, 15):  # longer than the grace period: a held file is not a missing one
        clocked.after(60 * minutes)
        clocked.untouched()
        assert clocked.left() == sorted(FILE_OF.values())
    waiting = clocked.watcher.incomplete  # what `etl watch --once` and the status page name
    assert "no permission to read the file" in waiting[held]
    other = clocked.inbox / FILE_OF[TABLES[TABLES.index(table) - 1]]
    assert waiting[other] == f"the orders export waits while {FILE_OF[table]} cannot be read"
    lock.clear()  # closed in Excel
    clocked.after(QUIET)
    _taken_whole(clocked)


def test_customers_and_orders_exports_dropped_together(clocked: Clocked) -> None:
    customers = ORDERS.parent / "customers" / "xtc_cp1252"
    clocked.drop(*(p.name for p in sorted(customers.iterdir())), source=customers)
    clocked.drop(*TABLES)
    clocked.after(QUIET)
    assert clocked.errors() == {} and clocked.left() == []
    assert sorted(archived(clocked.config)) == sorted([*FILE_OF.values(), *(p.name for p in customers.iterdir())])
    flows = sorted(p.name.split("_")[0] for p in clocked.reports())
    assert flows == ["customers", "orders"]
    assert len(order_ids(clocked.config.folder("outbox"))) == 7

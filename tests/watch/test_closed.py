"""Closes: which observer event sequences make a file closed by its writer, and the Windows probe's branches."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchdog.events import (
    FileAttribEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from etl.watch.closed import LOCK_VIOLATION, SHARING_VIOLATION, Closes, Probe, held_open
from etl.watch.route import Route
from etl.watch.sets import Drops, Patience, SetTables, plan
from etl.watch.stability import signature

SETTLE = 0.3


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _closes(inbox: Path, clock: Clock, **options: object) -> Closes:
    settings: dict[str, object] = {"events": True, "probe": None, **options}
    return Closes(inbox, SETTLE, clock=clock, **settings)  # type: ignore[arg-type]


# Each step: an event kind on the file (or "write" / "wait"); then whether the file counts as closed.
CASES = [
    pytest.param(["create", "open", "write", "close"], True, id="written-and-closed"),
    pytest.param(["arrive"], True, id="renamed-in-from-outside"),
    pytest.param(["rename-in"], True, id="renamed-inside-the-inbox"),
    pytest.param(["create", "open", "write"], False, id="still-open"),
    pytest.param(["create", "open", "write", "close", "open"], False, id="reopened-by-an-appending-writer"),
    pytest.param(["create", "open", "write", "close", "open", "write", "close"], True, id="second-session-closed"),
    pytest.param(["open", "close", "open", "write", "close"], True, id="two-sessions-in-a-row"),
    pytest.param(["create", "open", "write", "open", "close"], False, id="a-second-handle-still-open"),
    pytest.param(["write", "modified"], False, id="written-through-a-handle-never-seen-opened"),
    pytest.param(["write", "modified", "close"], True, id="handle-from-before-the-watch-closed"),
    pytest.param(["create", "open", "write", "close", "read"], True, id="our-own-read-after-the-close"),
    pytest.param(["create", "open", "write", "close", "touch"], True, id="times-copied-after-the-close"),
    pytest.param(["create", "open", "write", "close", "write-unseen"], False, id="changed-after-the-close"),
    pytest.param(["create", "open", "close"], False, id="empty-file"),
]


@pytest.mark.parametrize(("steps", "closed"), CASES)
def test_event_sequences(tmp_path: Path, steps: list[str], closed: bool) -> None:
    clock = Clock()
    closes = _closes(tmp_path, clock)
    path = tmp_path / "export.csv"
    if "create" not in steps:
        path.write_bytes(b"" if "rename-in" in steps else b"id;name\r\n")
    events: dict[str, list[FileSystemEvent]] = {
        "create": [FileCreatedEvent(str(path))], "arrive": [FileCreatedEvent(str(path))],
        "open": [FileOpenedEvent(str(path))], "close": [FileClosedEvent(str(path))],
        "modified": [FileModifiedEvent(str(path))], "touch": [FileAttribEvent(str(path))],
        "read": [FileOpenedEvent(str(path)), FileClosedNoWriteEvent(str(path))],
        "rename-in": [FileMovedEvent(str(tmp_path / ".export.csv.part"), str(path))],
    }
    for step in steps:
        if step == "create":
            path.touch()
        if step in ("write", "write-unseen", "rename-in"):
            with path.open("ab") as handle:
                handle.write(b"1;Anna\r\n")
        for event in events.get(step, []):
            closes.on_event(event)
        clock.now += 0.01
    clock.now += SETTLE
    assert closes.is_closed(path, signature(path) or (), SETTLE) is closed


def test_not_closed_before_it_settles_and_next_due_says_when(tmp_path: Path) -> None:
    clock = Clock()
    closes = _closes(tmp_path, clock)
    path = tmp_path / "export.csv"
    path.write_bytes(b"id\r\n1\r\n")
    assert closes.next_due() is None
    closes.on_event(FileCreatedEvent(str(path)))
    clock.now += 0.1
    sig = signature(path) or ()
    assert not closes.is_closed(path, sig, 0.1)
    assert closes.next_due() == pytest.approx(SETTLE - 0.1)
    clock.now += SETTLE
    assert closes.is_closed(path, sig, 0.4)
    assert closes.next_due() is None  # settled: nothing more to wake up for


def test_without_close_events_nothing_is_closed(tmp_path: Path) -> None:
    clock = Clock()
    closes = _closes(tmp_path, clock, events=False)  # polling: the quiet period decides alone
    path = tmp_path / "export.csv"
    path.write_bytes(b"id\r\n1\r\n")
    closes.on_event(FileClosedEvent(str(path)))
    clock.now += 10
    assert not closes.is_closed(path, signature(path) or (), 10)


def test_files_outside_the_inbox_deleted_and_distrusted_ones(tmp_path: Path) -> None:
    clock = Clock()
    closes = _closes(tmp_path / "inbox", clock)
    (tmp_path / "inbox").mkdir()
    work, path = tmp_path / "inbox" / ".etl-work" / "job", tmp_path / "inbox" / "a.csv"
    work.mkdir(parents=True)
    path.write_bytes(b"id\r\n1\r\n")
    (work / "b.csv").write_bytes(b"id\r\n2\r\n")
    closes.on_event(FileClosedEvent(str(work / "b.csv")))
    closes.on_event(FileCreatedEvent(str(path)))
    closes.on_event(FileDeletedEvent(str(path)))
    clock.now += 1
    assert not closes.is_closed(work / "b.csv", signature(work / "b.csv") or (), 1)
    assert not closes.is_closed(path, signature(path) or (), 1)  # its arrival was forgotten with it
    closes.on_event(FileCreatedEvent(str(path)))  # put back into the inbox by the watcher itself
    closes.distrust(path)
    clock.now += 1
    assert not closes.is_closed(path, signature(path) or (), 1)
    with path.open("ab") as handle:  # a writer replaced it: a new arrival
        handle.write(b"3\r\n")
    closes.on_event(FileClosedEvent(str(path)))
    clock.now += 1
    assert closes.is_closed(path, signature(path) or (), 1)


def _opener(error: OSError | None) -> object:
    def opener(path: Path) -> None:
        if error is not None:
            raise error
    return opener


def _winerror(cls: type[OSError], code: int) -> OSError:
    exc = cls(13, "The process cannot access the file")
    exc.winerror = code  # type: ignore[attr-defined]  # what Windows sets; absent elsewhere
    return exc


@pytest.mark.parametrize(("error", "held"), [
    pytest.param(None, False, id="nobody-writes-it"),
    pytest.param(_winerror(PermissionError, SHARING_VIOLATION), True, id="sharing-violation"),
    pytest.param(_winerror(PermissionError, LOCK_VIOLATION), True, id="lock-violation"),
    pytest.param(FileNotFoundError(2, "gone"), None, id="gone"),
    pytest.param(_winerror(PermissionError, 5), None, id="access-denied"),
])
def test_windows_probe(tmp_path: Path, error: OSError | None, held: bool | None) -> None:
    assert held_open(tmp_path / "a.csv", "nt", _opener(error)) is held  # type: ignore[arg-type]


def test_no_probe_elsewhere(tmp_path: Path) -> None:
    def opener(path: Path) -> None:
        raise AssertionError("probed on POSIX")
    assert held_open(tmp_path / "a.csv", "posix", opener) is None


@pytest.mark.parametrize(("error", "unchanged_for", "closed"), [
    pytest.param(None, SETTLE, True, id="free-and-settled"),
    pytest.param(None, 0.1, False, id="free-but-just-changed"),
    pytest.param(_winerror(PermissionError, SHARING_VIOLATION), 60.0, False, id="held-by-the-copy"),
])
def test_windows_closes_use_the_probe(tmp_path: Path, error: OSError | None, unchanged_for: float,
                                      closed: bool) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id\r\n1\r\n")
    closes = _closes(tmp_path, Clock(), events=False, probe=Probe("nt", _opener(error)))
    assert closes.is_closed(path, signature(path) or (), unchanged_for) is closed


def _route(*tables: str) -> Route:
    return Route("orders", tables)


@pytest.mark.parametrize(("tables", "quiet_for", "taken"), [
    pytest.param(["orders", "orders_products", "orders_products_attributes", "orders_total",
                  "orders_status_history"], 0.0, True, id="every-table-at-once"),
    pytest.param(["orders", "orders_products", "orders_total"], 0.5, False, id="optional-tables-may-come"),
    pytest.param(["orders", "orders_products", "orders_total"], 5.0, True, id="optional-tables-did-not-come"),
    pytest.param(["orders", "orders_products"], 5.0, False, id="a-required-table-missing"),
])
def test_a_set_complete_by_closes_waits_for_its_optional_tables(tables: list[str], quiet_for: float,
                                                                taken: bool) -> None:
    ready: dict[Path, Route | None] = {Path(f"/inbox/{t}.csv"): _route(t) for t in tables}
    known = {"orders": ["orders", "orders_products", "orders_products_attributes", "orders_total",
                        "orders_status_history"]}
    sets = SetTables(required={"orders": ["orders", "orders_products", "orders_total"]}, known=known)
    decided = plan(Drops(ready, [], quiet_for=dict.fromkeys(ready, quiet_for)), sets,
                   Patience(set_timeout=600, batch_max=200, quiet=5.0))
    assert bool(decided.jobs) is taken
    assert sorted(decided.waiting) == ([] if taken else sorted(ready))

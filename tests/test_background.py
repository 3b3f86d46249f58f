"""Read-ahead and write-behind keep order, bound what is in flight, and raise a worker's error."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from etl.fast.background import Behind, ahead


def test_ahead_keeps_order_and_runs_in_another_thread() -> None:
    threads = set()

    def produce() -> Iterator[int]:
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    assert list(ahead(produce(), name="reader")) == list(range(50))
    assert threads == {"reader"}


def test_ahead_stays_at_most_depth_ahead() -> None:
    produced = []

    def produce() -> Iterator[int]:
        for i in range(100):
            produced.append(i)
            yield i

    items = ahead(produce(), depth=2)
    assert next(items) == 0
    time.sleep(0.3)
    # one taken, two waiting in the queue, one held by the worker that cannot hand it over
    assert len(produced) <= 4
    items.close()


def test_ahead_raises_the_workers_error_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("byte 4711 is no cp1252")

    got = []
    with pytest.raises(ValueError, match="4711"):
        for item in ahead(produce()):
            got.append(item)
    assert got == [1, 2]


def test_closing_early_stops_the_worker_and_closes_its_source() -> None:
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    items = ahead(produce())
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert closed.wait(2)
    assert not [t for t in threading.enumerate() if t.name == "etl-ahead"]


def test_behind_runs_calls_in_order_and_raises_at_the_next_call() -> None:
    done: list[int] = []
    behind = Behind(depth=1)
    for i in range(20):
        behind.submit(done.append, i)
    behind.wait()
    assert done == list(range(20))

    def fail(_: int) -> None:
        raise OSError("disk full")

    behind = Behind(depth=3)
    gate = threading.Event()
    behind.submit(lambda: gate.wait(2) and fail(0))
    behind.submit(done.append, 99)  # queued behind the failure: never runs
    gate.set()
    with pytest.raises(OSError, match="disk full"):
        behind.wait()
    behind.cancel()
    assert 99 not in done

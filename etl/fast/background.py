"""Work beside the main thread: read ahead of a consumer, write behind a producer.

A run is a chain of stages that are mostly Arrow and Parquet code, which releases the GIL: the CSV
parser, the Parquet writer and the csv encoder can run on the second core while Python maps the next
chunk. Both helpers keep at most `depth` items in flight, so memory stays bounded, keep the order, and
raise a worker's error in the thread that waits for it.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


# One item waiting per stage: with 8 MB chunks a second one cost ~15-20 MB and no speed.
def ahead(items: Iterable[T], depth: int = 1, name: str = "etl-ahead") -> Iterator[T]:
    """`items`, produced in a worker thread up to `depth` ahead of the consumer; its errors raise here.

    Closing the returned iterator early stops the worker and closes `items` in it.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                if not offer(item):
                    break
            else:
                offer(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there with its traceback
            offer(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


class Behind:
    """Calls run one at a time and in order in a worker thread, at most `depth` waiting.

    A failed call's error is raised by the next `submit` or by `wait`; after it nothing else runs.
    """

    def __init__(self, depth: int = 1, name: str = "etl-behind") -> None:
        self.depth = depth
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: deque[Future[None]] = deque()
        self._failed = False

    def submit(self, call: Callable[..., None], *args: object) -> None:
        """Queue `call(*args)`; wait first while `depth` calls are pending."""
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self._guarded, call, *args))

    def _guarded(self, call: Callable[..., None], *args: object) -> None:
        if self._failed:  # the files behind a failed write are incomplete: nothing more goes in
            return
        try:
            call(*args)
        except BaseException:
            self._failed = True
            raise

    def wait(self) -> None:
        """Return when every queued call has run; raise the first error."""
        try:
            while self._pending:
                self._pending.popleft().result()
        except BaseException:
            self.cancel()
            raise

    def cancel(self) -> None:
        """Drop the calls not yet started and wait for the running one (errors are not raised)."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True)

    def close(self) -> None:
        """Wait for every call, then end the worker."""
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)

"""A stream that Arrow's I/O thread reads, kept a few reads ahead of the batches taken from the reader.

Arrow's streaming CSV reader reads up to 32 blocks ahead of the batches taken from it, and parses ahead
too, whatever the consumer's pace: on a long file those queues stay full while every later stage holds
its chunk as well, which a short file never sees (peak memory grew with the input). Here a read waits
while `ahead` reads are not yet matched by taken batches. Arrow needs no more to make the next batch;
should an input need more while the consumer waits, the read goes on after a short pause: never a
deadlock.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

AHEAD = 8  # reads (blocks of csv_source.READ_BLOCK) beyond the batches taken
PATIENCE = 0.2  # seconds a read waits while the consumer waits too, before it goes on regardless


class Paced(io.RawIOBase):
    """`read` calls of another thread, paced by the consumer's `taking` (one per batch it takes)."""

    def __init__(self, read: Callable[[int], Any], ahead: int = AHEAD) -> None:
        super().__init__()
        self._read = read
        self._ahead = ahead
        self._reads = 0
        self._taken = 0
        self._waiting = False
        self._stopped = False
        self._reading = False  # a read is in the source: closing waits for it (the file is closed next)
        self._turn = threading.Condition()

    def readable(self) -> bool:
        """Always: this is an input."""
        return True

    def read(self, size: int = -1) -> Any:
        """The next block of the stream once the consumer has taken enough of the earlier ones."""
        with self._turn:
            while not self._stopped and self._reads - self._taken >= self._ahead:
                # Arrow parses a batch from the blocks up to a few after it: the consumer's wait ends
                # without this read. Should some input need more, the read goes on after a pause.
                if not self._turn.wait(timeout=PATIENCE if self._waiting else None) and self._waiting:
                    break
            if self._stopped:
                raise OSError("the reader of this stream has stopped")
            self._reads += 1
            self._reading = True
        try:
            return self._read(size)
        finally:
            with self._turn:
                self._reading = False
                self._turn.notify_all()

    def readinto(self, buffer: Any) -> int:
        """Not offered: `read` is the way in (blocks may be Arrow buffers)."""
        raise io.UnsupportedOperation("readinto")

    @contextmanager
    def taking(self) -> Iterator[None]:
        """Around the consumer's wait for its next batch: reads go on while it waits."""
        with self._turn:
            self._waiting = True
            self._turn.notify_all()
        try:
            yield
        finally:
            with self._turn:
                self._waiting = False
                self._taken += 1
                self._turn.notify_all()

    def close(self) -> None:
        """Let a waiting read end (with an error nobody waits for), refuse further reads, and return once
        no read is left in the source."""
        with self._turn:
            self._stopped = True
            self._turn.notify_all()
            self._turn.wait_for(lambda: not self._reading)
        super().close()

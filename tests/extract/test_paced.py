"""Arrow's CSV reader reads only a few blocks ahead of the batches taken, and never waits forever for them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from etl.extract import csv_source, paced, read_file
from etl.extract.paced import Paced


class _Spy(Paced):
    """Paced, noting the most reads it was ever ahead of the batches taken."""

    most = 0

    def read(self, size: int = -1) -> Any:
        block = super().read(size)
        with self._turn:
            _Spy.most = max(_Spy.most, self._reads - self._taken)
        return block


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_a_slow_consumer_keeps_the_reads_a_few_blocks_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            encoding: str) -> None:
    monkeypatch.setattr(csv_source, "READ_BLOCK", 16 << 10)
    monkeypatch.setattr(csv_source, "FIRST_BATCH", 1)
    monkeypatch.setattr(csv_source, "BLOCK_SIZE", 1)  # a batch per block
    monkeypatch.setattr(csv_source, "Paced", lambda read: _Spy(read, ahead=3))
    _Spy.most = 0
    path = tmp_path / "long.csv"
    lines = ["id;name"] + [f"{i};Müller {i}" for i in range(60_000)]  # ~50 blocks of 16 KB
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    (raw,) = read_file(path)
    ids = []
    for batch in raw.batches():
        ids += batch.column("id").to_pylist()
        time.sleep(0.005)  # the later stages take their time: unpaced, Arrow read up to 32 blocks ahead
    assert ids == [str(i) for i in range(60_000)]
    assert 0 < _Spy.most <= 3 + 1  # and the one schema read before any batch is taken


def test_a_consumer_whose_batch_needs_more_reads_gets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paced, "PATIENCE", 0.01)
    stream = Paced(lambda size: b"x" * size, ahead=1)
    done = threading.Event()

    def parser() -> None:  # needs three blocks for the one batch the consumer waits for
        for _ in range(3):
            stream.read(4)
        done.set()

    with stream.taking():
        threading.Thread(target=parser, daemon=True).start()
        assert done.wait(timeout=5)


def test_a_closed_stream_ends_a_waiting_read() -> None:
    stream = Paced(lambda size: b"x" * size, ahead=1)
    stream.read(4)
    failed = threading.Event()

    def reader() -> None:
        try:
            stream.read(4)  # one ahead already: waits for a batch to be taken
        except OSError:
            failed.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.05)
    stream.close()
    thread.join(timeout=5)
    assert failed.is_set()


def test_closing_waits_for_a_read_in_the_source() -> None:
    started, release = threading.Event(), threading.Event()

    def slow(size: int) -> bytes:
        started.set()
        release.wait(5)
        return b"x" * size

    stream = Paced(slow, ahead=4)
    threading.Thread(target=stream.read, args=(4,), daemon=True).start()
    assert started.wait(5)
    closer = threading.Thread(target=stream.close, daemon=True)
    closer.start()
    closer.join(timeout=0.2)
    assert closer.is_alive()  # the file under the stream must not be closed while it is read
    release.set()
    closer.join(timeout=5)
    assert not closer.is_alive()

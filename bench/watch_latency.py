"""Latency of `etl watch`: from the moment a file is complete in the inbox to its output being published.

Usage: python bench/watch_latency.py [--mode copy rename] [--files 10] [--quiet 5] [--poll]

Two ways a file arrives, one file at a time into a running watcher:
- `copy`: written straight into the inbox in 8 pieces 0.1 s apart (a slow copy: pauses shorter than the
  quiet period), then closed; complete = the moment the writer closed it;
- `rename`: written beside the inbox and renamed in; complete = the moment the rename is done.
Taken = the file gone from the inbox (claimed into the work folder); published = the first output of
its run appearing in outbox/sage/. The quiet period defaults to the shipped 5 s: it is what a file
waits where no close event or probe tells the watcher more (`--poll`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.config import Config, WatchConfig
from etl.watch.service import Watcher
from tests.watch.conftest import one_order

PIECES, PAUSE = 8, 0.1


def _arrive(mode: str, data: bytes, inbox: Path, name: str) -> float:
    """Put `data` into the inbox as `name` the way `mode` says; the moment the file became complete."""
    if mode == "copy":
        step = -(-len(data) // PIECES)
        with (inbox / name).open("wb") as handle:
            for start in range(0, len(data), step):
                handle.write(data[start:start + step])
                handle.flush()
                time.sleep(PAUSE)
        return time.perf_counter()
    temp = inbox.parent / name
    temp.write_bytes(data)
    os.replace(temp, inbox / name)
    return time.perf_counter()


def measure(mode: str, files: int, settings: WatchConfig) -> tuple[list[float], list[float]]:
    """Seconds from complete to taken and to published, for `files` files arriving one at a time."""
    with tempfile.TemporaryDirectory() as folder:
        config = Config(base=Path(folder), watch=settings)
        inbox, outbox = config.folder("inbox"), config.folder("outbox") / "sage"
        inbox.mkdir(parents=True)
        watcher = Watcher(config)
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        while watcher.observer is None:  # files dropped before the observer runs are found by scans only
            time.sleep(0.01)
        taken, published = [], []
        for number in range(files):
            before = set(outbox.glob("*_header.csv")) if outbox.is_dir() else set()
            name = f"order_{number}.csv"
            complete = _arrive(mode, one_order(50000 + number), inbox, name)
            while (inbox / name).exists():
                time.sleep(0.002)
            taken.append(time.perf_counter() - complete)
            while not (outbox.is_dir() and set(outbox.glob("*_header.csv")) - before):
                time.sleep(0.002)
            published.append(time.perf_counter() - complete)
            time.sleep(0.2)  # let the watcher archive the input before the next one arrives
        watcher.stop()
        thread.join()
    return taken, published


def _summary(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) > 1 else latencies * 19
    return f"median {statistics.median(latencies):.3f}s, p95 {cuts[18]:.3f}s, max {max(latencies):.3f}s"


def main() -> None:
    """Measure each mode and print one line of latency percentiles per mode."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", nargs="+", choices=["copy", "rename"], default=["copy", "rename"])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--quiet", type=float, default=5.0)
    parser.add_argument("--poll", action="store_true")
    args = parser.parse_args()
    settings = WatchConfig(quiet_seconds=args.quiet, poll=args.poll, poll_interval=0.5, rescan_seconds=30)
    for mode in args.mode:
        taken, published = measure(mode, args.files, settings)
        print(f"{mode:6} {args.files} files, quiet {args.quiet:g}s, {'polling' if args.poll else 'events'}: "
              f"taken {_summary(taken)}; published {_summary(published)}", flush=True)


if __name__ == "__main__":
    main()

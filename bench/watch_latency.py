"""Latency of `etl watch`: from the moment a file is complete in the inbox to its output being published.

Usage: python bench/watch_latency.py [--files 20] [--quiet 0.5] [--poll]
A file counts as complete when its final rename into the inbox is done; it counts as published when
the first output of its run appears in outbox/sage/. The quiet period is part of the latency by design.
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


def main() -> None:
    """Drop files one at a time into a running watcher and print latency percentiles."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--quiet", type=float, default=0.5)
    parser.add_argument("--poll", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Config(base=Path(folder), watch=WatchConfig(quiet_seconds=args.quiet, poll=args.poll,
                                                             poll_interval=0.5, rescan_seconds=5))
        inbox, outbox = config.folder("inbox"), config.folder("outbox") / "sage"
        inbox.mkdir(parents=True)
        watcher = Watcher(config)
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        latencies = []
        for number in range(args.files):
            before = set(outbox.glob("*_header.csv")) if outbox.is_dir() else set()
            temp = Path(folder) / f"order_{number}.csv"
            temp.write_bytes(one_order(50000 + number))
            os.replace(temp, inbox / temp.name)
            complete = time.perf_counter()
            while not (outbox.is_dir() and set(outbox.glob("*_header.csv")) - before):
                time.sleep(0.005)
            latencies.append(time.perf_counter() - complete)
        watcher.stop()
        thread.join()
    cuts = statistics.quantiles(latencies, n=20)
    print(f"{args.files} files, quiet {args.quiet}s, {'polling' if args.poll else 'events'}: "
          f"median {statistics.median(latencies):.3f}s, p95 {cuts[18]:.3f}s, max {max(latencies):.3f}s, "
          f"overhead over the quiet period {statistics.median(latencies) - args.quiet:.3f}s")


if __name__ == "__main__":
    main()

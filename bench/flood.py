"""The flood: many one-order exports dropped into the inbox at once, taken by `etl watch`.

Usage: python bench/flood.py [--files 10000] [--bad 10] [--seed 1] [--keep]

Each file is a complete flat shop export (cp1252, `;`, the dialect of `bench/generate.py`) holding
one order of 1 to 20 lines, every order its own id. `--bad` of them are refused as a whole (a byte
sequence no reader takes: binary noise under a `.csv` name). The files are written beside the inbox
first and then renamed in, all at once, while `etl watch` (the console script, shipped settings) runs;
the clock runs from the first rename until every file is archived or in error/. Then the bench checks
each file's fate: every good order in the outbox exactly once, one ledger input per good file, every
bad file in error/ with its reason, none left in the inbox.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import COLUMNS, ENCODING, EOL, Generator
from run import compile_etl, etl_command

CONFIG = "watch:\n  rescan_seconds: 2\n"


def write_exports(drop: Path, count: int, bad: int, seed: int) -> tuple[dict[str, str], list[str]]:
    """Write `count` one-order exports into `drop`; (good file name -> order id, bad file names)."""
    generator = Generator(seed)
    rng = random.Random(seed)
    header = ";".join(COLUMNS) + EOL
    bad_at = set(rng.sample(range(count), bad)) if bad else set()
    good: dict[str, str] = {}
    refused: list[str] = []
    for number in range(count):
        name = f"order_{number:05}.csv"
        if number in bad_at:
            (drop / name).write_bytes(rng.randbytes(2048).replace(b"\n", b"\x00"))
            refused.append(name)
            continue
        text = generator.order(rng.randint(1, 20))
        (drop / name).write_bytes((header + text).encode(ENCODING))
        good[name] = str(generator.order_id)
    return good, refused


def done_count(work: Path) -> int:
    """Inputs archived or refused so far (reason files not counted)."""
    total = 0
    for folder in (work / "archive", work / "error"):
        for day in os.scandir(folder) if folder.is_dir() else []:
            if day.is_dir():
                total += sum(1 for e in os.scandir(day.path) if not e.name.endswith(".reason.txt"))
    return total


def order_ids(outbox: Path) -> list[str]:
    """Every order number in the published order head files (`Shopbestellnummer`), as often as it is there."""
    found: list[str] = []
    for path in sorted(outbox.rglob("*_header.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="cp1252")), delimiter=";"))
        column = rows[0].index("Shopbestellnummer")
        found += [row[column] for row in rows[1:]]
    return found


def check(work: Path, good: dict[str, str], refused: list[str]) -> list[str]:
    """What is wrong with the fates of the files (empty when every file has its own right fate)."""
    problems = []
    archived = collections.Counter(p.name for p in (work / "archive").rglob("*") if p.is_file())
    errors = collections.Counter(p.name for p in (work / "error").rglob("*") if p.is_file()
                                 and not p.name.endswith(".reason.txt"))
    if sorted(archived) != sorted(good) or max(archived.values(), default=1) > 1:
        problems.append(f"archived {len(archived)} files, expected the {len(good)} good ones once each")
    if sorted(errors) != sorted(refused) or max(errors.values(), default=1) > 1:
        problems.append(f"error/ holds {sorted(errors)[:5]}…, expected {sorted(refused)[:5]}…")
    orders = collections.Counter(order_ids(work / "outbox"))
    if sorted(orders) != sorted(good.values()) or max(orders.values(), default=1) > 1:
        problems.append(f"the outbox holds {len(orders)} orders ({sum(orders.values())} times), "
                        f"expected the {len(good)} good ones once each")
    reasons = {p.name.removesuffix(".reason.txt") for p in (work / "error").rglob("*.reason.txt")}
    if reasons != set(refused):
        problems.append("a refused file has no reason file")
    db = sqlite3.connect(work / "state" / "ledger.sqlite")
    inputs = db.execute("SELECT count(*) FROM inputs").fetchone()[0]
    db.close()
    if inputs != len(good):
        problems.append(f"the ledger holds {inputs} inputs, expected {len(good)}")
    left = [p for p in (work / "inbox").rglob("*") if p.is_file() and p.name != ".etl-watch.lock"]
    if left:
        problems.append(f"{len(left)} files left in the inbox")
    return problems


def flood(files: int, bad: int, seed: int, keep: bool) -> int:
    """Drop the files into a watched inbox, time until each has its fate, check the fates; exit code."""
    base = Path(tempfile.mkdtemp(prefix="etl-flood-", dir=Path(__file__).parent / "out"))
    work, drop = base / "work", base / "drop"
    for folder in (work / "inbox", drop):
        folder.mkdir(parents=True)
    (work / "etl.yaml").write_text(CONFIG, encoding="utf-8")
    good, refused = write_exports(drop, files, bad, seed)
    load = os.getloadavg()[0]
    log = (base / "watch.log").open("wb")
    watcher = subprocess.Popen([etl_command(), "watch", "--config", str(work / "etl.yaml")],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        while not (work / "inbox" / ".etl-watch.lock").exists() or watcher.poll() is not None:
            if watcher.poll() is not None:
                sys.exit(f"the watcher ended: see {base / 'watch.log'}")
            time.sleep(0.05)
        time.sleep(1.0)  # the observer is up
        started = time.perf_counter()
        for name in sorted(os.listdir(drop)):
            os.replace(drop / name, work / "inbox" / name)
        dropped = time.perf_counter() - started
        while done_count(work) < files:
            if watcher.poll() is not None:
                sys.exit(f"the watcher ended: see {base / 'watch.log'}")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=120)
        log.close()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime  # the watcher's own, whatever else the machine runs
    problems = check(work, good, refused)
    print(f"{files} files ({bad} bad) renamed into the inbox in {dropped:.2f} s; all archived or refused "
          f"after {seconds:.1f} s: {files / seconds:.0f} files/s; the watcher's CPU {cpu:.1f} s "
          f"({files / cpu:.0f} files per CPU second); 1-minute load {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    for problem in problems:
        print(f"WRONG: {problem}")
    if keep or problems:
        print(f"kept in {base}")
    else:
        shutil.rmtree(base)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="one-order exports dropped at once")
    parser.add_argument("--bad", type=int, default=10, help="of them, files refused as a whole")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the working folder (bench/out/etl-flood-*)")
    args = parser.parse_args(argv)
    compile_etl()
    return flood(args.files, args.bad, args.seed, args.keep)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `etl run orders` (csv and xml) against plain pyarrow, pandas and lxml conversions.

`python bench/run.py [--sizes 100000 1000000 [10000000]] [--repeat R] [--keep]`

For each size the flat export is generated once (cached in bench/out/), then every case runs in a
separate process: wall time and peak resident memory (ru_maxrss of that one child, from os.wait4)
are measured per process. A watchdog kills a case whose resident memory passes --mem-limit-mb or
that runs longer than --timeout, so an out-of-memory reference cannot take the machine down; such
a case is reported as failed with the time it had used (a lower bound). The start-up of `etl --help`
and `etl --version` (bench/cli_startup.py) is measured in the same invocation. Results are printed as
a table with the project's targets, written to bench/out/results-<timestamp>.json and, as the one
Markdown table bench/README.md keeps, to bench/out/results-<timestamp>.md. References taken from an
earlier file with --reuse are marked "not comparable": no ratio target is judged on them.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import flows_bench
from cli_startup import compile_etl, timed
from flows_bench import ETL_FLOW_CASES, FLOW_CASES, FLOW_RATIO_TARGETS, FLOWS
from table import markdown

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
GENERATE = BENCH / "generate.py"
REFS = BENCH / "refs.py"
ETL_CASES = {"etl-csv": "csv", "etl-xml": "xml", "etl-refused": "csv"}
# etl-refused: the same export with every line's price unreadable (a reject per line, nothing written)
REFUSED_CASES = {"etl-refused"}
REF_CASES = {"pyarrow-csv": "csv", "pandas-csv": "csv", "lxml-xml": "xml", "pandas-xml": "xml"}
CASES = (*ETL_CASES, *REF_CASES)
# --cases names a group too: `orders` (the cases above) or `flows` (bench/flows_bench.py, every other flow, each
# beside its reference, so that both run under the same load)
GROUPS = {"orders": CASES, "flows": tuple(c for name in FLOWS for c in (f"flow-{name}", f"ref-{name}"))}
MIB = 1024 * 1024

# (label, numerator case, denominator case, comparison, target)
RATIO_TARGETS = (
    ("etl csv / pyarrow-csv", "etl-csv", "pyarrow-csv", "<=", 2.0),
    ("etl csv / pandas-csv (faster)", "etl-csv", "pandas-csv", "<", 1.0),
    ("etl xml / lxml-xml", "etl-xml", "lxml-xml", "<=", 1.2),
    ("pandas-xml / etl xml", "pandas-xml", "etl-xml", ">=", 3.0),
    *FLOW_RATIO_TARGETS,
)
PEAK_TARGET_MB = 500.0
PEAK_TARGET_SIZE = 10_000_000  # the 500 MB ceiling is for the largest file the bench makes
GROWTH_FROM, GROWTH_TO = 100_000, 1_000_000
GROWTH_TOLERANCE = 1.10  # "not growing": peak at 1M at most 10 % above the peak at 100k
STARTUP_TARGET = 0.3  # seconds, median of `etl --help` and of `etl --version`
REUSED = "reused from"  # in a measurement's note: taken from an earlier invocation, not comparable


@dataclass
class Sample:
    """One measured process."""

    seconds: float
    peak_mb: float
    exit_code: int
    cpu_seconds: float = 0.0
    load: float = 0.0
    killed: str | None = None
    rss: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Measurement:
    """A case at one size: the best time and the highest peak over the repeats."""

    size: int
    case: str
    seconds: float
    peak_mb: float
    ok: bool
    exit_code: int
    cpu_seconds: float = 0.0
    load: float = 0.0
    output_mb: float = 0.0
    note: str = ""
    written: int | None = None
    rejected: int | None = None
    runs: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    etl_source: str | None = None
    rss_timeline: list[tuple[float, float]] = field(default_factory=list)

    @property
    def reused(self) -> bool:
        """Measured in an earlier invocation (--reuse): not comparable with this one's etl cases."""
        return REUSED in self.note


class Watchdog(threading.Thread):
    """Kills a child (through a pidfd, so never a recycled pid) past a memory or time limit."""

    def __init__(self, pid: int, limit_mb: float, timeout: float, started: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.pidfd = os.pidfd_open(pid)
        self.limit_mb = limit_mb
        self.timeout = timeout
        self.started = started
        self.done = threading.Event()
        self.reason: str | None = None
        self.timeline: list[tuple[float, float]] = []

    def run(self) -> None:
        """Poll the child's resident memory every 0.2 s until it ends or passes a limit."""
        polls = 0
        while not self.done.wait(0.2):
            elapsed = time.perf_counter() - self.started
            rss = _rss_mb(self.pid)
            if polls % 5 == 0 and rss:  # about once a second
                self.timeline.append((round(elapsed, 1), round(rss)))
            polls += 1
            if self.limit_mb and rss > self.limit_mb:
                self._kill(f"killed: resident memory passed {self.limit_mb:.0f} MB after {elapsed:.0f} s")
            elif self.timeout and elapsed > self.timeout:
                self._kill(f"killed: still running after {self.timeout:.0f} s (at {rss:.0f} MB)")

    def _kill(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    def stop(self) -> None:
        """Stop polling and release the pidfd."""
        self.done.set()
        self.join()
        os.close(self.pidfd)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(command: list[str], log: Path, limit_mb: float, timeout: float) -> Sample:
    """Run `command` as a child, output to `log`; its wall and CPU time and its own peak RSS (ru_maxrss)."""
    load = os.getloadavg()[0]
    with log.open("wb") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        watchdog = Watchdog(process.pid, limit_mb, timeout, started)
        watchdog.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        watchdog.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Sample(seconds, usage.ru_maxrss / 1024, process.returncode,  # ru_maxrss is in KiB
                  cpu_seconds=usage.ru_utime + usage.ru_stime, load=load, killed=watchdog.reason,
                  rss=watchdog.timeline)


def input_file(size: int, seed: int, unreadable: bool = False) -> Path:
    """The cached flat export of `size` lines, generated on first use (`unreadable`: every price refused)."""
    path = OUT / f"orders_flat_{size}_seed{seed}{'_unreadable' if unreadable else ''}.csv"
    if not path.exists():
        print(f"generating {path.name} …", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(GENERATE), str(size), str(path), "--seed", str(seed),
                        *(["--unreadable-prices"] if unreadable else [])], check=True)
        print(f"  generated in {time.perf_counter() - started:.1f} s ({path.stat().st_size / MIB:.0f} MB)",
              flush=True)
    return path


def etl_command() -> str:
    """Path of the `etl` console script of the interpreter running this."""
    beside = Path(sys.executable).with_name("etl")
    found = str(beside) if beside.exists() else shutil.which("etl")
    if not found:
        sys.exit("the `etl` command was not found; run this with the venv's python")
    return found


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _etl_report(folder: Path) -> dict[str, Any]:
    reports = sorted((folder / "reports").glob("*.json"))
    return json.loads(reports[-1].read_text(encoding="utf-8")) if reports else {}


def run_case(case: str, size: int, src: Path, work: Path, logs: Path, args: argparse.Namespace) -> Measurement:
    """Measure one case at one size `args.repeat` times, each in a fresh folder and process."""
    samples: list[Sample] = []
    sources: list[str] = []
    success = 1 if case in REFUSED_CASES else 0  # a run that refused records ends with 1 (partial)
    output = 0
    report: dict[str, Any] = {}
    for attempt in range(1, args.repeat + 1):
        folder = work / f"{size}-{case}-{attempt}"
        shutil.rmtree(folder, ignore_errors=True)
        if case in ETL_CASES:
            etl = etl_command()
            subprocess.run([etl, "init", str(folder)], check=True, capture_output=True)
            shutil.copyfile(src, folder / "inbox" / src.name)
            command = [etl, "run", "orders", "--format", ETL_CASES[case], "--config", str(folder / "etl.yaml")]
            sources.append(str(source_fingerprint()["sha256"]))
        else:
            folder.mkdir(parents=True)
            command = [sys.executable, str(REFS), case, str(src), str(folder / f"{case}.{REF_CASES[case]}")]
        os.sync()  # the copy and earlier outputs reach the disk before the clock starts
        sample = measure(command, logs / f"{size}-{case}-{attempt}.log", args.mem_limit_mb, args.timeout)
        samples.append(sample)
        if case in ETL_CASES:
            output = _folder_bytes(folder / "outbox")
            report = _etl_report(folder)
        else:
            output = _folder_bytes(folder)
        state = sample.killed or ("ok" if sample.exit_code == success else f"exit code {sample.exit_code}")
        print(f"  {case:<12} run {attempt}: {sample.seconds:8.2f} s  {sample.peak_mb:8.0f} MB  "
              f"cpu {sample.cpu_seconds:7.2f} s  load {sample.load:4.2f}  {state}", flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        if sample.killed or sample.exit_code not in (0, 1):
            break  # no point repeating a failure
    good = [s for s in samples if not s.killed and s.exit_code == success]
    chosen = min(good or samples, key=lambda s: s.seconds)
    note = next((s.killed for s in samples if s.killed), "") or (
        "" if good else f"exit code {samples[-1].exit_code}, see {logs.name}/{size}-{case}-*.log")
    return Measurement(
        size=size, case=case, seconds=round(chosen.seconds, 3), peak_mb=round(max(s.peak_mb for s in samples), 1),
        ok=bool(good), exit_code=chosen.exit_code, cpu_seconds=round(min(s.cpu_seconds for s in good or samples), 3),
        load=round(max(s.load for s in samples), 2), output_mb=round(output / MIB, 1), note=note,
        written=report.get("written"), rejected=report.get("rejected"),
        runs=[round(s.seconds, 3) for s in samples], peaks=[round(s.peak_mb, 1) for s in samples],
        etl_source=",".join(sorted(set(sources))) or None, rss_timeline=chosen.rss,
    )


def load_references(path: Path, seed: int) -> dict[tuple[int, str], Measurement]:
    """The reference-case measurements of an earlier results file (same seed), marked as reused."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document["settings"]["seed"] != seed:
        sys.exit(f"{path} was measured with seed {document['settings']['seed']}, not {seed}")
    found = {}
    for entry in document["results"]:
        if entry["case"] in REF_CASES:
            entry["rss_timeline"] = [tuple(point) for point in entry.get("rss_timeline", [])]
            measurement = Measurement(**entry)
            measurement.note = "; ".join(x for x in (measurement.note, f"{REUSED} {path.name}, not comparable")
                                         if x)
            found[(measurement.size, measurement.case)] = measurement
    return found


def _check(value: float, op: str, target: float) -> bool:
    return {"<=": value <= target, "<": value < target, ">=": value >= target}[op]


def evaluate(results: list[Measurement]) -> list[dict[str, Any]]:
    """The project's targets, each with its measured value and whether it is met."""
    by = {(m.size, m.case): m for m in results}
    sizes = sorted({m.size for m in results})
    checks: list[dict[str, Any]] = []
    for size in sizes:
        for label, top, bottom, op, target in RATIO_TARGETS:
            a, b = by.get((size, top)), by.get((size, bottom))
            if a is None or b is None:
                continue
            entry: dict[str, Any] = {"size": size, "target": f"{label} {op} {target}", "value": None, "met": None}
            if a.reused or b.reused:
                # Another invocation ran under another load (and maybe other code): the ratio says little.
                if a.ok and b.ok:
                    entry["value"] = round(a.seconds / b.seconds, 2)
                entry["note"] = "not comparable: a reference was reused from an earlier invocation"
            elif a.ok and b.ok:
                entry["value"] = round(a.seconds / b.seconds, 2)
                entry["met"] = _check(entry["value"], op, target)
                entry["cpu_value"] = round(a.cpu_seconds / b.cpu_seconds, 2)  # less sensitive to other load
            elif not a.ok and b.ok and op == ">=":
                # The numerator was stopped before it finished: its time is a lower bound.
                entry["value"] = round(a.seconds / b.seconds, 2)
                entry["bound"] = "at least"
                entry["met"] = True if entry["value"] >= target else None
                entry["note"] = f"{top} did not finish ({a.note})"
            else:
                entry["note"] = "a case did not finish"
            checks.append(entry)
    for case in (*ETL_CASES, *ETL_FLOW_CASES):
        measured = {s: by[(s, case)] for s in sizes if (s, case) in by and by[(s, case)].ok}
        for m in measured.values():
            if m.size == max(measured):
                checks.append({"size": m.size, "target": f"{case} peak MB <= {PEAK_TARGET_MB:.0f}",
                               "value": m.peak_mb, "met": m.peak_mb <= PEAK_TARGET_MB,
                               **({} if m.size >= PEAK_TARGET_SIZE else
                                  {"note": f"the target is for {PEAK_TARGET_SIZE:,}"})})
        if GROWTH_FROM in measured and GROWTH_TO in measured:
            growth = measured[GROWTH_TO].peak_mb / measured[GROWTH_FROM].peak_mb
            checks.append({"size": GROWTH_TO,
                           "target": f"{case} peak {GROWTH_FROM:,} -> {GROWTH_TO:,} not growing "
                                     f"(x <= {GROWTH_TOLERANCE})",
                           "value": round(growth, 2), "met": growth <= GROWTH_TOLERANCE})
    return checks


def print_table(results: list[Measurement], checks: list[dict[str, Any]]) -> None:
    """The measurements and the targets as plain-text tables."""
    print()
    print(f"{'size':>10}  {'case':<12} {'seconds':>9} {'cpu s':>8} {'peak MB':>9} {'out MB':>8} {'load':>5}  note")
    for m in results:
        runs = f"runs {', '.join(f'{r:.2f}' for r in m.runs)}" if len(m.runs) > 1 else ""
        counts = f"{m.written} written, {m.rejected} rejected" if m.written is not None else ""
        note = "; ".join(x for x in (m.note, counts, runs) if x)
        seconds = f"{m.seconds:9.2f}" if m.ok else f"{'>' + format(m.seconds, '.1f'):>9}"
        print(f"{m.size:>10,}  {m.case:<12} {seconds} {m.cpu_seconds:8.2f} {m.peak_mb:9.0f} {m.output_mb:8.0f} "
              f"{m.load:5.2f}  {note}")
    print()
    print(f"{'size':>10}  {'target (ratios of wall time)':<60} {'value':>8} {'cpu':>6}  result")
    for c in checks:
        value = "-" if c["value"] is None else f"{'>=' if c.get('bound') else ''}{c['value']}"
        result = {True: "met", False: "MISSED", None: "unknown"}[c["met"]]
        note = f"  ({c['note']})" if c.get("note") else ""
        cpu = f"{c['cpu_value']}" if "cpu_value" in c else ""
        print(f"{c['size']:>10,}  {c['target']:<60} {value:>8} {cpu:>6}  {result}{note}")


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("hhg-sage-etl", "pyarrow", "pandas", "lxml"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def source_fingerprint() -> dict[str, Any]:
    """sha256 over the etl package and its bundled layouts, so results can be tied to a code state."""
    spec = importlib.util.find_spec("etl")
    if spec is None or spec.origin is None:
        return {"sha256": None}
    package = Path(spec.origin).parent
    files = sorted(package.rglob("*.py"))
    for extra in ("mappings", "templates", "schemas"):
        files += sorted(p for p in (package.parent / extra).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(package.parent)).encode() + b"\0" + path.read_bytes())
    newest = max((p.stat().st_mtime for p in files), default=0.0)
    return {"sha256": digest.hexdigest()[:16], "files": len(files),
            "newest_change": datetime.fromtimestamp(newest).isoformat(timespec="seconds")}


def startup(args: list[str], runs: int) -> dict[str, Any]:
    """Median wall time of `etl ARGS` in fresh processes (bench/cli_startup.py), after one warm-up."""
    load = os.getloadavg()[0]
    timed(args)
    times = sorted(timed(args) for _ in range(runs))
    median = times[len(times) // 2]
    print(f"  etl {' '.join(args):<10} median {median:.3f} s of {runs} (min {times[0]:.3f}, max {times[-1]:.3f})  "
          f"load {load:4.2f}", flush=True)
    return {"args": " ".join(args), "median": round(median, 3), "min": round(times[0], 3),
            "max": round(times[-1], 3), "runs": runs, "load": round(load, 2), "target": STARTUP_TARGET}


def _mem_total_mb() -> float:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    """Command line: generate, measure, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100000", "1000000"],
                        help="order lines per file; for the flow cases data rows per export set (commas allowed)")
    parser.add_argument("--cases", nargs="+", choices=(*CASES, *FLOW_CASES, *GROUPS), default=["orders"],
                        help="cases to run, or a group: orders (default), flows")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the best time is reported")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated exports")
    parser.add_argument("--keep", action="store_true", help="keep the working folders and outputs in bench/out/work")
    parser.add_argument("--skip-pandas-xml-above", type=int, default=100_000, metavar="N",
                        help="skip pandas-xml for sizes above N lines (default 100000: at 1M it needs ~34 GB)")
    parser.add_argument("--startup-runs", type=int, default=9,
                        help="runs of `etl --help` and `etl --version` (median; 0 = not measured)")
    parser.add_argument("--mem-limit-mb", type=float, default=round(_mem_total_mb() * 0.8),
                        help="kill a case whose resident memory passes this (default 80%% of RAM; 0 = off)")
    parser.add_argument("--timeout", type=float, default=3600, help="kill a case after this many seconds (0 = off)")
    parser.add_argument("--reuse", type=Path, metavar="RESULTS.json",
                        help="take the reference cases (not the etl ones) from an earlier results file when it has "
                             "them for the same size and seed; only the etl cases are run again")
    args = parser.parse_args(argv)
    args.sizes = [int(n) for part in args.sizes for n in part.split(",") if n]
    args.cases = list(dict.fromkeys(c for case in args.cases for c in GROUPS.get(case, (case,))))

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    compile_etl()
    source = source_fingerprint()
    print(f"etl source {source['sha256']} (newest change {source.get('newest_change')})", flush=True)
    work, logs = OUT / "work", OUT / "logs" / stamp
    logs.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    results: list[Measurement] = []
    reused = load_references(args.reuse, args.seed) if args.reuse else {}
    for size in sorted(args.sizes):
        src = input_file(size, args.seed) if set(args.cases) - set(FLOW_CASES) else None
        print(f"{size:,} lines" + (f" ({src.stat().st_size / MIB:.0f} MB):" if src else " (flow exports):"), flush=True)
        for case in args.cases:
            if case in FLOW_CASES:
                results.append(flows_bench.run_case(case, size, work, logs, args))
                continue
            assert src is not None
            if case == "pandas-xml" and size > args.skip_pandas_xml_above:
                print(f"  {case:<12} skipped (--skip-pandas-xml-above {args.skip_pandas_xml_above})")
                continue
            if (size, case) in reused:
                print(f"  {case:<12} reused from {args.reuse.name}")
                results.append(reused[(size, case)])
                continue
            source_file = input_file(size, args.seed, unreadable=True) if case in REFUSED_CASES else src
            results.append(run_case(case, size, source_file, work, logs, args))
    startups = []
    if args.startup_runs:
        print("start-up:", flush=True)
        startups = [startup(["--help"], args.startup_runs), startup(["--version"], args.startup_runs)]
    checks = evaluate(results)
    print_table(results, checks)
    document = {
        "timestamp": stamp, "host": {"cpus": os.cpu_count(), "memory_mb": round(_mem_total_mb()),
                                     "platform": platform.platform(), "versions": _versions()},
        "etl_source": {"before": source, "after": source_fingerprint()},
        "settings": {"sizes": sorted(args.sizes), "repeat": args.repeat, "seed": args.seed,
                     "reused": str(args.reuse) if args.reuse else None,
                     "mem_limit_mb": args.mem_limit_mb, "timeout": args.timeout},
        "results": [asdict(m) for m in results], "targets": checks, "startup": startups,
        "command": " ".join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
    }
    if document["etl_source"]["after"] != source:
        print("\nWARNING: the etl sources changed during the run; the etl numbers may mix two code states")
    path = OUT / f"results-{stamp}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    table = path.with_suffix(".md")
    table.write_text(markdown(document), encoding="utf-8")
    print(f"\nresults: {path}\ntable for bench/README.md: {table}\nlogs: {logs}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

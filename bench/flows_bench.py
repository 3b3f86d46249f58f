"""The flow cases of bench/run.py: `etl run FLOW` on a generated export set beside its pyarrow reference.

For each flow of FLOWS two cases: `flow-<name>` (a new `etl init` folder, the set copied into its
inbox, the clock around `etl run <name>`) and `ref-<name>` (bench/refs_flows.py: the same joins and
import files in plain pyarrow). A size is the number of data rows over all files of the set
(bench/generate_flows.py); each set is generated once and cached in bench/out/flows/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
FLOWS = ("catalog", "articles", "stock", "customers", "shipments")
ETL_FLOW_CASES = {f"flow-{name}": name for name in FLOWS}
REF_FLOW_CASES = {f"ref-{name}": name for name in FLOWS}
FLOW_CASES = {**ETL_FLOW_CASES, **REF_FLOW_CASES}
FLOW_RATIO_TARGETS = tuple((f"etl {name} / ref-{name}", f"flow-{name}", f"ref-{name}", "<=", 2.0) for name in FLOWS)
# The shipments bench has no orders run before it: every shop order number is taken as known.
OVERRIDES = {"shipments": ("sage/shipments.yaml", "known_orders_only: true", "known_orders_only: false")}


def export_set(flow: str, size: int, seed: int) -> Path:
    """The cached export set of `flow` with `size` rows, generated on first use."""
    folder = OUT / "flows" / f"{flow}_{size}_seed{seed}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {folder.name} …", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(BENCH / "generate_flows.py"), flow, str(size), str(folder),
                        "--seed", str(seed)], check=True)
        (folder / ".complete").touch()
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def _prepare_etl(flow: str, src: Path, folder: Path, etl: str) -> list[str]:
    subprocess.run([etl, "init", str(folder)], check=True, capture_output=True)
    for path in src.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copyfile(path, folder / "inbox" / path.name)
    if (src / "media").is_dir():
        shutil.copytree(src / "media", folder / "media", dirs_exist_ok=True)
    if flow in OVERRIDES:
        name, old, new = OVERRIDES[flow]
        bundled = BENCH.parent / "mappings" / name
        (folder / "mappings" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "mappings" / name).write_text(bundled.read_text(encoding="utf-8").replace(old, new),
                                                encoding="utf-8")
    return [etl, "run", flow, "--config", str(folder / "etl.yaml")]


def run_case(case: str, size: int, work: Path, logs: Path, args: argparse.Namespace) -> Any:
    """Measure one flow case at one size `args.repeat` times (bench/run.py's `measure`), as a Measurement."""
    import run  # bench/run.py: imported here, as it imports this module

    flow = FLOW_CASES[case]
    src = export_set(flow, size, args.seed)
    samples, sources = [], []
    report: dict[str, Any] = {}
    output = 0
    for attempt in range(1, args.repeat + 1):
        folder = work / f"{size}-{case}-{attempt}"
        shutil.rmtree(folder, ignore_errors=True)
        if case in ETL_FLOW_CASES:
            command = _prepare_etl(flow, src, folder, run.etl_command())
            sources.append(str(run.source_fingerprint()["sha256"]))
        else:
            folder.mkdir(parents=True)
            command = [sys.executable, str(BENCH / "refs_flows.py"), flow, str(src), str(folder / "out")]
        os.sync()
        sample = run.measure(command, logs / f"{size}-{case}-{attempt}.log", args.mem_limit_mb, args.timeout)
        samples.append(sample)
        if case in ETL_FLOW_CASES:
            output, report = run._folder_bytes(folder / "outbox"), run._etl_report(folder)
        else:
            output = run._folder_bytes(folder / "out")
        state = sample.killed or ("ok" if sample.exit_code == 0 else f"exit code {sample.exit_code}")
        print(f"  {case:<15} run {attempt}: {sample.seconds:8.2f} s  {sample.peak_mb:8.0f} MB  "
              f"cpu {sample.cpu_seconds:7.2f} s  load {sample.load:4.2f}  {state}", flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        if sample.killed or sample.exit_code != 0:
            break
    good = [s for s in samples if not s.killed and s.exit_code == 0]
    chosen = min(good or samples, key=lambda s: s.seconds)
    note = next((s.killed for s in samples if s.killed), "") or (
        "" if good else f"exit code {samples[-1].exit_code}, see {logs.name}/{size}-{case}-*.log")
    return run.Measurement(
        size=size, case=case, seconds=round(chosen.seconds, 3), peak_mb=round(max(s.peak_mb for s in samples), 1),
        ok=bool(good), exit_code=chosen.exit_code, cpu_seconds=round(min(s.cpu_seconds for s in good or samples), 3),
        load=round(max(s.load for s in samples), 2), output_mb=round(output / run.MIB, 1), note=note,
        written=report.get("written"), rejected=report.get("rejected"),
        runs=[round(s.seconds, 3) for s in samples], peaks=[round(s.peak_mb, 1) for s in samples],
        etl_source=",".join(sorted(set(sources))) or None, rss_timeline=chosen.rss,
    )

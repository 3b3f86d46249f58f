"""Profile one `etl run orders` with cProfile and print where the time goes.

`python bench/profile_etl.py [--size 100000] [--format csv] [--top 25] [--flow stock]` runs the etl in this process
under cProfile on the cached generated export (bench/out/, generated on first use), in a fresh working
folder, and prints the top functions by own time and by cumulative time. The raw statistics are saved
as bench/out/profile-<flow>-<format>-<size>.pstats (open with `python -m pstats` or snakeviz).
cProfile slows Python-heavy code more than native code: use it for shares, not for absolute times.
The run's worker threads (etl/fast/background.py) are run in the main thread, so the profile sees all the
work; `--threads` keeps them (the profile then shows only the main thread).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import flows_bench
from run import OUT, compile_etl, etl_command, input_file


def serial() -> None:
    """Run the pipeline's worker-thread stages in the main thread, where cProfile sees them."""
    import etl.fast.background as background

    class Now(background.Behind):
        def submit(self, call, *args):  # type: ignore[no-untyped-def]
            call(*args)

    background.ahead = lambda items, depth=2, name="": iter(items)  # type: ignore[assignment]
    background.Behind = Now  # type: ignore[misc]


def profile(size: int, fmt: str, top: int, seed: int, flow: str = "orders") -> Path:
    """Run the etl once under cProfile; return the saved statistics file."""
    compile_etl()
    from etl.cli.app import main as etl_main

    target = OUT / f"profile-{flow}-{fmt}-{size}.pstats"
    with tempfile.TemporaryDirectory(dir=OUT) as temp:
        folder = Path(temp) / "work"
        if flow == "orders":
            src = input_file(size, seed)
            subprocess.run([etl_command(), "init", str(folder)], check=True, capture_output=True)
            shutil.copyfile(src, folder / "inbox" / src.name)
            command = ["run", "orders", "--config", str(folder / "etl.yaml")]
        else:  # an export set of bench/generate_flows.py, as the flow cases of run.py run it
            src = flows_bench.export_set(flow, size, seed)
            command = flows_bench._prepare_etl(flow, src, folder, etl_command())[1:]
        argv = sys.argv
        sys.argv = ["etl", *command, "--format", fmt]
        profiler = cProfile.Profile()
        try:
            profiler.runcall(etl_main)
        except SystemExit as exc:
            print(f"etl exited with {exc.code}")
        finally:
            sys.argv = argv
        profiler.dump_stats(target)
    stats = pstats.Stats(str(target))
    for order in ("tottime", "cumulative"):
        print(f"\n=== etl {flow} {fmt}, {size:,} lines: top {top} by {order} ===")
        stats.sort_stats(order).print_stats(top)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: profile the chosen formats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="order lines or export rows (default 100000)")
    parser.add_argument("--flow", default="orders", choices=["orders", *flows_bench.FLOWS],
                        help="orders (the flat export), or a flow of the flow cases (its generated export set)")
    parser.add_argument("--format", nargs="+", default=["csv", "xml"], choices=["csv", "xml", "txt", "json"])
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", action="store_true",
                        help="keep the worker threads (cProfile then sees only the main thread's share)")
    args = parser.parse_args(argv)
    if not args.threads:
        serial()
    for fmt in args.format:
        print(f"statistics: {profile(args.size, fmt, args.top, args.seed, args.flow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

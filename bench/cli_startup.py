"""How long `etl --help` (and other quick commands) take from start to exit: the median of 9 runs.

    python bench/cli_startup.py                 # etl --help, target 0.3 s
    python bench/cli_startup.py --args flows --runs 15

Also lists the heavy libraries the command imported (python -X importtime), which should be none for --help.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import statistics
import subprocess
import sys
import time

HEAVY = ("pyarrow", "pandas", "lxml", "jinja2", "pydantic", "xmlschema", "openpyxl", "watchdog", "yaml")


def compile_etl() -> None:
    """Byte-compile the etl package, as pip does when it installs one.

    An editable install is compiled on first import, unless PYTHONDONTWRITEBYTECODE is set: then every
    run would compile its ~100 modules again (~0.1 s), which no installed copy does.
    """
    spec = importlib.util.find_spec("etl")
    if spec is None or spec.origin is None:
        return
    compileall.compile_dir(os.path.dirname(spec.origin), quiet=1)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: the etl package was byte-compiled before measuring", flush=True)


def timed(args: list[str]) -> float:
    """Wall time of one `python -m etl ARGS` in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", *args], capture_output=True, check=True)
    return time.perf_counter() - start


def heavy_imports(args: list[str]) -> list[str]:
    """The heavy top-level packages the command imports."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "etl", *args], capture_output=True, text=True)
    names = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return sorted(name for name in names if name in HEAVY)


def main() -> None:
    """Print the median, the spread and the heavy imports."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--args", nargs="*", default=["--help"], help="the etl arguments (default --help)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--target", type=float, default=0.3, help="seconds the median should stay under")
    options = parser.parse_args()
    compile_etl()
    timed(options.args)  # warm the file cache and the bytecode
    times = sorted(timed(options.args) for _ in range(options.runs))
    baseline = statistics.median(_python() for _ in range(5))
    median = statistics.median(times)
    print(f"etl {' '.join(options.args)}: median {median:.3f} s of {options.runs} "
          f"(min {times[0]:.3f}, max {times[-1]:.3f}); bare python {baseline:.3f} s; "
          f"{'within' if median <= options.target else 'OVER'} the {options.target:g} s target")
    print("heavy imports:", ", ".join(heavy_imports(options.args)) or "none")


def _python() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()

"""The one Markdown table of a bench invocation (bench/README.md keeps the latest), from run.py's results."""

from __future__ import annotations

from typing import Any


def markdown(document: dict[str, Any]) -> str:
    """Measurements, start-up times and targets of one results document as Markdown."""
    settings = document["settings"]
    versions = document["host"]["versions"]
    out = [f"Invocation {document['timestamp']}: `{document['command']}`; etl source "
           f"{document['etl_source']['before']['sha256']}; best of {settings['repeat']}; seed {settings['seed']}; "
           f"Python {versions['python']}, pyarrow {versions['pyarrow']}, pandas {versions['pandas']}, "
           f"lxml {versions['lxml']}; {document['host']['cpus']} CPUs. `load` is the 1-minute load average "
           f"when a case started (highest of its runs).", "",
           "| lines | case | wall s | CPU s | peak MB | out MB | load | runs (wall s) | note |",
           "|---:|---|---:|---:|---:|---:|---:|---|---|"]
    for m in document["results"]:
        seconds = f"{m['seconds']:.2f}" if m["ok"] else f"> {m['seconds']:.1f}"
        counts = f"{m['written']:,} written, {m['rejected']:,} rejected" if m.get("written") is not None else ""
        note = "; ".join(x for x in (m["note"], counts) if x)
        runs = ", ".join(f"{r:.2f}" for r in m["runs"])
        out.append(f"| {m['size']:,} | {m['case']} | {seconds} | {m['cpu_seconds']:.2f} | {m['peak_mb']:,.0f} | "
                   f"{m['output_mb']:,.0f} | {m['load']:.2f} | {runs} | {note} |")
    for s in document.get("startup", []):
        out.append(f"| – | `etl {s['args']}` | {s['median']:.3f} | | | | {s['load']:.2f} | median of {s['runs']} "
                   f"(min {s['min']:.3f}, max {s['max']:.3f}) | target {s['target']} s: "
                   f"{'met' if s['median'] <= s['target'] else 'MISSED'} |")
    out += ["", "| lines | target | wall ratio / value | CPU ratio | result |", "|---:|---|---:|---:|---|"]
    for c in document["targets"]:
        value = "–" if c["value"] is None else f"{'≥ ' if c.get('bound') else ''}{c['value']}"
        result = {True: "met", False: "**missed**", None: "unknown"}[c["met"]]
        note = f" ({c['note']})" if c.get("note") else ""
        out.append(f"| {c['size']:,} | {c['target']} | {value} | {c.get('cpu_value', '')} | {result}{note} |")
    return "\n".join(out) + "\n"

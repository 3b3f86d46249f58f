"""What `etl status` prints, and the `etl serve` command, beside cli.py (which stays under 300 lines)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from etl.i18n import N_, _, language, translate

if TYPE_CHECKING:
    from etl.config import Config
    from etl.status import Status

SHOWN = 20


def print_status(out: Console, snapshot: Status) -> None:
    """The watcher, waiting, in-progress, done and failed inputs, the last runs, then the latest rejects."""
    out.print(escape(_("watcher: {state}").format(state=translate(snapshot.watcher))))
    out.print(_("waiting ({count}): ").format(count=len(snapshot.waiting))
              + escape(", ".join(snapshot.waiting[:20]) or "-"))
    out.print(_("in progress ({count}): ").format(count=len(snapshot.in_progress))
              + escape("; ".join(snapshot.in_progress) or "-"))
    out.print(_("done (archived inputs): {count}").format(count=snapshot.done))
    out.print(_("failed (latest {count}):").format(count=len(snapshot.failed)))
    for item in snapshot.failed:
        out.print(escape(f"  {Path(item['file']).name}: {translate(str(item['reason']))}"))
        out.print(escape("    " + _("{state}; next: {step}").format(state=translate(str(item["state"])),
                                                                   step=translate(str(item["next_step"])))))
    headers = [_(title) for title in (N_("run"), N_("flow"), N_("finished"), N_("status"), N_("in"),
                                      N_("written"), N_("rejected"), N_("files"))]
    rows = []
    for run_ in snapshot.runs:
        counts = run_["counts"] if isinstance(run_["counts"], dict) else {}
        rows.append([str(run_["run_id"]), str(run_["flow"]), when(run_["finished"]), _(str(run_["status"])),
                     *(number(counts.get(k)) for k in ("in", "written", "rejected")), number(run_["files"])])
    print_table(out, headers, rows)
    print_rejects(out, snapshot)


def when(moment: object) -> str:
    """A run's time (ISO in the ledger) as the merchant's language writes it: 21.11.2026 14:03."""
    from datetime import datetime

    from babel.dates import format_date, format_time

    if not moment:
        return ""
    stamp = datetime.fromisoformat(str(moment))
    return f"{format_date(stamp, 'medium', locale=language())} {format_time(stamp, 'short', locale=language())}"


def number(value: object) -> str:
    """A count with the language's group separator (1.234 in German)."""
    from babel.numbers import format_decimal

    return "" if value is None or value == "" else format_decimal(int(str(value)), locale=language())


def print_table(out: Console, headers: list[str], rows: list[list[str]]) -> None:
    """A Rich table on a terminal; in a pipe or a file one tab-separated line per row, every value whole."""
    if not out.is_terminal:  # Task Scheduler logs at 80 columns: Rich would cut run ids to "202612…"
        for row in (headers, *rows):
            out.file.write("\t".join(" ".join(value.split()) for value in row) + "\n")
        return
    from rich.table import Table

    table = Table(*headers)
    for row in rows:
        table.add_row(*row)
    out.print(table)


def print_rejects(out: Console, snapshot: Status) -> None:
    """The latest refused records with file, line and next step, then where to read more."""
    out.print(_("rejected records (latest {count} of {total}):").format(
        count=min(len(snapshot.rejects), SHOWN), total=number(len(snapshot.rejects))))
    for reject in snapshot.rejects[:SHOWN]:
        where = f"{Path(reject['file']).name}:{reject['line']}" + (f" {reject['field']}" if reject["field"] else "")
        out.print(escape("  " + _("run {run} {where}: {reason}").format(run=reject["run_id"], where=where,
                                                                         reason=reject["reason"])))
        out.print(escape("    " + _("next: {step}").format(step=translate(reject["next_step"]))))
    for file in dict.fromkeys(r["rejects_file"] for r in snapshot.rejects):
        out.print(escape("  " + _("all of them: {file}").format(file=file)))
    if snapshot.rejects or snapshot.failed:
        out.print(escape(_("what to do with each kind of reject: {guide}; or open the page of `etl serve`").format(
            guide=snapshot.guide)))


def register_serve(app: typer.Typer, out: Console, load: Callable[[Path | None], Config]) -> None:
    """Add `etl serve` to `app`; `load` is cli.py's way of finding the settings."""

    @app.command(help=N_("A local status page (127.0.0.1, a token in its address): runs, rejects, refused files, "
                         "retry, re-import."))
    def serve(config: Annotated[Path | None, typer.Option(
                  "--config", "-c", help=N_("etl.yaml (default: the one in this folder or above, else $ETL_CONFIG)"))
              ] = None,
              port: Annotated[int, typer.Option(help=N_("Port on 127.0.0.1 (0: a free one)."))] = 0) -> None:
        from etl.serve.server import serve as run_server

        def ready(url: str) -> None:
            out.print(_("status page: {url}  (only on this computer; Ctrl+C stops)").format(url=url), soft_wrap=True)
            sys.stdout.flush()

        run_server(load(config), port, ready)

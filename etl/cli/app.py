"""The `etl` command: parses options, calls one library function, renders its result, picks the exit code."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from etl.cli.examine import INSPECT_HELP, inspect_command
from etl.cli.formats import FormatOpt, flow_rows
from etl.cli.global_options import GlobalOptionsGroup
from etl.cli.layout import layout_app
from etl.cli.localized import usage_error
from etl.cli.status import print_status, register_serve
from etl.i18n import LANGUAGES, N_, _, configure, set_language, translate
from etl.os_compat import safe_console
from etl.shared.errors import ConfigError, EtlError

if TYPE_CHECKING:  # pyarrow, pydantic and the rest are imported by the command that needs them, not for --help
    from etl.config import Config
    from etl.pipeline import RunOptions
    from etl.report.run_report import RunReport

EXIT_USAGE = 2  # as etl.report.run_report.EXIT_USAGE, without importing it for every command line
app = typer.Typer(cls=GlobalOptionsGroup, no_args_is_help=True,
                  help=N_("File-based bridge between hhg-multistore and Sage GS-Office."),
                  rich_markup_mode=None,  # plain help: typer's Rich help loads markdown-it and pygments (+0.1 s)
                  add_completion=True, pretty_exceptions_enable=False)
app.add_typer(layout_app, name="layout")
app.command("inspect", help=INSPECT_HELP)(inspect_command)
# soft_wrap: the terminal wraps long lines itself; Rich would break paths into pieces that no longer
# copy and paste (and break them in logs too, where the width is 80)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state = {"debug": False}

ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", "-c", help=N_("etl.yaml (default: the one in this folder or above, else $ETL_CONFIG)"))]


def _language(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(N_("'{value}' is not one of {choices}").format(value=value,
                                                                                choices=", ".join(LANGUAGES)))
    set_language(value)
    return value


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"etl {version('hhg-sage-etl')}")
        raise typer.Exit(0)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help=N_("Show tracebacks."))] = False,
          _show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                      help=N_("Show the version and exit."))] = False,
          _lang: Annotated[str | None, typer.Option("--lang", callback=_language, is_eager=True, metavar="[de|en]",
                                                    help=N_("Language of messages and reject files (default: "
                                                         "$ETL_LANG, else etl.yaml's language, else de)."))] = None,
          ) -> None:
    _state["debug"] = debug


def _config(path: Path | None, inbox: Path | None = None, outbox: Path | None = None, *,
            required: bool = True, needs_inbox: bool = False) -> Config:
    """The settings: `path`, else the etl.yaml found from here (without one: an error, or the defaults)."""
    from etl.config import Config, find_config, load_config
    from etl.workspace import check_inbox

    # Without a working folder, commands that read bundled layouts only use the defaults.
    bare = path is None and not required and find_config() is None
    config = Config(base=Path.cwd()) if bare else load_config(path)
    if inbox:
        config.folders.inbox = inbox.resolve()
    if outbox:
        config.folders.outbox = outbox.resolve()
    if needs_inbox:
        check_inbox(config)
    configure(config.language)
    return config


@app.command(help=N_("Convert every export of FLOW in the inbox into import files in the outbox."))
def run(
    flow: Annotated[str, typer.Argument(help=N_("Flow to run, see `etl flows`."))],
    fmt: FormatOpt = "csv",
    inbox: Annotated[Path | None, typer.Option(help=N_("Read exports from this folder."))] = None,
    outbox: Annotated[Path | None, typer.Option(help=N_("Write import files below this folder."))] = None,
    config: ConfigOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Check everything, write and move nothing."))] = False,
    force: Annotated[bool, typer.Option("--force", help=N_("Import files even if imported before."))] = False,
    full: Annotated[bool, typer.Option("--full", help=N_("Send every record, not only what changed (catalog, stock)."))
                    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the report as JSON."))] = False,
) -> None:
    from etl.pipeline import RunOptions, run_flow

    settings = _config(config, inbox, outbox, needs_inbox=True)
    options = RunOptions(dry_run=dry_run, force=force, full=full)
    if as_json or not err.is_terminal:  # a bar nobody sees (a log, a scheduled task): not even imported
        report = run_flow(settings, flow, fmt, options)
    else:
        report = _run_with_bar(settings, flow, fmt, options)
    if as_json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        _summary(report)
    raise typer.Exit(report.exit_code)


def _run_with_bar(settings: Config, flow: str, fmt: str, options: RunOptions) -> RunReport:
    """`run_flow` with a progress bar on the terminal."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from etl.pipeline import run_flow

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(_("{flow}: reading the inbox").format(flow=flow), total=None)

        def progress(what: str, count: int) -> None:
            bar.update(task, description=f"{flow}: {translate(what)}", completed=count)

        return run_flow(settings, flow, fmt, options, progress=progress)


def _summary(report: RunReport) -> None:
    from etl.report.summary import summary_lines

    for style, line in summary_lines(report):
        out.print(escape(line), style=style or None)


@app.command(help=N_("List the flows with their direction and formats."))
def flows() -> None:
    from rich.table import Table

    rows = flow_rows()
    if not out.is_terminal:  # a pipe or a file: plain tab-separated lines, nothing cut at any width
        for row in rows:
            sys.stdout.write("\t".join(row) + "\n")
        return
    table = Table()
    # A flow name is what the user types next: it is never cut or wrapped, the other columns give way.
    table.add_column(_("flow"), no_wrap=True, min_width=max(len(row[0]) for row in rows))
    for header in (N_("module"), N_("direction"), N_("formats"), N_("status")):
        table.add_column(_(header), overflow="fold")  # wrapped or folded, never cut with an ellipsis
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command(help=N_("Check an output file against its schema."))
def validate(file: Annotated[Path, typer.Argument(help=N_("An xml or json file the tool wrote."))],
             config: ConfigOpt = None) -> None:
    from etl.validate import validate_file

    problems = validate_file(_config(config, required=False), file)
    if problems:
        for problem in problems:
            err.print(f"[red]{escape(str(file))}[/]: {escape(translate(problem))}")
        raise typer.Exit(1)
    out.print(escape(_("{file}: valid").format(file=file)), style="green")


@app.command(help=N_("Create a working folder (config, mappings, inbox, outbox) that works at once."))
def init(folder: Annotated[Path, typer.Argument(help=N_("The working folder to create."))],
         samples: Annotated[bool, typer.Option("--samples", help=N_("Put the bundled sample exports into the inbox."))]
         = False) -> None:
    from etl.workspace import create_workspace, kept_files

    kept = kept_files(folder)
    created = create_workspace(folder, samples=samples)
    if kept:  # a folder in use: what it has stays as it is, and the merchant is told so, not "created"
        out.print(escape(_("{folder} is a working folder already: kept {count} files as they were (etl.yaml, "
                           "mappings, templates, schemas) and added only what was missing; drop exports into "
                           "{inbox} and run `etl run orders` in {folder}").format(
            folder=created, count=len(kept), inbox=created / "inbox")))
        return
    out.print(escape(_("created {config}; drop exports into {inbox} and run `etl run orders` in {folder} (or "
                       "anywhere with `--config {config}`)").format(config=created / "etl.yaml",
                                                                    inbox=created / "inbox", folder=created)))


@app.command(help=N_("Write the import template of FLOW (German headers, a help row, an example) to fill and drop "
                      "in the inbox."))
def template(
    flow: Annotated[str, typer.Argument(help=N_("The flow whose import template to write (customers)."))],
    fmt: Annotated[str, typer.Option("--format", "-f", help=N_("csv or xlsx."))] = "xlsx",
    output: Annotated[Path | None, typer.Option("--output", "-o", help=N_("File to write."))] = None,
    config: ConfigOpt = None,
) -> None:
    from etl.pipeline import get_flow, load_layouts
    from etl.template import write_template

    settings = _config(config, required=False)
    layouts = load_layouts(settings, get_flow(flow))
    wanted = output or Path(f"{flow}_vorlage.{fmt}")
    path = write_template(layouts.source, fmt, wanted, new_name=output is None)  # never over a file
    if path != wanted:
        out.print(escape(_("wrote {path} ({wanted} exists already and was kept)").format(path=path, wanted=wanted)))
    else:
        out.print(escape(_("wrote {path}").format(path=path)))


def main() -> None:
    """Entry point: one error handler; a traceback only with --debug."""
    # Python's collector ran about 170 times while a run imported its libraries (3 % of a small run);
    # the objects a run makes are mostly Arrow's, outside it. Fewer, larger collections.
    gc.set_threshold(20_000, 10, 10)
    safe_console()  # a cp1252 console or a redirected file must never end a run that did its work
    try:
        code = app(standalone_mode=False)  # without standalone mode, Exit(n) comes back as n
        sys.exit(code if isinstance(code, int) else 0)
    except ConfigError as exc:
        err.print(escape(_("The configuration is wrong:")), style="red")
        for problem in exc.problems:
            err.print(f"  {escape(translate(problem))}")
        sys.exit(exc.exit_code)
    except EtlError as exc:
        if _state["debug"]:
            raise
        err.print(escape(_("error:") + " " + translate(str(exc))), style="red")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print(_("aborted"))
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # a usage error of the option parser
            sys.stderr.write(usage_error(exc) + "\n")
            sys.exit(EXIT_USAGE)
        if _state["debug"]:
            raise
        err.print(escape(_("unexpected error: {error} (run with --debug for details)").format(
            error=f"{type(exc).__name__}: {exc}")), style="red")
        sys.exit(3)




@app.command(help=N_("Automatic mode: turn every complete export arriving in the inbox into import files, exactly "
                      "once."))
def watch(
    config: ConfigOpt = None,
    inbox: Annotated[Path | None, typer.Option(help=N_("Watch this folder."))] = None,
    outbox: Annotated[Path | None, typer.Option(help=N_("Write import files below this folder."))] = None,
    poll: Annotated[bool | None, typer.Option("--poll/--events", help=N_("Poll (network shares) or use OS events."))]
    = None,
    once: Annotated[bool, typer.Option("--once", help=N_("Process what is complete now, then exit."))] = False,
) -> None:
    from etl.watch.service import watch as run_watch

    settings = _config(config, inbox, outbox, needs_inbox=True)
    if poll is not None:
        settings.watch.poll = poll
    raise typer.Exit(run_watch(settings, once=once))


@app.command(help=N_("Send the waiting notification mails now and show what is queued, sent and failed."))
def mail(config: ConfigOpt = None,
         retry: Annotated[bool, typer.Option("--retry", help=N_("Give failed mails a new round of attempts."))] = False
         ) -> None:
    from etl.mail.tracking import mail_status

    lines, failing = mail_status(_config(config), retry=retry)
    for line in lines:
        out.print(escape(translate(line)))
    raise typer.Exit(1 if failing else 0)


@app.command(help=N_("Show what is waiting, in progress, done and failed, and the last runs."))
def status(config: ConfigOpt = None,
           as_json: Annotated[bool, typer.Option("--json", help=N_("Print the status as JSON."))] = False) -> None:
    from etl.status import collect

    snapshot = collect(_config(config))
    if as_json:
        sys.stdout.write(snapshot.to_json() + "\n")
        return
    print_status(out, snapshot)


register_serve(app, out, _config)

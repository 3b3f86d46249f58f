"""`etl layout …`: the consultant's commands for layouts (build, check, show, new); thin over etl.layouts_tool."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from etl.cli.localized import LocalizedGroup
from etl.i18n import N_, _, translate

if TYPE_CHECKING:
    from etl.config import Config


layout_app = typer.Typer(cls=LocalizedGroup, help=N_("Build schemas from layouts, check, show and draft layouts."),
                         no_args_is_help=True,
                         rich_markup_mode=None)
out = Console(soft_wrap=True)  # paths stay whole (etl/cli/app.py)
# A field's need in the layout (etl.transform.needs), in words of the catalog.
NEEDS = {"required": N_("required"), "optional": N_("optional"), "needed_when": N_("needed_when"),
         "expected": N_("expected")}
PROBLEM = N_("problem:")
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help=N_("etl.yaml (default: ./etl.yaml)"))]


@layout_app.command("build", help=N_("Write the XSD and JSON Schema of every target layout of the working folder "
                                      "into its schemas/."))
def build(config: ConfigOpt = None) -> None:
    from etl.layouts_tool.build import build_schemas

    settings = _settings(config)
    mappings, schemas = settings.search("mappings")[0], settings.search("schemas")[0]
    changed = build_schemas(mappings, schemas)
    for path in changed:
        out.print(escape(_("written: {path}").format(path=path)))
    out.print(escape(_("{count} schema file(s) written, the others are current ({folder})").format(
        count=len(changed), folder=schemas)))


@layout_app.command("check", help=N_("Compare the working folder's layout with the bundled one: changes, problems, "
                                      "unused neutral fields."))
def check(mapping: Annotated[str, typer.Argument(help=N_("The layout, e.g. sage/orders.yaml."))],
          config: ConfigOpt = None) -> None:
    from etl.bundled import bundled
    from etl.layouts_tool.check import check_layout

    settings = _settings(config)
    own = settings.find_mapping(mapping)
    schemas = settings.search("schemas")[0] / Path(mapping).with_suffix("")
    result = check_layout(own, bundled("mappings") / mapping, schemas)
    out.print(escape(_("layout: {path}").format(path=own)))
    out.print(_("changed against the bundled layout:") if result.changes else _("no change against the bundled layout"))
    for line in result.changes:
        out.print(f"  {escape(translate(line))}")
    for line in result.problems:
        out.print(f"[red]{escape(_(PROBLEM))}[/] {escape(translate(line))}")
    for record, names in result.unused.items():
        out.print(escape(_("unused neutral fields of {record}: {names}").format(record=record,
                                                                                names=", ".join(names) or "-")))
    for table, needs in result.needs.items():
        out.print(escape(_("table {table}: column, need (required / optional / needed when / expected), default")
                         .format(table=table)))
        for _field, column, need, default, when in needs:
            detail = (_("when {condition}").format(condition=translate(when)) if when else
                      "" if default is None else _("default {value}").format(value=default))
            column = (" " + _("or") + " ").join(column.split(" or "))  # a field read from one of several columns
            out.print(f"  {escape(column):<40} {_(NEEDS[need]):<12} {escape(detail)}".rstrip())
    raise typer.Exit(0 if result.ok else 1)


@layout_app.command("show", help=N_("Print the layout a run uses: the working folder's copy, its stores with "
                                     "etl.yaml's, one store's applied."))
def show(mapping: Annotated[str, typer.Argument(help=N_("The layout, e.g. sage/orders.yaml."))],
         store: Annotated[str | None, typer.Option(help=N_("Apply this store's overrides."))] = None,
         config: ConfigOpt = None) -> None:
    from etl.layouts_tool.show import effective_layout, layout_yaml, store_lines

    settings = _settings(config)
    path, layout = effective_layout(settings, mapping, store)
    notes = "".join(line + "\n" for line in store_lines(settings, mapping, store)) if store else ""
    title = _("{path} (store {store})").format(path=path, store=store) if store else str(path)
    sys.stdout.write(f"# {title}\n{notes}{layout_yaml(layout)}")


@layout_app.command("new", help=N_("Print a draft source layout made from an export's header and first rows."))
def new(flow: Annotated[str, typer.Argument(help=N_("The flow the export is for, e.g. orders."))],
        source: Annotated[Path, typer.Option("--from", exists=True, dir_okay=False, help=N_("An export file."))],
        system: Annotated[str, typer.Option(help=N_("The system that wrote the export."))] = "shop") -> None:
    from etl.layouts_tool.draft import draft_layout

    sys.stdout.write(draft_layout(flow, source, system))


def _settings(config: Path | None) -> Config:
    """The working folder's settings (imported here, not for `etl --help`)."""
    from etl.config import load_config

    return load_config(config)

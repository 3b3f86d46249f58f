"""`etl layout …`: the consultant's commands for layouts (build, check, show, new); thin over etl.layouts_tool."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from etl.config import Config


layout_app = typer.Typer(help="Build schemas from layouts, check, show and draft layouts.", no_args_is_help=True,
                         rich_markup_mode=None)
out = Console(soft_wrap=True)  # paths stay whole (etl/cli/app.py)
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="etl.yaml (default: ./etl.yaml)")]


@layout_app.command("build")
def build(config: ConfigOpt = None) -> None:
    """Write the XSD and JSON Schema of every target layout of the working folder into its schemas/."""
    from etl.layouts_tool.build import build_schemas

    settings = _settings(config)
    mappings, schemas = settings.search("mappings")[0], settings.search("schemas")[0]
    changed = build_schemas(mappings, schemas)
    for path in changed:
        out.print(f"written: {escape(str(path))}")
    out.print(f"{len(changed)} schema file(s) written, the others are current ({escape(str(schemas))})")


@layout_app.command("check")
def check(mapping: Annotated[str, typer.Argument(help="The layout, e.g. sage/orders.yaml.")],
          config: ConfigOpt = None) -> None:
    """Compare the working folder's layout with the bundled one: changes, problems, unused neutral fields."""
    from etl.bundled import bundled
    from etl.layouts_tool.check import check_layout

    settings = _settings(config)
    own = settings.find_mapping(mapping)
    schemas = settings.search("schemas")[0] / Path(mapping).with_suffix("")
    result = check_layout(own, bundled("mappings") / mapping, schemas)
    out.print(f"layout: {escape(str(own))}")
    out.print("changed against the bundled layout:" if result.changes else "no change against the bundled layout")
    for line in result.changes:
        out.print(f"  {escape(line)}")
    for line in result.problems:
        out.print(f"[red]problem:[/] {escape(line)}")
    for record, names in result.unused.items():
        out.print(f"unused neutral fields of {record}: {escape(', '.join(names) or '-')}")
    for table, needs in result.needs.items():
        out.print(f"table {escape(table)}: column, need (required / optional / needed when / expected), default")
        for _, column, need, default, when in needs:
            detail = f"when {when}" if when else ("" if default is None else f"default {default}")
            out.print(f"  {escape(column):<40} {need:<12} {escape(detail)}".rstrip())
    raise typer.Exit(0 if result.ok else 1)


@layout_app.command("show")
def show(mapping: Annotated[str, typer.Argument(help="The layout, e.g. sage/orders.yaml.")],
         store: Annotated[str | None, typer.Option(help="Apply this store's overrides.")] = None,
         config: ConfigOpt = None) -> None:
    """Print the layout a run uses: the working folder's copy, its stores with etl.yaml's, one store's applied."""
    from etl.layouts_tool.show import effective_layout, layout_yaml, store_lines

    settings = _settings(config)
    path, layout = effective_layout(settings, mapping, store)
    notes = "".join(line + "\n" for line in store_lines(settings, mapping, store)) if store else ""
    sys.stdout.write(f"# {path}{f' (store {store})' if store else ''}\n{notes}{layout_yaml(layout)}")


@layout_app.command("new")
def new(flow: Annotated[str, typer.Argument(help="The flow the export is for, e.g. orders.")],
        source: Annotated[Path, typer.Option("--from", exists=True, dir_okay=False, help="An export file.")],
        system: Annotated[str, typer.Option(help="The system that wrote the export.")] = "shop") -> None:
    """Print a draft source layout made from an export's header and first rows."""
    from etl.layouts_tool.draft import draft_layout

    sys.stdout.write(draft_layout(flow, source, system))


def _settings(config: Path | None) -> Config:
    """The working folder's settings (imported here, not for `etl --help`)."""
    from etl.config import load_config

    return load_config(config)

"""`etl inspect FILE...`: how export files are read, for the consultant adapting a layout; thin over etl.examine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from etl.i18n import N_

if TYPE_CHECKING:
    from etl.config import Config


INSPECT_HELP = N_("Show how FILES are read: encoding, dialect, header, flow and table, columns, neutral rows, "
                  "rejects.")


def inspect_command(
    files: Annotated[list[Path], typer.Argument(help=N_("Export files to look at (nothing is written or moved)."),
                                                exists=True, dir_okay=False)],
    flow: Annotated[str | None, typer.Option("--flow", help=N_("Try only this flow's layout."))] = None,
    rows: Annotated[int, typer.Option("--rows", min=0, help=N_("Neutral rows shown per table."))] = 5,
    rejects: Annotated[int, typer.Option("--rejects", min=0, help=N_("Rejects shown per flow."))] = 10,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print everything as JSON (for tools)."))] = False,
    config: Annotated[Path | None, typer.Option("--config", "-c", help=N_("etl.yaml (default: the one in this "
                                                "folder or above, else the bundled layouts)"))] = None,
) -> None:
    """`etl inspect`: the inspection of FILES printed as text or JSON (its help: INSPECT_HELP)."""
    import json

    from etl.examine import inspect_files, render

    seen = inspect_files(_settings(config), files, flow, rows, rejects)
    sys.stdout.write(json.dumps(seen.as_dict(), ensure_ascii=False, indent=2) + "\n" if as_json else render(seen))
    # 1 when a run would refuse a file whole: a script sees at once that the layout or the export needs work
    raise typer.Exit(1 if any(f.reason for f in seen.files) or any(f.refused for f in seen.flows) else 0)


def _settings(config: Path | None) -> Config:
    """The working folder's settings, else the defaults (bundled layouts); imported here, not for --help."""
    from etl.config import Config, find_config, load_config

    if config is None and find_config() is None:
        return Config(base=Path.cwd())
    return load_config(config)

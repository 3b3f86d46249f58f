"""The `--format` option of `etl run` and the rows of `etl flows`, both from the writer registry per flow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from etl.cli.localized import computed
from etl.i18n import N_, translate
from etl.load.registry import WRITERS, formats


def _known_format(value: str) -> str:
    if value not in formats():
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(formats())}")
    return value  # whether it serves the flow is checked by the run, against the flow's target layout


def complete_format(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion of `--format`: the formats of the flow named on the line (every format without one)."""
    from etl.flows import FLOWS  # only when completing

    # While completing, the flow may still be among the unparsed words rather than a parameter.
    words = [ctx.params.get("flow"), *ctx.args]
    flow = next((FLOWS[word] for word in words if isinstance(word, str) and word in FLOWS), None)
    names = flow.formats if flow else list(WRITERS)
    return [(name, WRITERS[name].description) for name in names if name.startswith(incomplete)]


def _format_help(text: Callable[[str], str] = translate) -> str:
    """The help of `--format` (`text`: in the current language): each format with whom it serves and what it is."""
    def line(name: str) -> str:
        spec = WRITERS[name]
        return f"{name}{f' ({text(spec.scope)})' if spec.scope else ''} = {text(spec.description)}"
    return text(N_("Output format (which ones FLOW can write: `etl flows`): {formats}.")).format(
        formats="; ".join(map(line, WRITERS)))


# Built from the registry's names and descriptions only: no writer module is imported for the help.
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", callback=_known_format, autocompletion=complete_format,
    metavar="[" + "|".join(formats()) + "]",
    help=computed(_format_help(str), _format_help))]


def flow_rows() -> list[tuple[str, str, str, str, str]]:
    """One row per flow for `etl flows`: name, module, direction, its formats, status."""
    from etl.flows import FLOWS

    return [(flow.name, flow.module, flow.direction, ", ".join(flow.formats),
             translate(N_("ready") if flow.built else N_("planned"))) for flow in FLOWS.values()]

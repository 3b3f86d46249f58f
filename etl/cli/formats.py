"""The `--format` option of `etl run` and the rows of `etl flows`, both from the writer registry per flow."""

from __future__ import annotations

from typing import Annotated

import typer

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


def _help_line(name: str) -> str:
    spec = WRITERS[name]
    return f"{name}{f' ({spec.scope})' if spec.scope else ''} = {spec.description}"


# Built from the registry's names and descriptions only: no writer module is imported for the help.
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", callback=_known_format, autocompletion=complete_format,
    metavar="[" + "|".join(formats()) + "]",
    help="Output format (which ones FLOW can write: `etl flows`): " + "; ".join(map(_help_line, WRITERS)) + ".")]


def flow_rows() -> list[tuple[str, str, str, str, str]]:
    """One row per flow for `etl flows`: name, module, direction, its formats, status."""
    from etl.flows import FLOWS

    return [(flow.name, flow.module, flow.direction, ", ".join(flow.formats), "ready" if flow.built else "planned")
            for flow in FLOWS.values()]

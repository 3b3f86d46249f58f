"""`etl`'s own options (--debug, --lang) are taken after the command too: `etl run orders --debug`."""

from __future__ import annotations

from typing import Any

import typer.core

GLOBAL_FLAGS, GLOBAL_VALUED = ("--debug",), ("--lang",)  # options of `etl` itself, typed anywhere


def hoist_global_options(args: list[str]) -> list[str]:
    """`args` with `etl`'s own options moved first: `etl run orders --debug` as `etl --debug run orders`."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if token == "--":  # what follows is arguments, never options
            rest += args[index:]
            break
        taken = 2 if token in GLOBAL_VALUED else 1 if token in GLOBAL_FLAGS or token.startswith("--lang=") else 0
        (front if taken else rest).extend(args[index:index + (taken or 1)])
        index += taken or 1
    return front + rest


class GlobalOptionsGroup(typer.core.TyperGroup):
    """The `etl` group: its options are taken after the command too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's private copy of click's Context
        return super().parse_args(ctx, hoist_global_options(args))

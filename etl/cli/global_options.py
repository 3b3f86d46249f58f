"""`etl`'s own options (--debug, --lang) are taken after the command too: `etl run orders --debug`.

`--install-completion` and `--show-completion` take the shell (`etl --install-completion powershell`, as
docs/windows.md says); typer's own flags take none and install for the shell they detect, bash under
Git Bash or a Task Scheduler shell.
"""

from __future__ import annotations

from typing import Any

import typer
from typer._completion_shared import Shells
from typer.completion import install_callback, show_callback

from etl.cli.localized import LocalizedGroup
from etl.i18n import N_

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


class GlobalOptionsGroup(LocalizedGroup):
    """The `etl` group: its options are taken after the command too; its help in the merchant's language."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's private copy of click's Context
        completion_for_shell(ctx, self.params, args)
        return super().parse_args(ctx, hoist_global_options(args))


def completion_for_shell(ctx: Any, params: list[Any], args: list[str]) -> None:
    """`--install-completion SHELL` / `--show-completion SHELL` done for SHELL; without one typer detects it."""
    callbacks = {"--install-completion": install_callback, "--show-completion": show_callback}
    shells = [shell.value for shell in Shells]
    for index, token in enumerate(args[:-1]):
        shell = args[index + 1]
        if token not in callbacks or shell.startswith("-"):
            continue
        if shell not in shells:
            raise typer.BadParameter(N_("'{value}' is not one of {choices}").format(
                value=shell, choices=", ".join(shells)), ctx, param_hint=token)
        (param,) = [param for param in params if token in getattr(param, "opts", ())]
        callbacks[token](ctx, param, shell)  # installs or prints, then exits 0

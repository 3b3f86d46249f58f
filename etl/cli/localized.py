"""`etl`'s help and usage errors in the merchant's language: our help texts and click's and typer's own words.

The help texts stay English where they are declared (`help=N_(...)`) and are translated when the help is
rendered, so `--lang` given anywhere on the line counts. Typer's vendored click writes its words in English
(typer's own ones through gettext's default domain, which has no catalog here); every one passes through
the help formatter, so the formatter of our context translates them: the usage line, the section titles,
each option's help with its `[default: …]` and `[required]`, and the command's text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from typer._click.formatting import HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup

from etl.i18n import N_, _, configure, translate

# Typer's and click's words in help and usage errors (declared here for the catalog; they arrive in English).
CLICK_WORDS = (N_("Usage:"), N_("Options"), N_("Arguments"), N_("Commands"), N_("Show this message and exit."),
               N_("required"), N_("default: {default}"), N_("env var: {var}"), N_("OPTIONS"), N_("COMMAND"),
               N_("ARGS"), N_("Install completion for the current shell."),
               N_("Show completion for the current shell, to copy it or customize the installation."),
               N_("No such option: {option}"), N_("No such option: {option} (Possible options: {options})"),
               N_("Missing argument {name}."), N_("Missing option {name}."), N_("Missing command."),
               N_("Invalid value for {name}: {message}"), N_("Invalid value: {message}"),
               N_("Got unexpected extra argument(s) ({args})"), N_("Got unexpected extra argument ({args})"),
               N_("No such command '{name}'."), N_("No such command '{name}'. Did you mean {names}?"),
               N_("Option '{option}' requires an argument."), N_("Option '{option}' does not take a value."),
               N_("{value} is not one of {choices}."), N_("'{value}' is not one of {choices}"),
               N_("'{value}' is not a valid integer."), N_("{value} is not in the range {range}."),
               N_("'{value}': No such file or directory"), N_("File '{name}' does not exist."),
               N_("File '{name}' is a directory."))
# The placeholders of values (`<path>`, `{flow}`) in the usage line and the options' column.
METAVARS = {"path": N_("path"), "integer": N_("integer"), "text": N_("text"), "flow": N_("flow"),
            "files": N_("files"), "file": N_("file"), "folder": N_("folder"), "mapping": N_("mapping"),
            "float": N_("number")}
_METAVAR = re.compile(r"(?<=[<{])([a-z_]+)(?=[>}])|\b(OPTIONS|COMMAND|ARGS)\b")
_EXTRAS = re.compile(r"(.*?)  \[([^\[\]]*)\]", re.DOTALL)
_COMPUTED: dict[str, Callable[[], str]] = {}


def computed(english: str, render: Callable[[], str]) -> str:
    """A help text made of several catalog texts (a list from a registry): `render` makes it when shown."""
    _COMPUTED[english] = render
    return english


def _metavars(text: str) -> str:
    return _METAVAR.sub(lambda m: _(METAVARS.get(m[1], m[1])) if m[1] else _(m[2]), text)


def _term(term: str) -> str:
    """An argument's name (`flow`, `files...`) or an option with its value (`--inbox <path>`)."""
    name, dots = term.removesuffix("..."), "..." if term.endswith("...") else ""
    return _(METAVARS[name]) + dots if name in METAVARS else _metavars(term)


def help_text(text: str) -> str:
    """One help text (an option's, with its `[default: …; required]`) in the current language."""
    found = _EXTRAS.fullmatch(text)
    main, extras = (found[1], found[2].split("; ")) if found else (text, [])
    main = _COMPUTED[main]() if main in _COMPUTED else translate(main) if main else main
    return f"{main}  [{'; '.join(map(translate, extras))}]" if extras else main


class LocalizedFormatter(HelpFormatter):
    """Click's help formatter writing every text it is given in the current language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """The usage line: `Aufruf: etl run [OPTIONEN] {Ablauf}`."""
        super().write_usage(prog, _metavars(args), _("Usage:") + " ")

    def write_heading(self, heading: str) -> None:
        """A section title (Options, Arguments, Commands)."""
        super().write_heading(_(heading))

    def write_text(self, text: str) -> None:
        """The command's help."""
        super().write_text(translate(text) if text.strip() else text)

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """Options, arguments and commands with their help."""
        terms = [_term(term) for term, _text in rows]
        super().write_dl([(term, help_text(text)) for term, (_term, text) in zip(terms, rows, strict=True)],
                         col_max, col_spacing)


class LocalizedContext(typer.Context):
    """A command's context whose help is written by `LocalizedFormatter`."""

    formatter_class = LocalizedFormatter

    def make_formatter(self) -> HelpFormatter:
        """The formatter, once the language is known: --lang, $ETL_LANG, else the working folder's etl.yaml."""
        _settings_language()
        return super().make_formatter()


def _settings_language() -> None:
    """etl.yaml's `language`, read only when a help or usage is shown (a command reads it with its settings)."""
    from etl.bundled import load_yaml

    # etl.config.find_config's search, without importing pydantic for a help
    here = Path.cwd().resolve()
    found = next((folder / "etl.yaml" for folder in (here, *here.parents) if (folder / "etl.yaml").is_file()), None)
    path = found or (Path(os.environ["ETL_CONFIG"]) if os.environ.get("ETL_CONFIG") else None)
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) if path is not None else None
    except Exception:  # a broken etl.yaml is told by the command that reads it, not by the help
        return
    if isinstance(data, dict) and isinstance(data.get("language"), str):
        configure(data["language"])


class LocalizedGroup(TyperGroup):
    """A group whose help, and the help of each command below it, speaks the merchant's language."""

    context_class = LocalizedContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            command.context_class = LocalizedContext

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands with the first sentence of their help, translated before it is shortened."""
        commands = [(name, command) for name in self.list_commands(ctx)
                    if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        rows = [(name, make_default_short_help(translate(command.help or ""), limit)) for name, command in commands]
        with formatter.section(N_("Commands")):
            HelpFormatter.write_dl(formatter, rows)  # translated already: not through write_dl's lookup again


def usage_error(exc: Any) -> str:
    """A usage error of the option parser as click shows it (usage, hint, error), in the current language."""
    message = exc.format_message()
    if type(exc).__name__ == "NoArgsIsHelpError":  # `etl` alone: its message is the help
        return str(message)
    if getattr(exc, "message", None) and isinstance(exc, typer.BadParameter):
        message = message.replace(exc.message, translate(exc.message))  # "Invalid value for X: <reason>"
    lines = [_("Error: {message}").format(message=translate(message.replace('"', "'")))]
    ctx = exc.ctx
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        hint = _("Try '{command} {option}' for help.").format(command=ctx.command_path,
                                                               option=ctx.help_option_names[0])
        lines.insert(0, f"{ctx.get_usage()}\n{hint}\n")
    return "\n".join(lines)

"""Every command of `etl` speaks one language: German by default without an English sentence, English with
`--lang en` without a German word, on the bundled samples and in its `--help`.

The commands are the typer app's own (its registered commands and groups); `INVOCATIONS` gives each the
arguments it takes on the samples, and a command without them fails `test_every_command_is_run`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer.main

from etl.cli.app import app
from tests.test_cli import etl

SAMPLES = Path(__file__).resolve().parent.parent / "samples/orders"
# Function words of sentences: a whole word of these outside quotes, backticks, paths and names is a sentence
# in the other language.
ENGLISH = frozenset({"the", "is", "not", "and", "of", "with", "must", "cannot", "no", "such", "file", "files", "run",
                     "or", "to", "are", "from", "this", "for", "into", "when", "which", "has", "its", "by",
                     "written", "rejected", "waiting", "found", "missing", "line", "field", "value", "next", "read"})
GERMAN = frozenset({"der", "die", "das", "nicht", "und", "datei", "dateien", "ist", "mit", "von", "für", "oder",
                    "wird", "werden", "eine", "ein", "zeile", "feld", "lauf", "fehler", "keine", "kein", "sind",
                    "wenn", "nach", "abgelehnt", "geschrieben", "gelesen"})
# Words of the product, the same in both languages, and the column names of the samples (their own data).
ALLOWED = frozenset({"Shop", "Status", "Export", "Import"}) | frozenset(
    column for sample in SAMPLES.glob("*.csv")
    for column in sample.read_text(encoding="cp1252").splitlines()[0].split(";"))
_QUOTED = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|\{[^}]*\}|<[^>]*>")
Invocation = Callable[[Path], list[list[str]]]


def _samples(folder: Path) -> list[str]:
    return [str(path) for path in sorted((folder / "inbox").glob("*.csv"))]


def _written_xml(folder: Path) -> str:
    return str(next((folder / "outbox").rglob("*.xml")))


# What each command is given on the samples (in a working folder made by `etl init --samples` that ran them once).
INVOCATIONS: dict[tuple[str, ...], Invocation] = {
    ("run",): lambda f: [["run", "orders"], ["run", "orders", "--force", "--dry-run"], ["run", "orders", "--nope"],
                         ["run", "no-such-flow"]],
    ("flows",): lambda f: [["flows"]],
    ("validate",): lambda f: [["validate", _written_xml(f)], ["validate", str(f / "etl.yaml")]],
    ("init",): lambda f: [["init", str(f / "neu")], ["init", str(f)]],
    ("template",): lambda f: [["template", "customers", "--format", "csv", "-o", str(f / "vorlage.csv")]],
    ("watch",): lambda f: [["watch", "--once"]],
    ("mail",): lambda f: [["mail"]],
    ("status",): lambda f: [["status"], ["status", "-c", str(f / "kaputt.yaml")]],
    ("serve",): lambda f: [["serve"]],
    ("inspect",): lambda f: [["inspect", *_samples(f)]],
    ("layout", "build"): lambda f: [["layout", "build"]],
    ("layout", "check"): lambda f: [["layout", "check", "sage/orders.yaml"], ["layout", "check", "shop/orders.yaml"]],
    ("layout", "show"): lambda f: [["layout", "show", "sage/orders.yaml"]],
    ("layout", "new"): lambda f: [["layout", "new", "orders", "--from", str(f / "inbox/orders.csv")]],
}


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of the app, as the words that call it (the app itself is `()`)."""
    def walk(group: typer.core.TyperGroup, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for name, command in group.commands.items():
            yield (*prefix, name)
            if isinstance(command, typer.core.TyperGroup):
                yield from walk(command, (*prefix, name))
    return [(), *walk(typer.main.get_command(app), ())]  # type: ignore[arg-type]


def commands() -> list[tuple[str, ...]]:
    """The commands that do something (not the groups)."""
    groups = {path[:-1] for path in command_paths() if path}
    return [path for path in command_paths() if path and path not in groups]


def foreign(text: str, words: frozenset[str]) -> list[str]:
    """The lines of `text` holding one of `words` as a word of a sentence (not in quotes, a path or a name;
    not a command's name where it is one: after `etl` or first in a line of the list of commands)."""
    names = "|".join(sorted({name for path in command_paths() for name in path}, key=len, reverse=True))
    command = re.compile(rf"\betl(?: (?:{names})\b)+|^\s+(?:{names})(?=\s\s)")
    lines = []
    for line in text.splitlines():
        for token in _QUOTED.sub(" ", command.sub(" ", line)).split():
            word = token.strip(",;:()[]!?.")
            if word.isalpha() and word not in ALLOWED and word.lower() in words:
                lines.append(f"{word!r} in: {line.strip()}")
                break
    return lines


@pytest.fixture(scope="module")
def ran_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder on the samples that ran once (rejects, an xml output), the samples in its inbox again."""
    folder = tmp_path_factory.mktemp("every-word") / "work"
    assert etl("init", folder, "--samples").returncode == 0
    assert etl("run", "orders", "--format", "xml", cwd=folder).returncode == 1  # one sample order is refused
    for sample in SAMPLES.glob("*.csv"):
        shutil.copy(sample, folder / "inbox" / sample.name)
    (folder / "kaputt.yaml").write_text("lanugage: de\nlanguage: fr\nwatch:\n  quiet_seconds: bald\n",
                                        encoding="utf-8")
    return folder


def _output(folder: Path, args: list[str], lang: str) -> str:
    """What the command prints (stdout and stderr) in `lang`; `etl serve` until it says where it listens."""
    if args == ["serve"]:
        return _served(folder, lang)
    result = etl(*args, *(["--lang", "en"] if lang == "en" else []), cwd=folder)
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout + result.stderr


def _served(folder: Path, lang: str) -> str:
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin", **({"ETL_LANG": "en"} if lang == "en" else {})}
    with subprocess.Popen([sys.executable, "-m", "etl", "serve"], cwd=folder, stdout=subprocess.PIPE, text=True,
                          env=env) as server:
        assert server.stdout is not None
        line = server.stdout.readline()
        server.terminate()
    return line


def test_every_command_is_run() -> None:
    assert set(commands()) == set(INVOCATIONS), "give a new command its arguments in INVOCATIONS"


def _cases() -> Iterator[object]:
    """Every command in German and in English."""
    for path in commands():
        name = " ".join(path)
        yield pytest.param(path, "de", ENGLISH, id=f"{name}-de")
        yield pytest.param(path, "en", GERMAN, id=f"{name}-en")


@pytest.mark.parametrize(("path", "lang", "words"), list(_cases()))
def test_a_command_speaks_one_language(ran_once: Path, tmp_path: Path, path: tuple[str, ...], lang: str,
                                       words: frozenset[str]) -> None:
    folder = tmp_path / "work"
    shutil.copytree(ran_once, folder)
    for args in INVOCATIONS[path](folder):
        text = _output(folder, args, lang)
        assert text.strip() and "Project-Id-Version" not in text, args  # gettext's "" is the catalog's header
        if path == ("layout", "show"):  # a layout as YAML: its comments are the tool's words, the rest the layout's
            text = "\n".join(line for line in text.splitlines() if line.startswith("#"))
        assert not foreign(text, words), (args, foreign(text, words), text)


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "etl")
@pytest.mark.parametrize(("lang", "words"), [("de", ENGLISH), ("en", GERMAN)])
def test_the_help_speaks_one_language(tmp_path: Path, path: tuple[str, ...], lang: str, words: frozenset[str]
                                      ) -> None:
    # --lang after the command and after --help: taken wherever it is typed
    result = etl(*path, "--help", "--lang", lang, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Aufruf: " if lang == "de" else "Usage: "), result.stdout
    assert not foreign(result.stdout, words), foreign(result.stdout, words)


def test_the_help_speaks_the_language_of_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "etl.yaml").write_text("language: en\n", encoding="utf-8")
    assert etl("run", "--help", cwd=tmp_path).stdout.startswith("Usage: ")
    assert etl("run", "--help", cwd=tmp_path, ETL_LANG="de").stdout.startswith("Aufruf: ")
    assert etl("run", "--help", "--lang", "de", cwd=tmp_path).stdout.startswith("Aufruf: ")


@pytest.mark.parametrize(("lang", "finished"), [("de", r"\d\d\.\d\d\.\d{4} \d\d:\d\d"),
                                                ("en", r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d\s?[AP]M")])
def test_status_shows_a_runs_time_as_the_language_writes_it(ran_once: Path, lang: str, finished: str) -> None:
    shown = etl("status", *(["--lang", "en"] if lang == "en" else []), cwd=ran_once)
    (run,) = [line for line in shown.stdout.splitlines() if line.split("\t")[1:2] == ["orders"]]
    assert re.fullmatch(finished, run.split("\t")[2]), run

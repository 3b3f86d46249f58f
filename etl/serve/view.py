"""What the status page shows, shaped for its template: rejects grouped by run and file, counts and dates as
the page's language writes them, and the links to files of the working folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from babel.dates import format_datetime
from babel.numbers import format_decimal

from etl.config import Config
from etl.i18n import translate
from etl.mail.formats import locale_for
from etl.serve.words import PAGE
from etl.status import Status

_MOVED = re.compile(r"moved back to the inbox as (?P<name>.+) at (?P<time>\S+)")  # status.RETRIED and the time
# The folders whose files the page links to (`/file/<folder>/<path>`); nothing else is served.
LINKED = ("rejects", "reports", "error")


@dataclass
class Group:
    """The rejects of one file in one run."""

    run_id: str
    flow: str
    finished: str
    file: str
    rejects: list[dict[str, str]] = field(default_factory=list)
    link: str = ""  # the run's reject file on the page, '' when it is not in the rejects folder

    @property
    def open(self) -> int:
        """How many of them no later run fixed."""
        return sum(1 for r in self.rejects if not r.get("fixed"))


def groups(rejects: list[dict[str, str]], link: dict[str, str]) -> list[Group]:
    """`rejects` by run and file, in their order (newest run first); `link` maps a reject file to its URL."""
    found: dict[tuple[str, str], Group] = {}
    for reject in rejects:
        key = (reject["run_id"], reject["file"])
        if key not in found:
            found[key] = Group(reject["run_id"], reject["flow"], reject["finished"], reject["file"],
                               link=link.get(reject["rejects_file"], ""))
        found[key].rejects.append(reject)
    return list(found.values())


def file_link(config: Config, path: str, token: str) -> str:
    """The page's URL of `path` when it lies in one of the LINKED folders, else ''."""
    if not path:
        return ""
    resolved = Path(path).resolve()
    for name in LINKED:
        folder = config.folder(name)
        if resolved.is_relative_to(folder) and resolved != folder:
            where = quote(resolved.relative_to(folder).as_posix())
            return f"/file/{name}/{where}?{urlencode({'token': token})}"
    return ""


def formats(lang: str) -> dict[str, object]:
    """For the template, in `lang`: `number` (1.234), `when` (07.12.2026, 21:40:12), `say` (a reason or step)."""
    locale = locale_for(lang)

    def number(value: object) -> str:
        return "" if value is None or value == "" else format_decimal(int(str(value)), locale=locale)

    def when(value: object) -> str:
        if not value:
            return ""
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return format_datetime(moment, "medium", locale=locale)

    def say(text: object) -> str:
        return translate(str(text or ""), lang)

    def state(text: object) -> str:
        """A refused file's state: where a retry moved it, when."""
        moved = _MOVED.fullmatch(str(text).strip())
        if not moved:
            return say(text)
        return translate(PAGE["moved_back"], lang).format(name=moved["name"], time=when(moved["time"]))

    return {"number": number, "when": when, "say": say, "state": state}


def needs(status: Status) -> dict[str, int]:
    """What waits for the merchant, by kind (only kinds with something)."""
    counts = {"needs_failed_runs": sum(1 for r in status.runs if r["status"] == "failed"),
              "needs_refused": sum(1 for f in status.failed if f["state"] == "refused"),
              "needs_open": sum(1 for r in status.rejects if not r.get("fixed")),
              "needs_waiting": len(status.waiting)}
    return {kind: count for kind, count in counts.items() if count}

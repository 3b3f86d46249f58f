"""The parts of a reject code: its entry (`Code`), word parameters (`Words`), and where fixes are (`PLACES`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from etl.i18n import N_

# Where the fix is: the place a merchant or consultant changes something.
PLACES = {
    "source": N_("the shop or GS-Office (where the record was entered)"),
    "shop": N_("the shop"),
    "gs-office": N_("GS-Office"),
    "export": N_("the export file"),
    "etl.yaml": N_("etl.yaml"),
    "layout": N_("a layout in mappings/"),
    "media": N_("the media/ folder"),
    "inbox": N_("the inbox"),
    "tool": N_("the tool itself (report it)"),
}
MONEY = frozenset({"sum", "total", "difference", "made", "summed", "net", "tax", "gross"})


@dataclass(frozen=True)
class Words:
    """Words of the catalog with their own parameters: a parameter that is rendered in the language too."""

    text: str  # an N_ message id
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    def plain(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"text": self.text, "params": plain(self.params)}


@dataclass(frozen=True)
class Code:
    """One reject code: its message, the next step, where the fix is, and example parameters (for tests, docs)."""

    message: str  # English message id (N_), with {named} placeholders filled from the parameters
    step: str  # the next step (N_)
    fix: str  # a key of PLACES
    example: Mapping[str, object] = field(default_factory=dict, hash=False)


def plain(params: Mapping[str, object]) -> dict[str, object]:
    """`params` as JSON values: numbers and dates as text, `Words` as their id and parameters."""
    return {name: _plain(value) for name, value in params.items()}


def _plain(value: object) -> object:
    if isinstance(value, Words):
        return value.plain()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def encode(params: Mapping[str, object]) -> str:
    """`params` as compact JSON that keeps their types (the reject file's last column: words are rendered again
    in another language from it)."""
    return json.dumps({name: _typed(value) for name, value in params.items()}, ensure_ascii=False,
                      separators=(",", ":")) if params else ""


def decode(text: str) -> dict[str, object]:
    """The parameters `encode` wrote (empty for an empty or foreign text)."""
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {name: _untyped(value) for name, value in found.items()} if isinstance(found, dict) else {}


def _typed(value: object) -> object:
    if isinstance(value, Words):
        return {"words": value.text, "params": {n: _typed(v) for n, v in value.params.items()}}
    if isinstance(value, list | tuple):
        return [_typed(item) for item in value]
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _untyped(value: object) -> object:
    if isinstance(value, list):
        return [_untyped(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "words" in value:
        return Words(str(value["words"]), {n: _untyped(v) for n, v in dict(value.get("params") or {}).items()})
    if "decimal" in value:
        return Decimal(str(value["decimal"]))
    if "datetime" in value:
        return datetime.fromisoformat(str(value["datetime"]))
    return date.fromisoformat(str(value["date"])) if "date" in value else value

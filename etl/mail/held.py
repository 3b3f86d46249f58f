"""Tracking mails queued held (etl.yaml names no sender yet), made a chunk at a time in Arrow.

A held mail is not rendered: the queue keeps its key, recipient, language and template context (JSON,
as `dump_context` writes it) until etl.yaml names a sender (etl/mail/current.py). Those are columns
here, with the text `TrackingMails._render` and `dump_context` would make of every note. A chunk with a
control character in a text (JSON escapes it) is left to them, as is a note whose number Python's `\\w`
and RE2's would name apart in the `.eml`'s name.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import lists_by
from etl.fast.buffers import CONTROL, JSON_ESCAPED, may_hold
from etl.fast.python_regex import SPACES

_NOTE_TEXTS = ("delivery_note", "order_id", "carrier_name", "delivery_firstname", "delivery_lastname",
               "delivery_company", "delivery_street", "delivery_postcode", "delivery_city", "delivery_country")


def held_rows(kind: str, stem: str, eml: str, notes: pa.Table,
              parcels: pa.Table | None) -> Iterator[tuple[str, str, str, str, str, str | None, str]] | None:
    """The held mails of `notes` as rows of key, kind, recipient, run id (`stem`), eml, language and context
    (`MailQueue.spool_held`), or None when Python must make them."""
    notes, parcels = _arrays(notes), None if parcels is None else _arrays(parcels)
    texts = [notes.column(name) for name in _NOTE_TEXTS] + (
        [parcels.column("tracking_number"), parcels.column("tracking_url")] if parcels is not None else [])
    if any(may_hold(t, CONTROL) for t in texts):
        return None
    safe = notes.column("delivery_note")
    if not pc.all(pc.match_substring_regex(safe, "^[A-Za-z0-9_-]*$")).as_py():
        return None
    name, address = _name_and_address(notes)
    text = {"address": _json(address), "carrier_name": _json(notes.column("carrier_name")),
            "delivery_note": _json(notes.column("delivery_note")), "name": _json(name),
            "order_id": _json(notes.column("order_id")), "parcels": _parcels(notes, parcels),
            "shipped_at": pc.fill_null(_join('{"$": "date", "v": "', pc.cast(notes.column("shipped_at"), pa.string()),
                                             '"}'), "null")}
    parts: list[str | pa.Array] = []
    for field, value in text.items():  # one join of every part: a join per key and value was a column more each
        parts += [f'{", " if parts else "{"}"{field}": ', value]
    context = _join(*parts, "}")
    key = _join(f"{kind}:", notes.column("delivery_note"), ":", notes.column("tracking_number"))
    return zip(key.to_pylist(), repeat(kind), notes.column("email").to_pylist(), repeat(stem),
               _join(eml, safe, ".eml").to_pylist(), notes.column("language").to_pylist(), context.to_pylist())


def _arrays(table: pa.Table) -> pa.Table:
    """`table` of one chunk per column (element-wise kernels refuse columns chunked apart)."""
    return pa.table({name: table.column(name).combine_chunks() for name in table.column_names})


def _join(*parts: str | pa.Array | pa.ChunkedArray) -> pa.Array:
    """The texts of `parts` (columns, or one text for every row) joined per row; null where a column is."""
    return pc.binary_join_element_wise(*[pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts],
                                       pa.scalar("", pa.string()))


def _json(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each text as a JSON string (`json.dumps`, ensure_ascii=False, no control characters), null as `null`."""
    escaped = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"') \
        if may_hold(column, JSON_ESCAPED) else column
    return pc.fill_null(_join('"', escaped, '"'), "null")


def _blank(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.if_else(pc.equal(column, ""), None, column)


def _name_and_address(notes: pa.Table) -> tuple[pa.Array, pa.Array]:
    """The addressee (first and last name, else the company) and the address line, as `_render` writes them."""
    names = _joined([notes.column("delivery_firstname"), notes.column("delivery_lastname")], " ")
    name = pc.coalesce(names, _blank(notes.column("delivery_company")), pa.scalar("", pa.string()))
    place = pc.binary_join_element_wise(pc.fill_null(notes.column("delivery_postcode"), ""),
                                        pc.fill_null(notes.column("delivery_city"), ""), pa.scalar(" "))
    place = pc.replace_substring_regex(place, f"^[{SPACES}]+|[{SPACES}]+$", "")
    parts = [notes.column("delivery_company"), name, notes.column("delivery_street"), place,
             notes.column("delivery_country")]
    return name, pc.fill_null(_joined(parts, ", "), "")


def _joined(parts: list[pa.Array], separator: str) -> pa.Array:
    """`separator.join` of each row's non-empty parts; null where it has none.

    (Arrow 26's `binary_join_element_wise` with null_handling="skip" drops the rows whose parts are all null.)
    """
    joined = _blank(parts[0])
    for part in parts[1:]:
        part = _blank(part)
        both = pc.binary_join_element_wise(joined, part, pa.scalar(separator))
        joined = pc.coalesce(both, joined, part)
    return joined


def _parcels(notes: pa.Table, parcels: pa.Table | None) -> pa.Array:
    """Per note, its parcels as a JSON list of {"number", "url"}, in the parcels' order."""
    if parcels is None or parcels.num_rows == 0:
        return pa.repeat(pa.scalar("[]"), notes.num_rows)
    one = _join('{"number": ', _json(parcels.column("tracking_number")), ', "url": ',
                _json(parcels.column("tracking_url")), "}")
    keys = pc.unique(notes.column("delivery_note"))
    lists = lists_by(pc.index_in(parcels.column("delivery_note"), value_set=keys), one, len(keys))
    found = lists.take(pc.index_in(notes.column("delivery_note"), value_set=keys))
    return _join("[", pc.binary_join(found, ", "), "]")

"""Parcel numbers checked against the carriers' forms and turned into tracking links, a chunk at a time in Arrow.

A parcel takes its note's carrier, or, when the note names none, the first carrier (in etl.yaml's order)
whose form its number has; once a parcel found one, the note's later parcels take that carrier too.
The forms are Python patterns matched whole (`Carrier.accepts`). Arrow matches them (RE2) for numbers of
printable ASCII without spaces, where `\\d`, `\\w`, `\\s` and `.` of both mean the same; other numbers, and
every number when RE2 cannot read a pattern, are matched by Python's `re`, number by number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.config.carriers import Carrier
from etl.fast.arrays import constant, lists_by, positions
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject

_PLAIN = "^[!-~]*$"  # printable ASCII, no spaces: Python's and RE2's classes agree on it
_UNQUOTED = "^[A-Za-z0-9_.~/-]*$"  # what `quote` leaves as it is


@dataclass
class Checked:
    """The parcels' carrier, name and link; per note its carrier and links; the rejects (in parcel order)."""

    carrier: pa.Array
    carrier_name: pa.Array
    tracking_url: pa.Array
    note_carrier: pa.Array
    tracking_urls: pa.Array
    rejects: list[Reject]


def check_parcels(config: Config, notes: pa.Table, parcels: pa.Table) -> Checked:
    """Each parcel's carrier (its note's, else guessed by its number), whether its number fits, and its link."""
    of_note = pc.index_in(parcels.column("delivery_note"), value_set=notes.column("delivery_note"))
    numbers = parcels.column("tracking_number").combine_chunks() if parcels.num_rows else pa.array([], pa.string())
    given = pc.take(_blank_null(notes.column("carrier")), of_note)
    keys = list(config.carriers)
    fits = {key: _accepts(config.carriers[key], numbers) for key in keys}
    guess: pa.Array = pa.nulls(len(numbers), pa.string())
    for key in reversed([k for k in keys if config.carriers[k].patterns]):  # the first in etl.yaml's order wins
        guess = pc.if_else(fits[key], key, guess)
    # the note's carrier, else the guess of its first parcel that has one, from that parcel on
    place = positions(len(numbers))
    guessed = pa.table({"note": of_note, "place": place, "guess": guess}).filter(pc.is_valid(guess)) \
        .group_by("note", use_threads=False).aggregate([("place", "min")])
    at = pc.index_in(of_note, value_set=guessed.column("note"))
    start = pc.take(guessed.column("place_min"), at)
    first_guess = pc.take(guess, start)
    key = pc.coalesce(given, pc.if_else(pc.greater_equal(place, pc.fill_null(start, len(numbers))), first_guess, None))
    known = pc.is_in(key, value_set=pa.array(keys, pa.string()))
    fit = pa.nulls(len(numbers), pa.bool_())
    for name in keys:
        fit = pc.if_else(pc.equal(key, name), fits[name], fit)
    fit = pc.fill_null(fit, False)
    language = pc.fill_null(pc.take(notes.column("language"), of_note), config.mail.default_language)
    url = pa.nulls(len(numbers), pa.string())
    quoted = {"{number}": _quoted(numbers), "{lang}": _quoted(language)}  # once, not per carrier
    for name in keys:
        linked = pc.and_(pc.equal(key, name), fit)
        if pc.any(linked).as_py():
            url = pc.if_else(linked, _urls(config.carriers[name], quoted, len(numbers)), url)
    carrier = pc.if_else(known, key, parcels.column("carrier"))
    names = pa.array([config.carriers[k].name for k in keys], pa.string())
    carrier_name = pc.if_else(known, pc.take(names, pc.index_in(key, value_set=pa.array(keys, pa.string()))),
                              parcels.column("carrier_name"))
    rejects = _rejects(config, notes, of_note, numbers, key, fit)
    note_carrier = pc.coalesce(_blank_null(notes.column("carrier")),
                               pc.take(pc.take(guess, guessed.column("place_min")),
                                       pc.index_in(positions(notes.num_rows), value_set=guessed.column("note"))),
                               notes.column("carrier"))
    linked = pc.fill_null(pc.not_equal(url, ""), False)
    joined = pc.binary_join(lists_by(pc.filter(of_note, linked), pc.filter(url, linked), notes.num_rows), " ")
    return Checked(carrier, carrier_name, url, note_carrier, joined, rejects)


def _blank_null(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """`column` with empty texts as nulls (a note's carrier `""` is none, as `or` took it)."""
    return pc.if_else(pc.equal(column, ""), None, column)


def _accepts(carrier: Carrier, numbers: pa.Array) -> pa.Array:
    """Per number, whether it has one of `carrier`'s forms (`Carrier.accepts`)."""
    if not carrier.patterns:
        return constant(True, len(numbers), pa.bool_())
    try:
        found = constant(False, len(numbers), pa.bool_())
        for pattern in carrier.patterns:
            found = pc.or_(found, pc.match_substring_regex(numbers, f"^(?:{pattern})$"))
    except pa.ArrowInvalid:  # a pattern RE2 cannot read: Python matches every number
        return pa.array([carrier.accepts(n) for n in numbers.to_pylist()], pa.bool_())
    odd = pc.invert(pc.match_substring_regex(numbers, _PLAIN))
    if not pc.any(odd).as_py():
        return found
    slow = pc.indices_nonzero(odd)
    exact = pa.array([carrier.accepts(n) for n in pc.take(numbers, slow).to_pylist()], pa.bool_())
    return pc.replace_with_mask(found, odd, exact)


def _urls(carrier: Carrier, values: dict[str, pa.Array], size: int) -> pa.Array:
    """Per number, `carrier`'s tracking link in the note's language (`Carrier.url`) from the quoted numbers and
    languages (`values`)."""
    if not carrier.tracking_url:
        return pa.nulls(size, pa.string())
    template = carrier.tracking_url.replace("$1", "{number}").replace("$2", "{lang}")
    parts = [values.get(piece, pa.scalar(piece, pa.string())) for piece in re.split(r"(\{number\}|\{lang\})", template)]
    return pc.binary_join_element_wise(*parts, pa.scalar("", pa.string()))


def _quoted(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`quote` of every text; Python only for the few that need quoting."""
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    odd = pc.invert(pc.fill_null(pc.match_substring_regex(texts, _UNQUOTED), True))
    if not pc.any(odd).as_py():
        return texts
    slow = pc.indices_nonzero(odd)
    return pc.replace_with_mask(texts, odd, pa.array([quote(t) for t in pc.take(texts, slow).to_pylist()],
                                                     pa.string()))


def _rejects(config: Config, notes: pa.Table, of_note: pa.Array, numbers: pa.Array, key: pa.Array,
             fit: pa.Array) -> list[Reject]:
    """The parcels' rejects in parcel order: an unknown carrier, or a number not of its carrier's form."""
    known = pc.is_in(key, value_set=pa.array(list(config.carriers), pa.string()))
    wrong = pc.or_(pc.invert(known), pc.invert(fit))
    rows = pc.indices_nonzero(wrong)
    if not len(rows):
        return []
    note = notes.select(["_file", "_line", "delivery_note", "carrier"]).take(pc.take(of_note, rows)).to_pylist()
    rejects = []
    for row, number, name, is_known in zip(note, pc.take(numbers, rows).to_pylist(), pc.take(key, rows).to_pylist(),
                                           pc.take(known, rows).to_pylist(), strict=True):
        where = (row["_file"], row["_line"], row["delivery_note"])
        if not is_known:
            rejects.append(Reject(*where, "Versanddienstleister", row["carrier"], "unknown-carrier", None, {}))
        else:
            carrier = config.carriers[name]
            rejects.append(Reject(*where, "Paketnummer", number, "not-a-parcel-number", None,
                                  {"carrier": carrier.name, "form": Words(carrier.number_form or "–")}))
    return rejects

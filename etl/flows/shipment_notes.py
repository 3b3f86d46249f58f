"""Delivery-note rows grouped into shipments and parcels in the run's `Store` (SQL, no Python per row).

A delivery note comes as one row per parcel, or lists its parcel numbers in one cell: its shipment takes
the first row's fields, the weights of all its rows summed, and every parcel number once, in the order
the rows and cells give them. The numbers are split by the layout's `tracking_separator` with DuckDB's
regular expressions (RE2). RE2's `\\s` is ASCII whitespace only, Python's any Unicode space: the
pattern's `\\s` is widened to Python's set (`re2_pattern`), so the shipped pattern splits exactly as
`re.split` did. A pattern RE2 cannot read (look-arounds, back-references) is split by Python's `re`,
row by row; a pattern with capture groups splits as RE2 does (`re.split` would keep the separators).
"""

from __future__ import annotations

import re
import sys

import pyarrow as pa

from etl.fast.store import AT, SEQ, Store, quoted
from etl.shared.model import schema

DEFAULT_SEPARATOR = r"[,;|\s]+"
_SPACES = "".join(f"\\x{{{c:x}}}" for c in range(sys.maxunicode + 1) if chr(c).isspace())
_PARCEL_OF_NOTE = ("delivery_note", "order_id", "carrier", "shipped_at", "_file", "_line", "_run")


def re2_pattern(pattern: str) -> str:
    """`pattern` (Python syntax) for RE2, its `\\s` matching every character Python's `\\s` matches."""
    out, inside, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            out.append(_SPACES if escaped == "s" and inside else f"[{_SPACES}]" if escaped == "s" else char + escaped)
            i += 2
            continue
        if char == "[" and not inside:
            inside = True
            out.append(char)
            i += 1
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i:i + 1] == "]":  # a leading ']' is a member, not the end
                out.append("\\]")
                i += 1
            continue
        inside = inside and char != "]"
        out.append(char)
        i += 1
    return "".join(out)


def _splitter(store: Store, pattern: str) -> str:
    """The SQL that splits column `tracking_number` into its parts (empty ones included)."""
    translated = re2_pattern(pattern)
    try:
        store.value("SELECT regexp_split_to_array('', ?)", (translated,))
    except Exception:  # RE2 cannot read it: Python's re splits, as it always did
        split = re.compile(pattern).split
        store.db.create_function("etl_split", lambda text: split(text), ["VARCHAR"], "VARCHAR[]",
                                 side_effects=False)
        return "etl_split(coalesce(tracking_number, ''))"
    return "regexp_split_to_array(coalesce(tracking_number, ''), " + _literal(translated) + ")"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def group_notes(store: Store, pattern: str | None, refused: set[str]) -> tuple[int, int]:
    """Tables `shipments` and `parcels` (by `__at`) of the staged `delivery_notes`; records read and refused.

    A note whose key the rejects name (`refused`) is left out; a row without a key counts as read and refused.
    """
    store.register("__refused", pa.table({"record": pa.array(sorted(refused), pa.string())}))
    split = _splitter(store, pattern or DEFAULT_SEPARATOR)
    store.create("__notes", f"SELECT delivery_note, min({SEQ}) AS first, sum(weight) AS weight_sum "
                            f"FROM delivery_notes WHERE delivery_note IS NOT NULL GROUP BY delivery_note")
    unnamed = store.value("SELECT count(*) FROM delivery_notes WHERE delivery_note IS NULL")
    read = store.rows("__notes")
    store.create("__kept", f"SELECT *, row_number() OVER (ORDER BY first) - 1 AS {AT} FROM __notes "
                           "ANTI JOIN __refused ON __notes.delivery_note = __refused.record")
    kept = store.rows("__kept")
    # every number once per note, at its first place (row, then place in the cell)
    store.create("__numbers", f"""
        SELECT delivery_note, number, min({{'s': {SEQ}, 'i': i}}) AS place
        FROM delivery_notes, unnest({split}) WITH ORDINALITY AS u(number, i)
        WHERE delivery_note IS NOT NULL AND number <> '' GROUP BY delivery_note, number""")
    store.create("__parcels", f"""
        SELECT k.{AT}, row_number() OVER (PARTITION BY n.delivery_note ORDER BY n.place) AS position,
               n.number AS tracking_number, k.first
        FROM __numbers n JOIN __kept k USING (delivery_note)""")
    columns = set(store.table("SELECT column_name FROM information_schema.columns WHERE table_name = "
                              "'delivery_notes'").column(0).to_pylist())
    _shipments(store, columns)
    of_note = ", ".join(f"d.{quoted(name)}" for name in _PARCEL_OF_NOTE)
    store.create("parcels", f"SELECT p.{AT}, p.position AS {SEQ}, {of_note}, p.position, p.tracking_number "
                            f"FROM __parcels p JOIN delivery_notes d ON d.{SEQ} = p.first", order=f"{AT}, {SEQ}")
    return read + unnamed, read - kept + unnamed


def _shipments(store: Store, columns: set[str]) -> None:
    """Table `shipments`: each kept note's first row, its weight, street and parcel numbers."""
    filled = {
        "weight": "k.weight_sum",
        "delivery_street": "nullif(concat_ws(' ', nullif(d.delivery_street, ''), nullif("
                           + ("d.house_number" if "house_number" in columns else "NULL") + ", '')), '')",
        "tracking_number": "a.joined", "parcel_count": "a.count", "tracked": "coalesce(a.count, 0) > 0"}
    fields = [f"{filled[f.name]} AS {quoted(f.name)}" if f.name in filled
              else f"d.{quoted(f.name)}" if f.name in columns else f"NULL AS {quoted(f.name)}"
              for f in schema("shipments")]
    store.create("shipments", f"""
        SELECT k.{AT}, {', '.join(fields)} FROM __kept k JOIN delivery_notes d ON d.{SEQ} = k.first
        LEFT JOIN (SELECT {AT}, string_agg(tracking_number, ', ' ORDER BY position) AS joined, count(*) AS count
                   FROM __parcels GROUP BY {AT}) a ON a.{AT} = k.{AT}""", order=AT)

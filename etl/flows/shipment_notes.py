"""Delivery-note rows grouped into shipments and parcels in the run's `Store` (SQL, no Python per row).

A delivery note comes as one row per parcel, or lists its parcel numbers in one cell: its shipment takes
the first row's fields, the weights of all its rows summed, and every parcel number once, in the order
the rows and cells give them. The numbers are split per chunk by the layout's `tracking_separator` with
Arrow's regular expressions (RE2). RE2's `\\s` is ASCII whitespace only, Python's any Unicode space: the
pattern's `\\s` is widened to Python's set (`fast/python_regex.py`), so the shipped pattern splits exactly as
`re.split` did. A pattern RE2 cannot read (look-arounds, back-references) is split by Python's `re`,
row by row; a pattern with capture groups splits as RE2 does (`re.split` would keep the separators).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import positions
from etl.fast.python_regex import re2_pattern
from etl.fast.store import AT, SEQ, Store, quoted
from etl.shared.model import schema

DEFAULT_SEPARATOR = r"[,;|\s]+"
_PARCEL_OF_NOTE = ("delivery_note", "order_id", "carrier", "shipped_at", "_file", "_line", "_run")


def splitter(pattern: str | None) -> Callable[[pa.Array], pa.Array]:
    """A function splitting parcel-number cells into lists of their parts (empty parts included)."""
    translated = re2_pattern(pattern or DEFAULT_SEPARATOR)
    try:
        pc.split_pattern_regex(pa.array([""]), translated)
    except pa.ArrowInvalid:  # RE2 cannot read it: Python's re splits, as it always did
        split = re.compile(pattern or DEFAULT_SEPARATOR).split
        return lambda cells: pa.array([split(cell) for cell in cells.to_pylist()], pa.list_(pa.string()))
    return lambda cells: pc.split_pattern_regex(cells, translated)


def group_notes(store: Store, refused: set[str]) -> tuple[int, int]:
    """Views `shipments` and `cells` (their parcel-number cells) of the staged `delivery_notes`; read, refused.

    A note whose key the rejects name (`refused`) is left out; a row without a key counts as read and refused.
    A note's `__at` is its first row's `__seq`: chunks of `__at` ranges hold at most as many notes.
    """
    store.register("__refused", pa.table({"record": pa.array(sorted(refused), pa.string())}))
    store.create("__notes", f"SELECT delivery_note, min({SEQ}) AS {AT}, sum(weight) AS weight_sum "
                            f"FROM delivery_notes WHERE delivery_note IS NOT NULL GROUP BY delivery_note")
    unnamed = store.value("SELECT count(*) FROM delivery_notes WHERE delivery_note IS NULL")
    read = store.rows("__notes")
    store.execute("DELETE FROM __notes WHERE delivery_note IN (SELECT record FROM __refused)")
    kept = store.rows("__notes")
    columns = set(store.table("SELECT column_name FROM information_schema.columns WHERE table_name = "
                              "'delivery_notes'").column(0).to_pylist())
    _shipments(store, columns)
    # Only the keys sorted, the numbers joined to a chunk's keys as it is read (a sort of the cells: twice the CPU)
    store.create("__cells", f"SELECT k.{AT}, d.{SEQ} FROM delivery_notes d JOIN __notes k USING (delivery_note)",
                 order=f"{AT}, {SEQ}")
    store.execute(f"CREATE OR REPLACE VIEW cells AS SELECT c.{AT}, c.{SEQ}, d.delivery_note, d.tracking_number "
                  f"FROM __cells c JOIN delivery_notes d USING ({SEQ})")
    return read + unnamed, read - kept + unnamed


def _shipments(store: Store, columns: set[str]) -> None:
    """View `shipments`: each kept note's first row, its weight and street.

    A view, not a table: a chunk's range of `__at` reaches both sides of the join (`__seq` = `__at`), so each
    read joins one chunk's notes; a table of all joined, wide rows sorted by `__at` took 3x the CPU.
    """
    filled = {
        "weight": "k.weight_sum",
        "delivery_street": "nullif(concat_ws(' ', nullif(d.delivery_street, ''), nullif("
                           + ("d.house_number" if "house_number" in columns else "NULL") + ", '')), '')"}
    fields = [f"{filled[f.name]} AS {quoted(f.name)}" if f.name in filled
              else f"d.{quoted(f.name)}" if f.name in columns else f"NULL AS {quoted(f.name)}"
              for f in schema("shipments") if f.name not in _OF_PARCELS]
    store.execute(f"CREATE OR REPLACE VIEW shipments AS SELECT k.{AT}, {', '.join(fields)} FROM __notes k "
                  f"JOIN delivery_notes d ON d.{SEQ} = k.{AT}")


_OF_PARCELS = ("tracking_number", "parcel_count", "tracked")


def assemble(notes: pa.Table, cells: pa.Table, split: Callable[[pa.Array], pa.Array]) -> tuple[pa.Table, pa.Table]:
    """One chunk's shipments and parcels from its notes and their parcel-number cells (`chunks` of the two tables).

    A note's numbers, each once at its first place, are its parcels 1, 2, ...; its shipment lists them.
    """
    numbers = _numbers(cells.combine_chunks(), split)
    keys = notes.column("delivery_note")
    at = pc.index_in(numbers.column("delivery_note"), value_set=keys)
    place = positions(numbers.num_rows)
    grouped = pa.table({"note": at, "place": place, "number": numbers.column("tracking_number")}) \
        .group_by("note", use_threads=False).aggregate([("place", "min"), ("number", "list"), ("number", "count")])
    start = pc.take(grouped.column("place_min"), pc.index_in(at, value_set=grouped.column("note")))
    parcels = notes.select(list(_PARCEL_OF_NOTE)).take(at) \
        .append_column("position", pc.add(pc.subtract(place, start), 1)) \
        .append_column("tracking_number", numbers.column("tracking_number"))
    index = pc.index_in(positions(notes.num_rows), value_set=grouped.column("note"))
    count = pc.take(grouped.column("number_count"), index)
    shipments = notes.append_column("tracking_number", pc.binary_join(
        pc.take(grouped.column("number_list"), index), ", ")) \
        .append_column("parcel_count", count).append_column("tracked", pc.is_valid(count))
    return shipments, parcels


def _numbers(cells: pa.Table, split: Callable[[pa.Array], pa.Array]) -> pa.Table:
    """Each note's parcel numbers (`delivery_note`, `tracking_number`) once, in the order the cells give them."""
    parts = split(pc.fill_null(cells.column("tracking_number"), ""))
    flat = pc.list_flatten(parts)
    numbers = pa.table({"delivery_note": cells.column("delivery_note").take(pc.list_parent_indices(parts)),
                        "tracking_number": flat, "place": positions(len(flat))}).filter(pc.not_equal(flat, ""))
    first = numbers.group_by(["delivery_note", "tracking_number"], use_threads=False).aggregate([("place", "min")])
    return numbers.filter(pc.is_in(numbers.column("place"), value_set=first.column("place_min")))

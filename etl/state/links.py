"""Links between shop and ERP ids, and the ERP customer number range.

A shop customer (by shop customer id, or by e-mail for guests and template rows) gets one ERP
customer number, kept in `state/links.sqlite` and reused by every later run of every flow. Numbers
come from a configurable range, or from the range of the customer's store (`stores.<id>.customer_numbers`
in etl.yaml or the layout) for a customer first seen there, and are never given twice. A customer
linked once keeps the number in every store. New links are committed before the
import files that carry them are published, so a crash can waste a number but never give one
customer two.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.config.customer_numbers import NumberRange
from etl.state import link_rows
from etl.state.files import LINKS, connect, connect_read_only
from etl.state.link_rows import Side
from etl.state.sql_keys import in_keys
from etl.transform.relate import lookup

_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    kind TEXT NOT NULL, shop_key TEXT NOT NULL, erp_id TEXT NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (kind, shop_key));
CREATE INDEX IF NOT EXISTS links_by_erp_id ON links (erp_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
"""

_BLOCK = 200  # numbers beyond a chunk's new customers checked against the table in the same query
# A chunk's new links in one statement: each row of an executemany let go of the GIL and waited for it back.
_INSERT = "INSERT INTO links SELECT ?, key, value, ? FROM json_each(?)"


class CustomerLinks:
    """Assigns and remembers ERP customer numbers."""

    def __init__(self, state: Path, numbers: NumberRange, stores: dict[str, NumberRange] | None = None) -> None:
        self.db = connect(state / LINKS)
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN IMMEDIATE")  # one run at a time hands out numbers
        self.numbers = numbers
        self.stores = stores or {}  # store id -> its own range
        self._counters: dict[str, int] = {}  # next value per range; this run holds the write lock
        self.new_customers = 0  # numbers handed out from the range in this run
        self._stored = self.db.execute("SELECT EXISTS (SELECT 1 FROM links)").fetchone()[0] == 1  # else: a first run

    def assign(self, table: pa.Table) -> pa.Table:
        """`table` (orders or customers) with `erp_customer_number` filled for every row.

        Each chunk's links are looked up and its new ones inserted in a few statements: a chunk sees
        the links of every earlier one in the table, and memory stays flat however many customers a run meets.
        """
        size = table.num_rows
        customer, email = link_rows.keys(table)
        places, ranges = self._ranges(link_rows.text(table, "store_id"))
        shop = np.array([numbers.use_shop_numbers for numbers in ranges], bool)[places]
        own, theirs = link_rows.text(table, "erp_customer_number"), link_rows.text(table, "customer_number")
        given = pc.if_else(pc.fill_null(pc.not_equal(pc.binary_length(own), 0), False), own,
                           pc.if_else(pa.array(shop), theirs, pa.scalar(None, pa.string())))
        fixed_of = pa.array([None if numbers.guests == "by_email" else numbers.guests for numbers in ranges],
                          pa.string())
        fixed = pc.if_else(link_rows.guests(table), pc.take(fixed_of, pa.array(places)), pa.scalar(None, pa.string()))
        sides = (self._side("customer", customer), self._side("email", email))
        root, holder = link_rows.resolve(*sides, given, fixed)
        rows = np.arange(size)
        new = self._new_numbers(rows[(root == 4) & (holder == rows)], places, ranges, sides, root, holder,
                                given, fixed)
        found = pc.take(link_rows.pool(*sides, given, fixed, new), pa.array(root * size + holder))
        self._insert(sides, found)
        index = table.column_names.index("erp_customer_number")
        return table.set_column(index, "erp_customer_number", found)

    def _ranges(self, stores: pa.Array) -> tuple[np.ndarray, list[NumberRange]]:
        """Per row, its place in the list of the chunk's ranges (one per store seen)."""
        seen = pc.unique(stores)
        places = pc.index_in(stores, value_set=seen).to_numpy(zero_copy_only=False)
        return places, [self.range_of(None if store is None else str(store)) for store in seen.to_pylist()]

    def _side(self, kind: str, keys: pa.Array) -> Side:
        """The chunk's keys of `kind` with their links in the table (two queries at most)."""
        found_keys: list[str] = []
        numbers: list[str] = []
        if self._stored:
            # `kind = ? AND shop_key IN (...)` is a search of the primary key; a row-value
            # `(kind, shop_key) IN (VALUES ...)` scanned the whole table.
            among, params = _among(pc.unique(keys.drop_null()))
            rows = self.db.execute(f"SELECT shop_key, erp_id FROM links WHERE kind = ? AND shop_key {among}",
                                   (kind, *params)).fetchall()
            found_keys, numbers = [row[0] for row in rows], [row[1] for row in rows]
        places = pc.index_in(keys, value_set=pa.array(found_keys, pa.string()))
        number = pc.take(pa.array(numbers, pa.string()), places)
        return Side(keys, places.is_valid().to_numpy(zero_copy_only=False), number, link_rows.first_of(keys))

    def _new_numbers(self, new: np.ndarray, places: np.ndarray, ranges: list[NumberRange], sides: tuple[Side, Side],
                     root: np.ndarray, holder: np.ndarray, given: pa.Array, fixed: pa.Array) -> pa.Array:
        """Per row, the new number of each row in `new` (null elsewhere), from its store's range, in row order."""
        numbers: list[str | None] = [None] * len(places)
        if not len(new):
            return pa.array(numbers, pa.string())
        # Numbers an earlier row of the chunk brings and links are taken from that row on.
        linking = sides[0].linking() | sides[1].linking()
        brought = np.flatnonzero(linking & ((root == 2) | (root == 3)) & (holder == np.arange(len(places))))
        values = pc.coalesce(pc.take(given, pa.array(brought)), pc.take(fixed, pa.array(brought))).to_pylist()
        taken: dict[str, int] = {}
        for row, value in zip(brought.tolist(), values, strict=True):
            taken.setdefault(value, row)
        counters: dict[str, list[int]] = {}
        for place, numbers_of in enumerate(ranges):
            counters.setdefault(self._counter(numbers_of), []).append(place)
        for counter, members in counters.items():
            rows = new[np.isin(places[new], members)].tolist()
            if rows:
                for row, number in zip(rows, self._next(counter, ranges[members[0]], rows, taken), strict=True):
                    numbers[row] = number
                self.new_customers += len(rows)
        return pa.array(numbers, pa.string())

    def _counter(self, numbers: NumberRange) -> str:
        # Each range counts on its own; the main range keeps the counter name it always had.
        main = (numbers.prefix, numbers.start, numbers.width) == (self.numbers.prefix, self.numbers.start,
                                                                   self.numbers.width)
        return "customer" if main else f"customer:{numbers.prefix}:{numbers.start}:{numbers.width}"

    def _next(self, counter: str, numbers: NumberRange, rows: list[int], taken: dict[str, int]) -> list[str]:
        """The next numbers of the range for `rows`, in order: none linked in the table, none an earlier row
        of the chunk linked (`taken`: number -> its first row)."""
        start = self._counters.get(counter)
        if start is None:
            row = self.db.execute("SELECT next FROM counters WHERE name=?", (counter,)).fetchone()
            start = row[0] if row else numbers.start
        size = len(rows) + _BLOCK
        while True:
            block = pa.array([f"{numbers.prefix}{value:0{numbers.width}d}" for value in range(start, start + size)],
                             pa.string())
            stored: list[str] = []
            if self._stored:
                among, params = _among(block)
                stored = [r[0] for r in self.db.execute(f"SELECT erp_id FROM links WHERE erp_id {among}", params)]
            free = np.flatnonzero(pc.invert(pc.is_in(block, pa.array(stored, pa.string()))).to_numpy(
                zero_copy_only=False))
            brought = pc.is_in(block, pa.array(list(taken), pa.string())).to_numpy(zero_copy_only=False)[free]
            skipped: list[int] = []
            for at in np.flatnonzero(brought).tolist():  # a number is skipped by the rows after the one bringing it
                place = at - len(skipped)
                if place >= len(rows):
                    break
                if taken[block[int(free[at])].as_py()] < rows[place]:
                    skipped.append(at)
            kept = np.delete(free, skipped)[:len(rows)]
            if len(kept) == len(rows):
                self._counters[counter] = start + int(kept[-1]) + 1
                return pc.take(block, pa.array(kept)).to_pylist()
            size *= 2

    def _insert(self, sides: tuple[Side, Side], found: pa.Array) -> None:
        """The chunk's new links, a kind in one statement: its keys and numbers as one JSON object.

        Customer ids go in in row order: a number linked to two ids names the later one (`shop_customer_ids`).
        E-mails go in sorted, for the index to take them page by page.
        """
        now = datetime.now().isoformat(timespec="seconds")
        for kind, side in zip(("customer", "email"), sides, strict=True):
            rows = pa.array(np.flatnonzero(side.linking()))
            keys, numbers = pc.take(side.key, rows), pc.take(found, rows)
            if kind == "email":
                order = pc.sort_indices(keys)
                keys, numbers = pc.take(keys, order), pc.take(numbers, order)
            if not len(keys):
                continue
            odd = pc.or_(pc.match_substring(keys, "\x00"), pc.match_substring(numbers, "\x00"))
            if pc.any(odd).as_py():  # SQLite's JSON ends a text at NUL: those go in one by one
                self.db.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", [
                    (kind, key, number, now) for key, number in zip(pc.filter(keys, odd).to_pylist(), pc.filter(
                        numbers, odd).to_pylist(), strict=True)])
                keys, numbers = pc.filter(keys, pc.invert(odd)), pc.filter(numbers, pc.invert(odd))
            self.db.execute(_INSERT, (kind, now, json.dumps(dict(zip(keys.to_pylist(), numbers.to_pylist(),
                                                                         strict=True)))))
            self._stored = True

    def range_of(self, store: str | None) -> NumberRange:
        """The range new numbers of `store` come from (the main one for a store without its own)."""
        return self.stores.get(store, self.numbers) if store is not None else self.numbers

    def commit(self) -> None:
        """Keep the links and numbers handed out in this run."""
        self.db.executemany("INSERT OR REPLACE INTO counters VALUES (?, ?)", self._counters.items())
        self.db.execute("COMMIT")
        self.db.close()

    def rollback(self) -> None:
        """Forget them (dry run, or a run that failed before anything was published)."""
        self.db.execute("ROLLBACK")
        self.db.close()


def shop_customer_ids(state: Path, erp_numbers: list[str]) -> dict[str, str]:
    """Shop customer ids linked to these ERP customer numbers (read-only; unknown numbers are left out)."""
    path = state / LINKS
    if not path.is_file() or not erp_numbers:
        return {}
    db = connect_read_only(path)
    try:
        among, params = in_keys(erp_numbers)
        rows = db.execute(f"SELECT erp_id, shop_key FROM links WHERE kind='customer' AND erp_id {among}",
                          params).fetchall()
    finally:
        db.close()
    return dict(rows)


def shop_customers(state: Path, erp_numbers: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per row, the shop customer id linked to its ERP customer number (null when none is)."""
    return lookup(erp_numbers, partial(shop_customer_ids, state))


def _among(keys: pa.Array) -> tuple[str, list[str]]:
    """`in_keys` of a string array: one JSON array made at once, unless a key holds a NUL."""
    if pc.any(pc.match_substring(keys, "\x00")).as_py():
        return in_keys(keys.to_pylist())
    return "IN (SELECT value FROM json_each(?))", [json.dumps(keys.to_pylist())]

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

from collections import deque
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from etl.config.customer_numbers import NumberRange
from etl.state.files import LINKS, connect, connect_read_only
from etl.state.sql_keys import in_keys
from etl.transform.relate import lookup

_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    kind TEXT NOT NULL, shop_key TEXT NOT NULL, erp_id TEXT NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (kind, shop_key));
CREATE INDEX IF NOT EXISTS links_by_erp_id ON links (erp_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
"""


_BLOCK = 200  # numbers checked against the table in one query (about the new customers of a chunk)
# Links kept in memory between chunks (~1 MB): each chunk's keys are fetched anyway, the cache only has to
# answer for the links not inserted yet. 20,000 kept ~5 MB more at 1M lines than at 100k.
_CACHE_LIMIT = 5_000


class CustomerLinks:
    """Assigns and remembers ERP customer numbers."""

    def __init__(self, state: Path, numbers: NumberRange, stores: dict[str, NumberRange] | None = None) -> None:
        self.db = connect(state / LINKS)
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN IMMEDIATE")  # one run at a time hands out numbers
        self.numbers = numbers
        self.stores = stores or {}  # store id -> its own range
        self._cache: dict[tuple[str, str], str | None] = {}  # (kind, key) -> ERP number, bounded
        self._counters: dict[str, int] = {}  # next value per range; this run holds the write lock
        self._free: dict[str, deque[tuple[int, str]]] = {}  # per range: numbers checked free, in order
        self._scanned: dict[str, int] = {}  # per range: the value after the last checked one
        self._now: str | None = None  # the time new links of a chunk are stamped with
        self.new_customers = 0  # numbers handed out from the range in this run
        self._new: list[tuple[str, str, str, str]] = []  # links made in this run, not yet inserted
        self._new_ids: set[str] = set()  # their ERP numbers: taken, though not in the table yet
        self._batched = False
        self._stored = self.db.execute("SELECT EXISTS (SELECT 1 FROM links)").fetchone()[0] == 1  # else: a first run

    def erp_number(self, customer_id: str | None, email: str | None, is_guest: bool,
                   given: str | None = None, store: str | None = None) -> str:
        """The ERP number of this customer, linking it (and its e-mail) on first sight, from its store's range."""
        numbers = self.range_of(store)
        keys = []
        if customer_id and customer_id != "0" and not is_guest:
            keys.append(("customer", customer_id))
        if email:
            keys.append(("email", email.strip().lower()))
        known = [self._get(item) for item in keys]
        found = next((number for number in known if number), None) or given
        if found is None and is_guest and numbers.guests != "by_email":
            found = numbers.guests
        if found is None:
            found = self._next(numbers)
            self.new_customers += 1
        for item, number in zip(keys, known, strict=True):
            if number is None:
                self._new.append((*item, found, self._now or datetime.now().isoformat(timespec="seconds")))
                self._new_ids.add(found)
                self._cache[item] = found
        if not self._batched:
            self._flush()
        return found

    def _flush(self) -> None:
        # New links wait in memory, the cache answering for them, and go in together at commit (or when
        # the cache is full): sqlite3 lets go of the GIL for every row it steps, and each time the run's
        # thread waited for the extraction thread to hand it back.
        if self._new:
            self.db.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", self._new)
            self._stored = True
            self._new, self._new_ids = [], set()
        if self._counters:
            self.db.executemany("INSERT OR REPLACE INTO counters VALUES (?, ?)", self._counters.items())
        # A block was checked against the table as it was; numbers given since (an input's own) may be in it.
        self._free.clear()
        self._scanned.clear()

    def assign(self, table: pa.Table) -> pa.Table:
        """`table` (orders or customers) with `erp_customer_number` filled for every row."""
        columns = _link_columns(table)
        stores = [None if store is None else str(store) for store in columns["store_id"]]
        givens = self._given_numbers(columns, stores)
        if len(self._cache) > _CACHE_LIMIT:  # memory stays flat however many customers a run meets
            self._flush()
            self._cache.clear()
        self._now = datetime.now().isoformat(timespec="seconds")
        customers, emails = _link_keys(columns)
        self._prefetch([key for key in customers if key] + [key for key in emails if key])
        cache = self._cache
        self._batched = True
        try:
            numbers = [_linked(cache, customer, email, given) or self.erp_number(cid, mail, bool(guest), given, store)
                       for customer, email, cid, mail, guest, given, store in zip(
                           customers, emails, columns["customer_id"], columns["email"], columns["is_guest"], givens,
                           stores, strict=True)]
        finally:
            self._batched, self._now = False, None
        index = table.column_names.index("erp_customer_number")
        return table.set_column(index, "erp_customer_number", pa.array(numbers, pa.string()))

    def _given_numbers(self, columns: dict[str, list[Any]], stores: list[str | None]) -> list[str | None]:
        """The number each row brings: its own ERP number, else its shop customer number where its store's
        range uses those."""
        shop_numbers = {store: self.range_of(store).use_shop_numbers for store in set(stores)}
        return [given or (shop if shop_numbers[store] else None)
                for given, shop, store in zip(columns["erp_customer_number"], columns["customer_number"], stores,
                                              strict=True)]

    def _prefetch(self, keys: list[tuple[str, str]]) -> None:
        """Look up a chunk's links in a few queries instead of one per record."""
        unknown = {k for k in keys if k not in self._cache}
        self._cache.update(dict.fromkeys(unknown))
        if not self._stored:  # an empty table (a first run) holds none of them
            return
        wanted = sorted(unknown)
        for kind in sorted({kind for kind, _ in wanted}):
            # A chunk's keys of a kind in one query: every statement lets go of the GIL and waits to get
            # it back behind the extraction thread. `kind = ? AND shop_key IN (...)` is a search of the
            # primary key; a row-value `(kind, shop_key) IN (VALUES ...)` scanned the whole table.
            among, params = in_keys(key for k, key in wanted if k == kind)
            rows = self.db.execute(f"SELECT shop_key, erp_id FROM links WHERE kind = ? AND shop_key {among}",
                                   (kind, *params))
            for key, erp in rows:
                self._cache[(kind, key)] = erp

    def _get(self, item: tuple[str, str]) -> str | None:
        if item in self._cache:
            return self._cache[item]
        row = self.db.execute("SELECT erp_id FROM links WHERE kind=? AND shop_key=?", item).fetchone()
        return row[0] if row else None

    def range_of(self, store: str | None) -> NumberRange:
        """The range new numbers of `store` come from (the main one for a store without its own)."""
        return self.stores.get(store, self.numbers) if store is not None else self.numbers

    def _next(self, numbers: NumberRange) -> str:
        # Each range counts on its own; the main range keeps the counter name it always had.
        main = (numbers.prefix, numbers.start, numbers.width) == (self.numbers.prefix, self.numbers.start,
                                                                   self.numbers.width)
        counter = "customer" if main else f"customer:{numbers.prefix}:{numbers.start}:{numbers.width}"
        free = self._free.setdefault(counter, deque())
        while True:
            if not free:
                self._verify_block(counter, numbers, free)
            value, number = free.popleft()
            if number not in self._new_ids:  # a number given in this run's input, not yet in the table
                break
        self._counters[counter] = value + 1  # written with the new links (`_flush`)
        return number

    def _verify_block(self, counter: str, numbers: NumberRange, free: deque[tuple[int, str]]) -> None:
        """Queue the next numbers of the range that no link holds, checked in one query."""
        start = self._scanned.get(counter)
        if start is None:
            start = self._counters.get(counter)
        if start is None:
            row = self.db.execute("SELECT next FROM counters WHERE name=?", (counter,)).fetchone()
            start = row[0] if row else numbers.start
        block = [(value, f"{numbers.prefix}{value:0{numbers.width}d}") for value in range(start, start + _BLOCK)]
        among, params = in_keys(n for _, n in block)
        taken = {row[0] for row in self.db.execute(f"SELECT erp_id FROM links WHERE erp_id {among}", params)}
        free.extend(item for item in block if item[1] not in taken)
        self._scanned[counter] = start + _BLOCK

    def commit(self) -> None:
        """Keep the links and numbers handed out in this run."""
        self._flush()
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


def _link_columns(table: pa.Table) -> dict[str, list[Any]]:
    """The columns links are made from, as lists (None in every row for a column `table` lacks).

    A customer is linked by the shop's own id (`shop_customer_id` where the table has it): a filled
    template's row has none (its `customer_id` names file and line, which a later template reuses for
    someone else) and is linked by its e-mail address and its own number.
    """
    columns = {name: table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows
               for name in ("customer_id", "email", "is_guest", "erp_customer_number", "customer_number", "store_id")}
    if "shop_customer_id" in table.column_names:
        columns["customer_id"] = table.column("shop_customer_id").to_pylist()
    return columns


def _link_keys(columns: dict[str, list[Any]]) -> tuple[list[tuple[str, str] | None], list[tuple[str, str] | None]]:
    """Each row's keys erp_number links by: its customer id (not a guest's) and its e-mail, None where it has none."""
    customers = [("customer", cid) if cid and cid != "0" and not guest else None
                 for cid, guest in zip(columns["customer_id"], columns["is_guest"], strict=True)]
    emails = [("email", mail.strip().lower()) if mail else None for mail in columns["email"]]
    return customers, emails


def _linked(cache: dict[tuple[str, str], str | None], customer: tuple[str, str] | None,
            email: tuple[str, str] | None, given: str | None) -> str | None:
    """The number of a row whose every key is linked already (most, after a shop's first run); else None."""
    by_id = cache.get(customer) if customer else None
    by_mail = cache.get(email) if email else None
    if (by_id or not customer) and (by_mail or not email):
        return by_id or by_mail or given
    return None

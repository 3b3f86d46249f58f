"""Customers (Kundenexport, Kundenimport): shop customers or a filled template -> neutral customers.

A registered customer's default address from the address book becomes the customer's address; its
other addresses become extra delivery addresses. Records are checked (e-mail, country, postcode and
VAT id per country) and the same person registered twice (same e-mail) becomes one ERP customer.

The set is staged in a `Store` (etl/fast/store.py). The joins and the merge run in SQL on narrow tables
of row numbers (a customer's place, its main address's row): the wide rows are read twice, streamed for
the checks of single values (Arrow) and by ranges for the chunks, never copied or sorted whole. A customer
merged into another one comes in the same chunk as it: the numbers (pipeline/steps/links.py) and the
count of records left out as imported before (steps/once.py) see both together.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import RawTable
from etl.fast import store as stored
from etl.fast.arrays import positions
from etl.fast.store import Store, quoted
from etl.flows.flow import Flow
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral
from etl.shared.rejects import Reject, rejects_where
from etl.transform.builtin_maps import countries
from etl.transform.layout import SourceLayout
from etl.transform.relate import first_rows
from etl.transform.source import conform, put_column
from etl.transform.staged import refused, stage_set

EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
ANY_VAT = r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$"
_ADDRESS = ("company", "firstname", "lastname", "street", "suburb", "postcode", "city", "state", "country")
_CHECKED = ("customer_id", "_file", "_line", "lastname", "company", "email", "address_country", "address_postcode",
            "vat_id")
_PLAIN = "'[ -~]*'"  # printable ASCII: trimmed and lowered in SQL exactly as Python's str.strip().lower() does
# Keys (a customer id) compared as Python compared them in dicts and `is_in`: a missing one equals a missing one.
_SAME = "{a}.{key} IS NOT DISTINCT FROM {b}.{key}"


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Customers of an export set or a filled template, checked and merged, in chunks of whole customers."""
    with Store() as store:
        rejects = stage_set(store, layout, tables, run_id, key="customer_id")
        shop = store.rows("customers") > 0  # as when read whole: a file of no rows is no table
        book = shop and store.rows("address_book") > 0  # else the customers keep no address of the book
        lost = 0
        if book:
            problems = _address_book(store, layout)
            lost = sum(r.code == "address-without-customer" for r in problems)
            rejects += problems
        rows = _Rows(store, book)
        rejects += rows.checked(layout)
        accepted, merged = rows.merge({r.record for r in rejects if r.record is not None})
        rejected = store.rows("__rows") - accepted + lost
        counts = [(rejects, accepted + rejected, rejected, merged)]
        for neutral in rows.chunks(stored.CHUNK_RECORDS):  # read when called: a test makes it small
            neutral["customers"] = _b2b(layout, neutral["customers"])
            yield Chunk(neutral, *(counts.pop() if counts else ([], 0, 0, 0)))
        if counts:
            yield Chunk({name: schema(name).empty_table() for name in rows.outputs}, *counts.pop())


def _columns(store: Store, table: str) -> list[str]:
    """The columns of `table`, in order."""
    return store.table("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                       "ORDER BY ordinal_position", (table,)).column(0).to_pylist()


def _select(store: Store, table: str, alias: str, put: dict[str, str], only: tuple[str, ...] = ()) -> str:
    """`alias`'s columns of `table` (or those in `only`), those in `put` replaced by its expressions, new ones added."""
    own = [c for c in _columns(store, table) if c != "__seq"]
    if only:
        return ", ".join((put[c] if c in put else f"{alias}.{quoted(c)}" if c in own else "NULL") + f" AS {quoted(c)}"
                         for c in only)
    kept = [put[c] + f" AS {quoted(c)}" if c in put else f"{alias}.{quoted(c)}" for c in own]
    return ", ".join(kept + [f"{expr} AS {quoted(c)}" for c, expr in put.items() if c not in own])


def _address_book(store: Store, layout: SourceLayout) -> list[Reject]:
    """The book's refusals; `__iso` (its country codes) and `__chosen` (each customer's main address, by row)."""
    options = {str(k): str(v) for k, v in layout.options.get("country_ids", {}).items()}
    store.register("__options_iso", pa.table({"country_id": pa.array(list(options), pa.string()),
                                              "iso": pa.array(list(options.values()), pa.string())}))
    # The export's own countries over the layout's, its later rows over earlier ones (a dict updated in order).
    store.create("__iso", "SELECT country_id, iso FROM (SELECT country_id, iso, 0 AS o, 0 AS __seq FROM __options_iso "
                 "UNION ALL SELECT country_id, iso, 1, __seq FROM countries) "
                 "QUALIFY row_number() OVER (PARTITION BY country_id ORDER BY o DESC, __seq DESC) = 1")
    rejects = refused(store, "SELECT b._file, b._line, b.customer_id AS record, b.country_id AS value "
                      f"FROM address_book b LEFT JOIN __iso i ON {_SAME.format(a='i', b='b', key='country_id')} "
                      "WHERE b.country_id IS NOT NULL AND i.iso IS NULL ORDER BY b.__seq",
                      "entry_country_id", "unknown-country-id")
    rejects += refused(store, "SELECT b._file, b._line, NULL AS record, CAST(b.customer_id AS VARCHAR) AS value "
                       f"FROM address_book b ANTI JOIN customers c ON {_SAME.format(a='c', b='b', key='customer_id')} "
                       "ORDER BY b.__seq", "customers_id", "address-without-customer", params=("value",))
    # The default address (the customer's last row names it, as a dict of them would), else the first one.
    store.create("__default", "SELECT c.customer_id, c.default_address FROM customers c SEMI JOIN (SELECT "
                 "max(__seq) AS __seq FROM customers GROUP BY customer_id) USING (__seq)")
    # A join and a group-by (or a sort) in one statement ran out of memory at 10M rows: one step each.
    same = _SAME.format(a="d", b="b", key="customer_id")
    store.create("__candidates", "SELECT b.customer_id, b.__seq, b.address_id IS NOT DISTINCT FROM d.default_address"
                 f" AS preferred FROM address_book b JOIN __default d ON {same}")
    store.create("__chosen", "SELECT customer_id, coalesce(min(CASE WHEN preferred THEN __seq END), min(__seq)) AS "
                 "book FROM __candidates GROUP BY customer_id")
    return rejects


def _sorted(store: Store, name: str, query: str, order: str) -> None:
    """Table `name` of `query`, sorted by `order` in a second step (see `__candidates`)."""
    store.create(f"{name}_unsorted", query)
    store.create(name, f"SELECT * FROM {quoted(name + '_unsorted')}", order=order)
    store.execute(f"DROP TABLE {quoted(name + '_unsorted')}")


class _Rows:
    """The customers of the set in `__rows`: each row's place (`__pos`: the template's after the shop's), id,
    main address (`book`: its row in the book) and e-mail key; read whole only in ranges."""

    def __init__(self, store: Store, book: bool) -> None:
        self.store, self.book = store, book
        self.shops = store.rows("customers")
        self.outputs = ["customers", "customer_addresses"] if book else ["customers"]
        self.put: dict[str, str] = {"shop_customer_id": "c.customer_id"}
        if book:
            self.put |= {f"address_{part}": f"b.address_{part}" for part in _ADDRESS[:-1]}
            self.put["address_country"] = "i.iso"
            own = "company" in _columns(store, "customers")
            self.put["company"] = "coalesce(c.company, b.address_company)" if own else "b.address_company"
        # A template's row brings the ERP number itself; the shop's customer number it has none of.
        self.template = {"erp_customer_number": "t.customer_number", "customer_number": "CAST(NULL AS VARCHAR)"}
        odd = store.table(f"SELECT __seq AS __pos, email FROM customers WHERE NOT regexp_full_match(email, {_PLAIN}) "
                          f"UNION ALL SELECT __seq + {self.shops}, email FROM template "
                          f"WHERE NOT regexp_full_match(email, {_PLAIN})")
        store.register("__odd", pa.table({"__pos": odd.column("__pos"), "mail": pa.array(
            [mail.strip().lower() or None for mail in odd.column("email").to_pylist()], pa.string())}))
        chosen = f" LEFT JOIN __chosen ch ON {_SAME.format(a='ch', b='c', key='customer_id')}" if book else ""
        store.create("__rows", f"SELECT c.__seq AS __pos, c.customer_id, {'ch.book' if book else 'NULL'} AS book, "
                     f"{self._mail('c.email', 'c.__seq')} AS mail FROM customers c{chosen} UNION ALL SELECT t.__seq + "
                     f"{self.shops}, t.customer_id, NULL, {self._mail('t.email', f't.__seq + {self.shops}')} "
                     "FROM template t")

    @staticmethod
    def _mail(email: str, pos: str) -> str:
        """The e-mail key in SQL; Python's (`__odd`) for an address beyond printable ASCII."""
        return (f"CASE WHEN regexp_full_match({email}, {_PLAIN}) THEN nullif(lower(trim({email}, ' ')), '') "
                f"ELSE (SELECT o.mail FROM __odd o WHERE o.__pos = {pos}) END")

    def _shop(self, rows: str, customers: str, only: tuple[str, ...] = (), marks: str = "") -> str:
        """The shop's customers of `rows` (a narrow table, `m`) from `customers` with their main address."""
        joins = (" LEFT JOIN address_book b ON b.__seq = m.book LEFT JOIN __iso i ON "
                 f"{_SAME.format(a='i', b='b', key='country_id')}") if self.book else ""
        return (f"SELECT {_select(self.store, 'customers', 'c', self.put, only)}, m.__pos{marks} FROM {rows} m "
                f"JOIN {customers} c ON c.__seq = m.__pos{joins}")

    def _template(self, rows: str, only: tuple[str, ...] = (), marks: str = "") -> str:
        """The template's rows of `rows` (a narrow table, `m`)."""
        return (f"SELECT {_select(self.store, 'template', 't', self.template, only)}, m.__pos{marks} FROM {rows} m "
                f"JOIN template t ON t.__seq + {self.shops} = m.__pos")

    def checked(self, layout: SourceLayout) -> list[Reject]:
        """The rejects of `check` over every customer, streamed in batches, in the order of one pass over all."""
        shape = pa.schema([schema("customers").field(name) for name in _CHECKED] + [pa.field("__pos", pa.int64())])
        query = (self._shop("__rows", "customers", _CHECKED) + " UNION ALL BY NAME "
                 + self._template("__rows", _CHECKED))
        found: list[list[tuple[int, Reject]]] = []
        for batch in self.store.batches(query, stored.CHUNK_RECORDS):  # streamed, not held
            part = conform(pa.table(batch), shape)
            groups = _checks(layout, part)
            found = found or [[] for _ in groups]
            for into, rejects in zip(found, groups, strict=True):
                into.extend(rejects)
        return [reject for rejects in found for _, reject in sorted(rejects, key=lambda item: item[0])]

    def merge(self, refused_records: set[str]) -> tuple[int, int]:
        """`__marks`: the customers kept, a later one of an e-mail merged into the first and placed (`__at`) with it.

        Returns how many were kept, and how many of them were merged.
        """
        store = self.store
        store.register("__refused", pa.table({"record": pa.array(sorted(refused_records), pa.string())}))
        store.create("__kept", "SELECT r.* FROM __rows r ANTI JOIN __refused x ON r.customer_id = x.record")
        store.create("__firsts", "SELECT mail, min(__pos) AS first FROM __kept WHERE mail IS NOT NULL GROUP BY mail")
        _sorted(store, "__marks", "SELECT k.__pos, k.customer_id, k.book, CASE WHEN f.first <> k.__pos THEN "
                "o.customer_id END AS merged_into, coalesce(f.first, k.__pos) AS __at FROM __kept k LEFT JOIN "
                "__firsts f USING (mail) LEFT JOIN __kept o ON o.__pos = f.first", "__at, __pos")
        if self.book:  # the other addresses of the customers kept and not merged, each placed with its customer
            store.create("__owners", "SELECT customer_id, min(__at) AS __at FROM __marks WHERE merged_into IS NULL "
                         "GROUP BY customer_id")
            store.create("__mains", "SELECT m.address_id FROM address_book m SEMI JOIN __chosen c ON m.__seq = c.book")
            _sorted(store, "__others", "SELECT b.__seq AS book, o.__at FROM address_book b JOIN __owners o ON "
                    f"{_SAME.format(a='o', b='b', key='customer_id')} ANTI JOIN __mains x ON "
                    f"{_SAME.format(a='x', b='b', key='address_id')}", "__at, book")
        return store.rows("__marks"), int(store.value("SELECT count(merged_into) FROM __marks"))

    def chunks(self, size: int) -> Iterator[Neutral]:
        """The customers kept (and their other addresses) by ranges of `__at`: the rows of a range read by theirs."""
        store = self.store
        top = store.value("SELECT max(__at) FROM __marks")
        book = (f"SELECT {_select(store, 'address_book', 'b', {'address_country': 'i.iso'})} FROM (SELECT * "
                "FROM __others WHERE __at >= ? "
                "AND __at < ?) o JOIN (SELECT * FROM address_book WHERE __seq BETWEEN ? AND ?) b ON b.__seq = o.book "
                f"LEFT JOIN __iso i ON {_SAME.format(a='i', b='b', key='country_id')} ORDER BY o.__at, o.book")
        marks = "(SELECT * FROM __marks WHERE __at >= $1 AND __at < $2)"
        extra = ", m.__at, m.merged_into"
        people = (self._shop(marks, "(SELECT * FROM customers WHERE __seq BETWEEN $3 AND $4)", marks=extra)
                  + " UNION ALL BY NAME " + self._template(marks, marks=extra))
        for low in range(0, -1 if top is None else top + 1, size):
            first, last = store.table("SELECT min(__pos), max(__pos) FROM __marks WHERE __at >= ? AND __at < ?",
                                      (low, low + size)).to_pylist()[0].values()
            if first is None:
                continue  # the places of refused customers only
            rows = store.table(f"SELECT * FROM ({people}) ORDER BY __at, __pos", (low, low + size, first, last))
            neutral = {"customers": conform(rows, schema("customers"))}
            if self.book:
                first, last = store.table("SELECT min(book), max(book) FROM __others WHERE __at >= ? AND __at < ?",
                                          (low, low + size)).to_pylist()[0].values()
                others = store.table(book, (low, low + size, first, last)) if first is not None else None
                neutral["customer_addresses"] = conform(others if others is not None else pa.table({}),
                                                        schema("customer_addresses"))
            yield neutral


def _b2b(layout: SourceLayout, customers: pa.Table) -> pa.Table:
    groups = pa.array([str(g) for g in layout.options.get("b2b_groups", ["3"])], pa.string())
    derived = pc.or_(pc.is_valid(customers.column("vat_id")),
                     pc.fill_null(pc.is_in(customers.column("customer_group"), value_set=groups), False))
    return put_column(customers, "is_b2b", pc.coalesce(customers.column("is_b2b"), derived))


def check(layout: SourceLayout, customers: pa.Table) -> list[Reject]:
    """E-mail syntax, known country, postcode and VAT id format per country."""
    return [reject for rejects in _checks(layout, customers) for _, reject in rejects]


def _checks(layout: SourceLayout, customers: pa.Table) -> list[list[tuple[int, Reject]]]:
    """The rejects of each check of `check`, one list per check in a fixed order, each with its row's `__pos`
    (else its row number): a set checked in parts puts them in order after."""
    found: list[list[tuple[int, Reject]]] = []
    places = customers.column("__pos") if "__pos" in customers.column_names else pa.chunked_array([positions(
        customers.num_rows)])

    def refuse(mask: pa.Array, field: str, values: pa.Array, code: str, params: dict | None = None) -> None:
        rejects = rejects_where(customers, mask, field, values, code, "customer_id", params)
        where = pc.filter(places, pc.fill_null(mask, False)).to_pylist() if rejects else []
        found.append(list(zip(where, rejects, strict=True)))

    refuse(pc.and_(pc.is_null(customers.column("lastname")), pc.is_null(customers.column("company"))), "lastname",
           customers.column("lastname"), "no-name")
    email = pc.utf8_trim_whitespace(customers.column("email"))
    refuse(pc.invert(pc.match_substring_regex(email, EMAIL)), "email", email, "invalid-email")
    country = customers.column("address_country")
    known = pc.is_in(country, value_set=pa.array(sorted(set(countries().values()))))
    refuse(pc.and_(pc.is_valid(country), pc.invert(known)), "address_country", country, "unknown-country")
    refuse(pc.is_null(country), "address_country", country, "country-missing")
    postcode = customers.column("address_postcode")
    for code, pattern in layout.options.get("postcode_patterns", {}).items():
        wrong = pc.and_(pc.equal(country, code), pc.invert(pc.match_substring_regex(postcode, pattern)))
        refuse(wrong, "address_postcode", postcode, "postcode-form", {"country": code})
    vat = pc.utf8_upper(pc.replace_substring(customers.column("vat_id"), " ", ""))
    prefix = pc.utf8_slice_codeunits(vat, 0, 2)
    patterns: dict[str, str] = layout.options.get("vat_patterns", {})
    for code, pattern in patterns.items():
        wrong = pc.and_(pc.equal(prefix, code), pc.invert(pc.match_substring_regex(vat, pattern)))
        refuse(wrong, "vat_id", customers.column("vat_id"), "vat-id-form", {"country": code})
    other = pc.and_(pc.invert(pc.is_in(prefix, value_set=pa.array(list(patterns) or [""]))),
                    pc.invert(pc.match_substring_regex(vat, ANY_VAT)))
    refuse(other, "vat_id", customers.column("vat_id"), "not-a-vat-id")
    return found


def from_orders(config: object, neutral: Neutral) -> pa.Table:
    """The customers of a chunk of orders (guests included), one per ERP customer number, billing address.

    This is how the orders flow exports a customer with the order: GS-Office gets the customer
    import beside the order import, so the order always finds its customer.
    """
    orders = neutral.get("orders")
    if orders is None or orders.num_rows == 0:
        return schema("customers").empty_table()
    orders = orders.take(first_rows(orders.column("erp_customer_number")))
    columns = {name: orders.column(name) for name in (
        "erp_customer_number", "customer_number", "email", "phone", "vat_id", "customer_group", "is_guest",
        "store_id", "payment_type", "_file", "_line", "_run")}
    columns["customer_id"] = pc.coalesce(orders.column("customer_id"), orders.column("erp_customer_number"))
    columns["shop_customer_id"] = columns["customer_id"]
    for part in _ADDRESS:
        columns["company" if part == "company" else f"address_{part}"] = orders.column(f"billing_{part}")
    columns["firstname"] = orders.column("billing_firstname")
    columns["lastname"] = orders.column("billing_lastname")
    columns["is_b2b"] = pc.is_valid(orders.column("vat_id"))
    return conform(pa.table(columns), schema("customers"))


FLOW = Flow(name="customers", module="Kundenexport / Kundenimport", direction="shop -> ERP",
            source="shop/customers.yaml", target="sage/customers.yaml", outbox="sage", unit="customers",
            extract_tables=extract_tables, links="customers")

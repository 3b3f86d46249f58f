"""Customers (Kundenexport, Kundenimport): shop customers or a filled template -> neutral customers.

A registered customer's default address from the address book becomes the customer's address; its
other addresses become extra delivery addresses. Records are checked (e-mail, country, postcode and
VAT id per country) and the same person registered twice (same e-mail) becomes one ERP customer.

The set is staged in a `Store` (etl/fast/store.py): the joins and the merge run in SQL, the checks of
single values in Arrow over bounded ranges, and the customers come back in chunks of whole customers.
A customer merged into another one comes in the same chunk as it: the numbers (pipeline/steps/links.py)
and the count of records left out as imported before (steps/once.py) see both together.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import RawTable
from etl.fast import store as stored
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
        _gather(store, book)
        rejects += _checked(store, layout)
        read = store.rows("__all")
        accepted, merged = _merge(store, {r.record for r in rejects if r.record is not None})
        parts = {"customers": "__customers"}
        if book:
            parts["customer_addresses"] = _extra(store)
        rejected = read - accepted + lost
        first = True
        for part in store.chunks(parts, stored.CHUNK_RECORDS):  # read when called: a test makes it small
            if not first and not any(table.num_rows for table in part.values()):
                continue  # the places of refused customers only
            neutral = {name: conform(table, schema(name)) for name, table in part.items()}
            neutral["customers"] = _b2b(layout, neutral["customers"])
            yield Chunk(neutral, rejects if first else [], accepted + rejected if first else 0,
                        rejected if first else 0, merged if first else 0)
            first = False
        if first:
            neutral = {name: schema(name).empty_table() for name in parts}
            yield Chunk(neutral, rejects, accepted + rejected, rejected, merged)


def _columns(store: Store, table: str) -> list[str]:
    """The columns of `table`, in order."""
    return store.table("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                       "ORDER BY ordinal_position", (table,)).column(0).to_pylist()


def _select(store: Store, table: str, alias: str, put: dict[str, str]) -> str:
    """`alias`'s columns of `table`, those named in `put` replaced by its expressions, its new ones appended."""
    own = _columns(store, table)
    kept = [put[c] + f" AS {quoted(c)}" if c in put else f"{alias}.{quoted(c)}" for c in own]
    return ", ".join(kept + [f"{expr} AS {quoted(c)}" for c, expr in put.items() if c not in own])


def _address_book(store: Store, layout: SourceLayout) -> list[Reject]:
    """The book's country codes and the refusals of its rows; its rows of known customers and their main ones."""
    options = {str(k): str(v) for k, v in layout.options.get("country_ids", {}).items()}
    store.register("__options_iso", pa.table({"country_id": pa.array(list(options), pa.string()),
                                              "iso": pa.array(list(options.values()), pa.string())}))
    # The export's own countries over the layout's, its later rows over earlier ones (a dict updated in order).
    store.create("__iso", "SELECT country_id, iso FROM (SELECT country_id, iso, 0 AS o, 0 AS __seq FROM __options_iso "
                 "UNION ALL SELECT country_id, iso, 1, __seq FROM countries) "
                 "QUALIFY row_number() OVER (PARTITION BY country_id ORDER BY o DESC, __seq DESC) = 1")
    known = f"EXISTS (SELECT 1 FROM customers c WHERE {_SAME.format(a='c', b='b', key='customer_id')})"
    store.create("__book", f"SELECT {_select(store, 'address_book', 'b', {'address_country': 'i.iso'})}, {known} "
                 f"AS __known FROM address_book b LEFT JOIN __iso i ON {_SAME.format(a='i', b='b', key='country_id')}")
    rejects = refused(store, "SELECT _file, _line, customer_id AS record, country_id AS value FROM __book "
                      "WHERE country_id IS NOT NULL AND address_country IS NULL ORDER BY __seq",
                      "entry_country_id", "unknown-country-id")
    rejects += refused(store, "SELECT _file, _line, NULL AS record, CAST(customer_id AS VARCHAR) AS value "
                       "FROM __book WHERE NOT __known ORDER BY __seq", "customers_id", "address-without-customer",
                       params=("value",))
    # The default address (the customer's last row names it, as a dict of them would), else the first one.
    store.create("__default", "SELECT c.customer_id, c.default_address FROM customers c SEMI JOIN (SELECT "
                 "max(__seq) AS __seq FROM customers GROUP BY customer_id) USING (__seq)")
    store.create("__chosen", "SELECT coalesce(min(CASE WHEN b.address_id IS NOT DISTINCT FROM d.default_address "
                 "THEN b.__seq END), min(b.__seq)) AS __seq FROM __book b JOIN __default d ON "
                 f"{_SAME.format(a='d', b='b', key='customer_id')} WHERE b.__known GROUP BY b.customer_id")
    store.create("__main", "SELECT * EXCLUDE (__known) FROM __book SEMI JOIN __chosen USING (__seq)")
    return rejects


def _gather(store: Store, book: bool) -> None:
    """`__all`: the shop's customers (with their main address when the book has any), then the template's rows.

    `__pos` is a row's place among them all: its place in its table (`__seq`), the template's after the shop's.
    """
    shop: dict[str, str] = {"shop_customer_id": "c.customer_id", "__pos": "c.__seq"}
    joined = ""
    if book:
        shop |= {f"address_{part}": f"m.address_{part}" for part in _ADDRESS}
        own = "company" in _columns(store, "customers")
        shop["company"] = "coalesce(c.company, m.address_company)" if own else "m.address_company"
        joined = f" LEFT JOIN __main m ON {_SAME.format(a='m', b='c', key='customer_id')}"
    # A template's row brings the ERP number itself; the shop's customer number it has none of.
    template = {"erp_customer_number": "t.customer_number", "customer_number": "CAST(NULL AS VARCHAR)",
                "__pos": f"t.__seq + {store.rows('customers')}"}
    _sorted(store, "__all", f"SELECT * EXCLUDE (__seq) FROM (SELECT {_select(store, 'customers', 'c', shop)} "
            f"FROM customers c{joined} UNION ALL BY NAME SELECT {_select(store, 'template', 't', template)} "
            "FROM template t)", "__pos")


def _sorted(store: Store, name: str, query: str, order: str) -> None:
    """Table `name` of `query`, sorted by `order` in a second step: a join and a sort in one ran out of memory."""
    store.create(f"{name}_unsorted", query)
    store.create(name, f"SELECT * FROM {quoted(name + '_unsorted')}", order=order)
    store.execute(f"DROP TABLE {quoted(name + '_unsorted')}")


def _checked(store: Store, layout: SourceLayout) -> list[Reject]:
    """The checks of `check` over `__all` in ranges, in the order one pass over all gives; `__keys`: e-mail keys."""
    wanted = schema("customers")
    shape = pa.schema([wanted.field(name) for name in _CHECKED])
    found: list[list[Reject]] = []
    store.append("__keys", pa.table({"__pos": pa.array([], pa.int64()), "mail": pa.array([], pa.string())}))
    size = stored.CHUNK_RECORDS
    for low in range(0, store.rows("__all"), size):
        part = conform(store.table(f"SELECT {', '.join(map(quoted, _CHECKED))}, __pos FROM __all "
                                   "WHERE __pos >= ? AND __pos < ? ORDER BY __pos", (low, low + size)),
                       shape.append(pa.field("__pos", pa.int64())))
        groups = _checks(layout, part)
        found = found or [[] for _ in groups]
        for into, rejects in zip(found, groups, strict=True):
            into.extend(rejects)
        store.append("__keys", pa.table({"__pos": part.column("__pos"), "mail": mail_keys(part.column("email"))}))
    return [reject for rejects in found for reject in rejects]


def mail_keys(emails: pa.ChunkedArray) -> pa.Array:
    """The key two records of one person share: the e-mail address trimmed and in lower case; null for none."""
    mails = emails.combine_chunks()
    keys = pc.ascii_lower(pc.utf8_trim(mails, characters=" "))
    odd = pc.invert(pc.fill_null(pc.match_substring_regex(mails, r"^[ -~]*$"), True))
    if pc.any(odd).as_py():  # beyond printable ASCII: Python's own trimming and lower case, as always
        own = [mail.strip().lower() for mail in pc.filter(mails, odd).to_pylist()]
        keys = pc.replace_with_mask(keys, odd, pa.array(own, pa.string()))
    return pc.if_else(pc.equal(keys, ""), pa.scalar(None, pa.string()), keys)


def _merge(store: Store, refused_records: set[str]) -> tuple[int, int]:
    """`__customers`: the customers not refused, a later one of an e-mail merged into the first, in its chunk.

    Returns how many were accepted, and how many of them were merged.
    """
    store.register("__refused", pa.table({"record": pa.array(sorted(refused_records), pa.string())}))
    store.create("__kept", "SELECT a.__pos, a.customer_id, k.mail FROM __all a JOIN __keys k USING (__pos) "
                 "ANTI JOIN __refused r ON a.customer_id = r.record")
    # Narrow tables and group-bys, no window over whole rows: they spill to disk where a window would not.
    store.create("__marks", "SELECT k.__pos, CASE WHEN f.first <> k.__pos THEN o.customer_id END AS merged_into, "
                 "coalesce(f.first, k.__pos) AS __at FROM __kept k LEFT JOIN (SELECT mail, min(__pos) AS first "
                 "FROM __kept WHERE mail IS NOT NULL GROUP BY mail) f USING (mail) "
                 "LEFT JOIN __kept o ON o.__pos = f.first")
    hidden = ", ".join(["__pos", *(["merged_into"] if "merged_into" in _columns(store, "__all") else [])])
    _sorted(store, "__customers", f"SELECT a.* EXCLUDE ({hidden}), m.merged_into, m.__at, a.__pos AS __seq "
            "FROM __all a JOIN __marks m ON a.__pos = m.__pos", "__at, __seq")
    return store.rows("__customers"), int(store.value("SELECT count(merged_into) FROM __customers"))


def _extra(store: Store) -> str:
    """The table of the book's other addresses of the customers kept and not merged, each in its customer's chunk."""
    _sorted(store, "__addresses", "SELECT e.* EXCLUDE (__seq, __known), o.__at, e.__seq FROM __book e "
            f"ANTI JOIN __main m ON {_SAME.format(a='m', b='e', key='address_id')} "
            "JOIN (SELECT customer_id, min(__at) AS __at FROM __customers WHERE merged_into IS NULL "
            f"GROUP BY customer_id) o ON {_SAME.format(a='o', b='e', key='customer_id')} WHERE e.__known",
            "__at, __seq")
    return "__addresses"


def _b2b(layout: SourceLayout, customers: pa.Table) -> pa.Table:
    groups = pa.array([str(g) for g in layout.options.get("b2b_groups", ["3"])], pa.string())
    derived = pc.or_(pc.is_valid(customers.column("vat_id")),
                     pc.fill_null(pc.is_in(customers.column("customer_group"), value_set=groups), False))
    return put_column(customers, "is_b2b", pc.coalesce(customers.column("is_b2b"), derived))


def check(layout: SourceLayout, customers: pa.Table) -> list[Reject]:
    """E-mail syntax, known country, postcode and VAT id format per country."""
    return [reject for rejects in _checks(layout, customers) for reject in rejects]


def _checks(layout: SourceLayout, customers: pa.Table) -> list[list[Reject]]:
    """The rejects of each check of `check`, one list per check in a fixed order (a set checked in parts)."""
    found: list[list[Reject]] = []

    def refuse(mask: pa.Array, field: str, values: pa.Array, code: str, params: dict | None = None) -> None:
        found.append(rejects_where(customers, mask, field, values, code, "customer_id", params))

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

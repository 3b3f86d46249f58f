"""Customers (Kundenexport, Kundenimport): shop customers or a filled template -> neutral customers.

A registered customer's default address from the address book becomes the customer's address; its
other addresses become extra delivery addresses. Records are checked (e-mail, country, postcode and
VAT id per country) and the same person registered twice (same e-mail) becomes one ERP customer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import RawTable
from etl.flows.flow import Flow
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral
from etl.shared.rejects import Reject, rejects_where
from etl.transform.builtin_maps import countries
from etl.transform.layout import SourceLayout
from etl.transform.relate import first_rows, orphans
from etl.transform.source import concat_tables, conform, put_column, read_tables

EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
ANY_VAT = r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$"
_ADDRESS = ("company", "firstname", "lastname", "street", "suburb", "postcode", "city", "state", "country")


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Customers of an export set or a filled template, checked and merged, as one chunk."""
    parts, rejects = read_tables(layout, tables, run_id, key="customer_id")
    found: list[pa.Table] = []
    extra = None
    orphans = 0
    if parts.get("customers") is not None:
        customers, extra, problems, orphans = _from_shop(layout, parts)
        customers = put_column(customers, "shop_customer_id", customers.column("customer_id"))
        found.append(customers)
        rejects += problems
    template = parts.get("template")
    if template is not None:
        template = put_column(template, "erp_customer_number", template.column("customer_number"))
        template = put_column(template, "customer_number", pa.nulls(template.num_rows, pa.string()))
        found.append(template)
    customers = conform(concat_tables(found), schema("customers")) if found else schema("customers").empty_table()
    customers = _b2b(layout, customers)
    rejects += check(layout, customers)
    refused = {r.record for r in rejects if r.record is not None}
    keep = pc.invert(pc.is_in(customers.column("customer_id"), value_set=pa.array(sorted(refused), pa.string())))
    rejected = customers.num_rows - (pc.sum(pc.cast(keep, pa.int64())).as_py() or 0) + orphans  # None if empty
    customers = merge_by_email(customers.filter(keep))
    merged = pc.sum(pc.cast(pc.is_valid(customers.column("merged_into")), pa.int64())).as_py() or 0
    neutral = {"customers": customers}
    if extra is not None:
        known = customers.filter(pc.is_null(customers.column("merged_into"))).column("customer_id")
        neutral["customer_addresses"] = extra.filter(pc.is_in(extra.column("customer_id"), value_set=known))
    yield Chunk(neutral, rejects, customers.num_rows + rejected, rejected, merged)


def _from_shop(layout: SourceLayout, parts: dict[str, pa.Table | None]
               ) -> tuple[pa.Table, pa.Table | None, list[Reject], int]:
    customers = parts["customers"]
    assert customers is not None
    book = parts.get("address_book")
    rejects: list[Reject] = []
    if book is None or book.num_rows == 0:
        return customers, None, rejects, 0
    iso = _country_codes(layout, parts.get("countries"))
    code = pc.take(pa.array(list(iso.values()), pa.string()),
                   pc.index_in(book.column("country_id"), value_set=pa.array(list(iso), pa.string())))
    book = put_column(book, "address_country", code)
    rejects += rejects_where(book, pc.and_(pc.is_valid(book.column("country_id")), pc.is_null(code)),
                             "entry_country_id", book.column("country_id"),
                             "unknown-country-id", "customer_id")
    book, lost = orphans(book, "customer_id", customers.column("customer_id"), "customers_id",
                         "address-without-customer")
    rejects += lost
    default_ids = dict(zip(customers.column("customer_id").to_pylist(),
                           customers.column("default_address").to_pylist(), strict=True))
    rows = book.to_pylist()
    firsts: dict[str, dict] = {}
    for row in rows:  # the default address, else the customer's first one
        current = firsts.get(row["customer_id"])
        if current is None or (row["address_id"] == default_ids.get(row["customer_id"])
                               and current["address_id"] != default_ids.get(row["customer_id"])):
            firsts[row["customer_id"]] = row
    main = [firsts.get(cid) or {} for cid in customers.column("customer_id").to_pylist()]
    for part in _ADDRESS:
        name = f"address_{part}"
        customers = put_column(customers, name, pa.array([row.get(name) for row in main], pa.string()))
    own = customers.column("company") if "company" in customers.column_names else None
    company = customers.column("address_company")
    customers = put_column(customers, "company", company if own is None else pc.coalesce(own, company))
    chosen = {row["address_id"] for row in firsts.values()}
    # not sorted: an address without its id (refused with its customer) has None among them
    extra = book.filter(pc.invert(pc.is_in(book.column("address_id"), value_set=pa.array(list(chosen), pa.string()))))
    return customers, conform(extra, schema("customer_addresses")), rejects, len(lost)


def _country_codes(layout: SourceLayout, table: pa.Table | None) -> dict[str, str]:
    codes = {str(k): str(v) for k, v in layout.options.get("country_ids", {}).items()}
    if table is not None:
        codes.update(zip(table.column("country_id").to_pylist(), table.column("iso").to_pylist(), strict=True))
    return codes


def _b2b(layout: SourceLayout, customers: pa.Table) -> pa.Table:
    groups = pa.array([str(g) for g in layout.options.get("b2b_groups", ["3"])], pa.string())
    derived = pc.or_(pc.is_valid(customers.column("vat_id")),
                     pc.fill_null(pc.is_in(customers.column("customer_group"), value_set=groups), False))
    return put_column(customers, "is_b2b", pc.coalesce(customers.column("is_b2b"), derived))


def check(layout: SourceLayout, customers: pa.Table) -> list[Reject]:
    """E-mail syntax, known country, postcode and VAT id format per country."""
    rejects: list[Reject] = []
    nameless = pc.and_(pc.is_null(customers.column("lastname")), pc.is_null(customers.column("company")))
    rejects += rejects_where(customers, nameless, "lastname", customers.column("lastname"),
                             "no-name", "customer_id")
    email = pc.utf8_trim_whitespace(customers.column("email"))
    rejects += rejects_where(customers, pc.invert(pc.match_substring_regex(email, EMAIL)), "email",
                             email, "invalid-email", "customer_id")
    country = customers.column("address_country")
    known = pc.is_in(country, value_set=pa.array(sorted(set(countries().values()))))
    rejects += rejects_where(customers, pc.and_(pc.is_valid(country), pc.invert(known)), "address_country",
                             country, "unknown-country", "customer_id")
    rejects += rejects_where(customers, pc.is_null(country), "address_country", country,
                             "country-missing", "customer_id")
    postcode = customers.column("address_postcode")
    for code, pattern in layout.options.get("postcode_patterns", {}).items():
        wrong = pc.and_(pc.equal(country, code), pc.invert(pc.match_substring_regex(postcode, pattern)))
        rejects += rejects_where(customers, wrong, "address_postcode", postcode, "postcode-form", "customer_id",
                                 {"country": code})
    vat = pc.utf8_upper(pc.replace_substring(customers.column("vat_id"), " ", ""))
    prefix = pc.utf8_slice_codeunits(vat, 0, 2)
    patterns: dict[str, str] = layout.options.get("vat_patterns", {})
    for code, pattern in patterns.items():
        wrong = pc.and_(pc.equal(prefix, code), pc.invert(pc.match_substring_regex(vat, pattern)))
        rejects += rejects_where(customers, wrong, "vat_id", customers.column("vat_id"), "vat-id-form",
                                 "customer_id", {"country": code})
    other = pc.and_(pc.invert(pc.is_in(prefix, value_set=pa.array(list(patterns) or [""]))),
                    pc.invert(pc.match_substring_regex(vat, ANY_VAT)))
    rejects += rejects_where(customers, other, "vat_id", customers.column("vat_id"), "not-a-vat-id", "customer_id")
    return rejects


def merge_by_email(customers: pa.Table) -> pa.Table:
    """Mark every later record of an e-mail address as merged into the first one."""
    seen: dict[str, str] = {}
    merged = []
    for cid, mail in zip(customers.column("customer_id").to_pylist(), customers.column("email").to_pylist(),
                         strict=True):
        key = (mail or "").strip().lower()
        merged.append(seen.get(key) if key else None)
        if key:
            seen.setdefault(key, cid)
    return put_column(customers, "merged_into", pa.array(merged, pa.string()))


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

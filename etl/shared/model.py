"""The neutral, system-independent tables every flow passes through.

Each entity is a flat Arrow table. Money and quantities are exact decimals. Every record carries
lineage: the source file, its line and the run that read it. Shop and ERP layouts are mapped onto
these names by the YAML files in `mappings/`; nothing else in the code knows a system's column names.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder

import pyarrow as pa


class _NoPandas(MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas":
            raise ImportError("pandas is not needed by the etl")


def _settle_pandas_probe() -> None:
    """Answer pyarrow's "is pandas there?" once with no, before its first value check imports it.

    pyarrow imports pandas (0.3 s, a tenth of a small run) the first time it checks whether a value
    is a pandas object; the etl never hands it one. Told no once, the check stays no; a `to_pandas()`
    still imports pandas when called.
    """
    if "pandas" in sys.modules:
        return
    blocker = _NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        pa.scalar(0)
    finally:
        sys.meta_path.remove(blocker)


_settle_pandas_probe()
DECIMAL = pa.decimal128(18, 4)
# Commercial rounding, as Python's ROUND_HALF_UP: ties away from zero. Arrow's "half_up" rounds ties
# towards +infinity, which turns a discount of -0.125 into -0.12 instead of -0.13.
ROUND_MODE = "half_towards_infinity"
TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "decimal": DECIMAL,
    "date": pa.date32(),
    "datetime": pa.timestamp("s"),
    "bool": pa.bool_(),
}
LINEAGE = {"_file": "string", "_line": "int", "_run": "string"}

_ADDRESS = ("company", "firstname", "lastname", "street", "suburb", "postcode", "city", "state", "country")


def _address(prefix: str) -> dict[str, str]:
    return {f"{prefix}_{part}": "string" for part in _ADDRESS}


# Item kinds of an order; discounts and coupons are negative amounts.
ITEM_KINDS = ("product", "shipping", "discount", "coupon", "surcharge", "fee")

# Neutral payment types (after JTL's PaymentType), targets of the shop's payment-code map.
PAYMENT_TYPES = (
    "prepayment", "direct_debit", "cash_on_delivery", "invoice", "cash", "paypal", "klarna",
    "sofort", "ogone", "credit_card", "amazon_pay", "other",
)

ENTITIES: dict[str, dict[str, str]] = {
    "orders": {
        "order_id": "string", "store_id": "string", "order_date": "datetime", "status": "string",
        "currency": "string", "currency_rate": "decimal", "language": "string",
        "customer_id": "string", "customer_number": "string", "erp_customer_number": "string",
        "customer_group": "string", "is_guest": "bool", "vat_id": "string", "email": "string",
        "phone": "string", "payment_code": "string", "payment_type": "string",
        "shipping_code": "string", "shipping_method": "string", "prices_gross": "bool",
        "total": "decimal", "tax_total": "decimal", "comment": "string",
        # ERP orders (erp-orders flow): the ERP's number, the shop order it came from, the channel.
        "erp_order_number": "string", "shop_order_id": "string", "channel": "string", "net_total": "decimal",
        **_address("billing"), **_address("delivery"),
    },
    "order_items": {
        "order_id": "string", "position": "int", "kind": "string", "product_id": "string",
        "sku": "string", "name": "string", "attributes": "string", "quantity": "decimal",
        "unit_price": "decimal", "line_total": "decimal", "tax_rate": "decimal",
        "prices_gross": "bool",
    },
    "order_taxes": {"order_id": "string", "tax_rate": "decimal", "tax_amount": "decimal"},
    "order_status": {
        "order_id": "string", "status": "string", "changed_at": "datetime",
        "customer_notified": "bool", "comment": "string",
    },
    "customers": {
        # shop_customer_id: the shop's own id, what the ERP is told; customer_id is the run's key, which names
        # a filled template's row by file and line: never written into an ERP field
        "customer_id": "string", "shop_customer_id": "string", "customer_number": "string",
        "erp_customer_number": "string",
        "salutation": "string", "firstname": "string", "lastname": "string", "company": "string",
        "email": "string", "phone": "string", "fax": "string", "vat_id": "string",
        "customer_group": "string", "price_group": "string", "is_b2b": "bool", "is_guest": "bool",
        "payment_type": "string", "store_id": "string", "created_at": "datetime",
        "merged_into": "string", **_address("address"),
    },
    "customer_addresses": {
        "customer_id": "string", "address_id": "string", "is_default": "bool", **_address("address"),
    },
    "categories": {
        "category_id": "string", "parent_id": "string", "level": "int", "sort": "int",
        "status": "bool", "image": "string",
    },
    "category_texts": {
        "category_id": "string", "language": "string", "name": "string", "long_name": "string",
        "description": "string", "meta_title": "string", "meta_description": "string",
        "meta_keywords": "string",
        "text_id": "string",  # category and language: one text, refused on its own
    },
    "articles": {
        "sku": "string", "parent_sku": "string", "ean": "string", "article_type": "string",
        "status": "bool", "unit": "string", "weight": "decimal", "manufacturer": "string",
        "supplier": "string", "tax_rate": "decimal", "price": "decimal", "category_id": "string",
        "stock": "decimal",
    },
    "article_texts": {
        "sku": "string", "language": "string", "name": "string", "short_text": "string",
        "long_text": "string", "meta_title": "string", "meta_description": "string",
        "meta_keywords": "string",
        "text_id": "string",  # article and language: one text, refused on its own
    },
    # `file` is the name in the outbox once copied; `source_file` the name the ERP export gave.
    "article_media": {
        "sku": "string", "kind": "string", "position": "int", "file": "string", "title": "string",
        "source_file": "string",
    },
    # kind: group (price group, quantity breaks), customer (one customer), special (date range).
    "prices": {
        "sku": "string", "price_group": "string", "customer_number": "string",
        "min_quantity": "decimal", "price": "decimal", "valid_from": "date", "valid_to": "date",
        "kind": "string", "active": "bool",
    },
    # One row per variant and option (a T-shirt in blue & M has two rows).
    "variants": {
        "sku": "string", "parent_sku": "string", "option": "string", "value": "string",
        "ean": "string", "stock": "decimal", "surcharge": "decimal", "position": "int",
    },
    "bom_lines": {"sku": "string", "component_sku": "string", "quantity": "decimal"},
    # kind: accessory, upselling, crossselling; origin: erp or history (support = co-purchases).
    "relations": {
        "sku": "string", "related_sku": "string", "kind": "string", "sort": "int", "origin": "string",
        "support": "int",
    },
    "stock": {"sku": "string", "warehouse": "string", "quantity": "decimal"},
    # Summed stock of an article, a variant or a BOM (derived from its components).
    "stock_levels": {"sku": "string", "parent_sku": "string", "kind": "string", "quantity": "decimal"},
    # One delivery note (Lieferschein); `tracked` once the carrier's parcel numbers are known.
    "shipments": {
        "order_id": "string", "delivery_note": "string", "shipped_at": "date", "carrier": "string",
        "tracking_number": "string", "shipping_method": "string", "weight": "decimal",
        "erp_customer_number": "string", "customer_id": "string", "email": "string", "phone": "string",
        "language": "string", "cod_amount": "decimal", "currency": "string", "parcel_count": "int",
        "tracked": "bool", "tracking_urls": "string", "shop_order_id": "string", "carrier_name": "string",
        **_address("delivery"),
        # Label product and billing number (etl/config/carriers.py), customs of one goods position (non-EU labels).
        "label_product": "string", "billing_number": "string", "invoice_number": "string",
        "customs_description": "string", "customs_tariff_number": "string", "customs_value": "decimal",
        "customs_origin": "string", "customs_quantity": "int",
    },
    # One parcel of a delivery note: carrier and parcel number (modified eCommerce's orders_tracking).
    "parcels": {
        "delivery_note": "string", "order_id": "string", "position": "int", "carrier": "string",
        "carrier_name": "string", "tracking_number": "string", "tracking_url": "string", "shipped_at": "date",
    },
    # A GS-Office document (Beleg) for the customer's account; `pdf_file` is the safe name once copied.
    "documents": {
        "document_id": "string", "document_type": "string", "document_number": "string",
        "document_date": "date", "erp_customer_number": "string", "customer_id": "string",
        "order_id": "string", "erp_order_number": "string", "net": "decimal", "tax": "decimal",
        "gross": "decimal", "currency": "string", "pdf_file": "string",
    },
    # An open order considered for a payment request (one per order and reminder level).
    "payment_requests": {
        "request_id": "string", "order_id": "string", "store_id": "string", "order_date": "datetime",
        "customer_name": "string", "email": "string", "language": "string", "payment_code": "string",
        "payment_type": "string", "payment_status": "string", "status": "string", "currency": "string",
        "amount": "decimal", "level": "int", "payment_url": "string",
    },
}


# The natural key of a record of each entity: what "the same record" means across runs (etl/state/delta.py).
KEYS: dict[str, tuple[str, ...]] = {
    "categories": ("category_id",),
    "category_texts": ("category_id", "language"),
    "articles": ("sku",),
    "article_texts": ("sku", "language"),
    "article_media": ("sku", "kind", "position"),
    "prices": ("sku", "kind", "price_group", "customer_number", "min_quantity", "valid_from"),
    "variants": ("sku", "option"),
    "bom_lines": ("sku", "component_sku"),
    "relations": ("sku", "related_sku", "kind"),
    "stock": ("sku", "warehouse"),
    "stock_levels": ("sku",),
}


def schema(entity: str) -> pa.Schema:
    """Arrow schema of a neutral entity, lineage columns included."""
    fields = {**ENTITIES[entity], **LINEAGE}
    return pa.schema([pa.field(name, TYPES[kind]) for name, kind in fields.items()])


def field_type(entity: str, name: str) -> str | None:
    """Neutral type name of `entity.name`, or None when the entity has no such field."""
    return {**ENTITIES[entity], **LINEAGE}.get(name)

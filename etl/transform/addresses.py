"""Address checks a carrier layout asks for (`options.address_check`): refused before a label is wasted."""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc

from etl.shared.records import KEY, Mapped
from etl.shared.rejects import Reject, rejects_where
from etl.transform.compute import split_street
from etl.transform.layout import TargetLayout


def check_addresses(layout: TargetLayout, mapped: Mapped) -> list[Reject]:
    """Refuse addresses a carrier cannot take: no house number, a postcode unlike the country's."""
    rule: dict[str, Any] = layout.options.get("address_check") or {}
    if not rule:
        return []
    table = mapped.records[layout.root]
    rejects: list[Reject] = []
    if "house_number" in rule:
        number = table.column(rule["house_number"])
        rejects += rejects_where(table, pc.is_null(number), rule["house_number"], number, "no-house-number", KEY)
    if "street_line" in rule:
        street = table.column(rule["street_line"]).combine_chunks()
        missing = pc.and_(pc.is_valid(street), pc.is_null(split_street(street)[1]))
        rejects += rejects_where(table, missing, rule["street_line"], street, "no-house-number", KEY)
    country = table.column(rule["country"]) if "country" in rule else None
    postcode = table.column(rule["postcode"]) if "postcode" in rule else None
    for code, pattern in (rule.get("postcode_patterns") or {}).items():
        if country is None or postcode is None:
            break
        wrong = pc.and_(pc.equal(country, code), pc.invert(pc.match_substring_regex(postcode, pattern)))
        rejects += rejects_where(table, wrong, rule["postcode"], postcode, "carrier-refused", KEY, {"country": code})
    return rejects

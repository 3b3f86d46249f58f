"""The `customer_numbers:` section of etl.yaml: the range new ERP customer numbers come from (etl/state/links.py)."""

from __future__ import annotations

from etl.shared.strict import Strict


class NumberRange(Strict):
    """ERP customer numbers: prefix + zero-padded counter, e.g. K010000."""

    prefix: str = ""
    start: int = 10000
    width: int = 0
    guests: str = "by_email"  # by_email: one number per guest e-mail; or a fixed number for all guests
    use_shop_numbers: bool = True  # a shop customer number (customers_cid) is taken as the ERP number

"""Mail tests; `mailing` is the working folder they share: orders imported, SMTP on a local test server."""

from __future__ import annotations

from etl.config import Config
from tests.conftest import ORDERS, run_orders
from tests.flows.test_shipments import configure


def mailing(workspace: Config, port: int, **settings: str) -> Config:
    """`workspace` sending mail through 127.0.0.1:`port` (plus mail `settings`), with orders imported."""
    config = configure(workspace, mail={"sender": "Kaffee & Co. <shop@kaffee-co.example.de>",
                                        "shop_name": "Kaffee & Co.", **settings,
                                        "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}})
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    return config

"""Sample inputs of every flow (the bundled samples/, else tests/data/), with what each flow needs first.

`SAMPLES[flow]` says how a fresh working folder gets to where the flow has something to do: settings,
earlier runs of other flows (the shop's orders imported, so that ERP documents find their customers)
and the flow's own export files. Tests generated over `FLOWS` take their inputs from here; a flow
without an entry fails them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from etl.bundled import bundled
from etl.config import Config
from etl.pipeline import run_flow
from tests.conftest import DATA, ORDERS, drop
from tests.flows.test_payment_requests import OPEN
from tests.flows.test_payment_requests import configure as allow_payment_requests
from tests.flows.test_shipments import SHIPMENTS
from tests.flows.test_shipments import configure as configure_carriers

CATALOG = DATA / "catalog"
SHOP_ORDERS = sorted((bundled("samples") / "orders").glob("*.csv"))  # what `etl init --samples` drops


@dataclass(frozen=True)
class Sample:
    """How a flow gets inputs: settings, runs of other flows before it (flow, files), its own files."""

    inputs: list[Path]
    before: list[tuple[str, list[Path]]] = field(default_factory=list)
    settings: Callable[[Config], Config] | None = None
    media: list[Path] = field(default_factory=list)  # folders copied into media/ (files the records name)

    def prepare(self, config: Config, change: Callable[[list[Path]], None] | None = None) -> tuple[Config, list[Path]]:
        """Set `config` up and drop the flow's files into the inbox; returns the config and the dropped files.

        `change` may alter the dropped files (the flow's own, or those of the last run before it if the
        flow reads no files of its own) before they are read.
        """
        if self.settings:
            config = self.settings(config)
        config.folder("media").mkdir(parents=True, exist_ok=True)
        for folder in self.media:
            shutil.copytree(folder, config.folder("media"), dirs_exist_ok=True)
        for index, (flow, files) in enumerate(self.before):
            dropped = drop(config, *files)
            if change and not self.inputs and index == len(self.before) - 1:
                change(dropped)
            run_flow(config, flow, "csv")
        dropped = drop(config, *self.inputs)
        if change and dropped:
            change(dropped)
        return config, dropped


SAMPLES: dict[str, Sample] = {
    "orders": Sample(SHOP_ORDERS),
    "customers": Sample([DATA / "customers" / "xtc_cp1252"]),
    "catalog": Sample(sorted(CATALOG.glob("*.csv")), media=[CATALOG / "media"]),
    "articles": Sample([DATA / "articles" / "xtc_cp1252"]),
    "stock": Sample([CATALOG / "lagerbestand.csv", CATALOG / "stueckliste.csv", CATALOG / "varianten.csv"]),
    "shipments": Sample([SHIPMENTS], before=[("orders", [ORDERS / "xtc_csv_cp1252"])], settings=configure_carriers),
    "documents": Sample([DATA / "documents" / "belegexport.csv"], before=[("orders", [ORDERS / "xtc_csv_cp1252"])],
                        media=[DATA / "documents" / "media"]),
    "erp-orders": Sample([DATA / "erp_orders"], before=[("orders", [ORDERS / "xtc_csv_cp1252"])]),
    # Reads the order history and the ERP's relations that earlier runs staged, no inbox file.
    "cross-selling": Sample([], before=[("catalog", sorted(CATALOG.glob("*.csv"))),
                                        ("orders", [ORDERS / "xtc_csv_cp1252"])], media=[CATALOG / "media"]),
    "payment-requests": Sample([OPEN], settings=allow_payment_requests),
}

"""`etl init`: a working folder with its own config and editable copies of the mappings."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl.bundled import bundled
from etl.config import CONFIG_NAME, Config
from etl.shared.errors import UsageError

CONFIG_TEXT = """\
# Working folder of the hhg-multistore <-> Sage GS-Office bridge.
# Paths are relative to this file. Mappings, templates and schemas are looked up here first,
# then in the bundled defaults: copy a file here and edit it to adapt a layout.
folders:
  inbox: inbox        # drop exports here
  outbox: outbox      # import files appear in outbox/sage/ and outbox/shop/
  archive: archive    # processed inputs
  error: error        # refused inputs, each with a .reason.txt
  rejects: rejects    # records refused inside good files
  reports: reports    # one JSON report per run
  staging: staging    # neutral tables of recent runs (Parquet)
  state: state        # the ledger: what was imported, id links
mappings: [mappings]
templates: [templates]
schemas: [schemas]
language: de          # summaries and reject files: de or en (`--lang` and ETL_LANG override it)
# Shipping (etl run shipments): the sender printed on labels, carrier settings, tracking mails.
# sender: {name: Muster GmbH, street: Industriestraße, house_number: "5", postcode: "70565",
#          city: Stuttgart, country: DE, email: versand@example.de}
# carriers:
#   dhl: {billing_number: "12345678900101", cod_iban: DE02120300000000202051}
# mail:
#   sender: "Muster GmbH <shop@example.de>"
#   smtp: {host: smtp.example.de, port: 587, security: starttls, user: shop@example.de}
#   # the password: environment variable ETL_SMTP_PASSWORD, or password_file: secrets/smtp.txt
# ERP customer numbers for customers new to GS-Office (orders, customers):
# customer_numbers: {prefix: "", start: 10000, width: 0, guests: by_email, use_shop_numbers: true}
# Let the orders flow write the customers of its orders as a GS-Office customer import too:
# flows:
#   orders: {extra_targets: [sage/customers.yaml]}
# Payment-request mails (etl run payment-requests) are off until enabled, see docs/account.md.
# Write the shop-bound flows straight into the shop's database too, see docs/shop-database.md:
# shop:
#   database: {host: db.example.de, port: 3306, user: etl, database: shop, transactions: repair}
#   # the password: environment variable ETL_SHOP_DB_PASSWORD, or password_file: secrets/shop-db.txt
# Automatic mode (etl watch), see docs/operations.md:
# watch: {quiet_seconds: 5, poll: false}
"""


COPIED = ("mappings", "templates", "schemas")  # the bundled folders a working folder gets editable copies of


def kept_files(folder: Path) -> list[Path]:
    """The files of an existing working folder that `create_workspace` keeps as they are: its etl.yaml and copies."""
    config = folder / CONFIG_NAME
    copies = sorted(path for kind in COPIED for path in (folder / kind).rglob("*") if path.is_file())
    return ([config] if config.is_file() else []) + copies


def create_workspace(folder: Path, samples: bool = False) -> Path:
    """Create (or complete) a working folder; existing files are kept, never overwritten."""
    folder = folder.resolve()
    for name in ("inbox", "outbox", "archive", "error", "rejects", "reports", "staging", "state"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    config = folder / CONFIG_NAME
    if not config.exists():
        config.write_text(CONFIG_TEXT, encoding="utf-8")
    for kind in COPIED:
        shutil.copytree(bundled(kind), folder / kind, dirs_exist_ok=True, copy_function=_copy_new)
    if samples:
        for sample in sorted(bundled("samples").glob("*/*")):
            if sample.suffix.lower() in (".csv", ".xml", ".json", ".xlsx", ".txt") and \
                    not sample.name.lower().startswith("readme"):
                _copy_new(sample, folder / "inbox" / sample.name)
    return folder


def _copy_new(source: str | Path, target: str | Path) -> None:
    if not Path(target).exists():
        shutil.copy2(source, target)


def check_inbox(config: Config) -> Path:
    """The inbox folder; a missing one, or a file in its place, is a UsageError (a typo must not pass)."""
    inbox = config.folder("inbox")
    if inbox.is_file():
        raise UsageError(f"the inbox {inbox} is a file, not a folder; name the folder the exports are dropped in")
    if not inbox.is_dir():
        raise UsageError(f"the inbox {inbox} does not exist; check --inbox or folders.inbox in "
                         f"{config.base / CONFIG_NAME}, or create the folder")
    return inbox

"""The working folder's configuration (`etl.yaml`): folders, where layouts live, which layouts a flow uses."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from etl.bundled import bundled, load_yaml
from etl.config.carriers import Carrier, Sender, default_carriers
from etl.config.customer_numbers import NumberRange
from etl.config.mail import MailSettings, PaymentRequestSettings
from etl.config.notify import NotifySettings
from etl.config.problems import validation_problems
from etl.config.shop import ShopSettings
from etl.config.storefronts import Stores, store_problems
from etl.i18n import N_
from etl.os_compat import read_text_file
from etl.shared.errors import ConfigError, UsageError
from etl.shared.strict import Strict

CONFIG_NAME = "etl.yaml"
CONFIG_ENV = "ETL_CONFIG"
# Shown when no working folder is found (the merchant-facing text of this module).
NO_CONFIG = (f"no {CONFIG_NAME} in this folder or above it, and ${CONFIG_ENV} is not set; "
             "create one with `etl init DIR` and run from there, or name it with --config")


class Folders(Strict):
    """Where files are in each state; relative paths are relative to the config file."""

    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    archive: Path = Path("archive")
    error: Path = Path("error")
    rejects: Path = Path("rejects")
    reports: Path = Path("reports")
    staging: Path = Path("staging")
    state: Path = Path("state")
    media: Path = Path("media")  # image and PDF files the ERP's catalog export names (etl/load/media.py)


class FlowConfig(Strict):
    """Layout files of one flow (names under the mapping folders, or paths)."""

    source: str | None = None
    target: str | None = None
    extra_targets: list[str] | None = None  # more layouts written by the same run (e.g. carrier labels)


class ScheduleEntry(Strict):
    """Run a flow's waiting files together every `every_seconds` instead of as they arrive."""

    flow: str
    every_seconds: float = Field(gt=0)
    format: str | None = None


class WatchConfig(Strict):
    """Settings of the automatic mode (`etl watch`); every key has a default."""

    quiet_seconds: float = Field(default=5.0, ge=0)  # size and mtime unchanged this long = complete
    close_events: bool = True  # a file its writer closed is complete sooner (inotify; Windows: a probe)
    closed_settle_seconds: float = Field(default=0.3, ge=0)  # closed and unchanged this long = complete
    poll: bool = False  # watchdog's polling observer, for network shares
    poll_interval: float = Field(default=2.0, gt=0)
    rescan_seconds: float = Field(default=30.0, gt=0)  # full inbox scan even without events
    done_marker: bool = False  # take `name` only once `name.done` exists
    set_timeout_seconds: float = Field(default=600.0, gt=0)  # incomplete set moved aside after this
    batch_max: int = Field(default=200, ge=1)  # self-contained files of one flow processed in one run
    formats: dict[str, str] = {}  # flow -> output format (default csv)
    set_tables: dict[str, list[str]] = {"orders": ["orders", "orders_products", "orders_total"]}
    schedule: list[ScheduleEntry] = []
    log_file: Path = Path("state/watch.log")


class Config(Strict):
    """A validated `etl.yaml`."""

    base: Path = Path(".")
    folders: Folders = Folders()
    mappings: list[Path] = [Path("mappings")]
    templates: list[Path] = [Path("templates")]
    schemas: list[Path] = [Path("schemas")]
    flows: dict[str, FlowConfig] = {}
    keep_staging_runs: int = 20
    # ERP customer number range (config/customer_numbers.py): prefix, start, width, guests.
    customer_numbers: NumberRange = NumberRange()
    stores: Stores = {}  # per shop store id: name, outbox subfolder, number range, field values (config/storefronts.py)
    watch: WatchConfig = WatchConfig()
    carriers: dict[str, Carrier] = Field(default_factory=default_carriers)
    sender: Sender = Sender()  # the sender printed on carrier labels
    mail: MailSettings = MailSettings()
    notify: NotifySettings = NotifySettings()  # mails to the merchant from `etl watch` (config/notify.py)
    payment_requests: PaymentRequestSettings = PaymentRequestSettings()
    shop: ShopSettings = ShopSettings()  # the shop's database for the direct target (config/shop.py)
    language: Literal["de", "en"] = "de"  # summaries and reject files; `--lang` and $ETL_LANG override it

    @field_validator("carriers", mode="before")
    @classmethod
    def _over_defaults(cls, value: object) -> object:
        """Keys given in etl.yaml change the default carriers; new names add carriers."""
        if not isinstance(value, dict):
            return value
        merged = {k: c.model_dump() for k, c in default_carriers().items()}
        for name, given in value.items():
            merged[name] = {**merged.get(name, {}), **(given or {})}
        return merged


    def folder(self, name: str) -> Path:
        """Absolute path of a working folder (inbox, outbox, archive, ...)."""
        return (self.base / getattr(self.folders, name)).resolve()

    def search(self, kind: str) -> tuple[Path, ...]:
        """The folders searched for mappings, templates or schemas: the user's first, then bundled."""
        own = [(self.base / p).resolve() for p in getattr(self, kind)]
        return (*[p for p in own if p.is_dir()], bundled(kind))

    def find_mapping(self, name: str) -> Path:
        """The first mapping file called `name` along the search path."""
        candidate = Path(name)
        if candidate.is_absolute():
            return candidate
        for folder in self.search("mappings"):
            if (folder / name).is_file():
                return folder / name
        return self.search("mappings")[-1] / name


def find_config(start: Path | None = None, environ: dict[str, str] | None = None) -> Path | None:
    """The etl.yaml of the current folder or its nearest parent, else the one $ETL_CONFIG names."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate / CONFIG_NAME
    named = (os.environ if environ is None else environ).get(CONFIG_ENV)
    return Path(named) if named else None


def load_config(path: Path | None = None) -> Config:
    """Read `path`, or the etl.yaml `find_config` finds; none at all is a UsageError saying what to do."""
    if path is None:
        path = find_config()
        if path is None:
            raise UsageError(NO_CONFIG)
    if path.is_dir():
        path = path / CONFIG_NAME
    try:
        text = read_text_file(path)
        data = load_yaml(text) or {}
    except FileNotFoundError:
        raise ConfigError([N_("{file}: config file not found").format(file=path)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([N_("{file}: not valid YAML: {error}").format(file=path, error=exc)]) from None
    if not isinstance(data, dict):
        raise ConfigError([N_("{file}: expected settings (key: value), found {found}").format(
            file=path, found=type(data).__name__)])
    try:
        config = Config(**{**data, "base": path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(validation_problems(path, text, Config, exc)) from None
    problems = store_problems(config.stores, config.customer_numbers, config.find_mapping)
    if problems:
        raise ConfigError([f"{path}: {problem}" for problem in problems])
    return config

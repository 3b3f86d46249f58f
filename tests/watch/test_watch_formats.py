"""`etl watch` refuses, before it watches, a `watch.formats` entry its flow cannot write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from etl.config import Config, load_config
from etl.flows import FLOWS
from etl.load.registry import WRITERS, formats_for
from etl.pipeline.layouts import get_flow, load_layouts
from etl.shared.errors import UsageError
from etl.watch.service import watch
from tests.conftest import ORDERS


def _with_formats(config: Config, formats: dict[str, str]) -> Config:
    data = yaml.safe_load((config.base / "etl.yaml").read_text(encoding="utf-8")) or {}
    data.setdefault("watch", {})["formats"] = formats
    (config.base / "etl.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(config.base / "etl.yaml")


def _unwritable(config: Config) -> list[tuple[str, str]]:
    pairs = []
    for name, flow in FLOWS.items():
        if flow.built:
            system = load_layouts(config, get_flow(name)).target.system
            pairs += [(name, fmt) for fmt in WRITERS if fmt not in formats_for(name, system)]
    return pairs


def test_every_format_a_flow_cannot_write_stops_the_watcher_before_it_reads(workspace: Config) -> None:
    pairs = _unwritable(workspace)
    assert pairs  # xtsol serves the catalog only
    for name, fmt in pairs:
        config = _with_formats(workspace, {name: fmt})
        dropped = Path(shutil.copy2(ORDERS / "flat_cp1252.csv", config.folder("inbox") / "orders.csv"))
        with pytest.raises(UsageError) as refused:
            watch(config, once=True)
        assert refused.value.exit_code == 2 and name in str(refused.value) and fmt in str(refused.value)
        assert dropped.read_bytes() == (ORDERS / "flat_cp1252.csv").read_bytes()
        assert not any(config.folder("archive").rglob("*")) and not any(config.folder("error").rglob("*"))


def test_a_format_the_flow_writes_is_taken(workspace: Config) -> None:
    config = _with_formats(workspace, {"orders": "xml"})
    shutil.copy2(ORDERS / "flat_cp1252.csv", config.folder("inbox") / "orders.csv")
    watch(config, once=True)
    assert list((config.folder("outbox") / "sage").glob("orders_*.xml"))

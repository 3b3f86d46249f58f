"""A file whose records were rejected is taken again in every flow: nothing lost, nothing written twice.

For each flow (FLOWS) the sample export meets a cause outside the file that refuses some of its records:
an entry missing from a value map of the working folder's layout, a field limit set too short there, or
a state not reached yet (the documents' customers are linked by the shop's orders import). The merchant
fixes the cause and drops the same file again: it is taken again, the records refused for the cause are
written now, and what the first run wrote is skipped. The published import files of both runs hold
together exactly what one run without the cause writes, each line once.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.config import Config, load_config
from etl.flows import FLOWS
from etl.pipeline import load_layouts, run_flow
from etl.report.run_report import RunReport
from etl.workspace import create_workspace
from tests.conftest import drop
from tests.flows.samples import SAMPLES, Sample
from tests.flows.test_formats import _main_outputs


def _layout(config: Config, name: str) -> Path:
    return config.base / "mappings" / name


def _edit(config: Config, name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
    """Change the working folder's copy of layout `name`; returns how the merchant puts it right again."""
    path = _layout(config, name)
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return lambda: path.write_text(text, encoding="utf-8")


@dataclasses.dataclass(frozen=True)
class Unmapped:
    """An entry the merchant's layout lacks in one of its value maps (the reject says: add it there)."""

    layout: str
    map: str
    entry: str
    words = "value map"

    def cause(self, config: Config, sample: Sample) -> tuple[Sample, Callable[[], None]]:
        """Remove the entry; the fix puts the layout back."""
        return sample, _edit(config, self.layout, lambda data: data["value_maps"][self.map].pop(self.entry))


@dataclasses.dataclass(frozen=True)
class TooShort:
    """A field of the merchant's target layout limited too short, refusing longer values."""

    layout: str
    record: str
    field: str
    length: int
    words = "is longer than"

    def cause(self, config: Config, sample: Sample) -> tuple[Sample, Callable[[], None]]:
        """Limit the field; the fix puts the layout back."""
        def limit(data: dict[str, Any]) -> None:
            field = next(f for f in data["records"][self.record]["fields"] if f["name"] == self.field)
            field.update(max_length=self.length, overflow="reject")
        return sample, _edit(config, self.layout, limit)


@dataclasses.dataclass(frozen=True)
class NotYet:
    """The runs of other flows the sample needs first come only after the export (no customer linked yet)."""

    words: str

    def cause(self, config: Config, sample: Sample) -> tuple[Sample, Callable[[], None]]:
        """The sample without its earlier runs; the fix runs them."""
        def run_them() -> None:
            for flow, files in sample.before:
                drop(config, *files)
                run_flow(config, flow, "csv")
        return dataclasses.replace(sample, before=[]), run_them


# What refuses records of each flow's sample (tests/flows/samples.py) without touching the file.
CAUSES: dict[str, Unmapped | TooShort | NotYet | None] = {
    "orders": Unmapped("sage/orders.yaml", "payment_types", "paypal"),
    "customers": TooShort("sage/customers.yaml", "customers", "Ort", 8),
    "catalog": Unmapped("shop/catalog.yaml", "tax_classes", "7"),
    "articles": Unmapped("sage/articles.yaml", "tax_keys", "19"),
    "stock": TooShort("shop/stock.yaml", "products_quantity", "products_model", 6),
    "shipments": Unmapped("shop/shipments.yaml", "order_status", "0"),
    "documents": NotYet("no shop customer is linked"),
    "erp-orders": NotYet("no shop customer is linked"),
    "cross-selling": None,  # reads what other flows staged, no file of its own: nothing to take again
    "payment-requests": Unmapped("shop/payment_requests.yaml", "payment_status", "1"),
}


def _lines(config: Config, flow: str, report: RunReport) -> Counter[str]:
    """The data lines of the run's published import files (the flow's own target), by file kind.

    A flow sending deltas sends a record refused last time whole, with its rows of the other shop
    tables (texts, prices) that went out beside the refused article and replace themselves: its
    records are the root's lines.
    """
    lines: Counter[str] = Counter()
    root = load_layouts(config, FLOWS[flow]).target.root
    for path in _main_outputs(config, flow, "csv", report.outputs, report.run_id):
        kind = re.sub(rf"^{re.escape(flow)}_{re.escape(report.run_id)}", "", path.name)
        if FLOWS[flow].delta and kind not in (".csv", f"_{root}.csv"):
            continue
        text = path.read_bytes().decode("cp1252", "replace")
        lines.update(f"{kind}: {line}" for line in text.splitlines()[1:] if line.strip())
    return lines


def test_every_flow_has_a_cause() -> None:
    assert set(CAUSES) == set(FLOWS)


@pytest.mark.parametrize("flow", list(FLOWS))
def test_a_file_with_rejected_records_is_taken_again_and_writes_only_the_rest(tmp_path: Path, flow: str) -> None:
    sample, how = SAMPLES[flow], CAUSES[flow]
    if how is None:
        assert not sample.inputs and FLOWS[flow].extract_staged is not None  # no inbox file of its own
        return
    clean_config, _ = sample.prepare(load_config(create_workspace(tmp_path / "clean")))
    clean = run_flow(clean_config, flow, "csv")
    whole = _lines(clean_config, flow, clean)

    config = load_config(create_workspace(tmp_path / "work"))
    secret = clean_config.folder("state") / "media.key"  # the same private file names and pay-link tokens
    if secret.is_file():
        shutil.copy2(secret, config.folder("state") / secret.name)
    first_sample, fix = how.cause(config, sample)
    config, _ = first_sample.prepare(config)
    first = run_flow(config, flow, "csv")
    assert first.rejected > clean.rejected, first.rejects
    assert any(how.words in r.reason for r in first.rejects), first.rejects
    taken = [f.name for f in first.files if f.status == "archived"]  # imported with records refused
    assert taken and not any((config.folder("inbox") / name).exists() for name in taken)

    fix()
    drop(config, *sample.inputs)  # the same export, byte for byte
    again = run_flow(config, flow, "csv")
    assert [f.status for f in again.files if f.name in taken] == ["archived"] * len(taken), again.files
    assert (again.written, again.rejected) == (clean.written - first.written, clean.rejected), again
    assert again.skipped >= first.written, again
    before, now = _lines(config, flow, first), _lines(config, flow, again)
    assert not before & now, f"written twice: {sorted(before & now)}"
    assert before + now == whole

    drop(config, *sample.inputs)  # and once more: what is left is refused in the file itself
    last = run_flow(config, flow, "csv")
    assert last.written == 0 and not _lines(config, flow, last), last

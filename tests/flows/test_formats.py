"""Every flow in every format (FLOWS x WRITERS): files that hold every written record, or refused up front.

A format that does not serve a flow (etl/load/registry.py: xtsol the catalog, sql the flows whose target
is the shop) is refused before anything is read: exit 2, the inbox untouched, nothing in the ledger.
And should a writer still take records without a file to hold them, the run fails and records nothing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from etl.config import Config
from etl.flows import FLOWS
from etl.load import registry
from etl.load.base import writer_for
from etl.load.registry import WRITERS, WriterSpec
from etl.pipeline import load_layouts, run_flow
from etl.pipeline.chunks import NothingPublished
from etl.shared.errors import UsageError
from tests.flows.samples import SAMPLES
from tests.test_cli import etl

MATRIX = [pytest.param(flow, fmt, id=f"{flow}-{fmt}") for flow in FLOWS for fmt in WRITERS]


def _folder_state(folder: Path) -> dict[str, str]:
    """Every file below `folder` with the hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _ledger(config: Config, sql: str, *params: str) -> list[tuple[str, ...]]:
    path = config.folder("state") / "ledger.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


def _written_keys(config: Config, flow: str, fmt: str, run_id: str) -> list[str]:
    """The root record keys the run committed (not the per-row once keys or label keys beside them)."""
    layouts = load_layouts(config, FLOWS[flow], fmt)
    prefixes = tuple(f"{name}:" for name in layouts.target.records) + tuple(
        f"{extra.flow}-label:" for extra in layouts.extra)
    return [key for (key,) in _ledger(config, "SELECT record FROM records WHERE run_id = ?", run_id)
            if not key.startswith(prefixes)]


def _main_outputs(config: Config, flow: str, fmt: str, outputs: list[str], run_id: str) -> list[Path]:
    """The outputs of the flow's own target layout in `fmt` (not labels, mails or media beside them).

    A layout of a document per record (openTRANS) names each file after its record's key.
    """
    target = load_layouts(config, FLOWS[flow], fmt).target
    records = "|".join(map(re.escape, target.records)) + ("|[A-Za-z0-9._-]+" if target.xml.per_record else "")
    pattern = re.compile(rf"{re.escape(flow)}_{run_id}(_({records}))?\.{writer_for(fmt).extension}")
    return [Path(p) for p in outputs if pattern.fullmatch(Path(p).name)]


@pytest.mark.parametrize(("flow", "fmt"), MATRIX)
def test_a_flow_writes_a_format_into_files_or_refuses_it_up_front(workspace: Config, flow: str, fmt: str) -> None:
    config, dropped = SAMPLES[flow].prepare(workspace)
    inbox, runs = _folder_state(config.folder("inbox")), _ledger(config, "SELECT run_id FROM runs")
    if fmt not in FLOWS[flow].formats:
        with pytest.raises(UsageError) as refused:
            run_flow(config, flow, fmt)
        assert f"its formats: {', '.join(FLOWS[flow].formats)}" in str(refused.value)
        assert _folder_state(config.folder("inbox")) == inbox
        assert _ledger(config, "SELECT run_id FROM runs") == runs
        return
    report = run_flow(config, flow, fmt)
    assert report.written > 0, report
    files = _main_outputs(config, flow, fmt, report.outputs, report.run_id)
    assert files and all(f.is_file() for f in files), report.outputs
    text = "\n".join(f.read_bytes().decode("cp1252" if fmt in ("csv", "txt", "xtsol") else "utf-8", "replace")
                     for f in files)
    text += "\n".join(f.name for f in files)  # a document per record is named after its key (openTRANS)
    keys = _written_keys(config, flow, fmt, report.run_id)
    assert 0 < len(set(keys)) <= report.written
    for key in keys:  # a key made of fields (document type:number, order-reminder level) is found field by field
        assert key in text or all(part in text for part in re.split("[:-]", key)), f"{key}: in no {fmt} file"
    assert not any((config.folder("inbox") / p.name).exists() for p in dropped)  # archived: imported


@pytest.mark.parametrize(("flow", "fmt"), [p for p in MATRIX if p.values[1] not in FLOWS[p.values[0]].formats])
def test_the_command_line_refuses_a_format_of_another_flow_with_exit_2(workspace: Config, flow: str,
                                                                       fmt: str) -> None:
    config, _ = SAMPLES[flow].prepare(workspace)
    inbox = _folder_state(config.folder("inbox"))
    result = etl("run", flow, "--format", fmt, "-c", config.base / "etl.yaml")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"kann nicht als {fmt} geschrieben werden" in result.stderr and ", ".join(FLOWS[flow].formats) in (
        result.stderr), result.stderr
    assert _folder_state(config.folder("inbox")) == inbox


def test_every_flow_has_samples_and_a_format() -> None:
    assert set(SAMPLES) == set(FLOWS)
    assert all(flow.formats for flow in FLOWS.values())


def test_a_writer_that_takes_records_without_a_file_fails_the_run_and_records_nothing(
        workspace: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    # A writer whose registry line is too wide (it took orders and wrote no line for them): the pipeline
    # must not count the run, archive the exports or remember the orders as imported.
    monkeypatch.setitem(registry.WRITERS, "xtsol", WriterSpec(WRITERS["xtsol"].path, "declared for every flow"))
    config, _ = SAMPLES["orders"].prepare(workspace)
    inbox = _folder_state(config.folder("inbox"))
    with pytest.raises(NothingPublished, match="counted as written, but the xtsol writer made no file"):
        run_flow(config, "orders", "xtsol")
    assert _folder_state(config.folder("inbox")) == inbox
    assert _ledger(config, "SELECT run_id FROM runs") == []
    assert _ledger(config, "SELECT record FROM records") == []
    assert not [p for p in config.folder("outbox").rglob("*") if p.is_file()]
    (saved,) = config.folder("reports").glob("orders_*.json")
    text = saved.read_text(encoding="utf-8")
    assert '"status": "failed"' in text and "made no file that holds them" in text
    # the next run, in a format that holds orders, imports them all
    report = run_flow(config, "orders", "csv")
    assert report.written > 0 and not report.skipped

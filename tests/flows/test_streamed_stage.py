"""Chunks are mapped and written while the file is still being read: a file refused deep inside
leaves no trace, although records of it were already written, numbered and counted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.pipeline import stage
from etl.workspace import create_workspace
from tests.conftest import ORDERS, run_orders

GENERATE = Path(__file__).parents[2] / "bench" / "generate.py"


def _generate(lines: int, path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    module.generate(lines, path, seed=3)


def _outputs(report_outputs: list[str]) -> dict[str, bytes]:
    return {Path(p).name.split("_")[-1]: Path(p).read_bytes() for p in report_outputs}


def test_a_file_refused_after_its_first_chunks_were_written_is_undone_whole(
        workspace: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    restarts: list[str] = []

    class Counted(stage.Restage):
        def __init__(self, reason: str) -> None:
            restarts.append(reason)
            super().__init__(reason)

    monkeypatch.setattr(stage, "Restage", Counted)  # raised by staged(), caught by run.py as a Restage
    big = tmp_path / "1_orders_flat.csv"
    _generate(30_000, big)  # ~15 MB: several chunks before the bad byte
    data = bytearray(big.read_bytes())
    at = data.index(b"Stra", len(data) * 4 // 5)
    data[at] = 0x81  # no character in cp1252: the file cannot be read past here
    big.write_bytes(bytes(data))
    good = tmp_path / "2_flat_cp1252.csv"
    good.write_bytes((ORDERS / "flat_cp1252.csv").read_bytes())

    report = run_orders(workspace, big, good)

    assert len(restarts) == 1  # chunks of the bad file had gone on: the chunk phase started over
    refused = {f.name: f for f in report.files if f.status == "error"}
    assert list(refused) == ["1_orders_flat.csv"]
    assert "cp1252" in (refused["1_orders_flat.csv"].reason or "")
    assert [p.name for p in workspace.folder("error").rglob("*.csv")] == ["1_orders_flat.csv"]
    assert report.written > 0

    alone = load_config(create_workspace(tmp_path / "alone"))
    expected = run_orders(alone, good)
    # counts, rejects, customer numbers and files as if the refused file had never been there
    assert (report.records_in, report.written, report.rejected) == (
        expected.records_in, expected.written, expected.rejected)
    assert [(r.file, r.line, r.field, r.reason) for r in report.rejects if r.file == good.name] == [
        (r.file, r.line, r.field, r.reason) for r in expected.rejects]
    assert _outputs(report.outputs) == _outputs(expected.outputs)
    staged = workspace.folder("staging") / report.run_id
    assert len(list(staged.iterdir())) == 1  # the refused file left nothing staged

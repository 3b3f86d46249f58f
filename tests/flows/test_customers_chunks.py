"""The customers flow in chunks: a set of many chunks gives the files and rejects one chunk gives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import etl.fast.store
import etl.flows.customers
from etl.config import Config, load_config
from etl.pipeline import run_flow
from etl.shared.records import Chunk
from etl.workspace import create_workspace
from tests.conftest import DATA, drop

CUSTOMERS = DATA / "customers"
SETS = {"shop": [CUSTOMERS / "xtc_cp1252"], "shop_utf8": [CUSTOMERS / "xtc_utf8"],
        "shop_and_template": [CUSTOMERS / "xtc_cp1252", CUSTOMERS / "template_filled.csv"]}


def _run(config: Config, sources: list[Path]) -> tuple[list[bytes], list[tuple], tuple[int, int, int]]:
    """The output files' contents, the rejects and the counts of a customers run over `sources`."""
    drop(config, *sources)
    report = run_flow(config, "customers", "csv")
    rejects = [(r.file, r.line, r.record, r.field, r.value, r.code, sorted(r.params.items())) for r in report.rejects]
    outputs = [Path(p).read_bytes() for p in sorted(report.outputs, key=lambda p: Path(p).name.split("_")[-1])]
    return outputs, rejects, (report.records_in, report.written, report.rejected)


@pytest.mark.parametrize("name", sorted(SETS))
def test_many_chunks_give_what_one_chunk_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    whole = _run(load_config(create_workspace(tmp_path / "one")), SETS[name])
    monkeypatch.setattr(etl.fast.store, "CHUNK_RECORDS", 3)
    made: list[int] = []

    @dataclass
    class Counted(Chunk):
        def __post_init__(self) -> None:
            made.append(self.neutral["customers"].num_rows)

    monkeypatch.setattr(etl.flows.customers, "Chunk", Counted)
    parts = _run(load_config(create_workspace(tmp_path / "many")), SETS[name])
    assert len(made) > 2 and sum(made) == whole[2][1]  # several chunks, each customer in one (merged ones too)
    assert whole[1] and whole[2][2] > 0  # refused customers, with their reasons
    assert parts == whole

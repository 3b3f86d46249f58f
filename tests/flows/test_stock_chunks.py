"""Stock comes in chunks of whole articles: a set read three articles at a time gives what one chunk gives.

From the catalog sample's stock, BOM and variant files (tests/flows/samples.py), with a set refused for a
component quantity of 0 and a stock row with an unreadable quantity; then a second run (the delta) after
a warehouse was emptied of an article and another article's stock changed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pytest

from etl.config import Config, load_config
from etl.fast import store
from etl.pipeline import run_flow
from etl.report.run_report import RunReport, read_rejects
from etl.workspace import create_workspace
from tests.flows.samples import SAMPLES

_RUN = re.compile(rb"stock_\d{8}-\d{6}-[0-9a-f]{6}")


def _spoil(files: list[Path]) -> None:
    """A set with a component of quantity 0 (refused whole) and a warehouse row whose Bestand is no number."""
    for path in files:
        if path.name == "stueckliste.csv":
            path.write_bytes(path.read_bytes() + b"PF-220;PF-200;1\r\nPF-220;GW-300;0\r\n")
        if path.name == "lagerbestand.csv":
            path.write_bytes(path.read_bytes() + b"BU-400;Au\xdfenlager;viele\r\n")


def _later(files: list[Path]) -> None:
    """The next export: PF-200's outer warehouse emptied (its row gone), GW-300's outer stock 3 -> 5."""
    for path in files:
        if path.name == "lagerbestand.csv":
            path.write_bytes(path.read_bytes().replace(b"PF-200;Au\xdfenlager;5\r\n", b"")
                             .replace(b"GW-300;Au\xdfenlager;3", b"GW-300;Au\xdfenlager;5"))


def _runs(folder: Path, fmt: str) -> list[RunReport]:
    config: Config = load_config(create_workspace(folder))
    reports = []
    for later in (False, True):
        def change(files: list[Path], later: bool = later) -> None:
            _spoil(files)
            if later:
                _later(files)
        SAMPLES["stock"].prepare(config, change)
        reports.append(run_flow(config, "stock", fmt))
    return reports


def _outputs(report: RunReport) -> dict[str, bytes]:
    """Each output file by its record type, the run id left out."""
    return {Path(p).name.rsplit("_", 1)[-1]: _RUN.sub(b"<run>", Path(p).read_bytes()) for p in report.outputs}


@pytest.mark.parametrize("fmt", ["csv", "txt"])
def test_many_chunks_give_the_files_and_rejects_of_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       fmt: str) -> None:
    whole = _runs(tmp_path / "whole", fmt)
    read: list[int] = []
    chunks = store.Store.chunks

    def by_three(self: store.Store, parts: Mapping[str, str], size: int = 0) -> Iterator[dict[str, pa.Table]]:
        for part in chunks(self, parts, 3):
            read.append(part["stock_levels"].num_rows)
            yield part

    monkeypatch.setattr(store.Store, "chunks", by_three)
    parts = _runs(tmp_path / "parts", fmt)

    # 9 variants, PF-200, PF-201, PF-202, GW-300, BU-400, XX-999, the set PF-210 and the parent TS-100 in each
    # run, at most three places (of articles' rows, not all articles') a chunk
    assert sum(read) == 2 * 17 and max(read) <= 3 and len(read) >= 2 * 6
    for before, after in zip(whole, parts, strict=True):
        assert (after.records_in, after.written, after.rejected, after.skipped) == \
            (before.records_in, before.written, before.rejected, before.skipped)
        assert _outputs(after) == _outputs(before)
        assert after.rejects_file and before.rejects_file
        assert list(read_rejects(Path(after.rejects_file))) == list(read_rejects(Path(before.rejects_file)))
    first, second = parts
    assert (first.records_in, first.written, first.rejected) == (20, 17, 3)
    delta = {name: list(csv.reader(io.StringIO(text.decode()), delimiter=";" if fmt == "csv" else "\t"))[1:]
             for name, text in _outputs(second).items()}
    assert delta[f"stock.{fmt}"] == [["PF-200", "Außenlager", "0"], ["GW-300", "Außenlager", "5"]]
    assert [row[0] for row in delta[f"quantity.{fmt}"]] == ["PF-200", "GW-300", "PF-210"]

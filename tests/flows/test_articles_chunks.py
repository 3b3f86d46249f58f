"""Articles come in chunks of whole products: a set read a product at a time gives what one chunk gives."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pytest

from etl.config import load_config
from etl.fast import store
from etl.pipeline import run_flow
from etl.report.run_report import RunReport, read_rejects
from etl.workspace import create_workspace
from tests.conftest import DATA, drop
from tests.flows.test_articles import _RUN, _TIME


def _run(folder: Path, source: str, fmt: str) -> RunReport:
    config = load_config(create_workspace(folder))
    drop(config, DATA / "articles" / source)
    return run_flow(config, "articles", fmt)


def _outputs(report: RunReport) -> dict[str, bytes]:
    """Each output file by its record type, run id and time left out."""
    return {Path(p).name.rsplit("_", 1)[-1]: _TIME.sub(b"<created>", _RUN.sub(b"<run>", Path(p).read_bytes()))
            for p in report.outputs}


@pytest.mark.parametrize("fmt", ["csv", "xml"])
@pytest.mark.parametrize("source", ["xtc_cp1252", "phpmyadmin_json"])
def test_many_chunks_give_the_files_and_rejects_of_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       source: str, fmt: str) -> None:
    whole = _run(tmp_path / "whole", source, fmt)
    read: list[int] = []
    chunks = store.Store.chunks

    def counted(self: store.Store, parts: Mapping[str, str], size: int = 0) -> Iterator[dict[str, pa.Table]]:
        for part in chunks(self, parts, size):
            read.append(part["articles"].num_rows)
            yield part

    monkeypatch.setattr(store, "CHUNK_RECORDS", 1)
    monkeypatch.setattr(store.Store, "chunks", counted)
    parts = _run(tmp_path / "parts", source, fmt)

    assert read == [1, 1, 1]  # PF-200, PF-201 and TE-110 (the products at places 0-2), each with its rows
    assert (parts.records_in, parts.written, parts.rejected) == (whole.records_in, whole.written, whole.rejected)
    assert (parts.records_in, parts.written, parts.rejected) == (7, 3, 4)
    assert _outputs(parts) == _outputs(whole)
    assert parts.rejects_file and whole.rejects_file
    assert list(read_rejects(Path(parts.rejects_file))) == list(read_rejects(Path(whole.rejects_file)))

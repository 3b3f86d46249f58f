"""A catalog read back from its store in many chunks of whole articles writes what one chunk writes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from etl.config import load_config
from etl.fast.store import Store
from etl.pipeline import RunOptions, run_flow
from etl.workspace import create_workspace
from tests.flows.samples import SAMPLES

_RUN = re.compile(rb"catalog_\d{8}-\d{6}-[0-9a-f]{6}")
_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _run(folder: Path, fmt: str) -> tuple[tuple[int, int, int], dict[str, bytes], list[tuple[Any, ...]]]:
    """The catalog sample run in a new working folder: counts, outputs (run and time left out), rejects."""
    config, _ = SAMPLES["catalog"].prepare(load_config(create_workspace(folder)))
    report = run_flow(config, "catalog", fmt, RunOptions())
    outputs = {re.sub(r"_\d{8}-\d{6}-[0-9a-f]{6}", "", Path(p).name):
               _TIME.sub(b"", _RUN.sub(b"", Path(p).read_bytes())) for p in report.outputs if Path(p).is_file()}
    media = str(config.folder("media"))
    # The media step refuses a missing file chunk by chunk (a category's image with the first chunk): in order of files.
    rejects = sorted((r.file, r.line, r.record, r.field, r.value, r.code,
                      sorted((k, str(v).replace(media, "media")) for k, v in r.params.items())) for r in report.rejects)
    return (report.records_in, report.written, report.rejected), outputs, rejects


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_a_catalog_in_chunks_of_three_articles_is_written_as_in_one(tmp_path: Path, fmt: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _run(tmp_path / "one", fmt)
    read_back: list[int] = []
    chunks = Store.chunks

    def counted(self: Store, parts: Any, size: int = 0) -> Iterator[Any]:
        for part in chunks(self, parts, size):
            read_back.append(part["articles"].num_rows)
            yield part

    monkeypatch.setattr("etl.flows.catalog.ARTICLES_PER_CHUNK", 3)
    monkeypatch.setattr(Store, "chunks", counted)
    parts = _run(tmp_path / "many", fmt)

    assert read_back == [3, 3, 1]  # 7 articles accepted of 8: the refused one leaves no gap in the chunks
    assert whole[0] == parts[0] == (8, 7, 1)
    assert whole[2] == parts[2] and len(whole[2]) >= 3
    assert sorted(whole[1]) == sorted(parts[1]) and len(whole[1]) == 16
    for name, content in whole[1].items():
        assert parts[1][name] == content, name

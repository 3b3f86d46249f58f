"""A long delimited file read in many small blocks: every row keeps its true source line."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.extract import csv_source, read_file


@pytest.mark.parametrize("breaks_every", [pytest.param(7, id="many-line-breaks"), pytest.param(0, id="none")])
def test_line_numbers_run_on_across_blocks(tmp_path: Path, breaks_every: int) -> None:
    path = tmp_path / "long.csv"
    lines, expected = ["id;note;pad"], []
    for i in range(150_000):  # ~9 MB: several 1 MB read blocks, more than one combined batch
        note = f'"Zeile {i}\nweiter"' if breaks_every and i % breaks_every == 0 else f"Größe {i}"
        expected.append(len(lines) + 1)
        lines.extend(f"{i};{note};{'x' * 40}".split("\n"))
    path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    tables = read_file(path)
    batches = list(tables[0].batches())
    table = tables[0].read_all()
    assert len(batches) > 1 and table.num_rows == 150_000
    assert table.column("_line").to_pylist() == expected
    assert table.column("id").to_pylist() == [str(i) for i in range(150_000)]
    assert max(b.nbytes for b in batches[:-1]) >= csv_source.BLOCK_SIZE  # small reads combined


def test_reads_ahead_small_blocks() -> None:
    assert csv_source.READ_BLOCK * 4 <= csv_source.BLOCK_SIZE
